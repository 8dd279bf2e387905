"""Errors a user can cause. Each names the file, the line and what to do.

The command line prints these without a traceback and exits with code 2; anything else
that escapes is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class ArchrevError(Exception):
    """Base of every error caused by input: a bad file, a bad argument, a stale write."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file, at a 1-based line and column."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class InputFileError(ArchrevError):
    """A file that cannot be used, with every problem found in it (not just the first)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.col))
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def single(cls, file: str | Path, message: str, line: int = 0, col: int = 0) -> InputFileError:
        return cls([Problem(str(file), line, col, message)])


class WorkspaceError(ArchrevError):
    """The workspace file cannot be opened or the request does not fit what it holds."""


class StaleWriteError(WorkspaceError):
    """Someone else changed the row since it was read: the write is refused, nothing lost."""
