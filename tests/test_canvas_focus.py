"""`f` in the app: the selection's neighbourhood in a compact layout of its own that fits
the screen (callers left, callees right), never saved; `f` again brings the whole back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from archrev.model.document import WorkspaceDocument
from archrev.model.modelfile import read_model
from archrev.model.workspace import Workspace
from archrev.tui.app import ArchrevApp, SystemScreen
from archrev.tui.canvas import GraphCanvas

TODAY = date(2026, 1, 15)
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "ai-platform.yaml"


@pytest.fixture
def demo_path(tmp_path: Path) -> Path:
    path = tmp_path / "archrev.db"
    with Workspace(path) as ws:
        ws.import_model(read_model(SAMPLE))
    return path


def demo_app(path: Path) -> ArchrevApp:
    with Workspace(path, create=False) as ws:
        sid = ws.systems()[0].id
    return ArchrevApp(WorkspaceDocument.open(path, sid), today=TODAY)


def saved_layout(path: Path) -> dict[str, tuple[int, int]]:
    with Workspace(path, create=False) as ws:
        model = ws.load(ws.systems()[0].id)
    return {cid: tuple(xy) for cid, xy in (model.layout or {}).items()}  # type: ignore[misc]


def neighbours(comp_id: str) -> set[str]:
    model = read_model(SAMPLE)
    around = {comp_id}
    for link in model.links:
        if comp_id in (link.source, link.target):
            around |= {link.source, link.target}
    return around


def callers_and_callees(comp_id: str) -> tuple[set[str], set[str]]:
    model = read_model(SAMPLE)
    callers = {lk.source for lk in model.links if lk.target == comp_id}
    callees = {lk.target for lk in model.links if lk.source == comp_id}
    return callers, callees


@pytest.mark.parametrize("size", [(120, 40), (200, 50)])
async def test_f_lays_out_the_neighbourhood_on_one_screen(
    demo_path: Path, size: tuple[int, int]
) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        canvas = screen.query_one(GraphCanvas)
        for centre in ("postgres-main", "api-gateway"):
            canvas.select(centre)
            canvas.focus()
            await pilot.pause(0.15)
            whole_boxes = {cid: (b.x, b.y) for cid, b in canvas.scene.boxes.items()}
            scroll = (canvas.scroll_x, canvas.scroll_y)
            layout_before = saved_layout(demo_path)

            await pilot.press("f")
            await pilot.pause()
            boxes = canvas.scene.boxes
            assert set(boxes) == neighbours(centre)  # the others are gone, not dimmed
            assert canvas.focused
            # Every box of the neighbourhood is on screen at once.
            view = canvas.scrollable_content_region
            left, top = int(canvas.scroll_x), int(canvas.scroll_y)
            for box in boxes.values():
                assert left <= box.x and box.x + box.w <= left + view.width, box.comp_id
                assert top <= box.y and box.y + box.h <= top + view.height, box.comp_id
            callers, callees = callers_and_callees(centre)
            middle = boxes[centre]
            for caller in callers - callees:
                assert boxes[caller].x + boxes[caller].w < middle.x
            for callee in callees - callers:
                assert boxes[callee].x > middle.x + middle.w

            # Moves are off: nothing is saved from a temporary layout.
            await pilot.press("shift+right", "shift+down")
            await pilot.pause()
            assert saved_layout(demo_path) == layout_before
            assert canvas.scene.boxes[centre].x == middle.x
            said = [n.message for n in app._notifications]
            assert any("Moves are off" in m and "f shows the whole system" in m for m in said)
            app.clear_notifications()

            await pilot.press("f")
            await pilot.pause()
            assert not canvas.focused
            assert {cid: (b.x, b.y) for cid, b in canvas.scene.boxes.items()} == whole_boxes
            assert (canvas.scroll_x, canvas.scroll_y) == scroll
            assert canvas.selected == centre


async def test_focus_follows_changes_and_escape_leaves_it(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        canvas = screen.query_one(GraphCanvas)
        canvas.select("web-app")
        canvas.focus()
        await pilot.pause(0.15)
        await pilot.press("f")
        await pilot.pause()
        assert set(canvas.scene.boxes) == neighbours("web-app")
        # Selecting a neighbour inside the focus keeps the same picture.
        before = {cid: (b.x, b.y) for cid, b in canvas.scene.boxes.items()}
        await pilot.press("right")
        await pilot.pause(0.15)
        assert canvas.selected in neighbours("web-app") - {"web-app"}
        screen.redraw()
        await pilot.pause()
        assert {cid: (b.x, b.y) for cid, b in canvas.scene.boxes.items()} == before
        await pilot.press("escape")
        await pilot.pause()
        assert not canvas.focused
        assert len(canvas.scene.boxes) == len(read_model(SAMPLE).components)


async def test_on_a_small_terminal_the_neighbourhood_is_as_tall_as_the_view(
    demo_path: Path,
) -> None:
    # 80x24 leaves the canvas about 15 rows: a tall caller column wraps into several side
    # by side, so scrolling sideways (not up and down) shows the rest.
    app = demo_app(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        canvas = screen.query_one(GraphCanvas)
        canvas.select("postgres-main")
        canvas.focus()
        await pilot.pause(0.15)
        await pilot.press("f")
        await pilot.pause()
        view = canvas.scrollable_content_region
        boxes = canvas.scene.boxes
        assert set(boxes) == neighbours("postgres-main")
        assert max(b.y + b.h for b in boxes.values()) <= view.height
        centre = boxes["postgres-main"]
        left = int(canvas.scroll_x)
        assert left <= centre.x and centre.x + centre.w <= left + view.width
