"""GraphCanvas in a tiny app: selection, moves, mouse, decorations, focus, messages."""

from __future__ import annotations

from app_waits import wait_until
from archrev.model.layout import box_sizes
from archrev.model.types import Component, Link, System, SystemModel
from archrev.tui.canvas import BoxDecoration, GraphCanvas
from rich.style import Style
from textual.app import App, ComposeResult
from textual.message import Message

# Hand placed so tests know exactly where each box is:
#   a (2,2) -> b (30,2), a -> c (30,10); d far right (60,2).
POSITIONS = {"a": (2, 2), "b": (30, 2), "c": (30, 10), "d": (60, 2)}


def make_model(names: dict[str, str] | None = None) -> SystemModel:
    names = names or {}
    return SystemModel(
        system=System(id="t"),
        components=[Component(id=c, name=names.get(c, "")) for c in POSITIONS],
        links=[
            Link(source="a", target="b"),
            Link(source="a", target="c", mode="async"),
            Link(source="b", target="d", required=False),
        ],
    )


class CanvasApp(App[None]):
    def __init__(self, model: SystemModel, positions: dict[str, tuple[int, int]]) -> None:
        super().__init__()
        self.model = model
        self.start_positions = positions
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield GraphCanvas()

    def on_mount(self) -> None:
        canvas = self.query_one(GraphCanvas)
        canvas.show(self.model, self.start_positions)
        canvas.focus()

    def on_graph_canvas_selected(self, message: GraphCanvas.Selected) -> None:
        self.messages.append(message)

    def on_graph_canvas_move_requested(self, message: GraphCanvas.MoveRequested) -> None:
        self.messages.append(message)

    def on_graph_canvas_activated(self, message: GraphCanvas.Activated) -> None:
        self.messages.append(message)


def moves(app: CanvasApp) -> list[tuple[str, int, int]]:
    return [(m.comp_id, m.x, m.y) for m in app.messages if isinstance(m, GraphCanvas.MoveRequested)]


def screen_text(canvas: GraphCanvas) -> list[str]:
    return [canvas.render_line(y).text for y in range(canvas.size.height)]


async def test_arrows_select_the_nearest_box_in_that_direction() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        assert canvas.selected is None
        await pilot.press("right")  # nothing selected: the first visible box
        assert canvas.selected == "a"
        await pilot.press("right")
        assert canvas.selected == "b"
        await pilot.press("down")
        assert canvas.selected == "c"
        await pilot.press("up")
        assert canvas.selected == "b"
        await pilot.press("right")
        assert canvas.selected == "d"
        await pilot.press("right")  # nothing further right: stays
        assert canvas.selected == "d"
        await pilot.pause()
        selected = [m.comp_id for m in app.messages if isinstance(m, GraphCanvas.Selected)]
        assert selected == ["a", "b", "c", "b", "d"]


async def test_shift_arrows_move_the_box_and_request_the_move() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.select("b")
        await pilot.press("shift+right", "shift+right", "shift+down", "shift+up", "shift+up")
        await pilot.pause()
        assert moves(app) == [("b", 31, 2), ("b", 32, 2), ("b", 32, 3), ("b", 32, 2), ("b", 32, 1)]
        assert canvas.positions["b"] == (32, 1)
        # The picture shows it at once: b's (selected, heavy) top-left corner is at (32, 1).
        assert canvas.render_line(1).text[32] == "┏"
        # Never off the top edge, nor so far left that arrows into it have no room.
        canvas.select("a")
        for _ in range(5):
            await pilot.press("shift+up", "shift+left")
        await pilot.pause()
        assert canvas.positions["a"] == (2, 0)


async def test_shift_arrow_without_selection_does_nothing() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("shift+right")
        await pilot.pause()
        assert moves(app) == []


async def test_click_selects_and_click_on_background_clears() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.click(GraphCanvas, offset=(33, 11))  # inside c
        assert canvas.selected == "c"
        await pilot.click(GraphCanvas, offset=(3, 2))  # a's top border
        assert canvas.selected == "a"
        await pilot.click(GraphCanvas, offset=(25, 20))  # empty
        assert canvas.selected is None
        assert moves(app) == []


