"""Commands over the rule engine: check, rules list/explain, capacity, blast.

Everything here runs without Textual: the analysis, the reports and Rich tables only.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from archrev.tui.cli.options import add_db, add_output, add_system, write_output

if TYPE_CHECKING:
    from archrev.model.modelfile import ModelSource
    from archrev.model.types import SystemModel
    from archrev.rules.policy import Policy

SEVERITIES = ["critical", "high", "medium", "low", "info"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check",
        help="run the rules over a model file or a workspace system and report findings",
        description=(
            "Run every rule over a system and report what a reviewer would flag. "
            "Exit code: 1 when a finding is at or above --fail-on, 2 on bad input, else 0."
        ),
    )
    _add_source(p)
    p.add_argument(
        "--format",
        choices=["text", "json", "sarif", "markdown"],
        default="text",
        help="text (a table per severity), json (docs/findings-json.md), sarif 2.1.0, markdown",
    )
    p.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        choices=[*SEVERITIES, "never"],
        default="never",
        help="exit 1 when any finding is at or above this severity "
        "(critical, high, medium, low, info; default: never)",
    )
    p.add_argument(
        "--min-severity",
        metavar="SEVERITY",
        choices=SEVERITIES,
        default="info",
        help="leave out findings below this severity",
    )
    p.add_argument(
        "--explain",
        action="store_true",
        help="text format: add what to do under each finding",
    )
    add_output(p)
    p.set_defaults(handler=cmd_check)

    p = sub.add_parser("rules", help="list the rules, or explain one")
    rsub = p.add_subparsers(dest="rules_command", metavar="COMMAND")
    q = rsub.add_parser("list", help="every rule with its severity and category")
    q.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    q.add_argument("--policy", type=Path, metavar="FILE", help="include this policy's rules")
    add_output(q)
    q.set_defaults(handler=cmd_rules_list)
    q = rsub.add_parser("explain", help="what a rule checks, why, its thresholds and the fix")
    q.add_argument("rule_id", metavar="ID")
    q.add_argument("--policy", type=Path, metavar="FILE", help="include this policy's rules")
    q.set_defaults(handler=cmd_rules_explain)
    p.set_defaults(default_handler=cmd_rules_list, format="text", output=None, policy=None)

    p = sub.add_parser(
        "capacity",
        help="each component's load, capacity, utilization per quarter and runway",
    )
    _add_source(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--all", action="store_true", help="list components without capacity too")
    p.add_argument(
        "--every-quarter",
        action="store_true",
        help="a column for every quarter (default: now, each year, and the horizon)",
    )
    add_output(p)
    p.set_defaults(handler=cmd_capacity)

    p = sub.add_parser("blast", help="what fails when a component fails")
    p.add_argument("component", metavar="COMPONENT", help="component id")
    _add_source(p)
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_output(p)
    p.set_defaults(handler=cmd_blast)


def _add_source(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "model", nargs="?", type=Path, metavar="MODEL.yaml", help="model file (or use --db)"
    )
    add_db(p)
    add_system(p)
    p.add_argument(
        "--policy", type=Path, metavar="FILE", help="policy file (over the model's policy:)"
    )
    p.add_argument(
        "--today",
        metavar="YYYY-MM-DD",
        help="date to judge review dates by (default: today), for reproducible reports",
    )


@dataclass
class _Loaded:
    model: SystemModel
    source: ModelSource | None
    policy: Policy | None
    where: str


def _load(args: argparse.Namespace) -> _Loaded:
    from archrev.model.errors import ArchrevError
    from archrev.rules.policy import load_policy, policy_from_model

    if args.model is not None and (args.db is not None or args.system is not None):
        raise ArchrevError("give either a model file or --db/--system, not both")
    if args.model is not None:
        from archrev.model.modelfile import read_model_with_source

        model, source = read_model_with_source(args.model)
        where = str(args.model)
    else:
        from archrev.model.workspace import open_workspace

        with open_workspace(args.db, create=False, readonly=True) as ws:
            model = ws.load(ws.resolve_system(args.system))
        source = None
        where = f"system {model.system.id}"
    policy = policy_from_model(model, source)
    if args.policy is not None:
        extra = load_policy(args.policy)
        policy = extra if policy is None else policy.merged(extra)
    return _Loaded(model, source, policy, where)


def _today(args: argparse.Namespace) -> Any:
    from datetime import date

    from archrev.model.errors import ArchrevError

    if not getattr(args, "today", None):
        return None
    try:
        return date.fromisoformat(args.today)
    except ValueError:
        raise ArchrevError(f"--today {args.today!r}: use YYYY-MM-DD") from None


def _console(output: Path | None, width: int | None = None) -> Any:
    import io

    from rich.console import Console

    if output is None and sys.stdout.isatty():
        return Console(record=False, width=width), None
    buffer = io.StringIO()
    return Console(file=buffer, width=width or 120, no_color=True, color_system=None), buffer


def _emit(console: Any, buffer: Any, output: Path | None) -> None:
    if buffer is not None:
        write_output(buffer.getvalue(), output)


# --------------------------------------------------------------------------- check
def cmd_check(args: argparse.Namespace) -> int:
    from archrev.rules.engine import analyze
    from archrev.rules.findings import Severity

    loaded = _load(args)
    analysis = analyze(loaded.model, loaded.policy, today=_today(args))
    floor = Severity(args.min_severity).rank
    findings = [f for f in analysis.findings if f.severity.rank >= floor]
    policy_sources = loaded.policy.sources if loaded.policy else []
    if args.format == "json":
        from archrev.rules.report_json import dumps, findings_document

        doc = findings_document(
            loaded.model, findings, source=loaded.source, policy_sources=policy_sources
        )
        write_output(dumps(doc), args.output)
    elif args.format == "sarif":
        import json

        from archrev.rules.report_sarif import sarif_document

        doc = sarif_document(loaded.model, findings, source=loaded.source, rules=analysis.rules)
        write_output(
            json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n", args.output
        )
    elif args.format == "markdown":
        from archrev.rules.report_markdown import findings_markdown

        write_output(findings_markdown(loaded.model, findings), args.output)
    else:
        hidden = len(analysis.findings) - len(findings)
        _print_findings(loaded, findings, args.output, hidden, args.min_severity, args.explain)
    if args.fail_on == "never":
        return 0
    # counted over every finding: --min-severity trims the report, not the verdict
    limit = Severity(args.fail_on).rank
    failing = sum(1 for f in analysis.findings if f.severity.rank >= limit)
    if failing:
        print(
            f"archrev: {failing} finding{'s' if failing != 1 else ''} at or above "
            f"{args.fail_on} (--fail-on {args.fail_on})",
            file=sys.stderr,
        )
        return 1
    return 0


_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}


def _print_findings(
    loaded: _Loaded,
    findings: list[Any],
    output: Path | None,
    hidden: int = 0,
    floor: str = "info",
    explain: bool = False,
) -> None:
    from archrev.rules.findings import Severity
    from archrev.rules.grouping import FindingGroup, grouped_rows
    from archrev.rules.report_markdown import summary_line
    from rich.table import Table
    from rich.text import Text

    console, buffer = _console(output)
    model = loaded.model
    console.print(
        Text(
            f"{model.system.display_name} ({loaded.where}): "
            f"{len(model.components)} components, {len(model.links)} links"
        )
    )
    for severity in Severity:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        title = Text(f"{severity.value.upper()} ({len(group)})", style=_STYLE[severity.value])
        rows = []
        for f in grouped_rows(group, len(model.components)):
            if isinstance(f, FindingGroup):
                where = f"{len(f.findings)} components"
            else:
                where = f.components[0] if f.components else ""
                if loaded.source is not None and where in loaded.source.components:
                    where += f" :{loaded.source.components[where][0]}"
            rows.append((f, where))
        if len(rows) > TABLE_ROWS:
            console.print(title)
            _print_lines(console, rows, explain)
            continue
        table = Table(title=title, title_justify="left", show_lines=False, expand=True)
        table.add_column("Rule", no_wrap=True, style=_STYLE[severity.value])
        table.add_column("Component", no_wrap=True, max_width=28)
        table.add_column("Finding", ratio=1)
        for f, where in rows:
            # Text(), never a markup string: names typed by users are data.
            finding = Text(f.message)
            if explain and f.remediation:
                finding.append("\nWhat to do: " + f.remediation, style="dim")
            table.add_row(Text(f.rule_id), Text(where), finding)
        console.print(table)
    line = summary_line(findings)
    worst = next((f.severity.value for f in findings), None)
    if hidden:
        line += f"; {hidden} below {floor} left out (--min-severity)"
    elif not worst:
        line += ". Nothing to flag"
    console.print(Text(f"{line}." + (f" Worst: {worst}." if worst else ""), style="bold"))
    _emit(console, buffer, output)


# A severity with more rows than this is listed one finding per line instead of in a table:
# laying out a table of tens of thousands of wrapped rows takes rich seconds (13 s for the
# 64,000 findings of a 10,000-component model), and nobody reads such a table on a screen.
TABLE_ROWS = 1000


def _print_lines(console: Any, rows: list[tuple[Any, str]], explain: bool) -> None:
    """Rows as `RULE  COMPONENT  message` lines, unwrapped; written without markup, since
    names typed by users are data."""
    rule_width = max(len(f.rule_id) for f, _ in rows)
    where_width = min(max(len(where) for _, where in rows), 28)
    lines = []
    for f, where in rows:
        lines.append(f"{f.rule_id:<{rule_width}}  {where:<{where_width}}  {f.message}")
        if explain and f.remediation:
            lines.append(f"{'':<{rule_width + where_width + 4}}What to do: {f.remediation}")
    console.out("\n".join(lines), highlight=False)


# --------------------------------------------------------------------------- rules
def _rules_for(args: argparse.Namespace) -> tuple[list[Any], dict[str, str]]:
    """The catalogue (with a policy's custom rules), and what the policy does to each."""
    from archrev.rules.rulebook import catalogue

    rules = catalogue()
    notes: dict[str, str] = {}
    if getattr(args, "policy", None) is None:
        return rules, notes
    from archrev.rules.policy import load_policy

    policy = load_policy(args.policy)
    policy.check_rule_ids(rules)
    rules = rules + list(policy.custom_rules)
    for r in rules:
        parts = []
        if r.id in policy.disabled:
            parts.append("disabled")
        if r.id in policy.severities:
            parts.append(f"severity {policy.severities[r.id].value}")
        for name, value in policy.thresholds.get(r.id, {}).items():
            parts.append(f"{name} = {value:g}")
        if parts:
            notes[r.id] = "policy: " + ", ".join(parts)
    return rules, notes


def cmd_rules_list(args: argparse.Namespace) -> int:
    rules, notes = _rules_for(args)
    if args.format == "json":
        import json

        data = [{**_rule_dict(r), "policy": notes.get(r.id)} for r in rules]
        write_output(json.dumps({"archrev": 1, "rules": data}, indent=2) + "\n", args.output)
        return 0
    if args.format == "markdown":
        from archrev.rules.rule_docs import catalogue_markdown

        write_output(catalogue_markdown(rules), args.output)
        return 0
    from rich.table import Table
    from rich.text import Text

    console, buffer = _console(args.output)
    table = Table(expand=True)
    table.add_column("Rule", no_wrap=True)
    table.add_column("Severity", no_wrap=True)
    table.add_column("Category", no_wrap=True)
    table.add_column("Title", ratio=1)
    for r in rules:
        table.add_row(
            Text(r.id),
            Text(r.severity.value, style=_STYLE[r.severity.value]),
            Text(r.category),
            Text(
                r.title
                + ("" if r.source == "built-in" else f"  [{r.source}]")
                + (f"  ({notes[r.id]})" if r.id in notes else "")
            ),
        )
    console.print(table)
    console.print(Text(f"{len(rules)} rules. `archrev rules explain ID` tells more about one."))
    _emit(console, buffer, args.output)
    return 0


def _rule_dict(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "category": r.category,
        "principle": r.principle,
        "severity": r.severity.value,
        "rationale": r.rationale,
        "remediation": r.remediation,
        "thresholds": [
            {"name": t.name, "default": t.default, "description": t.description}
            for t in r.thresholds
        ],
        "source": r.source,
    }


def cmd_rules_explain(args: argparse.Namespace) -> int:
    import textwrap

    from archrev.rules.rulebook import find_rule, num

    rules, notes = _rules_for(args)
    r = find_rule(args.rule_id, rules)
    out = [f"{r.id}: {r.title}", ""]
    out.append(f"Severity:  {r.severity.value} (default)")
    out.append(f"Category:  {r.category}")
    if r.principle:
        out.append(f"Principle: {r.principle}")
    if r.source != "built-in":
        out.append(f"From:      {r.source}")
    if r.id in notes:
        out.append(f"Policy:    {notes[r.id].removeprefix('policy: ')}")
    out += ["", "Why:"]
    out += textwrap.wrap(r.rationale, 88, initial_indent="  ", subsequent_indent="  ")
    if r.remediation:
        out += ["", "What to do:"]
        out += textwrap.wrap(r.remediation, 88, initial_indent="  ", subsequent_indent="  ")
    if r.thresholds:
        out += ["", f"Thresholds (override in a policy under rules.{r.id}.thresholds):"]
        for t in r.thresholds:
            out.append(f"  {t.name} = {num(t.default)}: {t.description}")
    write_output("\n".join(out) + "\n", None)
    return 0


# --------------------------------------------------------------------------- capacity
def _capacity_rows(loaded: _Loaded, include_all: bool) -> tuple[Any, list[dict[str, Any]]]:
    from archrev.rules.engine import analyze
    from archrev.rules.scaling import no_instance

    analysis = analyze(loaded.model, loaded.policy, today=None)
    facts = analysis.facts
    rows = []
    for comp in loaded.model.components:
        util = facts.utilization(comp.id)
        # replicas 0 with traffic: no capacity at all, out of headroom now
        outage = no_instance(comp) and (facts.load[comp.id] > 0 or comp.id in facts.serving_path)
        if util is None and not include_all and not outage:
            continue
        rows.append(
            {
                "component": comp.id,
                "name": comp.display_name,
                "kind": comp.kind.value,
                "load_rps": round(facts.load[comp.id], 3),
                "capacity_rps": facts.capacity[comp.id],
                "growth_per_year": facts.growth(comp.id),
                "utilization": None if util is None else [round(u, 4) for u in util],
                "runway_quarter": 0 if outage else facts.runway(comp.id),
                "on_serving_path": comp.id in facts.serving_path,
                "no_running_instance": outage,
            }
        )
    return facts, rows


def cmd_capacity(args: argparse.Namespace) -> int:
    loaded = _load(args)
    facts, rows = _capacity_rows(loaded, args.all)
    horizon = facts.horizon
    if args.format == "json":
        import json

        doc = {
            "archrev": 1,
            "kind": "capacity",
            "system": loaded.model.system.id,
            "horizon_quarters": horizon,
            "runway_threshold": facts.runway_threshold,
            "entering_rps": facts.entering_rps,
            "components": rows,
        }
        write_output(json.dumps(doc, indent=2, allow_nan=False) + "\n", args.output)
        return 0
    from archrev.rules.rulebook import num
    from rich.table import Table
    from rich.text import Text

    if args.every_quarter:
        quarters = list(range(horizon + 1))
    else:
        quarters = sorted({0, *range(4, horizon + 1, 4), horizon})
    console, buffer = _console(args.output)
    table = Table(
        title=Text(
            f"{loaded.model.system.display_name}: load and capacity at peak, "
            f"{horizon} quarters ahead (runway = first quarter at "
            f"{facts.runway_threshold:.0%} utilization)"
        ),
        title_justify="left",
    )
    table.add_column("Component", no_wrap=True)
    table.add_column("Load rps", justify="right")
    table.add_column("Capacity rps", justify="right")
    for q in quarters:
        table.add_column(f"Q{q}", justify="right")
    table.add_column("Runway", justify="right")
    for row in rows:
        util = row["utilization"]
        cells = []
        for q in quarters:
            if util is None:
                cells.append(Text("-", style="dim"))
            else:
                u = util[q]
                style = "bold red" if u >= 1 else ("yellow" if u >= facts.runway_threshold else "")
                cells.append(Text(f"{u:.0%}", style=style))
        runway = row["runway_quarter"]
        if row["no_running_instance"]:
            runway_text = Text("now: no instance", style="bold red")
        elif util is None:
            runway_text = Text("unknown", style="dim")
        elif runway is None:
            runway_text = Text(f"> {horizon}q")
        else:
            runway_text = Text("now" if runway == 0 else f"Q{runway}", style="bold")
        table.add_row(
            Text(row["component"]),
            Text(num(row["load_rps"], 1)),
            Text(_capacity_cell(loaded, row)),
            *cells,
            runway_text,
        )
    console.print(table)
    # the question an architect asks of this table: what runs out first, and when
    soon = sorted(
        (row["runway_quarter"], row["component"])
        for row in rows
        if row["runway_quarter"] is not None
    )
    if soon:
        first = ", ".join(f"{cid} ({'now' if q == 0 else f'Q{q}'})" for q, cid in soon[:5])
        more = f" and {len(soon) - 5} more" if len(soon) > 5 else ""
        console.print(Text(f"First to run out of headroom: {first}{more}.", style="bold"))
    else:
        console.print(Text(f"Nothing reaches {facts.runway_threshold:.0%} within the horizon."))
    missing = sum(1 for c in loaded.model.components if facts.capacity[c.id] is None)
    if missing and not args.all:
        console.print(
            Text(
                f"{missing} component{'s' * (missing != 1)} without a known capacity "
                f"{'are' if missing != 1 else 'is'} left out (--all shows them)."
            )
        )
    _emit(console, buffer, args.output)
    return 0


def _capacity_cell(loaded: _Loaded, row: dict[str, Any]) -> str:
    from archrev.rules.rulebook import num

    if row["no_running_instance"]:
        return "0 (replicas: 0)"
    if row["capacity_rps"] is not None:
        return num(row["capacity_rps"], 1)
    comp = loaded.model.component(row["component"])
    if comp.capacity_rps is not None:  # known per replica, no autoscaling ceiling
        return "unbounded"
    return "unknown"


# --------------------------------------------------------------------------- blast
def cmd_blast(args: argparse.Namespace) -> int:
    from archrev.model.errors import ArchrevError
    from archrev.rules.facts import Facts

    loaded = _load(args)
    facts = Facts(loaded.model)
    if args.component not in facts.components:
        import difflib

        close = difflib.get_close_matches(args.component, list(facts.components), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ArchrevError(f"{loaded.where} has no component '{args.component}'{hint}")
    radius = facts.blast_radius(args.component)
    counts = facts.blast_counts(args.component)
    failed = facts.in_order(radius.failed)
    cut = facts.in_order(radius.entry_points_cut)
    critical = [c for c in failed if facts.components[c].tier == "critical"]
    survivors = facts.in_order(facts.entry_points - radius.entry_points_cut)
    # why each entry point goes down: the chain of required links to the failed component
    paths = {ep: facts.failure_path(ep, args.component) for ep in cut}
    if args.format == "json":
        import json

        doc = {
            "archrev": 1,
            "kind": "blast_radius",
            "system": loaded.model.system.id,
            "component": args.component,
            "counts": {
                "failed_total": counts.failed_total,
                "others_failed": counts.others_failed,
                "entry_points_cut": counts.entry_points_cut,
                "entry_points_total": counts.entry_points_total,
                "components_total": counts.components_total,
                "critical_failed": counts.critical_failed,
            },
            "failed": failed,
            "entry_points_cut": cut,
            "entry_point_paths": paths,
            "entry_points_unaffected": survivors,
            "critical_failed": critical,
        }
        write_output(json.dumps(doc, indent=2, allow_nan=False) + "\n", args.output)
        return 0
    from rich.text import Text

    console, buffer = _console(args.output)
    name = facts.components[args.component].display_name
    console.print(Text(counts.summary(name), style="bold"))
    others = [c for c in failed if c != args.component and c not in radius.entry_points_cut]
    for label, ids in (
        ("Fails with it (requires it, directly or through others)", others),
        ("Entry points cut", cut),
        ("Critical components lost", critical),
        ("Entry points still serving", survivors),
    ):
        console.print(Text(f"{label} ({len(ids)}): " + (", ".join(ids) if ids else "none")))
    indirect = [ep for ep in cut if len(paths[ep]) > 2]
    if indirect:
        console.print(Text("Cut off only through what they require:"))
        for ep in indirect:
            chain = " -> ".join(paths[ep])
            console.print(
                Text(
                    f"  {ep} is cut off from {args.component}: {chain}, every link required; "
                    "one optional link on the way (graceful degradation) keeps it serving "
                    f"what does not need {args.component}."
                )
            )
    _emit(console, buffer, args.output)
    return 0
