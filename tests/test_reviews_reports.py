"""Review reports: each format renders the review, and user text is inert in every one."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from archrev.model.reviews import AnswerValue, ReviewStore, TriageState
from archrev.model.types import Component, Link, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.rules import review as rv
from archrev.rules.checklists import load_checklist
from archrev.rules.compare import RunwayRow
from archrev.rules.findings import Finding, Severity
from archrev.rules.reports import FORMATS, render
from archrev.rules.reports.escape import csv_cell, html_text, md_cell, md_text
from hypothesis import given, settings
from hypothesis import strategies as st

DAY = date(2026, 11, 20)
EVIL_NAME = '<script>alert("x")</script> | =cmd'
EVIL_NOTE = '=HYPERLINK("http://evil.example")\nsecond | line <img src=x onerror=alert(1)>'


def _model() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name="Shop </title><script>alert(1)</script>"),
        components=[
            Component(id="web", name=EVIL_NAME, replicas=2),
            Component(id="db", name="@SUM(A1:A9)", kind="database"),
        ],
        links=[Link(source="web", target="db")],
    )


def _finding(rule: str, comp: str, title: str) -> Finding:
    return Finding(
        rule_id=rule,
        severity=Severity.HIGH,
        title=title,
        message=f"{title}\nsecond line | with pipe",
        components=(comp,),
        evidence={"replicas": 1},
        remediation="+ add replicas",
        category="spof",
        principle="horizontal scaling",
        fingerprint=f"{rule}:{comp}",
    )


@pytest.fixture()
def states(tmp_path: Path) -> tuple[rv.ReviewState, rv.ReviewState]:
    """An open review 2 (compared with a closed review 1) and the closed review 1."""
    ws = Workspace(tmp_path / "w.db")
    ws.import_model(_model())
    store = ReviewStore(ws)
    rows = [RunwayRow("db", "@SUM(A1:A9)", 50, 100, (0.5, 0.7, 0.9), 2)]
    live1 = rv.Analysed(
        _model(),
        [
            _finding("SPOF-SINGLE", "db", f"{EVIL_NAME} is single"),
            _finding("SPOF-ZONE", "web", "-1 zone"),
        ],
        rows,
    )
    r1 = store.start(
        "shop",
        checklist=load_checklist().to_dict(),
        today=DAY,
        reviewers=["<b>Ann</b>"],
        notes=EVIL_NOTE,
    )
    rv.set_triage(
        store,
        r1,
        "SPOF-SINGLE:db",
        TriageState.ACCEPTED_RISK,
        owner="-Bo",
        note=EVIL_NOTE,
        justification="=1+1 | because",
        expiry=date(2027, 1, 1),
        today=DAY,
        live=live1,
    )
    rv.answer_item(store, r1, "RMP-04", AnswerValue.YES, EVIL_NOTE, today=DAY, live=live1)
    store.close(r1, rv.milestone(rv.review_state(store, r1, today=DAY, live=live1)), today=DAY)
    live2 = rv.Analysed(
        _model(),
        [
            _finding("SPOF-SINGLE", "db", f"{EVIL_NAME} is single"),
            _finding("CST-IDLE", "web", "@idle"),
        ],
        rows,
    )
    r2 = store.start("shop", checklist=load_checklist().to_dict(), today=date(2027, 2, 1))
    open_state = rv.review_state(store, r2, today=date(2027, 2, 1), live=live2)
    closed_state = rv.review_state(store, store.review("shop", 1))
    return open_state, closed_state


def test_escape_functions() -> None:
    assert html_text('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert md_text("a | b\nc [x](y) *z* <b>") == r"a \| b c \[x\](y) \*z\* &lt;b&gt;"
    assert md_cell("") == " "
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"):
        assert csv_cell(bad) == "'" + bad
    assert csv_cell("plain = text") == "plain = text"


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs


def test_html_is_self_contained_and_inert(states: tuple[rv.ReviewState, rv.ReviewState]) -> None:
    for state in states:
        page = render(state, "html")
        scan = _Scan()
        scan.feed(page)
        assert "script" not in scan.tags and "img" not in scan.tags
        assert not any(name.startswith("on") for name, _ in scan.attrs)
        # nothing is fetched: no http(s) reference outside the escaped text and the SVG namespace
        refs = [v for name, v in scan.attrs if name in {"href", "src"} and v]
        assert all(not v.startswith(("http", "//")) for v in refs)
        assert "Content-Security-Policy" in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
        assert page.count("<svg") == 2  # the graph and the runway chart
        assert 'data-severity="high"' in page
    open_page = render(states[0], "html")
    assert "Compared with #1 2026-Q4" in open_page
    assert "@idle" in open_page  # the new finding


def test_markdown_tables_survive_pipes_and_newlines(
    states: tuple[rv.ReviewState, rv.ReviewState],
) -> None:
    text = render(states[1], "md")
    assert "<script>" not in text and "<img" not in text
    table_rows = [line for line in text.splitlines() if line.startswith("|")]
    findings_header = next(line for line in table_rows if line.startswith("| Severity | Rule"))
    width = len(re.split(r"(?<!\\)\|", findings_header))
    start = table_rows.index(findings_header)
    # every row of the findings table has as many unescaped separators as its header
    for line in table_rows[start + 2 : start + 4]:
        assert len(re.split(r"(?<!\\)\|", line)) == width, line
    assert r"=1+1 \| because" in text
    assert "accepted risk" in text


def test_csv_one_finding_per_row_without_formulas(
    states: tuple[rv.ReviewState, rv.ReviewState],
) -> None:
    rows = list(csv.DictReader(io.StringIO(render(states[0], "csv"))))
    assert [r["fingerprint"] for r in rows] == ["SPOF-SINGLE:db", "CST-IDLE:web", "SPOF-ZONE:web"]
    assert [r["status"] for r in rows] == ["current", "current", "resolved"]
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@")), value
    assert rows[0]["owner"] == "'-Bo" and rows[0]["justification"] == "'=1+1 | because"
    assert rows[1]["title"] == "'@idle"
    assert rows[0]["state"] == "open" and rows[0]["expired"] == "yes"  # expired 2027-01-01


def test_json_document(states: tuple[rv.ReviewState, rv.ReviewState]) -> None:
    doc = json.loads(render(states[0], "json"))
    assert doc["archrev_review"] == 1
    assert doc["review"]["number"] == 2 and doc["review"]["status"] == "open"
    assert doc["summary"]["findings"] == 2 and doc["summary"]["resolved"] == 1
    assert doc["summary"]["expired_risks"] == 1
    assert doc["findings"][0]["triage"]["justification"] == "=1+1 | because"
    assert doc["comparison"]["findings"]["new"][0]["fingerprint"] == "CST-IDLE:web"
    assert len(doc["checklist"]["items"]) == len(load_checklist().items())
    closed = json.loads(render(states[1], "json"))
    assert closed["review"]["closed"] == "2026-11-20"
    assert closed["findings"][0]["state"] == "accepted_risk"
    documented = (Path(__file__).resolve().parents[1] / "docs" / "review-json.md").read_text()
    for key in doc:
        assert f"`{key}`" in documented
    for key in doc["summary"]:
        assert f"`{key}`" in documented


def test_sarif_marks_triage_and_baseline(states: tuple[rv.ReviewState, rv.ReviewState]) -> None:
    doc = json.loads(render(states[0], "sarif"))
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    results = run["results"]
    by_rule = {r["ruleId"]: r for r in results}
    assert by_rule["CST-IDLE"]["baselineState"] == "new"
    assert by_rule["SPOF-SINGLE"]["baselineState"] == "unchanged"
    assert by_rule["SPOF-ZONE"]["baselineState"] == "absent"
    closed = json.loads(render(states[1], "sarif"))
    single = next(r for r in closed["runs"][0]["results"] if r["ruleId"] == "SPOF-SINGLE")
    assert single["suppressions"][0]["status"] == "accepted"
    assert single["suppressions"][0]["justification"] == "=1+1 | because"
    assert run["automationDetails"]["id"] == "archrev-review/shop/2"


def test_every_format_renders(states: tuple[rv.ReviewState, rv.ReviewState]) -> None:
    for state in states:
        for fmt in FORMATS:
            assert render(state, fmt).strip()


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_escaping_properties(text: str) -> None:
    import html as html_lib

    escaped = html_text(text)
    assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert html_lib.unescape(escaped) == text
    cell = md_cell(text)
    assert "\n" not in cell and "\r" not in cell
    assert re.search(r"(?<!\\)\|", cell.replace("\\\\", "")) is None
    assert "<" not in cell
    buffer = io.StringIO()
    csv.writer(buffer).writerow([csv_cell(text)])
    [read] = list(csv.reader(io.StringIO(buffer.getvalue()))) or [[""]]
    value = read[0] if read else ""
    assert not value.startswith(("=", "+", "-", "@"))
    assert value in (text, "'" + text) or "\r" in text or "\n" in text
