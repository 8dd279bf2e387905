"""Rows of a findings report: rules that flag the same gap on many components collapse into
one row ("OBS-METRICS: 11 of 12 components have no metrics: a, b, c, ...").

No importer can know a system's monitoring or per-replica capacity, so on an imported system
these rules fire once per component and bury the findings that need a decision. The text
and Markdown reports show them grouped; JSON and SARIF keep one finding per component, so a
review still triages each by its fingerprint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from archrev.rules.findings import Finding, Severity

# Rule id -> what the grouped components have in common, after "N of M components".
GROUPED_RULES: dict[str, str] = {
    "OBS-METRICS": "have no metrics",
    "OBS-ALERTS": "hold up requests but have no alerts",
    "OBS-TRACING": "are on a long synchronous chain but propagate no traces",
    "OBS-COST": "cannot be traced to a team's cost (no cost tags or no owner)",
    "SCL-UNKNOWN": "hold up requests but have no capacity_rps (runway unknown)",
}
# Fewer findings of a rule than this are shown one per row: two rows read fine.
MIN_GROUP = 3
_SHOWN = 10  # component ids named in a grouped row before "and N more"


@dataclass(frozen=True, slots=True)
class FindingGroup:
    """Findings of one rule and severity about the same gap on several components."""

    rule_id: str
    severity: Severity
    findings: tuple[Finding, ...]
    message: str

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(f.components[0] for f in self.findings if f.components)

    @property
    def title(self) -> str:
        return self.findings[0].title

    @property
    def remediation(self) -> str:
        return self.findings[0].remediation


def grouped_rows(
    findings: Sequence[Finding], total_components: int
) -> list[Finding | FindingGroup]:
    """`findings` in their order, with each groupable rule's findings of one severity
    replaced, at the place of the first, by one `FindingGroup` when there are enough."""
    buckets: dict[tuple[str, Severity], list[Finding]] = {}
    for f in findings:
        if f.rule_id in GROUPED_RULES:
            buckets.setdefault((f.rule_id, f.severity), []).append(f)
    rows: list[Finding | FindingGroup] = []
    done: set[tuple[str, Severity]] = set()
    for f in findings:
        key = (f.rule_id, f.severity)
        bucket = buckets.get(key)
        if bucket is None or len(bucket) < MIN_GROUP:
            rows.append(f)
            continue
        if key in done:
            continue
        done.add(key)
        ids = [g.components[0] for g in bucket if g.components]
        # "and 2 more" says less than the two names
        most = len(ids) if len(ids) <= _SHOWN + 2 else _SHOWN
        shown = ", ".join(ids[:most])
        if len(ids) > most:
            shown += f" and {len(ids) - most} more"
        message = (
            f"{f.rule_id}: {len(ids)} of {total_components} components "
            f"{GROUPED_RULES[f.rule_id]}: {shown}"
        )
        rows.append(FindingGroup(f.rule_id, f.severity, tuple(bucket), message))
    return rows
