"""The review screen reached from the app: `r` on the system screen."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from archrev.model.document import ModelFileDocument, WorkspaceDocument
from archrev.model.modelfile import read_model
from archrev.model.reviews import ReviewStore
from archrev.model.workspace import Workspace
from archrev.tui.app import ArchrevApp, SystemScreen
from archrev.tui.review_screen import ReviewScreen, StartDialog

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "tests" / "data" / "review_shop_q1.yaml"
TODAY = date(2026, 11, 20)


async def _settle(app: ArchrevApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


async def test_r_opens_the_review_screen_of_the_workspace_system(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with Workspace(db) as ws:
        ws.import_model(read_model(MODEL))
    app = ArchrevApp(WorkspaceDocument.open(db, "shop"), today=TODAY)
    async with app.run_test(size=(140, 45)) as pilot:
        await _settle(app, pilot)
        assert isinstance(app.screen, SystemScreen)
        await pilot.press("r")
        await _settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, StartDialog)
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen) and app.screen.state is not None
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SystemScreen)
    with Workspace(db) as ws:
        assert ReviewStore(ws).review("shop", 1).title == "2026-Q4"


async def test_a_model_file_explains_that_reviews_need_a_workspace(tmp_path: Path) -> None:
    copy = tmp_path / "shop.yaml"
    copy.write_text(MODEL.read_text())
    app = ArchrevApp(ModelFileDocument(copy), today=TODAY)
    async with app.run_test(size=(140, 45)) as pilot:
        await _settle(app, pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, SystemScreen)
        assert any("kept in a workspace" in str(n.message) for n in app._notifications)
