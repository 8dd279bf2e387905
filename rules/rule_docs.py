"""The rule catalogue as Markdown, from the rules' own metadata (docs/rules.md is made
by `archrev rules list --format markdown`)."""

from __future__ import annotations

from collections.abc import Sequence

from archrev.rules.report_markdown import escape
from archrev.rules.rulebook import Rule, num


def catalogue_markdown(rules: Sequence[Rule]) -> str:
    lines = [
        "# Rule catalogue",
        "",
        "Generated from the rules' metadata by `archrev rules list --format markdown`; "
        "`archrev rules explain ID` prints one rule. Thresholds can be overridden and rules "
        "disabled or re-graded in a policy (see [policy.md](policy.md)).",
        "",
        "| Rule | Default severity | Category | Title |",
        "| --- | --- | --- | --- |",
    ]
    for r in rules:
        anchor = r.id.lower()
        lines.append(
            f"| [{r.id}](#{anchor}) | {r.severity.value} | {escape(r.category)} | "
            f"{escape(r.title)} |"
        )
    lines.append("")
    category = None
    for r in rules:
        if r.category != category:
            category = r.category
            lines += [f"## {escape(category.capitalize())}", ""]
        lines += [
            f"### {r.id}",
            "",
            f"**{escape(r.title)}** · default severity "
            f"*{r.severity.value}* · principle: {escape(r.principle or '-')}",
            "",
        ]
        lines += [escape(r.rationale), ""]
        if r.remediation:
            lines += [f"*What to do:* {escape(r.remediation)}", ""]
        if r.thresholds:
            lines += ["| Threshold | Default | Meaning |", "| --- | --- | --- |"]
            for t in r.thresholds:
                lines.append(f"| `{t.name}` | {num(t.default)} | {escape(t.description)} |")
            lines.append("")
        if r.source != "built-in":
            lines += [f"*From {escape(r.source)}.*", ""]
    return "\n".join(lines)
