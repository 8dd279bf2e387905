"""The review as JSON: a documented, versioned document (see docs/review-json.md).

`archrev_review` is the schema version: fields are only added within a version; a removal
or a change of meaning bumps it.
"""

from __future__ import annotations

import json
from typing import Any

from archrev.rules.checklists import summarize
from archrev.rules.review import ReviewState

SCHEMA_VERSION = 1


def review_document(state: ReviewState) -> dict[str, Any]:
    review = state.review
    summary = summarize(state.items)
    return {
        "archrev_review": SCHEMA_VERSION,
        "system": {"id": state.model.system.id, "name": state.model.system.display_name},
        "review": {
            "number": review.number,
            "title": review.title,
            "status": review.status.value,
            "started": review.started.isoformat(),
            "closed": review.closed.isoformat() if review.closed else None,
            "reviewers": list(review.reviewers),
            "notes": review.notes,
            "as_of": state.today.isoformat(),
            "live": state.live,
        },
        "summary": {
            "findings": len(state.findings),
            "by_severity": state.counts_by_severity(),
            "by_state": state.counts_by_state(),
            "expired_risks": sum(tf.expired for tf in state.findings),
            "resolved": len(state.resolved),
            "checklist": {
                "yes": summary.yes,
                "no": summary.no,
                "n/a": summary.not_applicable,
                "unanswered": summary.unanswered,
                "overridden": summary.overridden,
            },
        },
        "findings": [tf.to_dict() for tf in state.findings],
        "resolved": [tf.to_dict() for tf in state.resolved],
        "checklist": (
            {
                "template": state.checklist.name,
                "title": state.checklist.title,
                "version": state.checklist.version,
                "items": [r.to_dict() for r in state.items],
            }
            if state.checklist
            else None
        ),
        "runway": [r.to_dict() for r in state.runway],
        "comparison": state.comparison.to_dict() if state.comparison else None,
    }


def json_report(state: ReviewState) -> str:
    return json.dumps(review_document(state), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
