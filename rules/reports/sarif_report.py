"""The review as SARIF 2.1.0 for code-scanning tools.

The findings are serialised by the rule engine's own SARIF writer; the review adds what
SARIF has words for: a triaged-away finding is a suppression (accepted risk, false
positive, mitigated) with its justification, and, when there is a previous review, each
result's `baselineState` says whether it is new or unchanged, with resolved findings
listed as `absent`.
"""

from __future__ import annotations

import json
from typing import Any

from archrev.model.reviews import TriageState
from archrev.rules.review import ReviewState, TriagedFinding

_SUPPRESSED = {
    TriageState.ACCEPTED_RISK: "accepted",
    TriageState.FALSE_POSITIVE: "accepted",
    TriageState.MITIGATED: "accepted",
}


def _base_document(state: ReviewState, findings: list[Any]) -> dict[str, Any]:
    from archrev.rules.report_sarif import sarif_document

    return sarif_document(state.model, findings)


def _fingerprint_of(result: dict[str, Any]) -> str | None:
    for key in ("partialFingerprints", "fingerprints"):
        for value in (result.get(key) or {}).values():
            return str(value)
    return (result.get("properties") or {}).get("fingerprint")


def _annotate(result: dict[str, Any], tf: TriagedFinding, baseline: str | None) -> None:
    props = result.setdefault("properties", {})
    props["triage"] = tf.state.value
    if tf.expired:
        props["acceptedRiskExpired"] = True
    t = tf.triage
    if t is not None:
        props.update(
            {
                k: v
                for k, v in (
                    ("owner", t.owner),
                    ("due", t.due and t.due.isoformat()),
                    ("note", t.note),
                )
                if v
            }
        )
    status = _SUPPRESSED.get(tf.state)
    if status is not None:
        suppression: dict[str, Any] = {"kind": "external", "status": status}
        if t is not None and (t.justification or t.note):
            suppression["justification"] = t.justification or t.note
        result["suppressions"] = [suppression]
    if baseline:
        result["baselineState"] = baseline


def sarif_report(state: ReviewState) -> str:
    current = [tf.finding for tf in state.findings]
    doc = _base_document(state, current + [tf.finding for tf in state.resolved])
    run = doc["runs"][0]
    by_fp = {tf.fingerprint: tf for tf in state.findings}
    resolved = {tf.fingerprint: tf for tf in state.resolved}
    new = {f.fingerprint for f in state.comparison.new} if state.comparison else set()
    has_baseline = state.previous is not None
    for result in run.get("results", []):
        fp = _fingerprint_of(result)
        if fp in resolved:
            _annotate(result, resolved[fp], "absent")
            result.setdefault("properties", {})["triage"] = "resolved"
        elif fp in by_fp:
            baseline = ("new" if fp in new else "unchanged") if has_baseline else None
            _annotate(result, by_fp[fp], baseline)
    run["automationDetails"] = {
        "id": f"archrev-review/{state.model.system.id}/{state.review.number}",
        "description": {
            "text": f"Review {state.review.title} of {state.model.system.display_name}"
        },
    }
    run.setdefault("properties", {})["review"] = {
        "number": state.review.number,
        "title": state.review.title,
        "status": state.review.status.value,
        "asOf": state.today.isoformat(),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