async def test_drag_moves_the_box_and_requests_the_move_on_release() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        # Grab c at (33, 11), i.e. 3 columns and 1 row inside its top-left corner.
        await pilot.mouse_down(GraphCanvas, offset=(33, 11))
        assert canvas.selected == "c"
        await pilot.hover(GraphCanvas, offset=(36, 13))
        await pilot.hover(GraphCanvas, offset=(40, 16))
        assert canvas.positions["c"] == (37, 15)
        assert moves(app) == []  # only on release
        await pilot.mouse_up(GraphCanvas, offset=(40, 16))
        await pilot.pause()
        assert moves(app) == [("c", 37, 15)]
        assert canvas.render_line(15).text[37] == "┏"
        # A plain click afterwards is not a drag.
        await pilot.click(GraphCanvas, offset=(38, 16))
        await pilot.pause()
        assert moves(app) == [("c", 37, 15)]


async def test_drag_on_the_background_pans() -> None:
    app = CanvasApp(make_model(), {**POSITIONS, "d": (300, 80)})
    async with app.run_test(size=(80, 24)) as pilot:
        canvas = app.query_one(GraphCanvas)
        assert canvas.scroll_offset == (0, 0)
        await pilot.mouse_down(GraphCanvas, offset=(50, 20))
        await pilot.hover(GraphCanvas, offset=(40, 15))
        await pilot.mouse_up(GraphCanvas, offset=(40, 15))
        await pilot.pause()
        assert canvas.scroll_offset == (10, 5)
        assert moves(app) == []


async def test_enter_and_double_click_activate() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.select("b")
        await pilot.press("enter")
        await pilot.double_click(GraphCanvas, offset=(33, 11))
        await pilot.pause()
        activated = [m.comp_id for m in app.messages if isinstance(m, GraphCanvas.Activated)]
        assert activated == ["b", "c"]


