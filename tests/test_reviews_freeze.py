"""A closed review never changes, and the database itself holds to it (issue 5).

The review store refuses first with a friendly message; these tests go around it, with
SQL from a second connection (a script, another process) or with the store's own check
switched off (a future code path), and expect the workspace to refuse just the same.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from archrev.model.errors import WorkspaceError
from archrev.model.reviews import (
    AnswerValue,
    Review,
    ReviewChanges,
    ReviewStore,
    Triage,
    TriageState,
)
from archrev.model.types import Component, Link, System, SystemModel
from archrev.model.workspace import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    Workspace,
    _statements,
)
from archrev.tui.cli import main

DAY = date(2026, 11, 20)
# The schema before the triggers: a workspace written by the previous archrev.
PREVIOUS_SCHEMA = 3


def _model(system_id: str = "shop") -> SystemModel:
    return SystemModel(
        system=System(id=system_id),
        components=[Component(id="web"), Component(id="db", kind="database")],
        links=[Link(source="web", target="db")],
    )


def _rows(conn: sqlite3.Connection) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
        for table in ("reviews", "checklist_answers")
    }


@pytest.fixture()
def closed(tmp_path: Path) -> tuple[ReviewStore, Review]:
    """Review 1 of 'shop' answered, triaged and closed; review 2 open."""
    ws = Workspace(tmp_path / "w.db")
    ws.import_model(_model())
    store = ReviewStore(ws)
    first = store.start("shop", today=DAY)
    store.answer(first, "MOD-01", AnswerValue.YES, "split by domain")
    store.answer(first, "MOD-02", AnswerValue.NO)
    store.set_triage(first, Triage("fp1", TriageState.ACKNOWLEDGED, note="seen"), today=DAY)
    snapshot = {
        "findings": [{"fingerprint": "fp1", "triage": store.triage("shop")["fp1"].as_dict()}]
    }
    first = store.close(first, snapshot, today=DAY)
    store.start("shop", title="next", today=DAY)
    return store, first


# -- splitting migrations into statements -------------------------------------------------


def test_existing_migrations_split_as_before() -> None:
    for script in MIGRATIONS[:PREVIOUS_SCHEMA]:
        assert _statements(script) == [s.strip() for s in script.split(";") if s.strip()]


def test_trigger_bodies_strings_and_comments_do_not_split() -> None:
    script = """
    CREATE TABLE t (a TEXT DEFAULT 'x;y');
    -- a comment; with a semicolon
    CREATE TRIGGER t_guard BEFORE DELETE ON t
    BEGIN
        SELECT RAISE(ABORT, 'no; never');
        SELECT 1;
    END;
    /* block; comment */ CREATE INDEX t_a ON t(a); CREATE VIEW v AS SELECT ';' AS s
    """
    statements = _statements(script)
    assert len(statements) == 4
    assert statements[0] == "CREATE TABLE t (a TEXT DEFAULT 'x;y')"
    assert statements[1].startswith("-- a comment; with a semicolon\n")
    assert statements[1].endswith("SELECT 1;\n    END")
    assert statements[2] == "/* block; comment */ CREATE INDEX t_a ON t(a)"
    assert statements[3] == "CREATE VIEW v AS SELECT ';' AS s"
    # every piece runs on its own, and the trigger works as written
    conn = sqlite3.connect(":memory:")
    for statement in statements:
        conn.execute(statement)
    conn.execute("INSERT INTO t DEFAULT VALUES")
    with pytest.raises(sqlite3.IntegrityError, match="no; never"):
        conn.execute("DELETE FROM t")


def test_blank_and_final_statement_without_semicolon() -> None:
    assert _statements("") == []
    assert _statements("  ;\n ; ") == []
    assert _statements("SELECT 1; SELECT 2") == ["SELECT 1", "SELECT 2"]
    assert _statements("SELECT 1;\n") == ["SELECT 1"]


def test_freeze_migration_is_six_triggers() -> None:
    statements = _statements(MIGRATIONS[PREVIOUS_SCHEMA])
    assert len(statements) == 6
    assert all(s.startswith("CREATE TRIGGER") and s.endswith("END") for s in statements)


# -- direct SQL on a closed review --------------------------------------------------------

REFUSED = [
    "UPDATE reviews SET notes = 'rewritten' WHERE number = 1",
    "UPDATE reviews SET snapshot = '{}' WHERE number = 1",
    "UPDATE reviews SET status = 'open', closed = NULL WHERE number = 1",
    "UPDATE reviews SET number = 7 WHERE number = 1",
    "DELETE FROM reviews WHERE number = 1",
    "DELETE FROM reviews",
    # REPLACE deletes the conflicting row without firing DELETE triggers
    "INSERT OR REPLACE INTO reviews (system_id, number, title, started) "
    "VALUES ('shop', 1, 'forged', '2026-01-01')",
    "INSERT OR REPLACE INTO reviews (system_id, number, title, started) "
    "VALUES ('shop', 9, '2026-Q4', '2026-01-01')",
    "UPDATE OR REPLACE reviews SET title = '2026-Q4' WHERE number = 2",
    "INSERT INTO reviews (system_id, number, title, status, started, snapshot) "
    "VALUES ('shop', 9, 'made up', 'closed', '2026-01-01', '{}')",
    "UPDATE checklist_answers SET answer = 'no' WHERE review_number = 1",
    "DELETE FROM checklist_answers WHERE review_number = 1",
    "INSERT INTO checklist_answers VALUES ('shop', 1, 'MOD-09', 'yes', '', 'now')",
    "INSERT OR REPLACE INTO checklist_answers VALUES ('shop', 1, 'MOD-01', 'no', '', 'now')",
    "INSERT INTO checklist_answers VALUES ('shop', 1, 'MOD-01', 'no', '', 'now') "
    "ON CONFLICT (system_id, review_number, code) DO UPDATE SET answer = 'no'",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_direct_sql_on_a_closed_review_is_refused(
    closed: tuple[ReviewStore, Review], sql: str
) -> None:
    store, _ = closed
    store.answer(store.review("shop", 2), "MOD-01", AnswerValue.YES)
    # a second connection, as a script or another process would open
    other = sqlite3.connect(store.ws.path, isolation_level=None)
    before = _rows(other)
    with pytest.raises(sqlite3.IntegrityError, match="closed review"):
        other.execute(sql)
    assert _rows(other) == before
    other.close()


def test_moving_an_answer_into_a_closed_review_is_refused(
    closed: tuple[ReviewStore, Review],
) -> None:
    store, _ = closed
    store.answer(store.review("shop", 2), "MOD-03", AnswerValue.YES)
    with pytest.raises(sqlite3.IntegrityError, match="closed review"):
        store.conn.execute("UPDATE checklist_answers SET review_number = 1 WHERE review_number = 2")


def test_open_reviews_stay_editable_and_close(closed: tuple[ReviewStore, Review]) -> None:
    store, first = closed
    conn = sqlite3.connect(store.ws.path, isolation_level=None)
    conn.execute("UPDATE reviews SET notes = 'by a script' WHERE number = 2")
    conn.execute("INSERT INTO checklist_answers VALUES ('shop', 2, 'MOD-01', 'yes', '', 'now')")
    conn.execute("UPDATE checklist_answers SET note = 'checked' WHERE review_number = 2")
    conn.close()
    second = store.review("shop", 2)
    assert second.notes == "by a script"
    assert store.answers(second)["MOD-01"].note == "checked"
    store.answer(second, "MOD-02", AnswerValue.NOT_APPLICABLE, "no database")
    store.clear_answer(second, "MOD-01")
    assert set(store.answers(second)) == {"MOD-02"}
    # another system's review with the same number is not frozen by shop's
    store.ws.import_model(_model("other"))
    theirs = store.start("other", title="2026-Q4", today=DAY)
    assert theirs.number == 1
    store.answer(theirs, "MOD-01", AnswerValue.YES)
    assert store.close(theirs, {"findings": []}, today=DAY).is_closed
    second = store.close(second, {"findings": []}, today=DAY)
    assert second.is_closed and store.answers(second)["MOD-02"].value is AnswerValue.NOT_APPLICABLE
    # deleting an open review takes its answers with it; a closed one stays
    third = store.start("shop", title="scratch", today=DAY)
    store.answer(third, "MOD-01", AnswerValue.YES)
    store.conn.execute("DELETE FROM reviews WHERE system_id = 'shop' AND number = 3")
    assert [r.number for r in store.reviews("shop")] == [1, 2]
    assert store.answers(first).keys() == {"MOD-01", "MOD-02"}


def test_triage_carries_over_but_the_snapshot_keeps_the_old_decision(
    closed: tuple[ReviewStore, Review],
) -> None:
    store, first = closed
    second = store.review("shop", 2)
    store.set_triage(second, Triage("fp1", TriageState.MITIGATED, note="fixed"), today=DAY)
    store.conn.execute("UPDATE triage SET owner = 'Ann' WHERE fingerprint = 'fp1'")
    store.conn.execute("DELETE FROM triage WHERE fingerprint = 'fp1'")
    store.set_triage(second, Triage("fp1", TriageState.IN_PROGRESS), today=DAY)
    assert store.triage("shop")["fp1"].state is TriageState.IN_PROGRESS
    assert store.triage("shop")["fp1"].review_number == 2
    frozen = store.review("shop", 1).snapshot
    assert frozen == first.snapshot
    assert frozen is not None and frozen["findings"][0]["triage"]["state"] == "acknowledged"


# -- the store's own check bypassed: the database refuses with a clear message ------------


def test_a_write_past_the_store_check_becomes_a_workspace_error(
    closed: tuple[ReviewStore, Review], monkeypatch: pytest.MonkeyPatch
) -> None:
    store, first = closed
    before = _rows(store.conn)
    monkeypatch.setattr(ReviewStore, "writable", lambda self, review: review)
    with pytest.raises(WorkspaceError, match=r"closed review.*nothing was written") as caught:
        store.answer(first, "MOD-01", AnswerValue.NO, "changed my mind")
    assert "checklist answers never change" in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    with pytest.raises(WorkspaceError, match="record and snapshot never change"):
        store.update(first, ReviewChanges(notes="rewritten"))
    # closing again matches no open row, so it writes nothing and the milestone stays
    assert store.close(first, {"findings": []}, today=DAY).snapshot == first.snapshot
    with pytest.raises(WorkspaceError, match="closed review"):
        store.clear_answer(first, "MOD-02")
    # the whole transaction is undone, including the writes before the refused one
    with pytest.raises(WorkspaceError, match="cannot be deleted"), store.ws.transaction() as conn:
        conn.execute("UPDATE reviews SET notes = 'lost' WHERE number = 2")
        conn.execute("DELETE FROM reviews WHERE number = 1")
    assert _rows(store.conn) == before
    # other integrity errors are not dressed up as closed reviews
    with pytest.raises(sqlite3.IntegrityError, match="UNIQUE"), store.ws.transaction() as conn:
        conn.execute(
            "INSERT INTO reviews (system_id, number, title, started) "
            "VALUES ('shop', 2, 'dup', '2026-01-01')"
        )


def test_cli_edit_past_the_store_check_prints_a_message_not_a_traceback(
    closed: tuple[ReviewStore, Review],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store, _ = closed
    path = str(store.ws.path)
    store.ws.close()
    monkeypatch.setattr(ReviewStore, "writable", lambda self, review: review)
    code = main(["review", "edit", "1", "--db", path, "--system", "shop", "--notes", "forged"])
    out = capsys.readouterr()
    assert code == 2
    assert "touches a closed review" in out.err and "Traceback" not in out.err
    with Workspace(path) as ws:
        assert ReviewStore(ws).review("shop", 1).notes == ""


# -- a workspace written by the previous schema -------------------------------------------


def test_previous_schema_workspace_migrates_and_is_protected(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:PREVIOUS_SCHEMA]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {PREVIOUS_SCHEMA}")
    # as the previous archrev left it: review 1 closed with its answers, review 2 open
    conn.execute(
        "INSERT INTO reviews (system_id, number, title, status, started, closed, snapshot) "
        "VALUES ('shop', 1, '2026-Q3', 'closed', '2026-08-01', '2026-09-30', "
        "'{\"findings\": []}')"
    )
    conn.execute(
        "INSERT INTO reviews (system_id, number, title, started) "
        "VALUES ('shop', 2, '2026-Q4', '2026-10-01')"
    )
    conn.execute("INSERT INTO checklist_answers VALUES ('shop', 1, 'MOD-01', 'yes', '', 't')")
    conn.close()

    with Workspace(path) as ws:
        assert SCHEMA_VERSION == PREVIOUS_SCHEMA + 1
        assert ws.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        triggers = {
            r[0] for r in ws.conn.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        }
        assert len(triggers) == 6
        ws.import_model(_model())
        store = ReviewStore(ws)
        first = store.review("shop", 1)
        assert first.is_closed and store.answers(first)["MOD-01"].value is AnswerValue.YES

    raw = sqlite3.connect(path, isolation_level=None)
    for sql in (
        "UPDATE reviews SET notes = 'x' WHERE number = 1",
        "DELETE FROM reviews WHERE number = 1",
        "UPDATE checklist_answers SET answer = 'no' WHERE review_number = 1",
        "DELETE FROM checklist_answers WHERE review_number = 1",
        "INSERT INTO checklist_answers VALUES ('shop', 1, 'MOD-02', 'no', '', 't')",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="closed review"):
            raw.execute(sql)
    raw.close()

    with Workspace(path) as ws:
        store = ReviewStore(ws)
        second = store.review("shop", 2)
        store.answer(second, "MOD-01", AnswerValue.NO, "regressed")
        assert store.close(second, {"findings": []}, today=DAY).is_closed
        assert store.answers(store.review("shop", 1))["MOD-01"].note == ""
