"""The review screen driven from the keyboard with Pilot; asserts what reached the workspace."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from archrev.model.modelfile import read_model
from archrev.model.reviews import AnswerValue, ReviewStore, TriageState
from archrev.model.types import Component, Link
from archrev.model.workspace import Workspace
from archrev.tui.canvas import GraphCanvas
from archrev.tui.review_screen import ReviewScreen, SnapshotScreen, StartDialog, TriageDialog
from textual.app import App
from textual.widgets import DataTable, Input, Select

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 20)


class Host(App[None]):
    def __init__(self, db: Path) -> None:
        super().__init__()
        self.db = db

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.db, "shop", today=DAY))


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "w.db"
    with Workspace(db) as ws:
        ws.import_model(read_model(ROOT / "tests" / "data" / "review_shop_q1.yaml"))
    return db


async def _settle(app: App[None], pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def test_review_cycle_from_the_keyboard(tmp_path: Path) -> None:
    db = _db(tmp_path)
    app = Host(db)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.state is not None and not screen.state.review.is_closed
        findings = [tf.fingerprint for tf in screen.state.findings]
        assert len(findings) >= 2

        # triage: first finding in progress, second an accepted risk through the dialog
        await pilot.press("1", "p")
        await _settle(app, pilot)
        await pilot.press("down", "r")
        await pilot.pause()
        await pilot.press(*"only at sales peaks")
        # an accepted risk without expiry is refused inside the dialog, nothing written
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, TriageDialog)
        error = str(app.screen.query_one("#error").render())
        assert "needs an expiry date (YYYY-MM-DD) in the future" in error
        assert "--expiry" not in error  # the dialog has a field, not a flag
        await pilot.press("tab")
        await pilot.press(*"2027-03-31", "enter")
        await _settle(app, pilot)

        # checklist: a passing item answered yes; overriding a failing one asks for a note
        await pilot.press("2")
        await pilot.pause()
        table = screen.query_one("#checklist", DataTable)
        codes = [r.item.code for r in screen.state.items]
        failing = next(r.item.code for r in screen.state.items if r.auto is False)
        await pilot.press("y")
        await _settle(app, pilot)
        table.move_cursor(row=codes.index(failing))
        await pilot.press("y")
        await pilot.pause()
        await pilot.press(*"fixed last week", "enter")
        await _settle(app, pilot)

        with Workspace(db) as ws:
            store = ReviewStore(ws)
            triage = store.triage("shop")
            answers = store.answers(store.review("shop", 1))
        assert triage[findings[0]].state is TriageState.IN_PROGRESS
        risk = triage[findings[1]]
        assert risk.state is TriageState.ACCEPTED_RISK
        assert (risk.justification, risk.expiry) == ("only at sales peaks", date(2027, 3, 31))
        assert answers[codes[0]].value is AnswerValue.YES
        assert answers[failing].note == "fixed last week"

        # close, with a typed confirmation
        await pilot.press("ctrl+w")
        await pilot.pause()
        await pilot.press(*"yes", "enter")
        await _settle(app, pilot)
        assert screen.state.review.is_closed

        # a closed review refuses edits from the screen too
        await pilot.press("1", "m")
        await _settle(app, pilot)
        with Workspace(db) as ws:
            assert ReviewStore(ws).triage("shop")[findings[0]].state is TriageState.IN_PROGRESS

        # export the report
        await pilot.press("ctrl+e")
        await pilot.pause()
        field = app.screen.query_one(Input)
        field.value = str(tmp_path / "report.html")
        await pilot.press("enter")
        await pilot.pause()
        assert "<svg" in (tmp_path / "report.html").read_text()

        # the snapshot, read-only on the canvas: a move is undone, nothing is written
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, SnapshotScreen)
        canvas = app.screen.query_one(GraphCanvas)
        assert set(canvas.positions) == {"web", "orders", "catalog", "db"}
        picture = "\n".join(canvas.render_line(y).text for y in range(canvas.size.height))
        assert "Web | storefront" in picture
        before = canvas.positions
        canvas.select("web")
        await pilot.press("shift+right")
        await pilot.pause()
        assert canvas.positions == before
        with Workspace(db) as ws:
            assert ws.load("shop").layout == {}
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen


async def test_markup_in_names_is_shown_as_text(tmp_path: Path) -> None:
    db = _db(tmp_path)
    app = Host(db)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        table = app.screen.query_one("#findings", DataTable)
        cells = [str(table.get_row_at(i)[4]) for i in range(table.row_count)]
        assert "Postgres [bold]main[/]" in cells
        detail = ""
        for row in range(table.row_count):
            table.move_cursor(row=row)
            await pilot.pause()
            detail = str(app.screen.query_one("#detail").render())
            if "[bold]" in detail:
                break
        assert "Postgres [bold]main[/]" in detail


async def test_quarterly_cycle_in_the_app_on_a_sample(tmp_path: Path) -> None:
    """Review 1 triaged and closed in the screen, the model improved in the workspace,
    review 2 started in the screen shows what was resolved and what is new."""
    db = tmp_path / "shop.db"
    model = read_model(ROOT / "samples" / "online-shop.yaml")
    sid = model.system.id
    with Workspace(db) as ws:
        ws.import_model(model)

    class SampleHost(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ReviewScreen(db, sid, today=DAY))

    app = SampleHost()
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.state is not None
        single = next(tf for tf in screen.state.findings if tf.finding.rule_id == "SPOF-SINGLE")
        table = screen.query_one("#findings", DataTable)
        table.move_cursor(row=screen.state.findings.index(single))
        await pilot.press("p")
        await _settle(app, pilot)
        await pilot.press("ctrl+w")
        await pilot.pause()
        await pilot.press(*"yes", "enter")
        await _settle(app, pilot)
        assert screen.state.review.is_closed

        # the architect fixes the single instance and adds a new store
        fixed = single.finding.components[0]
        with Workspace(db) as ws:
            comp = ws.load(sid).component(fixed)
            ws.update_component(sid, comp.model_copy(update={"replicas": 3}))
            ws.add_component(sid, Component(id="audit-store", kind="database"))
            entry = next(c.id for c in ws.load(sid).components if c.peak_rps)
            ws.add_link(sid, Link(source=entry, target="audit-store"))

        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        state = screen.state
        assert state.review.number == 2 and not state.review.is_closed
        assert single.fingerprint in {tf.fingerprint for tf in state.resolved}
        assert state.comparison is not None
        assert any("audit-store" in f.components for f in state.comparison.new)
        await pilot.press("3")
        await pilot.pause()
        compare = str(screen.query_one("#comparison").render())
        assert "Compared with #1 2026-Q4" in compare and "+ audit-store" in compare
        assert f"{len(state.comparison.resolved)} resolved" in compare


async def test_start_dialog_title_reviewers_and_team_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "security.yaml").write_text(
        "checklist: security\ntitle: Security\nsections:\n  - title: S\n    items:\n"
        "      - {code: SEC-01, question: Secrets rotated?}\n"
    )
    monkeypatch.setenv("ARCHREV_CHECKLISTS", str(folder))
    db = _db(tmp_path)
    app = Host(db)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, StartDialog)
        dialog.query_one("#template", Select).value = "security"
        await pilot.press(*"12", "tab", *"Ann, Bo [x]")
        await pilot.press("enter")
        await pilot.pause()
        # a title that looks like a number is refused in the dialog, which stays open
        assert app.screen is dialog
        assert "cannot look like a review number" in str(dialog.query_one("#error").render())
        dialog.query_one("#title", Input).value = "Spring [b]review[/b]"
        await pilot.press("enter")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.state is not None
        assert [i.item.code for i in screen.state.items] == ["SEC-01"]
    with Workspace(db) as ws:
        review = ReviewStore(ws).review("shop", 1)
    assert review.title == "Spring [b]review[/b]"
    assert review.reviewers == ("Ann", "Bo [x]")
    assert review.checklist is not None and review.checklist["checklist"] == "security"
