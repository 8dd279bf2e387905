"""What a rule is, and the catalogue of every rule archrev knows.

A rule is a check function with its metadata beside it: id, title, category, the
scalability principle it serves, default severity, rationale, remediation and named
thresholds with defaults. Each family module (`coupling.py`, `spof.py`, ...) declares its
rules with the `rule(...)` decorator; `catalogue()` collects them, then adds rules from
Python plugins registered under the entry-point group `archrev.rules`.

A check yields `Hit`s (components, message, evidence, optionally a severity that depends on
the numbers); the engine turns hits into findings with the rule's metadata, the policy's
severity and a fingerprint.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from archrev.model.errors import ArchrevError
from archrev.model.types import Component, SystemModel
from archrev.rules.facts import Facts
from archrev.rules.findings import Evidence, Finding, Message, Severity

PLUGIN_GROUP = "archrev.rules"

# Modules holding the built-in rules, in the order `archrev rules list` shows them.
FAMILY_MODULES = (
    "archrev.rules.coupling",
    "archrev.rules.spof",
    "archrev.rules.scaling",
    "archrev.rules.async_processing",
    "archrev.rules.caching",
    "archrev.rules.database",
    "archrev.rules.monitoring",
    "archrev.rules.cost",
    "archrev.rules.debt",
)


class Principle(StrEnum):
    """The scalability principle a rule serves."""

    MODULAR_DESIGN = "modular design"
    HORIZONTAL_SCALING = "horizontal scaling"
    ASYNC_PROCESSING = "async processing"
    CACHING = "caching"
    DATABASE_SCALING = "database scaling"
    MONITORING = "monitoring"
    COST_MANAGEMENT = "cost management"
    TECHNICAL_DEBT = "technical debt"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A number a rule compares against; a policy may override it by name."""

    name: str
    default: float
    description: str


class Hit(Finding):
    """What a check found: a finding whose rule the engine fills in.

    `key` are the component ids that identify the finding (its fingerprint); they default to
    `components`. `severity` overrides the rule's default when the numbers call for it.
    `message` and `evidence` may be left to be built: `(describe, ctx, comp, ...)`, a function
    and the values it needs, is called the first time somebody reads the finding, so a large
    model's tens of thousands of findings do not all pay for number formatting nobody looks
    at. The tuple binds the values now; a lambda over a loop variable would see the loop's
    last value. A zero-argument callable (`functools.partial`) is taken too, at about twice
    the cost to make and to free.
    A hit is the finding itself, not a record copied into one: a large model makes tens of
    thousands of them and the app reanalyses on every edit.
    """

    __slots__ = ()

    def __init__(
        self,
        components: tuple[str, ...],
        message: Message,
        evidence: Evidence | None = None,
        severity: Severity | None = None,
        key: tuple[str, ...] | None = None,
    ) -> None:
        self._components = components
        self._message = message
        self._evidence = {} if evidence is None else evidence
        self._severity = severity  # type: ignore[assignment]  # None: the rule's default
        self._key = key or components
        self._print = None

    @property
    def key(self) -> tuple[str, ...]:
        return self._key


@dataclass(slots=True)
class RuleContext:
    """What a check may read: the model, the shared facts, its thresholds and today's date."""

    model: SystemModel
    facts: Facts
    thresholds: Mapping[str, float]
    today: date

    def threshold(self, name: str) -> float:
        return self.thresholds[name]

    @property
    def components(self) -> dict[str, Component]:
        return self.facts.components

    def name(self, cid: str) -> str:
        """How a message names a component: its display name, with the id when they differ."""
        return self.facts.labels[cid]

    def names(self, ids: Iterable[str], limit: int = 8) -> str:
        """A readable list of components, shortened past `limit`."""
        if not isinstance(ids, list | tuple):
            ids = list(ids)  # lists and tuples are only sliced: no copy of a long one
        labels = self.facts.labels
        shown = ", ".join([labels[c] for c in ids[:limit]])
        if len(ids) > limit:
            shown += f" and {len(ids) - limit} more"
        return shown


