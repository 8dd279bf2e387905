"""The review as Markdown, for a wiki page or a pull request."""

from __future__ import annotations

from collections.abc import Sequence

from archrev.rules.checklists import summarize
from archrev.rules.compare import Comparison
from archrev.rules.reports.escape import md_cell, md_text
from archrev.rules.review import ReviewState, TriagedFinding


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def _triage_text(tf: TriagedFinding) -> str:
    text = tf.state.label
    if tf.expired and tf.triage and tf.triage.expiry:
        text += f" (accepted risk expired {tf.triage.expiry.isoformat()})"
    elif tf.triage and tf.triage.expiry:
        text += f" until {tf.triage.expiry.isoformat()}"
    return text


def _triage_note(tf: TriagedFinding) -> str:
    t = tf.triage
    if t is None:
        return ""
    bits = [t.note] if t.note else []
    if t.justification:
        bits.append(f"Justification: {t.justification}")
    return " — ".join(bits)


def _comparison(cmp: Comparison) -> list[str]:
    out = [f"## Compared with {md_text(cmp.before)}", ""]
    out.append(
        f"- Findings: **{len(cmp.new)} new**, **{len(cmp.resolved)} resolved**, "
        f"{len(cmp.persisting)} persisting"
    )
    out.append(
        f"- Components: {len(cmp.components_added)} added, {len(cmp.components_removed)} "
        f"removed, {len(cmp.components_changed)} changed; links: {len(cmp.links_added)} added, "
        f"{len(cmp.links_removed)} removed, {len(cmp.links_changed)} changed"
    )
    out.append("")
    if cmp.new:
        out += ["### New findings", ""]
        out += [
            f"- {md_text(f.severity.value)} {md_text(f.rule_id)} {md_text(f.title)}"
            for f in cmp.new
        ]
        out.append("")
    if cmp.resolved:
        out += ["### Resolved findings", ""]
        out += [
            f"- {md_text(f.severity.value)} {md_text(f.rule_id)} {md_text(f.title)}"
            for f in cmp.resolved
        ]
        out.append("")
    out += ["### Findings by severity", ""]
    out += _table(
        ["Severity", "Before", "Now", "Change"],
        [(s, b, a, f"{a - b:+d}") for s, (b, a) in cmp.by_severity.items()],
    )
    if cmp.by_category:
        out += ["### Findings by category", ""]
        out += _table(
            ["Category", "Before", "Now", "Change"],
            [(c, b, a, f"{a - b:+d}") for c, (b, a) in cmp.by_category.items()],
        )
    changes = (
        [("added", c, "") for c in cmp.components_added]
        + [("removed", c, "") for c in cmp.components_removed]
        + [
            ("changed", c, ", ".join(f"{x.field}: {x.before} → {x.after}" for x in fields))
            for c, fields in cmp.components_changed.items()
        ]
    )
    if changes:
        out += ["### Components", ""]
        out += _table(["Change", "Component", "Details"], changes)
    link_changes = (
        [("added", f"{s} → {t}", "") for s, t in cmp.links_added]
        + [("removed", f"{s} → {t}", "") for s, t in cmp.links_removed]
        + [
            (
                "changed",
                f"{s} → {t}",
                ", ".join(f"{x.field}: {x.before} → {x.after}" for x in fields),
            )
            for (s, t), fields in cmp.links_changed.items()
        ]
    )
    if link_changes:
        out += ["### Links", ""]
        out += _table(["Change", "Link", "Details"], link_changes)
    if cmp.runway:
        out += ["### Runway of the components closest to saturation", ""]
        out += _table(
            ["Component", "Runway before", "Runway now", "Utilization before", "Now", "Trend"],
            [
                (
                    r.name,
                    _runway(r.before.runway if r.before else None, r.before is None),
                    _runway(r.after.runway if r.after else None, r.after is None),
                    _pct(r.before.now) if r.before else "",
                    _pct(r.after.now) if r.after else "",
                    r.verdict,
                )
                for r in cmp.runway
            ],
        )
    return out


def _runway(quarter: int | None, missing: bool = False) -> str:
    if missing:
        return "—"
    return "beyond horizon" if quarter is None else f"Q{quarter}"


