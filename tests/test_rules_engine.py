"""The engine's contract, fingerprints and the findings reports."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from functools import partial

import pytest
from archrev.model.modelfile import parse_model
from archrev.rules.engine import analyze
from archrev.rules.findings import Finding, Severity, fingerprint
from archrev.rules.report_json import finding_from_dict, finding_to_dict, findings_document
from archrev.rules.report_markdown import escape, findings_markdown
from archrev.rules.report_sarif import sarif_document
from archrev.rules.rulebook import Hit
from rules_models import build

TODAY = date(2026, 1, 1)
MODEL_TEXT = """archrev: 1
system: {id: shop, name: Shop}
components:
  web:
    kind: client
    peak_rps: 90
    links: [api]
  api:
    name: "*API* <b>|x|</b>"
    capacity_rps: 100
    tier: critical
    links: [db]
  db:
    kind: database
"""


def test_severity_ranks_and_parse() -> None:
    assert [s.rank for s in Severity] == [4, 3, 2, 1, 0]
    assert Severity.parse(" High ") == Severity.HIGH


def test_findings_worst_first_and_worst_by_component() -> None:
    model, _ = parse_model(MODEL_TEXT, "shop.yaml")
    analysis = analyze(model, today=TODAY, plugins=False)
    ranks = [f.severity.rank for f in analysis.findings]
    assert ranks == sorted(ranks, reverse=True)
    worst = analysis.worst_by_component()
    assert worst["api"] == Severity.HIGH  # SPOF-SINGLE on a critical component, SCL-UTIL
    assert set(worst) <= {"web", "api", "db"}
    assert analysis.facts.load["db"] == 90


def test_fingerprint_stable_across_renames_and_load() -> None:
    base = build({"e": {"kind": "client", "peak_rps": 90}, "s": {"capacity_rps": 100}}, ["e>s"])
    renamed = build(
        {"e": {"kind": "client", "peak_rps": 95}, "s": {"capacity_rps": 100, "name": "Payments"}},
        ["e>s"],
    )

    def prints(model):
        return {f.fingerprint for f in analyze(model, today=TODAY, plugins=False).findings}

    assert prints(base) == prints(renamed)
    assert fingerprint("A", ("x", "y")) != fingerprint("A", ("y", "x"))
    assert fingerprint("A", ("x",)) == fingerprint("A", ["x"])


def test_json_document_round_trip() -> None:
    model, source = parse_model(MODEL_TEXT, "shop.yaml")
    analysis = analyze(model, today=TODAY, plugins=False)
    doc = findings_document(model, analysis.findings, source=source)
    text = json.dumps(doc)
    assert doc["archrev"] == 1 and doc["kind"] == "findings"
    assert doc["system"]["id"] == "shop"
    assert doc["summary"]["total"] == len(analysis.findings)
    assert doc["summary"]["worst"] == analysis.findings[0].severity.value
    first = doc["findings"][0]
    assert set(first) >= {
        "rule_id",
        "severity",
        "title",
        "message",
        "components",
        "evidence",
        "remediation",
        "category",
        "principle",
        "fingerprint",
        "location",
    }
    api = next(f for f in doc["findings"] if f["components"][0] == "api")
    assert api["location"] == {"file": "shop.yaml", "line": 8, "column": 3, "component": "api"}
    back = [finding_from_dict(f) for f in json.loads(text)["findings"]]
    assert [f.fingerprint for f in back] == [f.fingerprint for f in analysis.findings]
    assert finding_to_dict(back[0])["message"] == first["message"]


def test_sarif_points_at_component_lines() -> None:
    model, source = parse_model(MODEL_TEXT, "shop.yaml")
    analysis = analyze(model, today=TODAY, plugins=False)
    doc = sarif_document(model, analysis.findings, source=source, rules=analysis.rules)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert "SCL-UTIL" in ids
    by_rule = {r["ruleId"]: r for r in run["results"]}
    util = by_rule["SCL-UTIL"]
    assert util["level"] == "error"
    assert ids[util["ruleIndex"]] == "SCL-UTIL"
    region = util["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 8, "startColumn": 3}
    assert util["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "shop.yaml"
    assert util["partialFingerprints"]["archrevFingerprint/v1"].startswith("SCL-UTIL:")
    assert by_rule["OBS-COST"]["level"] == "note"
    for descriptor in run["tool"]["driver"]["rules"]:
        tags = descriptor["properties"]["tags"]
        assert len(tags) == len(set(tags)) and all(tags)


def test_markdown_escapes_user_text() -> None:
    model, _ = parse_model(MODEL_TEXT, "shop.yaml")
    analysis = analyze(model, today=TODAY, plugins=False)
    text = findings_markdown(model, analysis.findings)
    assert "<b>" not in text and "*API*" not in text
    assert escape("*API* <b>|x|</b>") in text
    assert text.startswith("# Findings for Shop")
    assert "## High" in text
    empty = findings_markdown(model, [])
    assert "No findings." in empty


def test_finding_is_frozen_value() -> None:
    f = Finding("X", Severity.LOW, "t", "m", ("a",), {"n": 1})
    g = Finding("X", Severity.LOW, "t", "m", ("a",), {"n": 2})
    assert f == g and hash(f) == hash(g)


def test_finding_fields_are_read_only() -> None:
    f = Finding("X", Severity.LOW, "t", "m", ("a",))
    for name in ("rule_id", "severity", "message", "components", "evidence", "fingerprint"):
        with pytest.raises(AttributeError):
            setattr(f, name, None)
    assert f.fingerprint == fingerprint("X", ("a",))
    kept = Finding("X", Severity.LOW, "t", "m", ("a",), fingerprint="X:stored")
    assert kept.fingerprint == "X:stored"  # a report read back keeps what it wrote


def test_lazy_message_and_evidence_are_built_once_with_bound_values() -> None:
    calls: list[str] = []

    def describe(name: str, load: float) -> str:
        calls.append(name)
        return f"{name} takes {load} rps"

    def numbers(load: float) -> dict[str, float]:
        calls.append("evidence")
        return {"load_rps": load}

    hits = [
        Hit((cid,), (describe, cid, load), (numbers, load))
        for cid, load in (("a", 1.0), ("b", 2.0))
    ]
    assert calls == []  # nothing is formatted until somebody reads it
    assert [h.message for h in hits] == ["a takes 1.0 rps", "b takes 2.0 rps"]
    assert hits[1].evidence == {"load_rps": 2.0} and hits[1].message.startswith("b")
    assert calls == ["a", "b", "evidence"]  # each built once, then kept
    # a zero-argument callable is taken too (a plugin may prefer functools.partial)
    later = Hit(("c",), partial(describe, "c", 3.0), partial(numbers, 3.0))
    assert later.message == "c takes 3.0 rps" and later.evidence == {"load_rps": 3.0}


def test_engine_completes_hits_with_their_rule() -> None:
    model, _ = parse_model(MODEL_TEXT, "shop.yaml")
    analysis = analyze(model, today=TODAY, plugins=False)
    for f in analysis.findings:
        assert isinstance(f, Finding) and f.title and f.remediation and f.category
        assert f.fingerprint == fingerprint(f.rule_id, f.components) or f.rule_id == "CPL-CYCLE"
        assert isinstance(f.message, str) and isinstance(f.evidence, dict)
    folded = [f for f in analysis.findings if "also" in f.evidence]
    for f in folded:  # the fold copies the finding, never changes the one the rule made
        assert f.with_evidence({}).evidence == {} and "also" in f.evidence


def test_rules_never_import_textual() -> None:
    code = (
        "import sys\n"
        "from archrev.rules.engine import analyze\n"
        "import archrev.rules.report_sarif, archrev.rules.report_markdown\n"
        "import archrev.tui.cli.check_commands\n"
        "from archrev.tui.cli import main\n"
        "main(['rules', 'list', '--format', 'json', '-o', '/dev/null'])\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_rules_doc_is_generated_from_the_catalogue() -> None:
    from pathlib import Path

    from archrev.rules.rule_docs import catalogue_markdown
    from archrev.rules.rulebook import catalogue

    doc = Path(__file__).resolve().parents[1] / "docs" / "rules.md"
    expected = catalogue_markdown(catalogue(plugins=False))
    assert doc.read_text(encoding="utf-8") == expected, (
        "docs/rules.md is out of date: run `archrev rules list --format markdown -o docs/rules.md`"
    )
