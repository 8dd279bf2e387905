"""The rule catalogue as Markdown, from the rules' own metadata (docs/rules.md is made
by `archrev rules list --format markdown`)."""

from __future__ import annotations

from collections.abc import Sequence

from archrev.rules.report_markdown import escape
from archrev.rules.rulebook import Rule, num

DEFINITIONS = """## Definitions the rules share

- **Links** point the way requests and messages travel: caller -> callee, producer -> queue
  -> consumer.
- **Entry points** are the components with `peak_rps` set, and clients (except load
  generators tagged `test-traffic` without `peak_rps`: their traffic is a test, not users).
- The **serving path** is the entry points and everything they reach through `required`
  links, without passing through a queue or stream: the queue is on the path (it holds up
  the request), its consumers are not.
- **Single instance**: `replicas <= 1` and no autoscaler with `min >= 2`. `replicas: 0`
  without an autoscaler is no instance at all: where it receives traffic SCL-UTIL reports it
  as critical ("has no running instance"), and no rule calls it a single instance.
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

Rates and latencies are carried up to 10^15 (requests per second, or ms): a model whose
numbers multiply past that is analysed with them cut to 10^15 (SCL-UTIL then says "more
than"), so no result is ever infinite or not a number.

## One finding per root cause

Where two rules state the same fact about the same component, the report keeps one primary
finding: the restating rule is folded into it. The primary keeps its own severity (by
default at least that of what it absorbs; a policy's grading of it is obeyed). Its
evidence lists the folded rule ids under `also` and, under `also_findings`, each folded
finding's message, fingerprint and evidence. The restating rule still fires on its
own wherever its primary does not.

{restatements}

## Grouped rows

In the text and Markdown reports, rules that flag the same gap on many components
({grouped}) are shown as one row per rule when they fire on {min_group} or more components,
e.g. "OBS-METRICS: 11 of 12 components have no metrics: a, b, c, ...". JSON and SARIF keep
one finding per component, so triage by fingerprint works as before.

## Catalogue"""


def _definitions() -> str:
    from archrev.rules.engine import RESTATEMENTS
    from archrev.rules.grouping import GROUPED_RULES, MIN_GROUP

    rows = ["| Folded rule | Into (the first that fires for the component) |", "| --- | --- |"]
    rows += [f"| {rule} | {', '.join(into)} |" for rule, into in RESTATEMENTS.items()]
    return DEFINITIONS.format(
        restatements="\n".join(rows),
        grouped=", ".join(GROUPED_RULES),
        min_group=MIN_GROUP,
    )


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
        _definitions(),
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
