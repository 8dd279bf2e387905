"""The review store: numbering, titles, triage rules, and frozen closed reviews."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from archrev.model.errors import WorkspaceError
from archrev.model.reviews import (
    AnswerValue,
    ReviewChanges,
    ReviewStore,
    Triage,
    TriageState,
    quarter_title,
)
from archrev.model.types import Component, Link, System, SystemModel
from archrev.model.workspace import SCHEMA_VERSION, Workspace

DAY = date(2026, 11, 20)


def _model(system_id: str = "shop") -> SystemModel:
    return SystemModel(
        system=System(id=system_id),
        components=[Component(id="web"), Component(id="db", kind="database")],
        links=[Link(source="web", target="db")],
    )


@pytest.fixture()
def store(tmp_path: Path) -> ReviewStore:
    ws = Workspace(tmp_path / "w.db")
    ws.import_model(_model())
    ws.import_model(_model("other"))
    return ReviewStore(ws)


def _table(store: ReviewStore, table: str) -> list[tuple[object, ...]]:
    return store.conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()


def test_quarter_titles() -> None:
    assert quarter_title(date(2026, 1, 1)) == "2026-Q1"
    assert quarter_title(date(2026, 6, 30)) == "2026-Q2"
    assert quarter_title(date(2026, 11, 20)) == "2026-Q4"


def test_reviews_are_numbered_per_system_with_quarter_titles(store: ReviewStore) -> None:
    r1 = store.start("shop", today=DAY, reviewers=["Ann", " "])
    assert (r1.number, r1.title, r1.reviewers) == (1, "2026-Q4", ("Ann",))
    other = store.start("other", today=DAY)
    assert other.number == 1
    store.close(r1, {"snapshot": 1}, today=DAY)
    r2 = store.start("shop", today=DAY)
    assert (r2.number, r2.title) == (2, "2026-Q4-2")  # same quarter: the title stays unique
    assert store.review("shop", "2026-Q4").number == 1
    assert store.review("shop", "#2").title == "2026-Q4-2"
    assert store.review("shop", 2).number == 2
    assert [r.number for r in store.reviews("shop")] == [1, 2]
    assert store.previous(r2) is not None and store.previous(r2).number == 1


def test_unknown_review_names_the_known_ones(store: ReviewStore) -> None:
    store.start("shop", today=DAY)
    with pytest.raises(WorkspaceError, match=r"no review 'Q9'.*1 \(2026-Q4\)"):
        store.review("shop", "Q9")


def test_only_one_open_review_per_system(store: ReviewStore) -> None:
    store.start("shop", today=DAY)
    with pytest.raises(WorkspaceError, match="still open"):
        store.start("shop", today=DAY)
    assert len(store.reviews("shop")) == 1


def test_bad_titles_are_refused(store: ReviewStore) -> None:
    for bad in ("", "  ", "12", "#3"):
        with pytest.raises(WorkspaceError):
            store.start("shop", title=bad, today=DAY)
    store.start("shop", title="Spring review", today=DAY)
    assert store.review("shop", "Spring review").number == 1


def test_closed_review_refuses_every_change(store: ReviewStore) -> None:
    review = store.start("shop", today=DAY)
    store.answer(review, "MOD-01", AnswerValue.YES, "fine")
    store.set_triage(review, Triage("fp1", TriageState.ACKNOWLEDGED), today=DAY)
    closed = store.close(review, {"snapshot": 1, "findings": []}, today=DAY)
    assert closed.is_closed and closed.closed == DAY
    before = {t: _table(store, t) for t in ("reviews", "triage", "checklist_answers")}
    attempts = [
        lambda: store.answer(closed, "MOD-01", AnswerValue.NO, "changed my mind"),
        lambda: store.clear_answer(closed, "MOD-01"),
        lambda: store.set_triage(closed, Triage("fp1", TriageState.MITIGATED), today=DAY),
        lambda: store.update(closed, ReviewChanges(notes="edited")),
        lambda: store.close(closed, {"snapshot": 1}, today=DAY),
        # a stale handle on the review (read while it was open) is refused just the same
        lambda: store.answer(review, "MOD-02", AnswerValue.YES),
    ]
    for attempt in attempts:
        with pytest.raises(WorkspaceError, match="closed review never changes"):
            attempt()
    assert before == {t: _table(store, t) for t in before}


def test_accepted_risk_needs_justification_and_future_expiry(store: ReviewStore) -> None:
    review = store.start("shop", today=DAY)
    base = Triage("fp1", TriageState.ACCEPTED_RISK)
    with pytest.raises(WorkspaceError, match="justification"):
        store.set_triage(review, base, today=DAY)
    with pytest.raises(WorkspaceError, match="expiry"):
        store.set_triage(
            review, Triage("fp1", TriageState.ACCEPTED_RISK, justification="ok"), today=DAY
        )
    for past in (DAY, date(2026, 1, 1)):
        with pytest.raises(WorkspaceError, match="not after today"):
            store.set_triage(
                review,
                Triage("fp1", TriageState.ACCEPTED_RISK, justification="ok", expiry=past),
                today=DAY,
            )
    with pytest.raises(WorkspaceError, match="only apply to an accepted risk"):
        store.set_triage(
            review, Triage("fp1", TriageState.ACKNOWLEDGED, justification="x"), today=DAY
        )
    assert _table(store, "triage") == []
    ok = store.set_triage(
        review,
        Triage(
            "fp1", TriageState.ACCEPTED_RISK, justification="peak only", expiry=date(2027, 3, 1)
        ),
        today=DAY,
    )
    assert ok.state is TriageState.ACCEPTED_RISK and ok.review_number == 1


def test_triage_is_keyed_by_fingerprint_and_carries_over(store: ReviewStore) -> None:
    r1 = store.start("shop", today=DAY)
    store.set_triage(
        r1, Triage("fp1", TriageState.IN_PROGRESS, owner="Bo", note="next sprint"), today=DAY
    )
    store.close(r1, {"snapshot": 1}, today=DAY)
    r2 = store.start("shop", today=DAY)
    carried = store.triage("shop")["fp1"]
    assert (carried.state, carried.owner, carried.note) == (
        TriageState.IN_PROGRESS,
        "Bo",
        "next sprint",
    )
    store.set_triage(r2, Triage("fp1", TriageState.MITIGATED, owner="Bo"), today=DAY)
    assert store.triage("shop")["fp1"].review_number == 2
    assert store.triage("other") == {}


def test_answers_are_per_review(store: ReviewStore) -> None:
    r1 = store.start("shop", today=DAY)
    store.answer(r1, "RMP-04", AnswerValue.YES, "Feb 20")
    store.answer(r1, "RMP-04", AnswerValue.NO, "not yet")
    answers = store.answers(r1)
    assert answers["RMP-04"].value is AnswerValue.NO and answers["RMP-04"].note == "not yet"
    store.clear_answer(r1, "RMP-04")
    assert store.answers(r1) == {}


def test_reviews_survive_reimporting_the_system(store: ReviewStore) -> None:
    review = store.start("shop", today=DAY)
    store.set_triage(review, Triage("fp1", TriageState.ACKNOWLEDGED), today=DAY)
    store.ws.import_model(_model(), replace=True)
    assert store.review("shop", 1).title == "2026-Q4"
    assert "fp1" in store.triage("shop")


def test_version_1_workspace_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    from archrev.model.workspace import APPLICATION_ID, MIGRATIONS

    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Workspace(path) as ws:
        assert ws.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        ws.import_model(_model())
        assert ReviewStore(ws).start("shop", today=DAY).number == 1
