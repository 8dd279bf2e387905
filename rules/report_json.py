"""Findings as JSON: the versioned document of `archrev check --format json`.

    {"archrev": 1, "kind": "findings", "system": {...}, "summary": {...}, "findings": [...]}

The schema is documented in docs/findings-json.md. Version 1 only ever gains keys; a
consumer must ignore keys it does not know. Reviews store findings with `finding_to_dict`
and read them back with `finding_from_dict`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from archrev.model.types import SystemModel
from archrev.rules.findings import Finding, Severity

SCHEMA_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    if isinstance(value, float):
        return round(value, 6)
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(getattr(value, "value", value))


def finding_to_dict(finding: Finding, source: Any = None) -> dict[str, Any]:
    """One finding as plain JSON data; with a `ModelSource`, the model-file location of its
    first component."""
    data: dict[str, Any] = {
        "rule_id": finding.rule_id,
        "severity": finding.severity.value,
        "title": finding.title,
        "message": finding.message,
        "components": list(finding.components),
        "evidence": _jsonable(finding.evidence),
        "remediation": finding.remediation,
        "category": finding.category,
        "principle": finding.principle,
        "fingerprint": finding.fingerprint,
    }
    location = finding_location(finding, source)
    if location is not None:
        data["location"] = location
    return data


def finding_location(finding: Finding, source: Any) -> dict[str, Any] | None:
    if source is None or not finding.components:
        return None
    for cid in finding.components:
        mark = source.components.get(cid)
        if mark is not None:
            return {"file": source.file, "line": mark[0], "column": mark[1], "component": cid}
    return None


def finding_from_dict(data: dict[str, Any]) -> Finding:
    return Finding(
        rule_id=str(data["rule_id"]),
        severity=Severity(data["severity"]),
        title=str(data.get("title", "")),
        message=str(data.get("message", "")),
        components=tuple(data.get("components", ())),
        evidence=dict(data.get("evidence", {})),
        remediation=str(data.get("remediation", "")),
        category=str(data.get("category", "")),
        principle=str(data.get("principle", "")),
        fingerprint=str(data.get("fingerprint", "")),
    )


def summary(findings: Sequence[Finding]) -> dict[str, Any]:
    counts = {s.value: 0 for s in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    worst = next((s.value for s in Severity if counts[s.value]), None)
    return {"total": len(findings), "by_severity": counts, "worst": worst}


def findings_document(
    model: SystemModel,
    findings: Sequence[Finding],
    *,
    source: Any = None,
    policy_sources: Sequence[str] = (),
) -> dict[str, Any]:
    """The JSON document for a system's findings (docs/findings-json.md)."""
    from archrev.rules.findings import sort_key

    ordered = sorted(findings, key=sort_key)
    return {
        "archrev": SCHEMA_VERSION,
        "kind": "findings",
        "system": {
            "id": model.system.id,
            "name": model.system.display_name,
            "components": len(model.components),
            "links": len(model.links),
            "horizon_quarters": model.system.horizon_quarters,
        },
        "source": None if source is None else source.file,
        "policy": list(policy_sources),
        "summary": summary(ordered),
        "findings": [finding_to_dict(f, source) for f in ordered],
    }


def dumps(document: dict[str, Any]) -> str:
    # allow_nan=False: a NaN or Infinity would make the file unreadable to strict parsers;
    # the engine bounds every number, so this only fails on our bug, loudly.
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
