"""A full quarterly cycle from the command line, on the samples and the test shop:
review 1 triaged and closed, the model improved, review 2 shows what was resolved and
what is new, and every report says so. Bad input changes nothing."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from archrev.model.modelfile import read_model, save_model
from archrev.model.types import Component, Failover, Link, Monitoring, SystemModel
from archrev.tui.cli import main

ROOT = Path(__file__).resolve().parents[1]
MODELS = [
    ROOT / "tests" / "data" / "review_shop_q1.yaml",
    *sorted((ROOT / "samples").glob("*.yaml")),
]
# Findings whose cause this test knows how to fix in the model.
FIXABLE = ("SPOF-SINGLE", "SPOF-STATE", "OBS-METRICS", "OBS-ALERTS", "OBS-COST", "DB-BACKUP")
Q1, Q2 = "2026-11-20", "2027-02-20"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def improve(model: SystemModel, fix: set[str]) -> SystemModel:
    """Scale out and instrument the components `fix` names; add one new careless store."""
    comps = []
    for comp in model.components:
        if comp.id in fix:
            comp = comp.model_copy(
                update={
                    "replicas": max(comp.replicas, 3),
                    "autoscaling": None,
                    "zones": max(comp.zones, 3),
                    "failover": Failover.AUTOMATIC,
                    "backups": True,
                    "read_replicas": max(comp.read_replicas, 2) if comp.is_stateful else 0,
                    "monitoring": Monitoring(
                        metrics=True, alerts=True, tracing=True, cost_tags=True
                    ),
                    "owner": comp.owner or "platform",
                }
            )
        comps.append(comp)
    entry = next((c.id for c in comps if c.peak_rps), comps[0].id)
    comps.append(Component(id="audit-log", kind="database", capacity_rps=50))
    links = [*model.links, Link(source=entry, target="audit-log")]
    return SystemModel.model_validate(
        {
            **model.model_dump(),
            "components": [c.model_dump() for c in comps],
            "links": [ln.model_dump() for ln in links],
            "layout": {},
        }
    )


@pytest.mark.parametrize("source", MODELS, ids=lambda p: p.name)
def test_quarterly_cycle(source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "w.db")
    model = read_model(source)
    sid = model.system.id
    base = ("--db", db, "--system", sid)
    assert run(capsys, "import", str(source), "--db", db)[0] == 0

    code, out, _ = run(capsys, "review", "start", *base, "--reviewer", "Ann", "--as-of", Q1)
    assert code == 0 and "#1 2026-Q4" in out
    code, out, _ = run(capsys, "review", "export", "1", *base, "--format", "json", "--as-of", Q1)
    doc1 = json.loads(out)
    findings = doc1["findings"]
    fixable = [f for f in findings if f["rule_id"] in FIXABLE]
    # the well-architected reference has nothing to fix: its cycle only gains new findings
    assert fixable or source.name == "reference.yaml", f"{source.name}: nothing to fix"
    target = fixable[0] if fixable else None
    others = [f for f in findings if target is None or f["fingerprint"] != target["fingerprint"]]

    # triage: the one to fix in progress; another accepted until before review 2
    if target is not None:
        triage = ["review", "triage", "1", target["fingerprint"], *base, "--state", "in_progress"]
        owner = ["--owner", "Bo", "--due", "2027-01-15", "--note", "scale out | instrument"]
        code, out, _ = run(capsys, *triage, *owner, "--as-of", Q1)
        assert code == 0, out
    if others:
        accepted = others[0]["fingerprint"]
        code, _, err = run(
            capsys,
            "review",
            "triage",
            "1",
            accepted,
            *base,
            "--state",
            "accepted_risk",
            "--justification",
            "budget next year",
            "--expiry",
            "2027-01-31",
            "--as-of",
            Q1,
        )
        assert code == 0, err
    code, _, err = run(
        capsys,
        "review",
        "answer",
        "1",
        "RMP-04",
        "yes",
        *base,
        "--note",
        f"next review {Q2}",
        "--as-of",
        Q1,
    )
    assert code == 0, err
    code, out, _ = run(capsys, "review", "close", "1", *base, "--as-of", Q1)
    assert code == 0 and "closed review #1" in out

    # the model improves: re-imported from an edited file, as an architect would
    improved = tmp_path / "improved.yaml"
    save_model(improve(model, set(target["components"]) if target else set()), improved)
    assert run(capsys, "import", str(improved), "--db", db, "--replace")[0] == 0

    code, out, _ = run(capsys, "review", "start", *base, "--as-of", Q2)
    assert code == 0 and "#2 2027-Q1" in out
    code, out, _ = run(capsys, "review", "show", "2", *base, "--as-of", Q2)
    assert code == 0
    if target is not None:
        assert "Resolved since #1 2026-Q4" in out and target["fingerprint"] in out

    doc2 = json.loads(
        run(capsys, "review", "export", "2027-Q1", *base, "--format", "json", "--as-of", Q2)[1]
    )
    resolved = {f["fingerprint"] for f in doc2["resolved"]}
    new = doc2["comparison"]["findings"]["new"]
    assert any("audit-log" in f["components"] for f in new)
    assert "audit-log" in doc2["comparison"]["components"]["added"]
    if target is not None:
        assert target["fingerprint"] in resolved
        assert target["components"][0] in doc2["comparison"]["components"]["changed"]
    else:
        assert not resolved
    if others:
        carried = {f["fingerprint"]: f for f in doc2["findings"]}.get(accepted)
        if carried is not None:  # still present: the accepted risk expired on 2027-01-31
            assert carried["state"] == "open" and carried["expired"]
            assert carried["triage"]["justification"] == "budget next year"

    # the reports say so, in every format
    md = run(capsys, "review", "export", "2", *base, "--format", "md", "--as-of", Q2)[1]
    assert "Compared with #1 2026-Q4" in md and "### New findings" in md
    assert ("Resolved since the previous review" in md) == bool(resolved)
    html_file = tmp_path / "r2.html"
    code, _, err = run(
        capsys,
        "review",
        "export",
        "2",
        *base,
        "--format",
        "html",
        "-o",
        str(html_file),
        "--as-of",
        Q2,
    )
    assert code == 0 and "wrote" in err
    page = html_file.read_text()
    assert 'data-id="audit-log"' in page and ('id="resolved"' in page) == bool(resolved)
    rows = list(
        csv.DictReader(
            io.StringIO(
                run(capsys, "review", "export", "2", *base, "--format", "csv", "--as-of", Q2)[1]
            )
        )
    )
    assert {r["fingerprint"] for r in rows if r["status"] == "resolved"} == resolved
    assert len([r for r in rows if r["status"] == "current"]) == len(doc2["findings"])
    sarif = json.loads(
        run(capsys, "review", "export", "2", *base, "--format", "sarif", "--as-of", Q2)[1]
    )
    states = {r.get("baselineState") for r in sarif["runs"][0]["results"]}
    assert "new" in states and ("absent" in states) == bool(resolved)

    # diff: the two reviews, and review 1 against the live model
    out = run(capsys, "review", "diff", "1", "2", *base, "--as-of", Q2)[1]
    assert "#1 2026-Q4 -> #2 2027-Q1" in out and "+ audit-log" in out
    live = json.loads(
        run(capsys, "review", "diff", "1", *base, "--format", "json", "--as-of", Q2)[1]
    )
    assert live["after"] == "the live model"
    assert {f["fingerprint"] for f in live["findings"]["resolved"]} == resolved

    # review 1 is frozen: its report is what it was when it closed
    again = json.loads(run(capsys, "review", "export", "1", *base, "--format", "json")[1])
    assert [f["fingerprint"] for f in again["findings"]] == [f["fingerprint"] for f in findings]
    assert again["review"]["status"] == "closed" and not again["review"]["live"]
    assert run(capsys, "review", "list", *base)[1].count("closed") == 1


def _dump(db: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return [
            row
            for table in ("reviews", "triage", "checklist_answers")
            for row in conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
        ]
    finally:
        conn.close()


def test_bad_input_is_refused_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "w.db")
    base = ("--db", db, "--as-of", Q1)
    run(capsys, "import", str(MODELS[0]), "--db", db)
    run(capsys, "review", "start", *base)
    doc = json.loads(run(capsys, "review", "export", "1", *base, "--format", "json")[1])
    fp = doc["findings"][0]["fingerprint"]
    bad_template = tmp_path / "bad.yaml"
    bad_template.write_text("checklist: t\nsections:\n  - title: S\n    itmes: []\n")
    attempts = {
        ("review", "show", "9"): "no review '9'",
        ("review", "triage", "1", fp, "--state", "accepted_risk"): "needs a justification",
        (
            "review",
            "triage",
            "1",
            fp,
            "--state",
            "accepted_risk",
            "--justification",
            "x",
        ): "needs an expiry",
        (
            "review",
            "triage",
            "1",
            fp,
            "--state",
            "accepted_risk",
            "--justification",
            "x",
            "--expiry",
            "2026-01-01",
        ): "not after today",
        ("review", "triage", "1", fp, "--state", "open", "--due", "soon"): "not a date",
        ("review", "triage", "1", "zzzz", "--state", "open"): "no current finding",
        ("review", "answer", "1", "NOPE-1", "yes"): "has no item 'NOPE-1'",
        ("review", "answer", "1", "RMP-01", "maybe"): "not an answer",
        ("review", "answer", "1", "RMP-01", "na"): "needs a reason",
        ("review", "start"): "still open",
    }
    before = _dump(db)
    for argv, message in attempts.items():
        code, _, err = run(capsys, *argv, *base)
        assert code == 2 and message in err, (argv, err)
        assert "Traceback" not in err
    assert _dump(db) == before

    run(capsys, "review", "close", "1", *base)
    closed = _dump(db)
    for argv in (
        ("review", "triage", "1", fp, "--state", "mitigated"),
        ("review", "answer", "1", "RMP-01", "yes"),
        ("review", "close", "1"),
        ("review", "edit", "1", "--notes", "late edit"),
    ):
        code, _, err = run(capsys, *argv, *base)
        assert code == 2 and "closed review never changes" in err, (argv, err)
    assert _dump(db) == closed

    code, _, err = run(capsys, "review", "start", "--template", str(bad_template), *base)
    assert code == 2 and f"{bad_template}:4:5: sections[0]: unknown key 'itmes'" in err
    code, _, err = run(capsys, "review", "templates", "--check", str(bad_template))
    assert code == 2 and "'items'" in err
    assert _dump(db) == closed
    code, _, err = run(capsys, "review", "list", "--db", str(tmp_path / "none.db"))
    assert code == 2 and "no workspace here" in err


def test_review_commands_never_import_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from archrev.tui.cli import build_parser\n"
        "import archrev.rules.review, archrev.rules.compare, archrev.rules.checklists\n"
        "from archrev.rules.reports import FORMATS\n"
        "import importlib\n"
        "for m in ('markdown_report', 'html_report', 'json_report', 'csv_report',\n"
        "          'sarif_report'):\n"
        "    importlib.import_module('archrev.rules.reports.' + m)\n"
        "build_parser()\n"
        "assert 'textual' not in sys.modules, 'textual was imported'\n"
        "assert 'archrev.tui.review_screen' not in sys.modules\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
