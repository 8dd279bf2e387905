"""`archrev review ...`: prepare, run and report a quarterly review from scripts.

A review R is named by its number (`2`, `#2`) or its title (`2026-Q4`). Everything here is
a thin layer over `archrev.model.reviews` and `archrev.rules.review`, the same functions
the review screen calls.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from archrev.tui.cli.options import add_db, add_output, add_system, write_output

TRIAGE_STATES = (
    "open",
    "acknowledged",
    "in_progress",
    "accepted_risk",
    "mitigated",
    "false_positive",
)


def _common(p: argparse.ArgumentParser) -> None:
    add_db(p)
    add_system(p)
    p.add_argument(
        "--as-of",
        metavar="YYYY-MM-DD",
        help="evaluate as if today were this date (expiry of accepted risks, default titles)",
    )


def _with_policy(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--policy",
        metavar="FILE",
        type=Path,
        help="policy file applied on top of the model's own policy section",
    )


def register(sub: argparse._SubParsersAction) -> None:
    review = sub.add_parser(
        "review",
        help="quarterly reviews: checklists, triage, milestones, comparison, reports",
        description="Run a periodic review of a system in the workspace.",
    )
    rs = review.add_subparsers(dest="review_command", metavar="ACTION", parser_class=type(review))

    def show_help(_args: argparse.Namespace) -> int:
        review.print_help()
        return 0

    review.set_defaults(default_handler=show_help)

    p = rs.add_parser("start", help="open a review of the live model")
    _common(p)
    p.add_argument("--title", help="title (default: the calendar quarter, e.g. 2026-Q4)")
    p.add_argument(
        "--reviewer", action="append", default=[], metavar="NAME", help="a reviewer (repeatable)"
    )
    p.add_argument("--notes", default="", help="notes on the review")
    p.add_argument(
        "--template",
        metavar="NAME|FILE",
        help="checklist template: a name from `archrev review templates` or a YAML file "
        "(default: quarterly-scalability)",
    )
    p.add_argument("--no-checklist", action="store_true", help="start without a checklist")
    _with_policy(p)
    p.set_defaults(handler=cmd_start)

    p = rs.add_parser("list", help="list the reviews of a system")
    _common(p)
    p.set_defaults(handler=cmd_list)

    p = rs.add_parser("show", help="print a review: findings with triage, checklist, changes")
    _common(p)
    p.add_argument("review", metavar="R", help="review number or title")
    _with_policy(p)
    p.set_defaults(handler=cmd_show)

    p = rs.add_parser("edit", help="change the title, reviewers or notes of an open review")
    _common(p)
    p.add_argument("review", metavar="R")
    p.add_argument("--title")
    p.add_argument("--reviewer", action="append", metavar="NAME", help="replaces the reviewers")
    p.add_argument("--notes")
    p.set_defaults(handler=cmd_edit)

    p = rs.add_parser("answer", help="answer a checklist item of an open review")
    _common(p)
    p.add_argument("review", metavar="R")
    p.add_argument("code", metavar="CODE", help="item code, e.g. RMP-04")
    p.add_argument("answer", metavar="ANSWER", help="yes, no or na (not applicable)")
    p.add_argument("--note", default="", help="why (required for na and to override the rules)")
    _with_policy(p)
    p.set_defaults(handler=cmd_answer)

    p = rs.add_parser("triage", help="decide what to do about a finding")
    _common(p)
    p.add_argument("review", metavar="R", help="an open review")
    p.add_argument("finding", metavar="FINGERPRINT", help="the fingerprint or a unique prefix")
    p.add_argument("--state", required=True, choices=TRIAGE_STATES)
    p.add_argument("--owner", help="who acts on it")
    p.add_argument("--due", metavar="YYYY-MM-DD", help="when it should be done")
    p.add_argument("--note", help="what was decided")
    p.add_argument("--justification", default="", help="why the risk is accepted")
    p.add_argument("--expiry", metavar="YYYY-MM-DD", help="when an accepted risk is reconsidered")
    _with_policy(p)
    p.set_defaults(handler=cmd_triage)

    p = rs.add_parser("close", help="freeze the review as a milestone")
    _common(p)
    p.add_argument("review", metavar="R")
    _with_policy(p)
    p.set_defaults(handler=cmd_close)

    p = rs.add_parser("diff", help="compare two reviews, or a review with the live model")
    _common(p)
    p.add_argument("review", metavar="R")
    p.add_argument("other", metavar="R2", nargs="?", help="default: the live model")
    p.add_argument("--format", choices=["text", "json"], default="text")
    _with_policy(p)
    add_output(p)
    p.set_defaults(handler=cmd_diff)

    p = rs.add_parser("export", help="write the review report")
    _common(p)
    p.add_argument("review", metavar="R")
    p.add_argument("--format", choices=["md", "html", "json", "csv", "sarif"], default="md")
    _with_policy(p)
    add_output(p)
    p.set_defaults(handler=cmd_export)

    p = rs.add_parser("templates", help="list checklist templates, or check one file")
    p.add_argument("--check", metavar="FILE", type=Path, help="validate a template file")
    p.set_defaults(handler=cmd_templates)


# -- shared ------------------------------------------------------------------------------


def _date(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    from archrev.model.errors import ArchrevError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArchrevError(f"{what}: '{text}' is not a date; write it as YYYY-MM-DD") from None


def _today(args: argparse.Namespace) -> date:
    return _date(args.as_of, "--as-of") or date.today()


def _policy(args: argparse.Namespace) -> Any:
    path = getattr(args, "policy", None)
    if path is None:
        return None
    from archrev.rules.policy import load_policy

    return load_policy(path)


class _Session:
    """The workspace, the store and the system a command works on."""

    def __init__(self, args: argparse.Namespace, *, readonly: bool = False) -> None:
        from archrev.model.reviews import ReviewStore
        from archrev.model.workspace import open_workspace

        # Commands that only read pass readonly=True: they work on a read-only workspace.
        self.ws = open_workspace(args.db, create=False, readonly=readonly)
        try:
            self.system = self.ws.resolve_system(args.system)
        except BaseException:
            self.ws.close()
            raise
        self.store = ReviewStore(self.ws)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.ws.close()


# -- commands ----------------------------------------------------------------------------


def cmd_start(args: argparse.Namespace) -> int:
    from archrev.rules.checklists import load_checklist
    from archrev.rules.review import known_rule_ids, policy_for

    today = _today(args)
    policy = _policy(args)
    with _Session(args) as s:
        checklist = None
        if not args.no_checklist:
            model = s.ws.load(s.system)
            known = known_rule_ids(policy_for(model, policy))
            checklist = load_checklist(args.template, known_rules=known).to_dict()
        review = s.store.start(
            s.system,
            title=args.title,
            reviewers=args.reviewer,
            notes=args.notes,
            checklist=checklist,
            today=today,
        )
    print(f"started review {review.label} of '{review.system_id}'")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    with _Session(args, readonly=True) as s:
        reviews = s.store.reviews(s.system)
    if not reviews:
        print(f"no reviews of '{s.system}' yet; start one with `archrev review start`")
        return 0
    for r in reviews:
        closed = f"closed {r.closed.isoformat()}" if r.closed else "open"
        count = f", {len(r.snapshot['findings'])} findings" if r.snapshot else ""
        who = f", {', '.join(r.reviewers)}" if r.reviewers else ""
        print(f"{r.number:>3}  {r.title:<16} started {r.started.isoformat()}, {closed}{count}{who}")
    return 0


def _state(s: _Session, ref: str, args: argparse.Namespace) -> Any:
    from archrev.rules.review import review_state

    review = s.store.review(s.system, ref)
    return review_state(s.store, review, today=_today(args), policy=_policy(args))


def cmd_show(args: argparse.Namespace) -> int:
    from archrev.rules.checklists import summarize

    with _Session(args, readonly=True) as s:
        st = _state(s, args.review, args)
    r = st.review
    print(
        f"Review {r.label} of '{r.system_id}': {r.status.value}, started {r.started.isoformat()}"
        + (f", closed {r.closed.isoformat()}" if r.closed else "")
    )
    if r.reviewers:
        print(f"Reviewers: {', '.join(r.reviewers)}")
    if r.notes:
        print(f"Notes: {r.notes}")
    sev = ", ".join(f"{n} {k}" for k, n in st.counts_by_severity().items() if n)
    print(f"\nFindings ({len(st.findings)}{': ' + sev if sev else ''}):")
    for tf in st.findings:
        f = tf.finding
        t = tf.triage
        extra = []
        if t and t.owner:
            extra.append(f"owner {t.owner}")
        if t and t.due:
            extra.append(f"due {t.due.isoformat()}")
        if tf.expired and t and t.expiry:
            extra.append(f"accepted risk expired {t.expiry.isoformat()}")
        elif t and t.expiry:
            extra.append(f"until {t.expiry.isoformat()}")
        print(
            f"  {f.severity.value:<8} {tf.state.value:<14} {f.fingerprint}  {f.title}"
            f" [{', '.join(f.components)}]" + (f" ({'; '.join(extra)})" if extra else "")
        )
    if st.resolved:
        print(
            f"\nResolved since {st.previous.label if st.previous else 'the previous review'} "
            f"({len(st.resolved)}):"
        )
        for tf in st.resolved:
            print(f"  {tf.finding.severity.value:<8} {tf.finding.fingerprint}  {tf.finding.title}")
    if st.checklist:
        summary = summarize(st.items)
        print(
            f"\nChecklist {st.checklist.name}: {summary.yes} yes, {summary.no} no, "
            f"{summary.not_applicable} n/a, {summary.unanswered} unanswered"
        )
        for item in st.items:
            auto = f" rules: {item.auto_label}" if item.auto is not None else ""
            note = f" — {item.answer.note}" if item.answer and item.answer.note else ""
            print(
                f"  {item.item.code:<8} {item.outcome.value:<10}{auto:<13} "
                f"{item.item.question}{note}"
            )
    if st.comparison:
        c = st.comparison
        print(
            f"\nCompared with {c.before}: {len(c.new)} new, {len(c.resolved)} resolved, "
            f"{len(c.persisting)} persisting findings"
        )
    return 0


def cmd_edit(args: argparse.Namespace) -> int:
    from archrev.model.reviews import ReviewChanges

    with _Session(args) as s:
        review = s.store.review(s.system, args.review)
        review = s.store.update(
            review, ReviewChanges(title=args.title, reviewers=args.reviewer, notes=args.notes)
        )
    print(f"updated review {review.label}")
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from archrev.rules.checklists import parse_answer
    from archrev.rules.review import answer_item

    value = parse_answer(args.answer)
    with _Session(args) as s:
        review = s.store.review(s.system, args.review)
        answer_item(
            s.store, review, args.code, value, args.note, today=_today(args), policy=_policy(args)
        )
    print(f"review {review.label}: {args.code} = {value.value}")
    return 0


def cmd_triage(args: argparse.Namespace) -> int:
    from archrev.model.reviews import TriageState
    from archrev.rules.review import set_triage

    due = _date(args.due, "--due")
    expiry = _date(args.expiry, "--expiry")
    with _Session(args) as s:
        review = s.store.review(s.system, args.review)
        finding, triage = set_triage(
            s.store,
            review,
            args.finding,
            TriageState(args.state),
            owner=args.owner,
            due=due,
            note=args.note,
            justification=args.justification,
            expiry=expiry,
            today=_today(args),
            policy=_policy(args),
        )
    print(f"{finding.fingerprint} ({finding.title}): {triage.state.label}")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from archrev.rules.review import close_review

    with _Session(args) as s:
        review = s.store.review(s.system, args.review)
        review = close_review(s.store, review, today=_today(args), policy=_policy(args))
    snap = review.snapshot or {}
    n = len(snap.get("findings", []))
    print(f"closed review {review.label} of '{review.system_id}' with {n} findings")
    by_state: dict[str, int] = {}
    for finding in snap.get("findings", []):
        by_state[finding["state"]] = by_state.get(finding["state"], 0) + 1
    if by_state:
        print("  triage: " + ", ".join(f"{k} {v}" for k, v in sorted(by_state.items())))
    if snap.get("checklist"):
        from archrev.rules.review import review_state

        with _Session(args) as s:
            items = review_state(s.store, review).items
        unanswered = [i.item.code for i in items if i.outcome.value == "unanswered"]
        if unanswered:
            print(
                f"  {len(unanswered)} checklist items were left unanswered: "
                + ", ".join(unanswered[:10])
                + (", ..." if len(unanswered) > 10 else "")
            )
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    import json

    from archrev.rules.compare import Side, compare
    from archrev.rules.review import analyse, snapshot_side

    today = _today(args)
    with _Session(args, readonly=True) as s:
        first = s.store.review(s.system, args.review)
        a = (
            snapshot_side(first)
            if first.is_closed
            else analyse(s.ws.load(s.system), _policy(args), today)
        )
        if args.other is None:
            label_b = "the live model"
            b = analyse(s.ws.load(s.system), _policy(args), today)
        else:
            second = s.store.review(s.system, args.other)
            label_b = second.label
            b = (
                snapshot_side(second)
                if second.is_closed
                else analyse(s.ws.load(s.system), _policy(args), today)
            )
    result = compare(
        Side(first.label, a.model, a.findings, a.runway),
        Side(label_b, b.model, b.findings, b.runway),
    )
    if args.format == "json":
        write_output(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", args.output)
        return 0
    lines = [f"{result.before} -> {result.after}"]
    lines.append(
        f"findings: {len(result.new)} new, {len(result.resolved)} resolved, "
        f"{len(result.persisting)} persisting"
    )
    lines += [f"  + {f.severity.value:<8} {f.fingerprint}  {f.title}" for f in result.new]
    lines += [f"  - {f.severity.value:<8} {f.fingerprint}  {f.title}" for f in result.resolved]
    lines += [
        f"  ~ {b4.severity.value} -> {f.severity.value}  {f.fingerprint}  {f.title}"
        for b4, f in result.severity_changed
    ]
    lines.append(
        "by severity: "
        + ", ".join(f"{k} {b}->{a}" for k, (b, a) in result.by_severity.items() if a or b)
    )
    lines.append(
        f"components: {len(result.components_added)} added, "
        f"{len(result.components_removed)} removed, {len(result.components_changed)} changed"
    )
    lines += [f"  + {c}" for c in result.components_added]
    lines += [f"  - {c}" for c in result.components_removed]
    for cid, changes in result.components_changed.items():
        lines.append(
            f"  ~ {cid}: " + ", ".join(f"{c.field} {c.before} -> {c.after}" for c in changes)
        )
    lines.append(
        f"links: {len(result.links_added)} added, {len(result.links_removed)} removed, "
        f"{len(result.links_changed)} changed"
    )
    lines += [f"  + {s_} -> {t}" for s_, t in result.links_added]
    lines += [f"  - {s_} -> {t}" for s_, t in result.links_removed]
    if result.runway:
        lines.append("runway (closest to saturation):")
        for r in result.runway:
            before = _q(r.before.runway) if r.before else "-"
            after = _q(r.after.runway) if r.after else "-"
            lines.append(f"  {r.name}: {before} -> {after} ({r.verdict})")
    write_output("\n".join(lines) + "\n", args.output)
    return 0


def _q(quarter: int | None) -> str:
    return "beyond horizon" if quarter is None else f"Q{quarter}"


def cmd_export(args: argparse.Namespace) -> int:
    from archrev.rules.reports import render

    with _Session(args, readonly=True) as s:
        st = _state(s, args.review, args)
    write_output(render(st, args.format), args.output)
    if args.output is not None:
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    from archrev.rules.checklists import available_templates, load_checklist
    from archrev.rules.review import known_rule_ids

    if args.check is not None:
        checklist = load_checklist(args.check, known_rules=known_rule_ids())
        print(f"{args.check}: ok: '{checklist.name}', {len(checklist.items())} items")
        return 0
    for name, path in available_templates().items():
        checklist = load_checklist(path)
        print(f"{name:<28} {len(checklist.items()):>3} items  {checklist.title}  ({path})")
    return 0
