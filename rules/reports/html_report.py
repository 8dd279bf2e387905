"""The review as one self-contained HTML file: inline CSS and SVG, no script, no network.

A Content-Security-Policy in the page forbids scripts and every external load, so even a
name that slipped past escaping could not run or fetch anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from archrev.rules.checklists import summarize
from archrev.rules.compare import Comparison
from archrev.rules.reports.escape import html_text as e
from archrev.rules.reports.svg import SEVERITY_COLOURS, graph_svg, runway_svg
from archrev.rules.review import ReviewState, TriagedFinding

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
margin:0;background:#f5f5f7}
main{max-width:1200px;margin:0 auto;padding:24px 28px 64px;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid #ddd;
padding-bottom:4px}h3{font-size:15px;margin:20px 0 8px}
.meta{color:#555;margin:0 0 16px}.cards{display:flex;flex-wrap:wrap;gap:10px}
.card{border:1px solid #ddd;border-radius:8px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse;width:100%;margin:6px 0 14px;font-size:13px}
th,td{border:1px solid #e0e0e0;padding:5px 7px;text-align:left;vertical-align:top}
th{background:#f2f2f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;
border:1px solid}
.state{font-size:12px;white-space:nowrap}.expired{color:#b00020;font-weight:600}
.pass{color:#2e7d32;font-weight:600}.fail{color:#b00020;font-weight:600}
.figure{overflow-x:auto;border:1px solid #e0e0e0;border-radius:8px;padding:8px;background:#fff}
.legend span{margin-right:14px;font-size:12px}.legend i{display:inline-block;width:12px;
height:12px;border:2px solid;border-radius:3px;vertical-align:-2px;margin-right:4px}
.muted{color:#777}code{font-size:12px}
.figure svg.graph{max-width:100%;height:auto}
@media print{body{background:#fff}main{padding:0}}
"""


