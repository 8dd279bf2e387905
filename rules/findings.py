"""What the rules report: a finding, its severity and its fingerprint.

A finding is a plain frozen value so that the app, the reports and later reviews can keep,
compare and serialise it without knowing which rule made it. Its fingerprint is built from
the rule id and the ids of the components that identify it, never from names or numbers,
so a finding keeps its identity while the architect renames a box or the load changes.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from hashlib import sha256
from typing import Any, NamedTuple

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


class About(NamedTuple):
    """What a finding takes from the rule that made it: one per rule, shared by its findings."""

    rule_id: str
    title: str
    remediation: str = ""
    category: str = ""
    principle: str = ""


# A message or evidence either given, or built on first reading (see `Finding`): a tuple
# (function, *arguments) — the cheapest to make, a large model makes tens of thousands —
# or a zero-argument callable.
Message = str | tuple[Any, ...] | Callable[[], str]
Evidence = dict[str, Any] | tuple[Any, ...] | Callable[[], dict[str, Any]]


def _built(recipe: tuple[Any, ...] | Callable[[], Any]) -> Any:
    """What a message or evidence left to be built on first reading comes to."""
    if isinstance(recipe, tuple):
        return recipe[0](*recipe[1:])
    return recipe()


class Finding:
    """One thing a reviewer would flag, with the numbers behind it and what to do.

    A value: every field is read-only and two findings are equal when everything but the
    evidence is. It is built for the price of a few attribute stores, because a large model
    has tens of thousands of findings and the app reanalyses on every edit while showing a
    screenful of them. So the rule's metadata is shared (`About`), the fingerprint is hashed
    on first reading, and a rule may hand over its message and evidence as a function with
    its arguments, `(describe, ctx, comp)`, that is called on first reading and kept.
    """

    __slots__ = ("_about", "_components", "_evidence", "_key", "_message", "_print", "_severity")

    def __init__(
        self,
        rule_id: str,
        severity: Severity,
        title: str,
        message: Message,
        components: tuple[str, ...],
        evidence: Evidence | None = None,
        remediation: str = "",
        category: str = "",
        principle: str = "",
        fingerprint: str = "",
    ) -> None:
        self._about = About(rule_id, title, remediation, category, principle)
        self._severity = severity
        self._message = message
        self._components = components
        self._evidence = {} if evidence is None else evidence
        self._key = components
        # a stored fingerprint (a report read back) is kept as it was written
        self._print = fingerprint or None

    @classmethod
    def of(
        cls,
        about: About,
        severity: Severity,
        message: Message,
        components: tuple[str, ...],
        evidence: Evidence,
        key: tuple[str, ...],
    ) -> Finding:
        """A finding with a rule's shared `About`, and `key` the component ids that identify
        it (its fingerprint); the rules' own findings are `Hit`s the engine completes."""
        finding = object.__new__(cls)
        finding._about = about
        finding._severity = severity
        finding._message = message
        finding._components = components
        finding._evidence = evidence
        finding._key = key
        finding._print = None
        return finding

    @property
    def rule_id(self) -> str:
        return self._about.rule_id

    @property
    def severity(self) -> Severity:
        return self._severity

    @property
    def title(self) -> str:
        return self._about.title

    @property
    def message(self) -> str:
        message = self._message
        if not isinstance(message, str):
            message = self._message = _built(message)
        return message

    @property
    def components(self) -> tuple[str, ...]:
        return self._components

    @property
    def evidence(self) -> dict[str, Any]:
        evidence = self._evidence
        if not isinstance(evidence, dict):
            evidence = self._evidence = _built(evidence)
        return evidence

    @property
    def remediation(self) -> str:
        return self._about.remediation

    @property
    def category(self) -> str:
        return self._about.category

    @property
    def principle(self) -> str:
        return self._about.principle

    @property
    def fingerprint(self) -> str:
        found = self._print
        if found is None:
            found = self._print = fingerprint(self._about.rule_id, self._key)
        return found

    @property
    def rank(self) -> int:
        return self._severity.rank

    def with_evidence(self, evidence: Evidence) -> Finding:
        """The same finding with other evidence (a fold adds what it absorbed)."""
        other = Finding.of(
            self._about, self._severity, self._message, self._components, evidence, self._key
        )
        other._print = self._print
        return other

    def _identity(self) -> tuple[Any, ...]:
        return (
            self.rule_id,
            self._severity,
            self.title,
            self.message,
            self._components,
            self.remediation,
            self.category,
            self.principle,
            self.fingerprint,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return (
            f"Finding(rule_id={self.rule_id!r}, severity={self._severity.value!r}, "
            f"components={self._components!r}, message={self.message!r})"
        )


def sort_key(finding: Finding) -> tuple[int, str, tuple[str, ...]]:
    """Worst first, then by rule and components, so output order is stable across runs."""
    return (-finding.severity.rank, finding.rule_id, finding.components)
