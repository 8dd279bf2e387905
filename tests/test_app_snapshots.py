"""SVG snapshots of the main screens (pytest-textual-snapshot).

Pinned: terminal size, the analysis date, the workspace path (relative, in a temporary
folder), and no blinking cursors. Update after a deliberate change with
`pytest tests/test_app_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_waits import settle, wait_for_inspector
from archrev.model.document import WorkspaceDocument
from archrev.model.types import Component, Kind, Link, Mode, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.tui.app import ArchrevApp
from textual.widgets import Input

SIZE = (120, 36)


def shop() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name="Shop", growth_per_year=1.0),
        components=[
            Component(
                id="web", name="Web [bold]", kind=Kind.GATEWAY, peak_rps=200, capacity_rps=500
            ),
            Component(id="api", name="Orders API 🚀", replicas=2, capacity_rps=150),
            Component(id="db", name="Orders DB", kind=Kind.DATABASE, capacity_rps=400),
            Component(id="mailer", name="Mailer", kind=Kind.WORKER),
        ],
        links=[
            Link(source="web", target="api"),
            Link(source="api", target="db"),
            Link(source="api", target="mailer", mode=Mode.ASYNC, required=False),
        ],
        layout={"web": (2, 2), "api": (30, 2), "db": (60, 2), "mailer": (60, 10)},
    )


@pytest.fixture
def app(tmp_path: Path, monkeypatch) -> ArchrevApp:
    monkeypatch.chdir(tmp_path)
    with Workspace(Path("archrev.db")) as ws:
        ws.import_model(shop())
    return ArchrevApp(WorkspaceDocument.open(Path("archrev.db"), "shop"), today=date(2026, 1, 15))


def steps(*keys: str, select: str | None = "api"):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if select is not None:
            pilot.app.screen.canvas.select(select)
            await wait_for_inspector(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await settle(pilot)
        for widget in pilot.app.screen.query(Input):
            widget.cursor_blink = False
        await pilot.pause()

    return run_before


def test_main_screen(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=steps())


def test_blast_mode(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("b", select="db"))


def test_growth_mode(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("g", "]", "]"))


def test_component_form(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=SIZE, run_before=steps("e"))


def test_small_terminal(snap_compare, app) -> None:
    assert snap_compare(app, terminal_size=(80, 24), run_before=steps())
