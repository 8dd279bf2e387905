"""Review logic: effective triage and expiry, checklists, comparison, milestones."""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from archrev.model.errors import ArchrevError, InputFileError
from archrev.model.reviews import (
    Answer,
    AnswerValue,
    ReviewStore,
    Triage,
    TriageState,
)
from archrev.model.types import Component, Link, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.rules import review as rv
from archrev.rules.checklists import (
    BUILTIN_DIR,
    Checklist,
    Outcome,
    available_templates,
    check_answer,
    evaluate,
    load_checklist,
    parse_checklist,
    summarize,
)
from archrev.rules.compare import RunwayRow, Side, compare
from archrev.rules.findings import Finding, Severity

DAY = date(2026, 11, 20)


def finding(rule: str, comp: str, severity: Severity = Severity.HIGH, cat: str = "spof") -> Finding:
    return Finding(
        rule_id=rule,
        severity=severity,
        title=f"{rule} on {comp}",
        message=f"{comp} trips {rule}",
        components=(comp,),
        evidence={"replicas": 1},
        remediation="fix it",
        category=cat,
        principle="horizontal scaling",
        fingerprint=f"{rule}:{comp}",
    )


def model(**replicas: int) -> SystemModel:
    comps = [Component(id=c, replicas=n) for c, n in replicas.items()]
    ids = list(replicas)
    links = [Link(source=a, target=b) for a, b in pairwise(ids)]
    return SystemModel(system=System(id="shop"), components=comps, links=links)


# -- triage -------------------------------------------------------------------------------


def test_effective_state_expires_accepted_risk() -> None:
    risk = Triage("f", TriageState.ACCEPTED_RISK, justification="ok", expiry=date(2027, 1, 1))
    assert rv.effective_state(risk, date(2026, 12, 31)) == (TriageState.ACCEPTED_RISK, False)
    assert rv.effective_state(risk, date(2027, 1, 1)) == (TriageState.ACCEPTED_RISK, False)
    assert rv.effective_state(risk, date(2027, 1, 2)) == (TriageState.OPEN, True)
    assert rv.effective_state(None, DAY) == (TriageState.OPEN, False)
    mitigated = Triage("f", TriageState.MITIGATED)
    assert rv.effective_state(mitigated, date(2030, 1, 1)) == (TriageState.MITIGATED, False)


def test_find_finding_by_prefix() -> None:
    found = [finding("SPOF-SINGLE", "web"), finding("SPOF-SINGLE", "db"), finding("OBS-X", "db")]
    assert rv.find_finding(found, "SPOF-SINGLE:db").components == ("db",)
    assert rv.find_finding(found, "OBS-").rule_id == "OBS-X"
    with pytest.raises(ArchrevError, match="matches 2 findings"):
        rv.find_finding(found, "SPOF-SINGLE")
    with pytest.raises(ArchrevError, match="no current finding"):
        rv.find_finding(found, "CPL-")
    with pytest.raises(ArchrevError, match="at least 4"):
        rv.find_finding(found, "SP")


# -- checklists ---------------------------------------------------------------------------


def test_shipped_template_covers_the_principles() -> None:
    checklist = load_checklist()
    assert "quarterly-scalability" in available_templates()
    titles = [s.title for s in checklist.sections]
    for needed in (
        "Modular design",
        "Horizontal scaling",
        "Asynchronous processing",
        "Caching",
        "Auto-scaling with limits",
        "Containers and serverless",
        "Database scaling",
        "Monitoring at every layer",
        "Cost management",
        "Roadmap",
    ):
        assert needed in titles
    codes = [i.code for i in checklist.items()]
    assert len(codes) == len(set(codes))
    assert any(i.rules for i in checklist.items())
    roadmap = " ".join(i.question for i in checklist.sections[-1].items)
    for words in ("growth projections", "critical scaling points", "investments", "next review"):
        assert words in roadmap
    assert Checklist.from_dict(checklist.to_dict()) == checklist


