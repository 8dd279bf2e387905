"""Findings as SARIF 2.1.0, for code-scanning dashboards and pull-request annotations.

Each result points at the line of its first component in the model file (from the
`ModelSource` the model reader returns), names the components as logical locations, and
carries the finding's fingerprint as a partial fingerprint so that dashboards track it
across runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from archrev.model.types import SystemModel
from archrev.rules.findings import Finding, Severity, sort_key
from archrev.rules.report_json import _jsonable
from archrev.rules.rulebook import Rule

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub reads security-severity (0-10) to order results.
_SCORE = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("archrev")
    except PackageNotFoundError:
        return "0+unknown"


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(w.capitalize() for w in rule.title.replace("-", " ").split()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.remediation, "markdown": rule.remediation},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {
            "category": rule.category,
            "principle": rule.principle,
            "severity": rule.severity.value,
            "thresholds": {t.name: t.default for t in rule.thresholds},
            # SARIF wants the tags unique (monitoring rules have one word for both)
            "tags": list(dict.fromkeys(t for t in (rule.category, rule.principle) if t)),
        },
    }


def sarif_document(
    model: SystemModel,
    findings: Sequence[Finding],
    *,
    source: Any = None,
    rules: Iterable[Rule] | None = None,
    artifact_uri: str | None = None,
) -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run: archrev's rules and the findings as results."""
    if rules is None:
        from archrev.rules.rulebook import catalogue

        rules = catalogue()
    rule_list = list(rules)
    used = {f.rule_id for f in findings}
    descriptors = [r for r in rule_list if r.id in used or r.source == "built-in"]
    index = {r.id: i for i, r in enumerate(descriptors)}
    uri = artifact_uri or (source.file if source is not None else None)
    results = []
    for finding in sorted(findings, key=sort_key):
        result: dict[str, Any] = {
            "ruleId": finding.rule_id,
            "level": _LEVEL[finding.severity],
            "message": {"text": finding.message},
            "partialFingerprints": {"archrevFingerprint/v1": finding.fingerprint},
            "properties": {
                "severity": finding.severity.value,
                "security-severity": _SCORE[finding.severity],
                "components": list(finding.components),
                "evidence": _jsonable(finding.evidence),
            },
        }
        if finding.rule_id in index:
            result["ruleIndex"] = index[finding.rule_id]
        location: dict[str, Any] = {
            "logicalLocations": [
                {"name": cid, "fullyQualifiedName": f"{model.system.id}/{cid}", "kind": "module"}
                for cid in finding.components
            ]
        }
        if uri is not None:
            physical: dict[str, Any] = {"artifactLocation": {"uri": uri}}
            mark = None
            if source is not None:
                mark = next(
                    (source.components[c] for c in finding.components if c in source.components),
                    None,
                )
            if mark is not None and mark[0] > 0:
                physical["region"] = {"startLine": mark[0], "startColumn": max(mark[1], 1)}
            location["physicalLocation"] = physical
        result["locations"] = [location]
        results.append(result)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "archrev",
                "version": _tool_version(),
                "rules": [_rule_descriptor(r) for r in descriptors],
            }
        },
        "results": results,
        "properties": {"system": model.system.id},
    }
    if uri is not None:
        run["artifacts"] = [{"location": {"uri": uri}}]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
