"""The findings of a review as CSV, one finding per row, for spreadsheets.

Cells that a spreadsheet would evaluate (starting with =, +, -, @) are prefixed with a
quote so they stay text.
"""

from __future__ import annotations

import csv
import io

from archrev.rules.reports.escape import csv_cell
from archrev.rules.review import ReviewState, TriagedFinding

COLUMNS = (
    "system",
    "review",
    "status",
    "fingerprint",
    "rule_id",
    "severity",
    "category",
    "principle",
    "title",
    "components",
    "message",
    "state",
    "expired",
    "owner",
    "due",
    "note",
    "justification",
    "expiry",
    "remediation",
)


def _row(state: ReviewState, tf: TriagedFinding, status: str) -> list[str]:
    f, t = tf.finding, tf.triage
    values: list[object] = [
        state.model.system.id,
        f"{state.review.number} {state.review.title}",
        status,
        f.fingerprint,
        f.rule_id,
        f.severity.value,
        f.category,
        f.principle,
        f.title,
        " ".join(f.components),
        f.message,
        "resolved" if status == "resolved" else tf.state.value,
        "yes" if tf.expired else "",
        t.owner if t else "",
        t.due.isoformat() if t and t.due else "",
        t.note if t else "",
        t.justification if t else "",
        t.expiry.isoformat() if t and t.expiry else "",
        f.remediation,
    ]
    return [csv_cell(v) for v in values]


def csv_report(state: ReviewState) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for tf in state.findings:
        writer.writerow(_row(state, tf, "current"))
    for tf in state.resolved:
        writer.writerow(_row(state, tf, "resolved"))
    return out.getvalue()
