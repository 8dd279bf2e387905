"""What changed between two points in a system's life: two reviews, or a review and the
live model. Findings are matched by fingerprint, components by id, links by their ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from archrev.model.types import SystemModel
from archrev.rules.findings import Finding, Severity

# How many components the runway comparison shows: the ones closest to saturation.
RUNWAY_ROWS = 10


@dataclass(frozen=True)
class RunwayRow:
    """One component's forecast: load, capacity, utilization per quarter and runway."""

    component: str
    name: str
    load: float | None
    capacity: float | None
    utilization: tuple[float, ...]
    runway: int | None  # first quarter at or above the threshold; None: not within horizon

    @property
    def now(self) -> float:
        return self.utilization[0] if self.utilization else 0.0

    @property
    def peak(self) -> float:
        return max(self.utilization) if self.utilization else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "name": self.name,
            "load": self.load,
            "capacity": self.capacity,
            "utilization": [round(u, 4) for u in self.utilization],
            "runway": self.runway,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunwayRow:
        return cls(
            data["component"],
            data.get("name", data["component"]),
            data.get("load"),
            data.get("capacity"),
            tuple(float(u) for u in data.get("utilization", ())),
            data.get("runway"),
        )


def saturation_order(row: RunwayRow) -> tuple[float, float]:
    """Sort key: the soonest runway first, then the highest utilization now."""
    return (row.runway if row.runway is not None else 1e9, -row.now)


@dataclass(frozen=True)
class Side:
    """One end of a comparison."""

    label: str
    model: SystemModel
    findings: Sequence[Finding]
    runway: Sequence[RunwayRow] = ()


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RunwayChange:
    component: str
    name: str
    before: RunwayRow | None
    after: RunwayRow | None

    @property
    def verdict(self) -> str:
        if self.before is None:
            return "new"
        if self.after is None:
            return "gone"
        b = self.before.runway if self.before.runway is not None else 1e9
        a = self.after.runway if self.after.runway is not None else 1e9
        if a > b or (a == b and self.after.now < self.before.now - 0.005):
            return "better"
        if a < b or (a == b and self.after.now > self.before.now + 0.005):
            return "worse"
        return "same"


@dataclass
class Comparison:
    before: str
    after: str
    new: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    persisting: list[Finding] = field(default_factory=list)
    severity_changed: list[tuple[Finding, Finding]] = field(default_factory=list)
    components_added: list[str] = field(default_factory=list)
    components_removed: list[str] = field(default_factory=list)
    components_changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    links_added: list[tuple[str, str]] = field(default_factory=list)
    links_removed: list[tuple[str, str]] = field(default_factory=list)
    links_changed: dict[tuple[str, str], list[FieldChange]] = field(default_factory=dict)
    by_severity: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_category: dict[str, tuple[int, int]] = field(default_factory=dict)
    runway: list[RunwayChange] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return not (
            self.new
            or self.resolved
            or self.components_added
            or self.components_removed
            or self.components_changed
            or self.links_added
            or self.links_removed
            or self.links_changed
            or self.severity_changed
        )

    def to_dict(self) -> dict[str, Any]:
        def brief(f: Finding) -> dict[str, Any]:
            return {
                "fingerprint": f.fingerprint,
                "rule_id": f.rule_id,
                "severity": f.severity.value,
                "title": f.title,
                "components": list(f.components),
            }

        def changes(items: list[FieldChange]) -> list[dict[str, Any]]:
            return [{"field": c.field, "before": c.before, "after": c.after} for c in items]

        return {
            "before": self.before,
            "after": self.after,
            "findings": {
                "new": [brief(f) for f in self.new],
                "resolved": [brief(f) for f in self.resolved],
                "persisting": [brief(f) for f in self.persisting],
                "severity_changed": [
                    {**brief(a), "before": b.severity.value} for b, a in self.severity_changed
                ],
            },
            "components": {
                "added": self.components_added,
                "removed": self.components_removed,
                "changed": {k: changes(v) for k, v in self.components_changed.items()},
            },
            "links": {
                "added": [list(k) for k in self.links_added],
                "removed": [list(k) for k in self.links_removed],
                "changed": [
                    {"source": s, "target": t, "changes": changes(v)}
                    for (s, t), v in self.links_changed.items()
                ],
            },
            "by_severity": {k: {"before": b, "after": a} for k, (b, a) in self.by_severity.items()},
            "by_category": {k: {"before": b, "after": a} for k, (b, a) in self.by_category.items()},
            "runway": [
                {
                    "component": r.component,
                    "name": r.name,
                    "before": r.before.runway if r.before else None,
                    "after": r.after.runway if r.after else None,
                    "utilization_before": round(r.before.now, 4) if r.before else None,
                    "utilization_after": round(r.after.now, 4) if r.after else None,
                    "verdict": r.verdict,
                }
                for r in self.runway
            ],
        }