def test_template_rule_ids_checked_against_known_rules() -> None:
    text = (BUILTIN_DIR / "quarterly-scalability.yaml").read_text()
    with pytest.raises(InputFileError, match=r"no rule 'CPL-CYCLE'"):
        parse_checklist(text, "q.yaml", known_rules={"SPOF-SINGLE"})


BAD_TEMPLATE = """\
checklist: team
title: Team checks
sections:
  - title: One
    items:
      - code: A-1
        question: First?
        rules: [SPOF-SINGLE]
      - code: A-1
        question: Duplicate code
      - code: A-2
        questoin: typo
      - code: A-3
        question: Rules not a list
        rules: {x: 1}
"""


def test_malformed_template_reports_file_line_col(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(BAD_TEMPLATE)
    with pytest.raises(InputFileError) as err:
        load_checklist(path)
    text = str(err.value)
    assert f"{path}:9:15: sections[0].items[1].code: 'A-1' is already used on line 6" in text
    assert (
        f"{path}:12:9: sections[0].items[2]: unknown key 'questoin'; did you mean 'question'?"
        in text
    )
    assert f"{path}:11:9: sections[0].items[2]: 'question' is required" in text
    assert f"{path}:15:16: sections[0].items[3].rules: expected a list of rule ids" in text


def test_template_errors(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="sections: expected a non-empty list"):
        parse_checklist("checklist: x\n", "x.yaml")
    with pytest.raises(InputFileError, match=r"x\.yaml:1:1: a checklist template is a mapping"):
        parse_checklist("- a\n", "x.yaml")
    with pytest.raises(InputFileError, match="not valid YAML"):
        parse_checklist("checklist: [\n", "x.yaml")
    with pytest.raises(ArchrevError, match="no checklist template 'quarterly'"):
        load_checklist("quarterly")


def test_team_templates_from_a_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "security.yaml").write_text(
        "checklist: security\nsections:\n  - title: S\n    items:\n"
        "      - {code: S-1, question: Secrets rotated?}\n"
    )
    monkeypatch.setenv("ARCHREV_CHECKLISTS", str(tmp_path))
    assert set(available_templates()) >= {"security", "quarterly-scalability"}
    assert load_checklist("security").items()[0].code == "S-1"


def test_evaluate_auto_answers_and_overrides() -> None:
    checklist = load_checklist()
    found = [finding("SPOF-SINGLE", "db"), finding("OBS-METRICS", "web", Severity.LOW)]
    answers = {
        "MON-01": Answer("MON-01", AnswerValue.YES, "metrics exist, the model is out of date"),
        "RMP-04": Answer("RMP-04", AnswerValue.YES, "2027-02-20"),
        "CNT-03": Answer("CNT-03", AnswerValue.NOT_APPLICABLE, "no serverless"),
    }
    results = {r.item.code: r for r in evaluate(checklist, found, answers)}
    assert results["HOR-01"].auto is False and results["HOR-01"].outcome is Outcome.NO
    assert "SPOF-SINGLE (high)" in results["HOR-01"].evidence[0]
    assert results["MOD-01"].auto is True and results["MOD-01"].outcome is Outcome.YES
    assert results["MON-01"].overridden and results["MON-01"].outcome is Outcome.YES
    assert results["RMP-01"].outcome is Outcome.UNANSWERED
    assert results["CNT-03"].outcome is Outcome.NOT_APPLICABLE
    # a finding triaged as a false positive no longer fails its item
    dismissed = {r.item.code: r for r in evaluate(checklist, found, {}, {"SPOF-SINGLE:db"})}
    assert dismissed["HOR-01"].auto is True
    summary = summarize(list(results.values()))
    assert summary.overridden == 1 and "HOR-01" in summary.failing_codes
    assert summary.yes + summary.no + summary.not_applicable + summary.unanswered == len(results)