Check = Callable[[RuleContext], Iterable[Hit]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    category: str
    principle: str
    severity: Severity
    rationale: str
    remediation: str
    check: Check = field(compare=False, repr=False)
    thresholds: tuple[Threshold, ...] = ()
    source: str = "built-in"  # "built-in", "policy FILE" or the plugin's entry point

    def threshold_defaults(self) -> dict[str, float]:
        return {t.name: t.default for t in self.thresholds}


_BUILT_IN: dict[str, Rule] = {}


def rule(
    *,
    id: str,
    title: str,
    category: str,
    principle: Principle,
    severity: Severity,
    rationale: str,
    remediation: str,
    thresholds: Iterable[Threshold] = (),
) -> Callable[[Check], Check]:
    """Declare a built-in rule: the decorated function is its check."""

    def register(check: Check) -> Check:
        if id in _BUILT_IN:
            raise RuntimeError(f"rule {id} is declared twice")  # a programming error
        _BUILT_IN[id] = Rule(
            id=id,
            title=title,
            category=category,
            principle=str(principle),
            severity=severity,
            rationale=" ".join(rationale.split()),
            remediation=" ".join(remediation.split()),
            check=check,
            thresholds=tuple(thresholds),
        )
        return check

    return register


def built_in_rules() -> list[Rule]:
    for module in FAMILY_MODULES:
        importlib.import_module(module)
    return list(_BUILT_IN.values())


def plugin_rules() -> list[Rule]:
    """Rules from installed plugins: an entry point in group `archrev.rules` names a `Rule`,
    a list of them, or a function returning either."""
    from importlib.metadata import entry_points

    found: list[Rule] = []
    for ep in entry_points(group=PLUGIN_GROUP):
        try:
            obj: Any = ep.load()
            if callable(obj) and not isinstance(obj, Rule):
                obj = obj()
        except Exception as exc:  # a broken plugin is the user's setup, not our bug
            raise ArchrevError(
                f"rule plugin '{ep.name}' ({ep.value}) failed to load: {exc}; "
                "fix or uninstall the package that provides it"
            ) from exc
        items = [obj] if isinstance(obj, Rule) else list(obj or ())
        for item in items:
            if not isinstance(item, Rule):
                raise ArchrevError(
                    f"rule plugin '{ep.name}' ({ep.value}) gave {type(item).__name__}, "
                    "expected archrev.rules.rulebook.Rule"
                )
            found.append(_with_source(item, f"plugin {ep.name}"))
    return found


def _with_source(item: Rule, source: str) -> Rule:
    return Rule(
        id=item.id,
        title=item.title,
        category=item.category,
        principle=item.principle,
        severity=item.severity,
        rationale=item.rationale,
        remediation=item.remediation,
        check=item.check,
        thresholds=item.thresholds,
        source=source,
    )


def catalogue(*, plugins: bool = True) -> list[Rule]:
    """Every rule: built-in first, then plugins. A plugin may not reuse a built-in id."""
    rules = built_in_rules()
    if plugins:
        ids = {r.id for r in rules}
        for extra in plugin_rules():
            if extra.id in ids:
                raise ArchrevError(
                    f"rule plugin ({extra.source}) declares {extra.id}, which is already a rule; "
                    "plugins must use their own ids"
                )
            ids.add(extra.id)
            rules.append(extra)
    return rules


def find_rule(rule_id: str, rules: Iterable[Rule] | None = None) -> Rule:
    import difflib

    pool = {r.id: r for r in (rules if rules is not None else catalogue())}
    wanted = rule_id.strip().upper()
    if wanted in pool:
        return pool[wanted]
    close = difflib.get_close_matches(wanted, list(pool), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]}?" if close else "; `archrev rules list` shows them all"
    raise ArchrevError(f"no rule {rule_id!r}{hint}")


def num(value: float | int | None, digits: int = 2) -> str:
    """A number as a message shows it: thousands separated, no trailing zeros."""
    if value is None:
        return "unknown"
    if not abs(value) < 1e16:  # past ten quadrillion digits say nothing; no nan/inf
        return f"{value:.3g}" if abs(value) < float("inf") else "more than 1e15"
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    return text


def pct(value: float) -> str:
    if not abs(value) < 1e4:  # past a million per cent the figure says nothing; no inf/nan
        return "over 1,000,000 %"
    return f"{value * 100:.0f} %"


# How a message names a kind after "a"/"an": the words an architect would use.
_KIND_NOUNS = {
    "load_balancer": "load balancer",
    "object_store": "object store",
    "search": "search index",
    "ml_model": "ML model",
    "external": "external service",
    "cdn": "CDN",
    "other": "component",
}


def kind_noun(kind: str) -> str:
    """A kind as a noun: `object_store` -> "object store", `search` -> "search index"."""
    value = str(getattr(kind, "value", kind))
    return _KIND_NOUNS.get(value, value.replace("_", " "))


def with_article(noun: str) -> str:
    """`noun` after "a" or "an", by its sound ("an object store", "a user", "an ML model")."""
    first = noun[:1].lower()
    vowel_sound = first in "aeio" or (first == "u" and not noun.lower().startswith(("us", "un")))
    acronym_vowel = noun[:2].isupper() and first in "fhlmnrsx"
    return f"{'an' if vowel_sound or acronym_vowel else 'a'} {noun}"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