def markdown_report(state: ReviewState) -> str:
    review = state.review
    system = state.model.system
    out = [
        f"# Architecture review: {md_text(system.display_name)} — {md_text(review.title)}",
        "",
        f"- Review: #{review.number}, **{review.status.value}**"
        + (f", closed {review.closed.isoformat()}" if review.closed else "")
        + f"; started {review.started.isoformat()}; findings as of {state.today.isoformat()}",
    ]
    if review.reviewers:
        out.append(f"- Reviewers: {', '.join(md_text(r) for r in review.reviewers)}")
    if state.previous:
        out.append(f"- Previous review: {md_text(state.previous.label)}")
    if review.notes:
        out.append(f"- Notes: {md_text(review.notes)}")
    out.append("")

    sev = state.counts_by_severity()
    states = state.counts_by_state()
    summary = summarize(state.items)
    out += ["## Summary", ""]
    out.append(
        f"- {len(state.findings)} findings: " + ", ".join(f"{n} {s}" for s, n in sev.items() if n)
    )
    out.append(
        "- Triage: " + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in states.items() if n)
    )
    expired = sum(tf.expired for tf in state.findings)
    if expired:
        out.append(f"- {_expired_text(expired)}")
    if state.previous:
        out.append(f"- {len(state.resolved)} resolved since {md_text(state.previous.label)}")
    if state.checklist:
        out.append(
            f"- Checklist ({md_text(state.checklist.title)}): {summary.yes} yes, {summary.no} no, "
            f"{summary.not_applicable} not applicable, {summary.unanswered} unanswered"
        )
    out.append("")

    out += ["## Findings", ""]
    if state.findings:
        out += _table(
            [
                "Severity",
                "Rule",
                "Finding",
                "Components",
                "Triage",
                "Owner",
                "Due",
                "Note",
                "Fingerprint",
            ],
            [
                (
                    tf.finding.severity.value,
                    tf.finding.rule_id,
                    tf.finding.title,
                    ", ".join(tf.finding.components),
                    _triage_text(tf),
                    tf.triage.owner if tf.triage else "",
                    tf.triage.due.isoformat() if tf.triage and tf.triage.due else "",
                    _triage_note(tf),
                    tf.fingerprint,
                )
                for tf in state.findings
            ],
        )
    else:
        out += ["No findings.", ""]
    if state.resolved:
        out += ["## Resolved since the previous review", ""]
        out += _table(
            ["Severity", "Rule", "Finding", "Components", "Last triage"],
            [
                (
                    tf.finding.severity.value,
                    tf.finding.rule_id,
                    tf.finding.title,
                    ", ".join(tf.finding.components),
                    tf.triage.state.label if tf.triage else "open",
                )
                for tf in state.resolved
            ],
        )

    if state.runway:
        out += ["## Runway", ""]
        out += _table(
            [
                "Component",
                "Load (rps)",
                "Capacity (rps)",
                "Utilization now",
                "At horizon",
                "Runway",
            ],
            [
                (
                    r.name,
                    f"{r.load:,.0f}" if r.load is not None else "",
                    f"{r.capacity:,.0f}" if r.capacity is not None else "",
                    _pct(r.now),
                    _pct(r.utilization[-1] if r.utilization else None),
                    _runway(r.runway),
                )
                for r in state.runway[:15]
            ],
        )

    if state.checklist:
        out += [f"## Checklist: {md_text(state.checklist.title)}", ""]
        sections: dict[str, list[tuple[object, ...]]] = {}
        for r in state.items:
            note = r.answer.note if r.answer else ""
            evidence = "; ".join(r.evidence) if r.auto is False else ""
            sections.setdefault(r.section, []).append(
                (
                    r.item.code,
                    r.item.question,
                    r.auto_label,
                    r.outcome.value + (" (overridden)" if r.overridden else ""),
                    " — ".join(x for x in (note, evidence) if x),
                )
            )
        for title, rows in sections.items():
            out += [f"### {md_text(title)}", ""]
            out += _table(["Item", "Question", "Rules", "Answer", "Note / evidence"], rows)

    if state.comparison:
        out += _comparison(state.comparison)
    return "\n".join(out).rstrip() + "\n"


def _expired_text(count: int) -> str:
    if count == 1:
        return "1 accepted risk has expired and is open again"
    return f"{count} accepted risks have expired and are open again"