async def test_markup_looking_names_render_literally() -> None:
    names = {
        "a": "[bold]Web[/]",
        "b": "[red]x[/red] 🚀",
        "c": "a very long component name that never ends and goes on",
        "d": "数据库",
    }
    app = CanvasApp(make_model(names), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        lines = screen_text(app.query_one(GraphCanvas))
        assert "│ [bold]Web[/]" in lines[3]
        assert "[red]x[/red] 🚀" in lines[3]
        assert "│ 数据库" in lines[3]
        # The long name is cut inside its box: the right border is still where it belongs.
        width = box_sizes(app.model)["c"][0]
        row = lines[11]
        assert row[30] == "│" and row[30 + width - 1] == "│"
        assert "…" in row[30 : 30 + width]


async def test_show_keeps_selection_and_scroll_and_drops_vanished_selection() -> None:
    app = CanvasApp(make_model(), {**POSITIONS, "d": (300, 80)})
    async with app.run_test(size=(80, 24)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.select("d")
        await pilot.pause()
        offset = canvas.scroll_offset
        assert offset != (0, 0)
        canvas.show(app.model, {**POSITIONS, "d": (301, 80)})
        await pilot.pause()
        assert canvas.selected == "d" and canvas.scroll_offset == offset
        smaller = app.model.model_copy(
            update={
                "components": app.model.components[:3],
                "links": app.model.links[:2],
            }
        )
        canvas.show(smaller, POSITIONS)
        await pilot.pause()
        assert canvas.selected is None


async def test_components_without_position_are_placed_below() -> None:
    app = CanvasApp(make_model(), {"a": (2, 2)})
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.pause()
        positions = canvas.positions
        assert set(positions) == set(POSITIONS)
        assert all(y > 2 + 4 for cid, (_x, y) in positions.items() if cid != "a")


async def test_decorations_colour_borders_and_show_badges() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.decorate(
            {"a": BoxDecoration(border_style="red", badge="2 crit"), "b": BoxDecoration(dim=True)}
        )
        await pilot.pause()
        bottom = canvas.render_line(5)
        assert "└─ 2 crit ─" in bottom.text
        corner = next(seg for seg in bottom if seg.text.startswith("└"))
        assert corner.style is not None and corner.style.color == Style.parse("red").color
        # A theme variable resolves to the theme's colour rather than failing.
        canvas.decorate({"a": BoxDecoration(border_style="$error")})
        await pilot.pause()
        top = canvas.render_line(2)
        corner = next(seg for seg in top if seg.text.startswith("┌"))
        assert corner.style is not None and corner.style.color is not None
        canvas.decorate({"a": BoxDecoration(border_style="not a style at all [")})
        await pilot.pause()
        assert canvas.render_line(2).text[2] == "┌"


async def test_focus_on_draws_only_the_focus_and_none_restores() -> None:
    app = CanvasApp(make_model({"c": "Zebra"}), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.pause()
        canvas.select("b")
        canvas.focus_on({"a", "b", "d"})
        await pilot.pause()
        boxes = canvas.scene.boxes
        assert set(boxes) == {"a", "b", "d"}  # c is not drawn at all
        # b's caller left of it, its callee right of it, in a layout of their own.
        assert boxes["a"].x + boxes["a"].w < boxes["b"].x < boxes["d"].x
        assert "Zebra" not in "".join(screen_text(canvas))
        await pilot.press("shift+right")
        await pilot.pause()
        assert moves(app) == []
        # The whole model shown again while focused keeps the focus.
        canvas.show(make_model({"c": "Zebra"}), POSITIONS)
        await pilot.pause()
        assert set(canvas.scene.boxes) == {"a", "b", "d"}
        canvas.focus_on(None)
        await pilot.pause()
        assert {cid: (b.x, b.y) for cid, b in canvas.scene.boxes.items()} == POSITIONS
        assert canvas.selected == "b"


async def test_scroll_to_component_and_pan_keys() -> None:
    app = CanvasApp(make_model(), {**POSITIONS, "d": (300, 80)})
    async with app.run_test(size=(80, 24)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.scroll_to_component("d")
        await pilot.pause()
        x, y = canvas.scroll_offset
        assert x <= 300 < x + canvas.size.width and y <= 80 < y + canvas.size.height
        canvas.scroll_to(0, 0, animate=False, immediate=True)
        await pilot.press("ctrl+right", "ctrl+down")
        await pilot.pause()
        assert canvas.scroll_offset.x > 0 and canvas.scroll_offset.y > 0


def test_every_binding_has_an_id() -> None:
    bindings = GraphCanvas.BINDINGS
    ids = [b.id for b in bindings]  # type: ignore[union-attr]
    assert all(ids) and len(set(ids)) == len(ids)
    assert all(i.startswith("canvas.") for i in ids)


async def test_selecting_an_unknown_component_selects_nothing() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.select("a")
        canvas.select("nope")
        await pilot.pause()
        assert canvas.selected is None


async def test_show_before_mount_and_repeated_show() -> None:
    model = make_model()

    class EarlyApp(App[None]):
        def compose(self) -> ComposeResult:
            canvas = GraphCanvas()
            canvas.show(model, POSITIONS)
            yield canvas

    app = EarlyApp()
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.pause()
        assert canvas.render_line(2).text[2] == "┌"
        scene = canvas.scene
        canvas.show(model, dict(POSITIONS))
        assert canvas.scene is scene  # nothing changed: not re-routed
        renamed = model.model_copy(deep=True)
        renamed.components[0].name = "Renamed"
        canvas.show(renamed, dict(POSITIONS))
        await pilot.pause()
        assert canvas.scene is not scene
        assert "Renamed" in canvas.render_line(3).text


async def test_large_system_moves_show_at_once_and_reroute_in_background() -> None:
    comps = [Component(id=f"c{i}") for i in range(200)]
    links = [Link(source=f"c{i}", target=f"c{i + 1}") for i in range(199)]
    model = SystemModel(system=System(id="big"), components=comps, links=links)
    positions = {f"c{i}": (2 + (i % 10) * 30, 2 + (i // 10) * 6) for i in range(200)}
    app = CanvasApp(model, positions)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.select("c0")
        await pilot.press("shift+down")
        # The box is drawn at its new place before the lines are re-routed.
        assert canvas.positions["c0"] == (2, 3)
        assert canvas.scene.boxes["c0"].y == 3
        # Lines follow once the moves rest and the background re-route has finished.
        await wait_until(
            pilot,
            lambda: (
                next(r for r in canvas.scene.routes if r.source == "c0").points[0][1] in range(4, 6)
            ),
            "the re-routed line",
        )
        route = next(r for r in canvas.scene.routes if r.source == "c0")
        assert route.points[0][1] in range(4, 6)  # leaves the moved box
        assert moves(app) == [("c0", 2, 3)]


async def test_mouse_wheel_scrolls() -> None:
    from textual import events

    app = CanvasApp(make_model(), {**POSITIONS, "d": (300, 80)})
    async with app.run_test(size=(80, 24)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.post_message(events.MouseScrollDown(canvas, 10, 10, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert canvas.scroll_offset.y > 0
        canvas.post_message(events.MouseScrollRight(canvas, 10, 10, 1, 0, 0, False, False, False))
        await pilot.pause()
        assert canvas.scroll_offset.x > 0


async def test_empty_system() -> None:
    empty = SystemModel(system=System(id="empty"))
    app = CanvasApp(empty, {})
    async with app.run_test(size=(80, 24)) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.press("right", "shift+right", "enter", "ctrl+down")
        await pilot.click(GraphCanvas, offset=(5, 5))
        await pilot.pause()
        assert canvas.selected is None
        assert all(not line.strip() for line in screen_text(canvas))
        assert moves(app) == []


async def test_hovering_a_cut_name_shows_it_whole_as_plain_text() -> None:
    long_name = "[b]a very long component name[/b] that never ends and goes on"
    app = CanvasApp(make_model({"c": long_name}), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.hover(GraphCanvas, offset=(33, 11))
        assert canvas.tooltip is not None
        assert long_name in str(canvas.tooltip)
        await pilot.hover(GraphCanvas, offset=(33, 3))  # b: its name fits
        assert canvas.tooltip is None


async def test_dragging_against_the_edge_scrolls_on() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(80, 24)) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.mouse_down(GraphCanvas, offset=(33, 11))
        for _ in range(5):
            await pilot.hover(GraphCanvas, offset=(canvas.size.width - 1, 11))
            await pilot.hover(GraphCanvas, offset=(canvas.size.width - 2, 11))
        scrolled = canvas.scroll_offset.x
        await pilot.mouse_up(GraphCanvas, offset=(canvas.size.width - 2, 11))
        await pilot.pause()
        assert scrolled > 0
        (comp, x, _y) = moves(app)[-1]
        assert comp == "c" and x > canvas.size.width - 2 - 3


async def test_selected_box_keeps_its_decoration_colour() -> None:
    app = CanvasApp(make_model(), POSITIONS)
    async with app.run_test(size=(120, 30)) as pilot:
        canvas = app.query_one(GraphCanvas)
        canvas.decorate({"a": BoxDecoration(border_style="red")})
        canvas.select("a")
        canvas.select("b")
        await pilot.pause()
        line = canvas.render_line(2)
        corners = {seg.text[0]: seg.style for seg in line if seg.text[:1] in ("┌", "┏")}
        assert corners["┏"] is not None and corners["┌"] is not None
        selected_colour = corners["┏"].color  # b: selected, undecorated: accent
        canvas.select("a")
        await pilot.pause()
        line = canvas.render_line(2)
        heavy = next(seg for seg in line if seg.text.startswith("┏"))
        assert heavy.style is not None and heavy.style.color == Style.parse("red").color
        assert heavy.style.color != selected_colour