def _sev(value: str) -> str:
    fill, stroke = SEVERITY_COLOURS.get(value, SEVERITY_COLOURS["info"])
    return (
        f'<span class="sev sev-{e(value)}" style="background:{fill};border-color:{stroke};'
        f'color:{stroke}">{e(value)}</span>'
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "") -> str:
    """Cells in `rows` are HTML already escaped by the caller."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.0f}%"


def _runway(quarter: int | None) -> str:
    return "beyond horizon" if quarter is None else f"Q{quarter}"


def _triage_cell(tf: TriagedFinding) -> str:
    text = f'<span class="state">{e(tf.state.label)}</span>'
    t = tf.triage
    if tf.expired and t and t.expiry:
        text += f'<br><span class="expired">accepted risk expired {e(t.expiry.isoformat())}</span>'
    elif t and t.expiry:
        text += f"<br>until {e(t.expiry.isoformat())}"
    return text


def _note_cell(tf: TriagedFinding) -> str:
    t = tf.triage
    if t is None:
        return ""
    bits = []
    if t.note:
        bits.append(e(t.note))
    if t.justification:
        bits.append(f"<i>Justification:</i> {e(t.justification)}")
    return "<br>".join(bits)


def _findings(state: ReviewState) -> str:
    if not state.findings:
        return "<p>No findings.</p>"
    rows = []
    for tf in state.findings:
        f = tf.finding
        rows.append(
            [
                _sev(f.severity.value),
                f"<code>{e(f.rule_id)}</code>",
                f"<b>{e(f.title)}</b><br>{e(f.message)}"
                + (
                    f'<br><span class="muted">Fix: {e(f.remediation)}</span>'
                    if f.remediation
                    else ""
                ),
                e(", ".join(f.components)),
                _triage_cell(tf),
                e(tf.triage.owner if tf.triage else ""),
                e(tf.triage.due.isoformat() if tf.triage and tf.triage.due else ""),
                _note_cell(tf),
                f"<code>{e(tf.fingerprint)}</code>",
            ]
        )
    return _table(
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
        rows,
        "findings",
    )


def _checklist(state: ReviewState) -> str:
    if not state.checklist:
        return ""
    out = [f'<h2 id="checklist">Checklist: {e(state.checklist.title)}</h2>']
    sections: dict[str, list[list[str]]] = {}
    for r in state.items:
        auto = ""
        if r.auto is not None:
            auto = f'<span class="{"pass" if r.auto else "fail"}">{r.auto_label}</span>'
            auto += "<br>" + "<br>".join(e(x) for x in r.evidence)
        answer = e(r.outcome.value) + (" <i>(overridden)</i>" if r.overridden else "")
        sections.setdefault(r.section, []).append(
            [
                f"<code>{e(r.item.code)}</code>",
                e(r.item.question)
                + (
                    f'<br><span class="muted">{e(r.item.guidance)}</span>'
                    if r.item.guidance
                    else ""
                ),
                auto,
                answer,
                e(r.answer.note if r.answer else ""),
            ]
        )
    for title, rows in sections.items():
        out.append(f"<h3>{e(title)}</h3>")
        out.append(_table(["Item", "Question", "Rules", "Answer", "Note"], rows, "checklist"))
    return "".join(out)


def _changes(fields: Sequence[object]) -> str:
    return "<br>".join(
        f"{e(c.field)}: {e(c.before)} → {e(c.after)}"
        for c in fields  # type: ignore[attr-defined]
    )


def _comparison(cmp: Comparison) -> str:
    out = [f'<h2 id="comparison">Compared with {e(cmp.before)}</h2>']
    out.append(
        '<div class="cards">'
        f'<div class="card">New findings<b class="new">{len(cmp.new)}</b></div>'
        f'<div class="card">Resolved<b class="resolved">{len(cmp.resolved)}</b></div>'
        f'<div class="card">Persisting<b>{len(cmp.persisting)}</b></div>'
        f'<div class="card">Components<b>+{len(cmp.components_added)} '
        f"−{len(cmp.components_removed)} ~{len(cmp.components_changed)}</b></div>"
        f'<div class="card">Links<b>+{len(cmp.links_added)} −{len(cmp.links_removed)} '
        f"~{len(cmp.links_changed)}</b></div></div>"
    )
    for label, items in (("New findings", cmp.new), ("Resolved findings", cmp.resolved)):
        if items:
            out.append(f"<h3>{label}</h3>")
            out.append(
                _table(
                    ["Severity", "Rule", "Finding", "Components"],
                    [
                        [
                            _sev(f.severity.value),
                            f"<code>{e(f.rule_id)}</code>",
                            e(f.title),
                            e(", ".join(f.components)),
                        ]
                        for f in items
                    ],
                    label.split()[0].lower(),
                )
            )
    out.append("<h3>Findings by severity and category</h3>")
    out.append(
        _table(
            ["", "Before", "Now", "Change"],
            [[_sev(s), str(b), str(a), f"{a - b:+d}"] for s, (b, a) in cmp.by_severity.items()]
            + [[e(c), str(b), str(a), f"{a - b:+d}"] for c, (b, a) in cmp.by_category.items()],
        )
    )
    rows = (
        [["added", e(c), ""] for c in cmp.components_added]
        + [["removed", e(c), ""] for c in cmp.components_removed]
        + [["changed", e(c), _changes(f)] for c, f in cmp.components_changed.items()]
        + [["link added", e(f"{s} → {t}"), ""] for s, t in cmp.links_added]
        + [["link removed", e(f"{s} → {t}"), ""] for s, t in cmp.links_removed]
        + [
            ["link changed", e(f"{s} → {t}"), _changes(f)]
            for (s, t), f in cmp.links_changed.items()
        ]
    )
    if rows:
        out.append("<h3>Model changes</h3>")
        out.append(_table(["Change", "What", "Details"], rows, "model-changes"))
    if cmp.runway:
        out.append("<h3>Runway of the components closest to saturation</h3>")
        out.append(
            _table(
                ["Component", "Runway before", "Runway now", "Utilization before", "Now", "Trend"],
                [
                    [
                        e(r.name),
                        _runway(r.before.runway) if r.before else "—",
                        _runway(r.after.runway) if r.after else "—",
                        _pct(r.before.now) if r.before else "",
                        _pct(r.after.now) if r.after else "",
                        e(r.verdict),
                    ]
                    for r in cmp.runway
                ],
            )
        )
    return "".join(out)


def html_report(state: ReviewState) -> str:
    review = state.review
    system = state.model.system
    title = f"Architecture review: {system.display_name} — {review.title}"
    sev = state.counts_by_severity()
    states = state.counts_by_state()
    summary = summarize(state.items)
    worst = state.worst_by_component()
    meta = [
        f"Review #{review.number}",
        f"<b>{e(review.status.value)}</b>",
        f"started {e(review.started.isoformat())}",
    ]
    if review.closed:
        meta.append(f"closed {e(review.closed.isoformat())}")
    meta.append(f"findings as of {e(state.today.isoformat())}")
    if review.reviewers:
        meta.append("reviewers: " + e(", ".join(review.reviewers)))
    if state.previous:
        meta.append(f"previous: {e(state.previous.label)}")
    cards = "".join(f'<div class="card">{_sev(s)}<b>{n}</b></div>' for s, n in sev.items())
    cards += f'<div class="card">Resolved<b>{len(state.resolved)}</b></div>'
    if state.checklist:
        cards += (
            f'<div class="card">Checklist<b>{summary.yes} yes · {summary.no} no</b>'
            f"{summary.not_applicable} n/a, {summary.unanswered} unanswered</div>"
        )
    triage_line = ", ".join(f"{n} {e(s.replace('_', ' '))}" for s, n in states.items() if n)
    legend = "".join(
        f'<span><i style="background:{fill};border-color:{stroke}"></i>{e(name)}</span>'
        for name, (fill, stroke) in SEVERITY_COLOURS.items()
    )
    expired = sum(tf.expired for tf in state.findings)
    sections = [
        ("summary", "Summary"),
        ("graph", "Graph"),
        ("runway", "Runway"),
        ("findings", "Findings"),
    ]
    if state.resolved:
        sections.append(("resolved", "Resolved"))
    if state.checklist:
        sections.append(("checklist", "Checklist"))
    if state.comparison:
        sections.append(("comparison", "Comparison"))
    nav = " · ".join(f'<a href="#{anchor}">{label}</a>' for anchor, label in sections)
    body = [
        f"<h1>{e(title)}</h1>",
        f'<p class="meta">{" · ".join(meta)}</p>',
        f'<nav class="muted">{nav}</nav>',
        f"<p>{e(review.notes)}</p>" if review.notes else "",
        '<h2 id="summary">Summary</h2>',
        f'<div class="cards">{cards}</div>',
        f"<p>{len(state.findings)} findings. Triage: {triage_line or 'none'}.</p>",
        f'<p class="expired">{_expired_text(expired)}.</p>' if expired else "",
        '<h2 id="graph">Component graph</h2>',
        f'<p class="legend">Worst finding per component: {legend}</p>',
        f'<div class="figure">{graph_svg(state.model, worst, title=title)}</div>',
        '<h2 id="runway">Runway</h2>',
        '<p class="muted">Utilization per quarter for the components closest to saturation.</p>',
        f'<div class="figure">{runway_svg(state.runway, threshold=state.threshold)}</div>',
    ]
    if state.runway:
        body.append(
            _table(
                ["Component", "Load (rps)", "Capacity (rps)", "Now", "At horizon", "Runway"],
                [
                    [
                        e(r.name),
                        f"{r.load:,.0f}" if r.load is not None else "",
                        f"{r.capacity:,.0f}" if r.capacity is not None else "",
                        _pct(r.now),
                        _pct(r.utilization[-1] if r.utilization else None),
                        _runway(r.runway),
                    ]
                    for r in state.runway[:15]
                ],
            )
        )
    body += ['<h2 id="findings">Findings</h2>', _findings(state)]
    if state.resolved:
        body.append('<h2 id="resolved">Resolved since the previous review</h2>')
        body.append(
            _table(
                ["Severity", "Rule", "Finding", "Components", "Last triage"],
                [
                    [
                        _sev(tf.finding.severity.value),
                        f"<code>{e(tf.finding.rule_id)}</code>",
                        e(tf.finding.title),
                        e(", ".join(tf.finding.components)),
                        e(tf.triage.state.label if tf.triage else "open"),
                    ]
                    for tf in state.resolved
                ],
                "resolved",
            )
        )
    body.append(_checklist(state))
    if state.comparison:
        body.append(_comparison(state.comparison))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head>"
        f"<body><main>{''.join(body)}</main></body></html>\n"
    )


def _expired_text(count: int) -> str:
    if count == 1:
        return "1 accepted risk has expired and is open again"
    return f"{count} accepted risks have expired and are open again"