def test_check_answer_rules() -> None:
    checklist = load_checklist()
    with pytest.raises(ArchrevError, match="needs a reason"):
        check_answer(checklist, "CNT-03", AnswerValue.NOT_APPLICABLE, "", None)
    with pytest.raises(ArchrevError, match="the rules say fail"):
        check_answer(checklist, "HOR-01", AnswerValue.YES, "", False)
    with pytest.raises(ArchrevError, match="did you mean 'HOR-01'"):
        check_answer(checklist, "HOR-1", AnswerValue.YES, "", None)
    check_answer(checklist, "HOR-01", AnswerValue.YES, "we run 3 now", False)
    check_answer(checklist, "HOR-01", AnswerValue.NO, "", False)


# -- comparison ---------------------------------------------------------------------------


def test_compare_findings_components_links_counts_runway() -> None:
    before = model(web=1, api=1, db=1)
    after = SystemModel(
        system=System(id="shop"),
        components=[
            Component(id="web", replicas=3),
            Component(id="api"),
            Component(id="cache", kind="cache"),
        ],
        links=[Link(source="web", target="api", mode="async"), Link(source="api", target="cache")],
    )
    old = [
        finding("SPOF-SINGLE", "web"),
        finding("SPOF-SINGLE", "api"),
        finding("DB-BACKUP", "db", Severity.MEDIUM, "database"),
    ]
    new = [
        finding("SPOF-SINGLE", "api", Severity.CRITICAL),
        finding("CCH-REQUIRED", "cache", Severity.MEDIUM, "caching"),
    ]
    rows_a = [
        RunwayRow("api", "API", 100, 200, (0.5, 0.9), 1),
        RunwayRow("web", "Web", 10, 100, (0.1, 0.2), None),
    ]
    rows_b = [
        RunwayRow("api", "API", 100, 400, (0.25, 0.45), None),
        RunwayRow("cache", "Cache", 10, 12, (0.83, 0.9), 0),
    ]
    cmp = compare(Side("#1", before, old, rows_a), Side("#2", after, new, rows_b))
    assert [f.fingerprint for f in cmp.new] == ["CCH-REQUIRED:cache"]
    assert {f.fingerprint for f in cmp.resolved} == {"SPOF-SINGLE:web", "DB-BACKUP:db"}
    assert [f.fingerprint for f in cmp.persisting] == ["SPOF-SINGLE:api"]
    assert [(b.severity, a.severity) for b, a in cmp.severity_changed] == [
        (Severity.HIGH, Severity.CRITICAL)
    ]
    assert cmp.components_added == ["cache"] and cmp.components_removed == ["db"]
    assert [c.field for c in cmp.components_changed["web"]] == ["replicas"]
    assert cmp.links_added == [("api", "cache")] and cmp.links_removed == [("api", "db")]
    assert [c.field for c in cmp.links_changed[("web", "api")]] == ["mode"]
    assert cmp.by_severity["high"] == (2, 0) and cmp.by_severity["critical"] == (0, 1)
    assert cmp.by_category == {"caching": (0, 1), "database": (1, 0), "spof": (2, 1)}
    verdicts = {r.component: r.verdict for r in cmp.runway}
    assert verdicts == {"cache": "new", "api": "better", "web": "gone"}
    assert [r.component for r in cmp.runway][:2] == ["cache", "api"]  # soonest first
    data = cmp.to_dict()
    assert data["findings"]["resolved"][0]["rule_id"] in {"SPOF-SINGLE", "DB-BACKUP"}
    assert not cmp.unchanged


# -- a review assembled, without the engine -----------------------------------------------


@pytest.fixture()
def store(tmp_path: Path) -> ReviewStore:
    ws = Workspace(tmp_path / "w.db")
    ws.import_model(model(web=1, db=1))
    return ReviewStore(ws)


