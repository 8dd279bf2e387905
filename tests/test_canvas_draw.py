"""Glyph joining, box pictures and row drawing of the canvas scene (no Textual)."""

from __future__ import annotations

from archrev.model.layout import EdgeRoute, box_sizes, layered_layout, route_edges
from archrev.model.types import Component, Link, Mode, System, SystemModel
from archrev.tui.canvas_draw import (
    ARROW,
    BADGE,
    DASHED,
    LINE,
    LINE_DIM,
    LINE_OPTIONAL,
    LINE_SELECTED,
    NAME,
    SOLID,
    E,
    LineCell,
    N,
    S,
    Scene,
    W,
    glyph,
    text_cells,
)


def scene_of(routes: list[EdgeRoute], boxes: dict[str, tuple[int, int]] | None = None) -> Scene:
    boxes = boxes or {}
    comps = {cid: Component(id=cid) for cid in boxes}
    sizes = {cid: (16, 4) for cid in boxes}
    return Scene(comps, boxes, sizes, routes)


def text(scene: Scene, y: int, x0: int = 0, width: int = 40, **kwargs) -> str:
    return "".join(t for t, _role, _owner in scene.row(y, x0, width, **kwargs))


def test_glyph_table_joins_every_combination() -> None:
    assert SOLID[N | S] == "│" and SOLID[E | W] == "─"
    assert SOLID[E | S] == "┌" and SOLID[W | S] == "┐"
    assert SOLID[N | E] == "└" and SOLID[N | W] == "┘"
    assert SOLID[N | S | E] == "├" and SOLID[N | S | W] == "┤"
    assert SOLID[E | W | S] == "┬" and SOLID[E | W | N] == "┴"
    assert SOLID[N | E | S | W] == "┼"
    assert DASHED[N | S] == "┆" and DASHED[E | W] == "┄"
    # Junctions have no dashed form: they stay solid.
    assert DASHED[N | E | S | W] == "┼"
    assert len(SOLID) == 16


def test_glyph_prefers_arrow_and_dash_only_when_all_async() -> None:
    assert glyph(LineCell(mask=E | W, arrow=True)) == ARROW
    assert glyph(LineCell(mask=E | W, solid=False)) == "┄"
    assert glyph(LineCell(mask=E | W, solid=True)) == "─"


def test_crossing_lines_join_into_a_cross() -> None:
    across = EdgeRoute("a", "b", ((0, 2), (10, 2)))
    down = EdgeRoute("c", "d", ((3, 0), (5, 0), (5, 4), (10, 4)))
    scene = scene_of([across, down])
    assert text(scene, 0, width=11) == "   ──┐     "
    assert text(scene, 1, width=11) == "     │     "
    assert text(scene, 2, width=11) == "─────┼────" + ARROW
    assert text(scene, 4, width=11) == "     └────" + ARROW


def test_lines_meeting_at_a_tee_join() -> None:
    # Two lines leaving one track cell in different directions: ┬ where they part.
    one = EdgeRoute("a", "b", ((0, 1), (4, 1), (4, 3), (8, 3)))
    two = EdgeRoute("a", "c", ((0, 1), (8, 1)))
    scene = scene_of([one, two])
    assert text(scene, 1, width=9) == "────┬───" + ARROW


def test_async_lines_are_dashed_and_optional_dim() -> None:
    route = EdgeRoute("a", "b", ((0, 0), (3, 0), (3, 2), (6, 2)), Mode.ASYNC, required=False)
    scene = scene_of([route])
    assert text(scene, 0, width=7) == "┄┄┄┐   "
    assert text(scene, 1, width=7) == "   ┆   "
    assert text(scene, 2, width=7) == "   └┄┄" + ARROW
    roles = {role for _t, role, _o in scene.row(1, 0, 7) if _t.strip()}
    assert roles == {LINE_OPTIONAL}


