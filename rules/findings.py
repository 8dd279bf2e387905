"""What the rules report: a finding, its severity and its fingerprint.

A finding is a plain frozen value so that the app, the reports and later reviews can keep,
compare and serialise it without knowing which rule made it. Its fingerprint is built from
the rule id and the ids of the components that identify it, never from names or numbers,
so a finding keeps its identity while the architect renames a box or the load changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from hashlib import sha256
from typing import Any

from archrev.model.errors import ArchrevError


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """4 for critical down to 0 for info: higher is worse."""
        return _RANKS[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """A severity from what a user typed, with the choices in the error."""
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ArchrevError(f"unknown severity {text!r}: use one of {choices}") from None


_RANKS = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.INFO: 0,
}


def fingerprint(rule_id: str, component_ids: tuple[str, ...] | list[str]) -> str:
    """Stable identity of a finding: the rule and the ids of the components it is about.

    Readable prefix (the rule id) so a person can tell findings apart in a diff, and a hash of
    the ids so that a twenty-component cycle still gives a short key.
    """
    text = "\x1f".join((rule_id, *component_ids))
    # the first 8 bytes in hex are the first 16 hex digits, without hexing all 32
    return f"{rule_id}:{sha256(text.encode()).digest()[:8].hex()}"


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a reviewer would flag, with the numbers behind it and what to do."""

    rule_id: str
    severity: Severity
    title: str
    message: str
    components: tuple[str, ...]
    evidence: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    remediation: str = ""
    category: str = ""
    principle: str = ""
    fingerprint: str = ""

    @property
    def rank(self) -> int:
        return self.severity.rank


def sort_key(finding: Finding) -> tuple[int, str, tuple[str, ...]]:
    """Worst first, then by rule and components, so output order is stable across runs."""
    return (-finding.severity.rank, finding.rule_id, finding.components)