def _field_changes(before: Any, after: Any, skip: tuple[str, ...]) -> list[FieldChange]:
    a = before.model_dump(mode="json")
    b = after.model_dump(mode="json")
    return [
        FieldChange(name, a.get(name), b.get(name))
        for name in type(before).model_fields
        if name not in skip and a.get(name) != b.get(name)
    ]


def _counts(findings: Sequence[Finding], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for f in findings:
        value = f.severity.value if key == "severity" else (f.category or "uncategorised")
        out[value] = out.get(value, 0) + 1
    return out


def _finding_order(f: Finding) -> tuple[int, str, tuple[str, ...], str]:
    """Worst first, then by rule, components and fingerprint: the same order every call."""
    return (-f.severity.rank, f.rule_id, tuple(f.components), f.fingerprint)


def _runway_order(rows: Sequence[RunwayRow | None], name: str, cid: str) -> tuple[float, str, str]:
    """The soonest runway of either side, then the name, then the id."""
    runway = min(r.runway if r.runway is not None else 1e9 for r in rows if r is not None)
    return (runway, name.casefold(), cid)


def compare(before: Side, after: Side, *, runway_rows: int = RUNWAY_ROWS) -> Comparison:
    # Every list is sorted on a stable key, never left in set or dict order: two reports
    # of the same reviews must read the same, line for line.
    result = Comparison(before.label, after.label)
    old = {f.fingerprint: f for f in before.findings}
    new = {f.fingerprint: f for f in after.findings}
    result.new = sorted((f for fp, f in new.items() if fp not in old), key=_finding_order)
    result.resolved = sorted((f for fp, f in old.items() if fp not in new), key=_finding_order)
    result.persisting = sorted((f for fp, f in new.items() if fp in old), key=_finding_order)
    result.severity_changed = sorted(
        ((old[fp], f) for fp, f in new.items() if fp in old and old[fp].severity != f.severity),
        key=lambda pair: _finding_order(pair[1]),
    )

    comps_a = before.model.component_map()
    comps_b = after.model.component_map()
    result.components_added = sorted(c for c in comps_b if c not in comps_a)
    result.components_removed = sorted(c for c in comps_a if c not in comps_b)
    for cid in sorted(comps_b):
        if cid in comps_a:
            changed = _field_changes(comps_a[cid], comps_b[cid], ("id",))
            if changed:
                result.components_changed[cid] = changed
    links_a = {ln.key: ln for ln in before.model.links}
    links_b = {ln.key: ln for ln in after.model.links}
    result.links_added = sorted(k for k in links_b if k not in links_a)
    result.links_removed = sorted(k for k in links_a if k not in links_b)
    for key in sorted(links_b):
        if key in links_a:
            changed = _field_changes(links_a[key], links_b[key], ("source", "target"))
            if changed:
                result.links_changed[key] = changed

    sev_a, sev_b = _counts(before.findings, "severity"), _counts(after.findings, "severity")
    result.by_severity = {
        s.value: (sev_a.get(s.value, 0), sev_b.get(s.value, 0))
        for s in sorted(Severity, key=lambda s: -s.rank)
    }
    cat_a, cat_b = _counts(before.findings, "category"), _counts(after.findings, "category")
    result.by_category = {c: (cat_a.get(c, 0), cat_b.get(c, 0)) for c in sorted({*cat_a, *cat_b})}

    rows_a = {r.component: r for r in before.runway}
    rows_b = {r.component: r for r in after.runway}

    def name(cid: str) -> str:
        return (rows_b.get(cid) or rows_a[cid]).name

    # The components closest to saturation on either side: what a reader worries about;
    # ties (equal runway and load) are broken by name and id, so the cut is stable too.
    closest = sorted(
        {*rows_a, *rows_b},
        key=lambda c: (
            min(saturation_order(r) for r in (rows_a.get(c), rows_b.get(c)) if r is not None),
            name(c).casefold(),
            c,
        ),
    )[:runway_rows]
    closest.sort(key=lambda c: _runway_order((rows_a.get(c), rows_b.get(c)), name(c), c))
    result.runway = [
        RunwayChange(cid, name(cid), rows_a.get(cid), rows_b.get(cid)) for cid in closest
    ]
    return result