def test_selected_and_dimmed_edges_change_the_role() -> None:
    route = EdgeRoute("a", "b", ((0, 0), (5, 0)))
    scene = scene_of([route])
    assert {r for _t, r, _o in scene.row(0, 0, 6)} == {LINE}
    assert {r for _t, r, _o in scene.row(0, 0, 6, highlighted_edges=frozenset({0}))} == {
        LINE_SELECTED
    }
    assert {r for _t, r, _o in scene.row(0, 0, 6, dimmed_edges=frozenset({0}))} == {LINE_DIM}


def test_box_shows_name_kind_badge_and_exit_tee() -> None:
    model = SystemModel(
        system=System(id="s"),
        components=[Component(id="api", replicas=3), Component(id="db", kind="database")],
        links=[Link(source="api", target="db")],
    )
    positions = layered_layout(model)
    sizes = box_sizes(model)
    scene = Scene(model.component_map(), positions, sizes, route_edges(model, positions, sizes))
    scene.set_badges({"api": "2 high"})
    x, y = positions["api"]
    w = sizes["api"][0]
    assert text(scene, y, x, w) == "┌" + "─" * (w - 2) + "┐"
    assert text(scene, y + 1, x, w + 2) == "│ api" + " " * (w - 7) + " ├──"
    assert text(scene, y + 2, x, w) == "│ service ×3" + " " * (w - 14) + " │"
    assert text(scene, y + 3, x, w).startswith("└─ 2 high ─")
    roles = [role for _t, role, owner in scene.row(y + 3, x, w) if owner == "api"]
    assert BADGE in roles
    assert scene.box_at(x, y) is scene.boxes["api"]
    assert scene.box_at(x - 1, y) is None


def test_markup_and_long_names_stay_plain_and_inside_the_box() -> None:
    comps = {
        "m": Component(id="m", name="[bold]Web[/] 🚀"),
        "l": Component(id="l", name="x" * 80),
    }
    positions = {"m": (0, 0), "l": (0, 6)}
    sizes = {"m": (20, 4), "l": (20, 4)}
    scene = Scene(comps, positions, sizes, [])
    assert text(scene, 1, 0, 20) == "│ [bold]Web[/] 🚀  │"
    assert text(scene, 7, 0, 20) == "│ " + "x" * 15 + "… │"
    name_runs = [t for t, role, _o in scene.row(1, 0, 20) if role == NAME]
    assert "".join(name_runs).startswith("[bold]Web[/]")


def test_text_cells_counts_wide_characters_and_cuts() -> None:
    assert text_cells("ab", 4) == ["a", "b", " ", " "]
    assert text_cells("数据", 4) == ["数", "", "据", ""]
    cut = text_cells("数据库", 4)
    assert len(cut) == 4 and cut[-1] == "…"
    assert text_cells("a\x1b[31mb", 6)[:2] == ["a", "["]
    assert text_cells("e\u0301", 2) == ["e", " "]


def test_wide_character_cut_by_the_viewport_edge_becomes_a_space() -> None:
    comps = {"c": Component(id="c", name="数据库")}
    scene = Scene(comps, {"c": (0, 0)}, {"c": (16, 4)}, [])
    # Column 2 is the first half of "数": a viewport ending there shows a space.
    assert text(scene, 1, 0, 3) == "│  "
    # A viewport starting on the second half shows a space there too.
    assert text(scene, 1, 3, 3) == " 据"


def test_rows_outside_everything_are_blank() -> None:
    scene = scene_of([EdgeRoute("a", "b", ((0, 0), (3, 0)))])
    assert text(scene, 50, 0, 10) == " " * 10
    assert text(scene, 0, 100, 10) == " " * 10


def test_selected_box_has_a_heavy_border() -> None:
    comps = {"c": Component(id="c")}
    scene = Scene(comps, {"c": (0, 0)}, {"c": (16, 4)}, [])
    scene.set_badges({"c": "1 crit"})
    assert text(scene, 0, 0, 16, selected="c") == "┏" + "━" * 14 + "┓"
    assert text(scene, 1, 0, 16, selected="c") == "┃ c            ┃"
    assert text(scene, 3, 0, 16, selected="c") == "┗━ 1 crit ━━━━━┛"
    assert text(scene, 0, 0, 16, selected="other") == "┌" + "─" * 14 + "┐"
