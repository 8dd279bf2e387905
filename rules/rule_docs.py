"""The rule catalogue as Markdown, from the rules' own metadata (docs/rules.md is made
by `archrev rules list --format markdown`)."""

from __future__ import annotations

from collections.abc import Sequence

from archrev.rules.report_markdown import escape
from archrev.rules.rulebook import Rule, num

DEFINITIONS = """## Definitions the rules share

- **Links** point the way requests and messages travel: caller -> callee, producer -> queue
  -> consumer.
- **Entry points** are the components with `peak_rps` set, and clients.
- The **serving path** is the entry points and everything they reach through `required`
  links, without passing through a queue or stream: the queue is on the path (it holds up
  the request), its consumers are not.
- **Single instance**: `replicas <= 1` and no autoscaler with `min >= 2`.
- **Load**: an entry point's own load is its `peak_rps`. Each link passes on the source's
  load times `calls`. A cache passes on only its misses (`1 - hit_ratio`). An async link
  into a queue or stream passes on the average, load / `peak_to_average` (the queue absorbs
  the peaks); what leaves a queue is not averaged again. A component's load is its own plus
  all incoming. Links inside a cycle are followed once (no runaway amplification), and the
  cycle is reported by CPL-CYCLE.
- **Capacity**: `capacity_rps` x `replicas`, or x `autoscaling.max` with an autoscaler
  (unbounded, so no utilization, when the autoscaler has no max).
- **Utilization** at quarter q (0 = now .. `horizon_quarters`): load x (1 +
  growth_per_year)^(q/4) / capacity, with the component's growth overriding the system's.
- **Runway**: the first quarter at which utilization reaches the threshold (0.8 unless the
  policy sets `rules.SCL-RUNWAY.thresholds.utilization`).
- **Blast radius** of a component: it and everything that requires it, transitively
  (through required links, not across a queue), and the entry points among them.
- **Dominator**: a component that every required path from the entry points to another
  passes through.

Where a rule needs a field the model lacks (no capacity, no latency), it stays silent
rather than guess; SCL-UNKNOWN and the monitoring rules make those gaps visible.

## Catalogue"""


def _text(rule: Rule, text: str) -> str:
    # Built-in metadata is our own Markdown (`field` names in code spans); text from a
    # policy or a plugin is someone else's and is shown as typed.
    return text if rule.source == "built-in" else escape(text)


def catalogue_markdown(rules: Sequence[Rule]) -> str:
    lines = [
        "# Rule catalogue",
        "",
        "Generated from the rules' metadata by `archrev rules list --format markdown`; "
        "`archrev rules explain ID` prints one rule. Thresholds can be overridden and rules "
        "disabled or re-graded in a policy (see [policy.md](policy.md)).",
        "",
        DEFINITIONS,
        "",
        "| Rule | Default severity | Category | Title |",
        "| --- | --- | --- | --- |",
    ]
    for r in rules:
        anchor = r.id.lower()
        lines.append(
            f"| [{_text(r, r.id)}](#{anchor}) | {r.severity.value} | {_text(r, r.category)} | "
            f"{_text(r, r.title)} |"
        )
    lines.append("")
    category = None
    for r in rules:
        if r.category != category:
            category = r.category
            lines += [f"### {_text(r, category.capitalize())}", ""]
        lines += [
            f"#### {_text(r, r.id)}",
            "",
            f"**{_text(r, r.title)}** · default severity "
            f"*{r.severity.value}* · principle: {_text(r, r.principle or '-')}",
            "",
        ]
        lines += [_text(r, r.rationale), ""]
        if r.remediation:
            lines += [f"*What to do:* {_text(r, r.remediation)}", ""]
        if r.thresholds:
            lines += ["| Threshold | Default | Meaning |", "| --- | --- | --- |"]
            for t in r.thresholds:
                lines.append(f"| `{t.name}` | {num(t.default)} | {_text(r, t.description)} |")
            lines.append("")
        if r.source != "built-in":
            lines += [f"*From {escape(r.source)}.*", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