def _live(*found: Finding) -> rv.Analysed:
    return rv.Analysed(
        model(web=1, db=1), list(found), [RunwayRow("db", "DB", 50, 100, (0.5, 0.7, 0.9), 2)], 0.8
    )


def test_cycle_carries_triage_expires_risks_and_resolves(store: ReviewStore) -> None:
    live1 = _live(
        finding("SPOF-SINGLE", "web"),
        finding("SPOF-SINGLE", "db"),
        finding("OBS-METRICS", "db", Severity.LOW),
    )
    r1 = store.start("shop", checklist=load_checklist().to_dict(), today=DAY)
    rv.set_triage(
        store,
        r1,
        "SPOF-SINGLE:web",
        TriageState.IN_PROGRESS,
        owner="Ann",
        note="scale out",
        today=DAY,
        live=live1,
    )
    rv.set_triage(
        store,
        r1,
        "SPOF-SINGLE:db",
        TriageState.ACCEPTED_RISK,
        justification="failover is manual but tested",
        expiry=date(2027, 1, 31),
        today=DAY,
        live=live1,
    )
    rv.answer_item(store, r1, "RMP-04", AnswerValue.YES, "2027-02-20", today=DAY, live=live1)
    state = rv.review_state(store, r1, today=DAY, live=live1)
    snapshot = rv.milestone(state)
    closed = store.close(r1, snapshot, today=DAY)
    frozen = rv.review_state(store, closed)
    assert not frozen.live and len(frozen.findings) == 3
    assert {tf.fingerprint: tf.state for tf in frozen.findings}["SPOF-SINGLE:db"] is (
        TriageState.ACCEPTED_RISK
    )
    assert next(i for i in frozen.items if i.item.code == "RMP-04").outcome is Outcome.YES
    assert frozen.model.component("web").replicas == 1
    assert "components:" in frozen.model_yaml

    # quarter 2: web was scaled out, a new finding appeared, the accepted risk expired
    q2 = date(2027, 2, 20)
    live2 = _live(
        finding("SPOF-SINGLE", "db"),
        finding("OBS-METRICS", "db", Severity.LOW),
        finding("CST-IDLE", "web", Severity.LOW, "cost"),
    )
    r2 = store.start("shop", checklist=load_checklist().to_dict(), today=q2)
    state2 = rv.review_state(store, r2, today=q2, live=live2)
    states = {tf.fingerprint: tf for tf in state2.findings}
    assert states["SPOF-SINGLE:db"].state is TriageState.OPEN and states["SPOF-SINGLE:db"].expired
    assert [tf.fingerprint for tf in state2.resolved] == ["SPOF-SINGLE:web"]
    assert state2.resolved[0].triage is not None and state2.resolved[0].triage.owner == "Ann"
    assert state2.comparison is not None
    assert [f.fingerprint for f in state2.comparison.new] == ["CST-IDLE:web"]
    assert state2.previous is not None and state2.previous.number == 1
    # the closed review did not move
    assert rv.review_state(store, store.review("shop", 1)).findings == frozen.findings


def test_edits_through_review_logic_refuse_closed_reviews(store: ReviewStore) -> None:
    live = _live(finding("SPOF-SINGLE", "web"))
    r1 = store.start("shop", checklist=load_checklist().to_dict(), today=DAY)
    closed = store.close(
        r1, rv.milestone(rv.review_state(store, r1, today=DAY, live=live)), today=DAY
    )
    from archrev.model.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="closed review never changes"):
        rv.set_triage(
            store, closed, "SPOF-SINGLE:web", TriageState.ACCEPTED_RISK, today=DAY, live=live
        )
    with pytest.raises(WorkspaceError, match="closed review never changes"):
        rv.answer_item(store, closed, "RMP-04", AnswerValue.YES, today=DAY, live=live)
    with pytest.raises(WorkspaceError, match="closed review never changes"):
        rv.close_review(store, closed, today=DAY)
    assert store.triage("shop") == {}
