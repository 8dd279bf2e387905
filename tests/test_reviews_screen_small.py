"""The review screen on a small terminal (80x24) and before any review exists."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from archrev.model.modelfile import read_model
from archrev.model.reviews import ReviewStore, TriageState
from archrev.model.workspace import Workspace
from archrev.tui.review_screen import ReviewCommands, ReviewScreen, StartDialog, TriageDialog
from textual.app import App
from textual.widgets import Button, DataTable, Footer, Input

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 20)


class Host(App[None]):
    def __init__(self, db: Path, sid: str) -> None:
        super().__init__()
        self.db = db
        self.sid = sid

    def on_mount(self) -> None:
        self.push_screen(ReviewScreen(self.db, self.sid, today=DAY))


def _sample_db(tmp_path: Path) -> tuple[Path, str]:
    db = tmp_path / "shop.db"
    model = read_model(ROOT / "samples" / "online-shop.yaml")
    with Workspace(db) as ws:
        ws.import_model(model)
    return db, model.system.id


async def _settle(app: App[None], pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def _footer_text(app: App[None]) -> str:
    footer = app.screen.query_one(Footer)
    return " ".join(str(w.render()) for w in footer.query("*") if w.display and w.region)


def _footer_fits(app: App[None]) -> None:
    """Every shown key sits wholly inside the screen: no description is cut."""
    width = app.screen.size.width
    footer = app.screen.query_one(Footer)
    keys = [w for w in footer.query("FooterKey, FooterLabel")]
    assert keys, "the footer shows no keys"
    for key in keys:
        assert key.region.right <= width, f"footer key {key.render()!s} is cut at {width} columns"


async def test_before_a_review_the_live_findings_are_listed_read_only(tmp_path: Path) -> None:
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.state is None
        table = screen.query_one("#findings", DataTable)
        assert table.row_count == len(screen.rows) > 20
        assert {str(table.get_row_at(0)[1])} <= {s.label for s in TriageState}
        status = str(screen.query_one("#status").render())
        assert "read-only" in status and "press s to start a review" in status
        # the detail line shows the selected live finding with its fingerprint
        assert screen.rows[0].fingerprint in str(screen.query_one("#detail").render())
        # triage keys neither show nor write anything before a review exists
        await pilot.press("k")
        await _settle(app, pilot)
        with Workspace(db) as ws:
            assert ReviewStore(ws).triage(sid) == {}
        footer = _footer_text(app)
        assert "Start review" in footer and "Triage" not in footer
        _footer_fits(app)


async def test_footer_fits_80_columns_in_every_state(tmp_path: Path) -> None:
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StartDialog)
        # the whole dialog, buttons included, is on screen
        for button in app.screen.query(Button):
            assert button.region.bottom <= 24 and button.region.height > 0
        await pilot.press("enter")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.state is not None
        for tab in ("1", "2", "3", "4", "1"):
            await pilot.press(tab)
            await pilot.pause()
            _footer_fits(app)
        assert "Triage" in _footer_text(app) and "Start review" not in _footer_text(app)
        legend = str(screen.query_one("#keys").render())
        assert "k acknowledge" in legend and "r accept risk" in legend
        await pilot.press("2")
        await pilot.pause()
        assert "Answer" in _footer_text(app) and "Triage" not in _footer_text(app)
        assert "y yes" in str(screen.query_one("#keys").render())


async def test_arrow_keys_move_through_findings_right_after_start(tmp_path: Path) -> None:
    """`k`, `down`, `p`, `down`, `r` triages three different findings (the tab bar used
    to keep the focus, so every key hit the first row)."""
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen) and screen.state is not None
        first, second, third = (tf.fingerprint for tf in screen.state.findings[:3])
        await pilot.press("k")
        await _settle(app, pilot)
        await pilot.press("down", "p")
        await _settle(app, pilot)
        await pilot.press("down", "r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TriageDialog) and dialog.tf.fingerprint == third
        for button in dialog.query(Button):
            assert button.region.bottom <= 24 and button.region.height > 0
        await pilot.press("escape")
        await pilot.pause()
        with Workspace(db) as ws:
            triage = ReviewStore(ws).triage(sid)
        assert triage[first].state is TriageState.ACKNOWLEDGED
        assert triage[second].state is TriageState.IN_PROGRESS
        assert third not in triage


async def test_the_palette_describes_review_actions_in_full(tmp_path: Path) -> None:
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert ReviewCommands in {
            c() if callable(c) and not isinstance(c, type) else c for c in screen.COMMANDS
        }
        provider = ReviewCommands(screen)
        before = [help_text for _, help_text, _ in provider._actions()]
        assert any(h.startswith("Start a review") for h in before)
        assert not any(h.startswith("Triage:") for h in before)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        after = {help_text: key for _, help_text, key in provider._actions()}
        assert after["Triage: accept the risk (justification and expiry)"] == "r"
        assert "Close the review: freeze it as a read-only milestone" in after


async def test_compare_names_the_components_of_resolved_findings(tmp_path: Path) -> None:
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.state is not None
        single = next(tf for tf in screen.state.findings if tf.finding.rule_id == "SPOF-SINGLE")
        await pilot.press("ctrl+w")
        await pilot.pause()
        await pilot.press(*"yes", "enter")
        await _settle(app, pilot)
        fixed = single.finding.components[0]
        with Workspace(db) as ws:
            comp = ws.load(sid).component(fixed)
            ws.update_component(sid, comp.model_copy(update={"replicas": 3}))
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        compare = str(screen.query_one("#comparison").render())
        assert f"{single.finding.title} ({fixed}" in compare


async def test_close_prompt_wraps_instead_of_losing_its_end(tmp_path: Path) -> None:
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        await pilot.press("ctrl+w")
        await pilot.pause()
        prompt = app.screen.query_one("#dialog > Label")
        text = str(prompt.render())
        assert text.endswith("Type yes to confirm.")
        # the prompt is longer than the dialog is wide: it takes two lines, not one cut line
        assert len(text) > prompt.region.width and prompt.region.height >= 2


async def test_in_the_app_the_findings_table_fills_the_screen(tmp_path: Path) -> None:
    """The app's stylesheet gives the system screen's `#findings` 9 lines; the review
    screen's table (same id) must not inherit that and show 6 rows on a 40-line screen."""
    from archrev.model.document import WorkspaceDocument
    from archrev.tui.app import ArchrevApp

    db, sid = _sample_db(tmp_path)
    app = ArchrevApp(WorkspaceDocument.open(db, sid), today=DAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("r")
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        table = screen.query_one("#findings", DataTable)
        assert table.region.height >= 20
        assert table.row_count > 20


async def test_an_older_review_does_not_offer_start_while_another_is_open(
    tmp_path: Path,
) -> None:
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        await pilot.press("ctrl+w")
        await pilot.pause()
        await pilot.press(*"yes", "enter")
        await _settle(app, pilot)
        assert "Start review" in _footer_text(app)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.state is not None and screen.state.review.number == 2
        # back to review 1 from the Reviews tab: closed, and review 2 is still open
        await pilot.press("4")
        await pilot.pause()
        assert "enter open the selected review" in str(screen.query_one("#keys").render())
        screen.query_one("#reviews", DataTable).move_cursor(row=0)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert screen.state.review.number == 1 and screen.state.review.is_closed
        assert "Start review" not in _footer_text(app)
        assert "review #2 is open" in str(screen.query_one("#keys").render())
        await pilot.press("s")
        await pilot.pause()
        assert app.screen is screen


async def test_checklist_detail_shows_the_whole_note(tmp_path: Path) -> None:
    db, sid = _sample_db(tmp_path)
    app = Host(db, sid)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        assert screen.state is not None
        manual = next(i.item.code for i in screen.state.items if i.auto is None)
        screen.query_one("#checklist", DataTable).move_cursor(
            row=[i.item.code for i in screen.state.items].index(manual)
        )
        await pilot.press("x")
        await pilot.pause()
        assert "reason" in str(app.screen.query_one("#text").placeholder)  # type: ignore[attr-defined]
        note = "one team owns every component, so ownership cannot drift from the boundaries"
        await pilot.press(*note, "enter")
        await _settle(app, pilot)
        detail = str(screen.query_one("#detail").render())
        assert f"Note: {note}" in detail.replace("\n", " ")
        assert manual in detail


async def test_status_and_export_say_what_they_mean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db, sid = _sample_db(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(out)
    app = Host(db, sid)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        status = str(screen.query_one("#status").render())
        assert "the first review" in status and "previous" not in status
        # a relative file name: the notification names the folder it was written to
        await pilot.press("ctrl+e")
        await pilot.pause()
        app.screen.query_one("#text", Input).value = "report.md"
        await pilot.press("enter")
        await pilot.pause()
        assert (out / "report.md").is_file()
        assert any(str(out / "report.md") in str(n.message) for n in app._notifications)
        await pilot.press("ctrl+w")
        await pilot.pause()
        await pilot.press(*"yes", "enter")
        await _settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        status = str(screen.query_one("#status").render())
        assert "resolved since review #1 2026-Q4" in status
