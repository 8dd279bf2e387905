"""Findings as Markdown, for a pull request comment or a review document.

User text (component names, messages built from them) is escaped so that a name such as
`*cart*` or `<script>` is shown as typed, never rendered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from archrev.model.types import SystemModel
from archrev.rules.findings import Finding, Severity, sort_key
from archrev.rules.grouping import FindingGroup, grouped_rows

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~<>-])")


def escape(text: str) -> str:
    """Text that Markdown shows literally (also inside a table cell: no bare `|` or newline)."""
    return _SPECIAL.sub(r"\\\1", text).replace("\n", " ").replace("&", "&amp;")


def summary_line(findings: Sequence[Finding]) -> str:
    counts = {s: 0 for s in Severity}
    for f in findings:
        counts[f.severity] += 1
    parts = [f"{n} {s.value}" for s, n in counts.items() if n]
    return f"{len(findings)} findings" + (f" ({', '.join(parts)})" if parts else "")


def findings_markdown(
    model: SystemModel,
    findings: Sequence[Finding],
    *,
    title: str | None = None,
    heading_level: int = 1,
) -> str:
    """A Markdown report: a summary table, then each finding grouped by severity."""
    h = "#" * max(1, min(heading_level, 5))
    lines = [f"{h} {escape(title or f'Findings for {model.system.display_name}')}", ""]
    lines.append(summary_line(findings) + ".")
    lines.append("")
    if not findings:
        lines.append("No findings.")
        return "\n".join(lines) + "\n"
    lines += ["| Severity | Rule | Components | Finding |", "| --- | --- | --- | --- |"]
    ordered = sorted(findings, key=sort_key)
    # many components with the same gap (no metrics, no capacity) read as one row each rule
    rows = grouped_rows(ordered, len(model.components))
    for f in rows:
        if isinstance(f, FindingGroup):
            comps = f"{len(f.findings)} components"
        else:
            comps = ", ".join(escape(c) for c in f.components[:4])
            if len(f.components) > 4:
                comps += f" \\+{len(f.components) - 4}"
        lines.append(f"| {f.severity.value} | {f.rule_id} | {comps} | {escape(f.message)} |")
    lines.append("")
    for severity in Severity:
        group = [f for f in rows if f.severity == severity]
        if not group:
            continue
        count = sum(len(f.findings) if isinstance(f, FindingGroup) else 1 for f in group)
        lines += [f"{h}# {severity.value.capitalize()} ({count})", ""]
        for f in group:
            lines.append(f"- **{f.rule_id}** {escape(f.title)}: {escape(f.message)}")
            if f.remediation:
                lines.append(f"  *What to do:* {escape(f.remediation)}")
            if isinstance(f, FindingGroup):
                lines.append(
                    f"  <sub>{escape(f.findings[0].category)} · {len(f.findings)} findings, "
                    "one per component in the JSON and SARIF reports</sub>"
                )
            else:
                lines.append(f"  <sub>{escape(f.category)} · fingerprint `{f.fingerprint}`</sub>")
        lines.append("")
    return "\n".join(lines)
