"""Import and export formats: one module per format, each a pair of plain functions.

Every importer returns an `ImportResult`: the model it built plus an honest account of
where each component and link came from and of what it could not resolve.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from archrev.model.types import SystemModel


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was found: a file and a 1-based line (0 when unknown)."""

    file: str
    line: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass(frozen=True, slots=True)
class ImportNote:
    """Something the importer could not resolve or had to guess, with its location."""

    kind: Literal["unresolved", "unknown", "skipped", "info"]
    message: str
    origin: Origin


@dataclass
class ImportResult:
    model: SystemModel
    format: str
    components: dict[str, Origin] = field(default_factory=dict)
    links: dict[tuple[str, str], Origin] = field(default_factory=dict)
    notes: list[ImportNote] = field(default_factory=list)
    # The leading comment block of an archrev model file, kept when it is written back.
    header: str = ""
    # The files this system was read from (empty: every file of the import).
    files: list[str] = field(default_factory=list)
