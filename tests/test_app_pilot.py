"""The app driven like a user drives it (Pilot), checking what reached the workspace.

Each test reads the result back through a fresh `Workspace` (or a fresh parse of the model
file): what the screen shows is not enough, the edit must be on disk.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_waits import settle, wait_for_inspector
from archrev.model.document import ModelFileDocument, WorkspaceDocument
from archrev.model.modelfile import read_model, save_model
from archrev.model.types import Component, Kind, Link, Mode, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.tui.app import ArchrevApp, SystemScreen
from archrev.tui.forms import ComponentForm, ConfirmScreen, LinkForm

TODAY = date(2026, 1, 15)
SIZE = (140, 45)


def shop() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name="Shop", growth_per_year=1.0),
        components=[
            Component(id="web", name="Web", kind=Kind.GATEWAY, peak_rps=200, capacity_rps=500),
            Component(id="api", name="Orders API", replicas=2, capacity_rps=150),
            Component(id="db", name="Orders DB", kind=Kind.DATABASE, capacity_rps=400),
            Component(id="mailer", name="Mailer", kind=Kind.WORKER),
        ],
        links=[
            Link(source="web", target="api"),
            Link(source="api", target="db"),
            Link(source="api", target="mailer", mode=Mode.ASYNC),
        ],
        layout={"web": (2, 2), "api": (40, 2), "db": (80, 2), "mailer": (80, 14)},
    )


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    path = tmp_path / "archrev.db"
    with Workspace(path) as ws:
        ws.import_model(shop())
    return path


def stored(path: Path) -> SystemModel:
    with Workspace(path, create=False) as ws:
        return ws.load("shop")


def make_app(path: Path) -> ArchrevApp:
    return ArchrevApp(WorkspaceDocument.open(path, "shop"), today=TODAY)


def screen_of(app: ArchrevApp) -> SystemScreen:
    screen = app.screen
    assert isinstance(screen, SystemScreen)
    return screen


async def select(pilot, comp_id: str) -> SystemScreen:
    screen = screen_of(pilot.app)
    screen.canvas.select(comp_id)
    screen.canvas.focus()
    await wait_for_inspector(pilot)
    return screen


async def fill(pilot, selector: str, text: str) -> None:
    widget = pilot.app.screen.query_one(selector)
    widget.value = text
    await pilot.pause()


async def test_add_component_with_markup_name(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "api")
        await pilot.press("a")
        assert isinstance(app.screen, ComponentForm)
        await pilot.press(*"Search [bold]")
        assert app.screen.query_one("#f-id").value == "search-bold"
        await fill(pilot, "#f-name", "Search [bold] 🔍")  # Pilot cannot type an emoji
        await fill(pilot, "#f-replicas", "3")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SystemScreen)
        assert app.screen.canvas.selected == "search-bold"
    model = stored(ws_path)
    comp = model.component("search-bold")
    assert comp.name == "Search [bold] 🔍"
    assert comp.replicas == 3
    assert "search-bold" in model.layout  # placed where it was drawn


async def test_invalid_input_keeps_the_form_open_and_saves_nothing(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "api")
        await pilot.press("e")
        form = app.screen
        assert isinstance(form, ComponentForm)
        await fill(pilot, "#f-replicas", "lots")
        await fill(pilot, "#f-read_ratio", "2")
        await fill(pilot, "#f-id", "bad id!")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert "whole number" in str(form.query_one("#err-replicas").render())
        assert "1" in str(form.query_one("#err-read_ratio").render())
        assert "cannot hold a space or '!'" in str(form.query_one("#err-id").render())
        assert stored(ws_path).component("api").replicas == 2
        # Fixing the fields saves the edit.
        await fill(pilot, "#f-replicas", "4")
        await fill(pilot, "#f-read_ratio", "0.9")
        await fill(pilot, "#f-id", "orders-api")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, SystemScreen)
    model = stored(ws_path)
    assert model.component("orders-api").replicas == 4
    assert model.component("orders-api").read_ratio == 0.9
    assert {ln.key for ln in model.links} >= {("web", "orders-api"), ("orders-api", "db")}


async def test_id_taken_is_an_inline_error(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await fill(pilot, "#f-name", "Another")
        await fill(pilot, "#f-id", "db")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ComponentForm)
        assert "already used" in str(app.screen.query_one("#err-id").render())
        await pilot.press("escape")
        await pilot.pause()
    assert len(stored(ws_path).components) == 4


async def test_connect_picks_mode_and_saves_the_link(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await select(pilot, "web")
        await pilot.press("c")
        assert screen.connect_source == "web"
        screen.canvas.select("mailer")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LinkForm)
        await pilot.click("#mode-async")
        await fill(pilot, "#f-protocol", "AMQP")
        await pilot.press("ctrl+s")
        await settle(pilot)
    link = next(ln for ln in stored(ws_path).links if ln.key == ("web", "mailer"))
    assert link.mode is Mode.ASYNC
    assert link.protocol == "AMQP"


async def test_move_with_keys_is_saved_and_undone(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "mailer")
        await pilot.press("shift+right", "shift+right", "shift+down")
        await settle(pilot)
        x, y = stored(ws_path).layout["mailer"]
        assert x > 80 and y > 14
        await pilot.press("ctrl+z", "ctrl+z", "ctrl+z")
        await settle(pilot)
        assert stored(ws_path).layout["mailer"] == (80, 14)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert stored(ws_path).layout["mailer"] != (80, 14)


async def test_move_by_dragging(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        canvas = screen.canvas
        # Grab the box by a cell inside it (one row down, two columns in), in screen
        # coordinates relative to the canvas widget.
        bx, by = screen.positions["mailer"]
        start = (bx + 2 - int(canvas.scroll_offset.x), by + 1 - int(canvas.scroll_offset.y))
        await pilot.mouse_down(canvas, offset=start)
        await pilot.hover(canvas, offset=(start[0] + 6, start[1] + 3))
        await pilot.mouse_up(canvas, offset=(start[0] + 6, start[1] + 3))
        await settle(pilot)
    assert stored(ws_path).layout["mailer"] == (86, 17)


async def test_delete_confirms_link_count_and_undo_restores(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "api")
        await pilot.press("delete")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "3 links" in str(app.screen.question)
        await pilot.press("y")
        await settle(pilot)
        model = stored(ws_path)
        assert "api" not in {c.id for c in model.components}
        assert model.links == []
        await pilot.press("ctrl+z")
        await settle(pilot)
        model = stored(ws_path)
        assert model.component("api").replicas == 2
        assert len(model.links) == 3
        assert model.layout["api"] == (40, 2)
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert "api" not in {c.id for c in stored(ws_path).components}


async def test_undo_redo_every_kind_of_edit(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await select(pilot, "db")
        await pilot.press("a")
        await fill(pilot, "#f-name", "Cache")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("l")  # relayout
        await settle(pilot)
        after_layout = stored(ws_path).layout
        assert set(after_layout) == {"web", "api", "db", "mailer", "cache"}
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert stored(ws_path).layout["web"] == (2, 2)
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert "cache" not in {c.id for c in stored(ws_path).components}
        await pilot.press("ctrl+z")  # nothing left: says so, changes nothing
        await settle(pilot)
        assert "nothing to undo" in screen.message
        await pilot.press("ctrl+y", "ctrl+y")
        await settle(pilot)
        assert stored(ws_path).layout == after_layout


async def test_blast_mode_shows_what_fails_and_writes_nothing(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await select(pilot, "db")
        await pilot.press("b")
        await pilot.pause()
        assert screen.view == "blast"
        radius = screen.analysis.facts.blast_radius("db")
        decorations = screen.decorations()
        assert decorations["db"].badge == "origin"
        for cid in radius.failed - {"db"}:
            assert decorations[cid].badge in ("fails", "cut off")
        for cid in radius.entry_points_cut:
            assert decorations[cid].badge == "cut off"
        assert "web" in radius.entry_points_cut  # web -> api -> db, all required and sync
        assert "BLAST" in str(screen.query_one("#status").render())
        await pilot.press("escape")
        await pilot.pause()
        assert screen.view == "findings"
    assert stored(ws_path) == shop()


async def test_growth_mode_steps_quarters(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await select(pilot, "api")
        await pilot.press("g")
        await pilot.press("right_square_bracket", "right_square_bracket")
        await pilot.pause()
        assert screen.view == "growth"
        assert screen.quarter == 2
        values = screen.analysis.facts.utilization("api")
        assert values is not None
        assert screen.decorations()["api"].badge == f"{values[2] * 100:.0f}%"
        body = screen.inspector.text.plain
        assert "runway" in body
        assert "Q2" in body
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert screen.quarter == 1
    assert stored(ws_path) == shop()


async def test_findings_panel_selects_components(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        findings = screen.analysis.findings
        assert findings
        table = screen.findings_panel.query_one("#findings-table")
        assert table.row_count == len(findings)
        table.focus()
        await pilot.pause()
        await pilot.press("down")
        await pilot.pause()
        chosen = screen.findings_panel.current()
        assert screen.canvas.selected in chosen.components
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "FindingDetail"
        await pilot.press("escape")


async def test_model_file_is_edited_in_place(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    save_model(shop(), path, "# Reviewed quarterly.")
    app = ArchrevApp(ModelFileDocument(path), today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "db")
        await pilot.press("a")
        await fill(pilot, "#f-name", "Replica")
        await pilot.press("ctrl+s")
        await settle(pilot)
        await select(pilot, "mailer")
        await pilot.press("shift+down")
        await settle(pilot)
    text = path.read_text()
    assert text.startswith("# Reviewed quarterly.\n")
    model = read_model(path)
    assert model.component("replica").name == "Replica"
    assert model.layout["mailer"][1] > 14
    assert "replica" in model.layout


async def test_several_systems_start_on_a_picker(ws_path: Path) -> None:
    with Workspace(ws_path) as ws:
        ws.import_model(SystemModel(system=System(id="billing", name="Billing")))
    app = ArchrevApp(workspace=ws_path, today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "SystemPicker"
        await pilot.press("down", "enter")
        await settle(pilot)
        screen = screen_of(app)
        assert screen.doc.model.system.id == "billing"
        await pilot.press("a")
        await fill(pilot, "#f-name", "Ledger")
        await pilot.press("ctrl+s")
        await settle(pilot)
    with Workspace(ws_path, create=False) as ws:
        assert [c.id for c in ws.load("billing").components] == ["ledger"]
        assert len(ws.load("shop").components) == 4


async def test_first_edit_keeps_the_automatic_layout_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ws.db"
    model = shop().model_copy(update={"layout": {}})
    with Workspace(path) as ws:
        ws.import_model(model)
    app = ArchrevApp(WorkspaceDocument.open(path, "shop"), today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await select(pilot, "mailer")
        drawn = dict(screen.positions)
        await pilot.press("c")
        screen.canvas.select("web")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await settle(pilot)
        # The new link would change the layers; the boxes stay where they were drawn.
        assert stored(path).layout == drawn
        assert screen.positions == drawn
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert stored(path).layout == {}
        assert ("mailer", "web") not in {ln.key for ln in stored(path).links}


async def test_edit_and_delete_links_from_the_component_form(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, "api")
        await pilot.press("e", "ctrl+l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ComponentForm)
        # Rows: web -> api, api -> db, api -> mailer (outgoing and incoming links).
        await pilot.press("down")  # api -> db
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LinkForm)
        await pilot.click("#f-required")
        await fill(pilot, "#f-timeout_ms", "250")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        link = next(ln for ln in stored(ws_path).links if ln.key == ("api", "db"))
        assert link.required is False and link.timeout_ms == 250
        await pilot.click("#delete-link")  # the cursor is still on api -> db
        await settle(pilot)
        assert ("api", "db") not in {ln.key for ln in stored(ws_path).links}
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+z", "ctrl+z")
        await settle(pilot)
    link = next(ln for ln in stored(ws_path).links if ln.key == ("api", "db"))
    assert link.required is True and link.timeout_ms is None


async def test_a_failing_analysis_is_reported_and_editing_goes_on(
    ws_path: Path, monkeypatch
) -> None:
    import archrev.rules.engine

    def broken(*args, **kwargs):
        raise RuntimeError("rule exploded")

    monkeypatch.setattr(archrev.rules.engine, "analyze", broken)
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert screen.analysis is None
        assert "rule exploded" in screen.analysis_error
        await select(pilot, "mailer")
        await pilot.press("shift+down")
        await settle(pilot)
    assert stored(ws_path).layout["mailer"][1] > 14


async def test_connect_by_clicking_the_target(ws_path: Path) -> None:
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await select(pilot, "web")
        await pilot.press("c")
        canvas = screen.canvas
        bx, by = screen.positions["mailer"]
        offset = (bx + 2 - int(canvas.scroll_offset.x), by + 1 - int(canvas.scroll_offset.y))
        await pilot.click(canvas, offset=offset)
        await pilot.pause()
        assert isinstance(app.screen, LinkForm)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert ("web", "mailer") in {ln.key for ln in stored(ws_path).links}


async def test_a_large_unplaced_system_is_laid_out_off_the_ui_thread(tmp_path: Path) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from bench_app import generated_system

    path = tmp_path / "big.db"
    with Workspace(path) as ws:
        ws.import_model(generated_system(n=200, layers=8))
    app = ArchrevApp(WorkspaceDocument.open(path, "big"), today=TODAY)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        assert not screen.laying_out
        assert screen._auto_layout is not None  # laid out by the thread worker
        assert len(screen.positions) == 200
        assert screen.canvas.selected is not None
        await pilot.press("shift+down")
        await settle(pilot)
    assert len(stored_big(path).layout) == 200  # the first edit kept the picture in place


def stored_big(path: Path) -> SystemModel:
    with Workspace(path, create=False) as ws:
        return ws.load("big")


async def test_an_edit_reanalyses_and_the_new_finding_reads_in_full(ws_path: Path) -> None:
    """Findings build their messages when first read: the ones the screen shows after an
    edit must describe the edited model, not the one before."""
    app = make_app(ws_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        before = {(f.rule_id, f.components) for f in screen.analysis.findings}
        assert ("SPOF-CHOKEPOINT", ("api",)) not in before  # two replicas
        await select(pilot, "api")
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ComponentForm)
        await fill(pilot, "#f-replicas", "1")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert stored(ws_path).components[1].replicas == 1
        # one instance on every path: SPOF-CHOKEPOINT, which folds in SPOF-SINGLE
        single = next(
            f
            for f in screen.analysis.findings
            if f.rule_id == "SPOF-CHOKEPOINT" and f.components == ("api",)
        )
        assert "Orders API (api)" in single.message and "single instance" in single.message
        folded = single.evidence["also_findings"]["SPOF-SINGLE"]
        assert "Orders API (api) runs as a single instance (replicas: 1" in folded["message"]
        assert folded["replicas"] == 1
        table = screen.findings_panel.query_one("#findings-table")
        table.focus()
        table.move_cursor(row=screen.findings_panel.shown.index(single))
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "FindingDetail"
        shown = "".join(str(w.render()) for w in app.screen.query("Static"))
        assert "Orders API (api)" in shown and "single instance" in shown
