"""Layered layout, box sizes and edge routing (archrev.model.layout)."""

from __future__ import annotations

import itertools
import random
from collections import Counter

import pytest
from archrev.model.layout import (
    BOX_MAX_WIDTH,
    BOX_MIN_HEIGHT,
    BOX_MIN_WIDTH,
    BOX_TEXT_INSET,
    EdgeRoute,
    box_size,
    box_sizes,
    cell_width,
    fit_text,
    kind_label,
    layered_layout,
    neighbourhood_layout,
    route_edges,
)
from archrev.model.types import Autoscaling, Component, Kind, Link, Mode, System, SystemModel
from hypothesis import given, settings
from hypothesis import strategies as st


def system(comps: list[Component | str], links: list[tuple[str, str]] | list[Link]) -> SystemModel:
    components = [c if isinstance(c, Component) else Component(id=c) for c in comps]
    link_objs = [k if isinstance(k, Link) else Link(source=k[0], target=k[1]) for k in links]
    return SystemModel(system=System(id="s"), components=components, links=link_objs)


def random_system(count: int, seed: int, extra: float = 0.5, cycles: int = 0) -> SystemModel:
    rng = random.Random(seed)
    ids = [f"n{i}" for i in range(count)]
    edges: set[tuple[str, str]] = set()
    for i in range(1, count):
        edges.add((ids[rng.randrange(max(0, i - 10), i)], ids[i]))
        if rng.random() < extra:
            edges.add((ids[rng.randrange(0, i)], ids[i]))
    for _ in range(cycles):
        a, b = sorted(rng.sample(range(count), 2))
        if (ids[a], ids[b]) not in edges:
            edges.add((ids[b], ids[a]))
    comps = [Component(id=i, group=rng.choice(["", "", "a", "b"])) for i in ids]
    return system(comps, sorted(edges))


def rectangles(model: SystemModel, positions: dict[str, tuple[int, int]]):
    sizes = box_sizes(model)
    return {cid: (x, y, *sizes[cid]) for cid, (x, y) in positions.items()}


def inside(rect: tuple[int, int, int, int], x: int, y: int) -> bool:
    rx, ry, w, h = rect
    return rx <= x < rx + w and ry <= y < ry + h


def assert_clean_routes(
    model: SystemModel, positions, routes: list[EdgeRoute], shared_allowed: float = 0.0
) -> None:
    rects = rectangles(model, positions)
    box_cells = {
        (x, y): cid
        for cid, (rx, ry, w, h) in rects.items()
        for x in range(rx, rx + w)
        for y in range(ry, ry + h)
    }
    assert {(r.source, r.target) for r in routes} == {k.key for k in model.links}
    exits: Counter[tuple[int, int]] = Counter()
    entries: Counter[tuple[int, int]] = Counter()
    horizontal: Counter[tuple[int, int]] = Counter()
    vertical: Counter[tuple[int, int]] = Counter()
    for route in routes:
        sx, sy, sw, sh = rects[route.source]
        tx, ty, _tw, th = rects[route.target]
        first, last = route.points[0], route.points[-1]
        assert first[0] == sx + sw and sy < first[1] < sy + sh - 1
        assert last[0] == tx - 1 and ty < last[1] < ty + th - 1
        # The last segment runs right, into the arrowhead.
        if len(route.points) > 1:
            assert route.points[-2][1] == last[1] and route.points[-2][0] < last[0]
        exits[first] += 1
        entries[last] += 1
        for (x1, y1), (x2, y2) in zip(route.points, route.points[1:], strict=False):
            assert x1 == x2 or y1 == y2, f"diagonal segment in {route}"
            assert (x1, y1) != (x2, y2)
            cells = list(EdgeRoute(route.source, route.target, ((x1, y1), (x2, y2))).cells())
            for cell in cells:
                (horizontal if y1 == y2 else vertical)[cell] += 1
        for x, y in route.cells():
            assert x >= 0 and y >= 0
            owner = box_cells.get((x, y))
            assert owner is None, f"{route.source}->{route.target} crosses {owner}"
    assert max(exits.values(), default=1) == 1, "two links share an exit"
    assert max(entries.values(), default=1) == 1, "two links share an arrowhead"
    # Lines may cross, but never run along each other.
    shared_h = [c for c, n in horizontal.items() if n > 1]
    shared_v = [c for c, n in vertical.items() if n > 1]
    # Dense graphs may leave a link no clean way: it then shares a few cells, never a box.
    limit = shared_allowed * (len(horizontal) + len(vertical))
    assert len(shared_h) <= limit, f"horizontal runs overlap at {shared_h[:5]}"
    assert len(shared_v) <= limit, f"vertical runs overlap at {shared_v[:5]}"


def assert_no_overlap(model: SystemModel, positions) -> None:
    rects = list(rectangles(model, positions).items())
    for i, (a, (ax, ay, aw, ah)) in enumerate(rects):
        assert ax >= 0 and ay >= 0
        for b, (bx, by, bw, bh) in rects[i + 1 :]:
            apart = ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay
            assert apart, f"boxes {a} and {b} overlap"


# --- text and sizes ---------------------------------------------------------------------------


def test_cell_width_counts_wide_characters_twice() -> None:
    assert cell_width("api") == 3
    assert cell_width("数据库") == 6
    assert cell_width("🚀x") == 3


def test_fit_text_cuts_with_ellipsis_within_width() -> None:
    assert fit_text("short", 10) == "short"
    assert fit_text("a-very-long-component-name", 10) == "a-very-lo…"
    assert cell_width(fit_text("数据库数据库", 5)) <= 5
    assert fit_text("数据库数据库", 5).endswith("…")
    assert fit_text("a\nb", 5) == "a b"


def test_box_size_bounds_and_ports() -> None:
    assert box_size(Component(id="a")) == (BOX_MIN_WIDTH, BOX_MIN_HEIGHT)
    wide, _ = box_size(Component(id="a", name="x" * 200))
    assert wide == BOX_MAX_WIDTH
    _, tall = box_size(Component(id="a"), ports=7)
    assert tall == 9
    assert box_size(Component(id="a", name="payments-api"))[0] == len("payments-api") + 4


def test_long_everyday_names_fit_their_box_whole() -> None:
    # QA round 2: "Session and conversation cache" was cut although the screen had room.
    for name in ("Session and conversation cache", "Customer notification dispatcher"):
        width, _ = box_size(Component(id="a", name=name))
        assert fit_text(name, width - 2 * BOX_TEXT_INSET) == name
    name = "A component name far longer than any box should ever be drawn"
    width, _ = box_size(Component(id="a", name=name))
    assert fit_text(name, width - 2 * BOX_TEXT_INSET).endswith("…")


def test_kind_label_shows_replicas() -> None:
    assert kind_label(Component(id="a")) == "service"
    assert kind_label(Component(id="a", kind=Kind.LOAD_BALANCER, replicas=3)) == (
        "load balancer ×3"
    )
    scaled = Component(id="a", autoscaling=Autoscaling(min=2, max=10))
    assert kind_label(scaled) == "service ×2-10"


def test_box_sizes_count_links_per_side() -> None:
    model = system(["hub", *[f"s{i}" for i in range(6)]], [(f"s{i}", "hub") for i in range(6)])
    assert box_sizes(model)["hub"][1] == 8
    assert box_sizes(model)["s0"][1] == BOX_MIN_HEIGHT


# --- layout -----------------------------------------------------------------------------------


def test_empty_and_single() -> None:
    assert layered_layout(system([], [])) == {}
    assert set(layered_layout(system(["a"], []))) == {"a"}


def test_chain_runs_left_to_right_on_one_row() -> None:
    model = system(["a", "b", "c"], [("a", "b"), ("b", "c")])
    pos = layered_layout(model)
    assert pos["a"][0] < pos["b"][0] < pos["c"][0]
    assert pos["a"][1] == pos["b"][1] == pos["c"][1]
    routes = route_edges(model, pos)
    # Straight lines: one segment each.
    assert all(len(r.points) == 2 for r in routes)


def test_callers_are_left_of_callees_in_a_dag() -> None:
    model = random_system(80, seed=3)
    pos = layered_layout(model)
    sizes = box_sizes(model)
    for link in model.links:
        assert pos[link.source][0] + sizes[link.source][0] < pos[link.target][0]
    assert_no_overlap(model, pos)


def test_cycles_are_laid_out() -> None:
    model = system(["a", "b", "c"], [("a", "b"), ("b", "c"), ("c", "a")])
    pos = layered_layout(model)
    assert_no_overlap(model, pos)
    assert_clean_routes(model, pos, route_edges(model, pos))


def test_layout_is_deterministic() -> None:
    model = random_system(60, seed=5, cycles=3)
    assert layered_layout(model) == layered_layout(model)


def test_barycenter_untangles_a_crossing() -> None:
    # Listed so that the naive order crosses: a->y, b->x.
    model = system(["a", "b", "x", "y"], [("a", "y"), ("b", "x")])
    pos = layered_layout(model)
    assert (pos["a"][1] < pos["b"][1]) == (pos["y"][1] < pos["x"][1])


def test_groups_stay_together_in_a_layer() -> None:
    comps = [Component(id="root")] + [
        Component(id=f"c{i}", group="red" if i % 2 else "blue") for i in range(8)
    ]
    model = system(comps, [("root", f"c{i}") for i in range(8)])
    pos = layered_layout(model)
    order = sorted((c for c in comps if c.id != "root"), key=lambda c: pos[c.id][1])
    groups = [c.group for c in order]
    # Each group is one contiguous run.
    assert sum(1 for a, b in itertools.pairwise(groups) if a != b) == 1


def test_wide_fan_out_gets_tracks_and_attach_rows() -> None:
    model = system(
        ["root", *[f"leaf{i}" for i in range(12)]], [("root", f"leaf{i}") for i in range(12)]
    )
    pos = layered_layout(model)
    assert_clean_routes(model, pos, route_edges(model, pos))


def test_long_links_go_around_boxes_in_between() -> None:
    # a->d skips two layers that hold boxes in its way.
    model = system(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    pos = layered_layout(model)
    assert_clean_routes(model, pos, route_edges(model, pos))


@pytest.mark.parametrize("seed", range(6))
def test_random_systems_route_cleanly(seed: int) -> None:
    model = random_system(40 + seed * 10, seed=seed, cycles=seed)
    pos = layered_layout(model)
    assert_no_overlap(model, pos)
    assert_clean_routes(model, pos, route_edges(model, pos), shared_allowed=0.01)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 25), st.integers(0, 10_000), st.floats(0, 1), st.integers(0, 3))
def test_any_small_system_routes_cleanly(count: int, seed: int, extra: float, cycles: int) -> None:
    model = random_system(count, seed=seed, extra=extra, cycles=cycles)
    pos = layered_layout(model)
    assert_no_overlap(model, pos)
    assert_clean_routes(model, pos, route_edges(model, pos), shared_allowed=0.02)


# --- routing with moved boxes -------------------------------------------------------------------


def test_target_left_of_source_routes_around() -> None:
    model = system(["a", "b"], [("a", "b")])
    pos = {"a": (60, 10), "b": (5, 12)}
    (route,) = route_edges(model, pos)
    assert route.points[0] == (60 + 16, 11)
    assert route.arrow == (4, 13)
    assert_clean_routes(model, pos, [route])


def test_box_in_the_way_is_avoided() -> None:
    model = system(["a", "b", Component(id="wall", name="w" * 20)], [("a", "b")])
    pos = {"a": (2, 10), "b": (60, 10), "wall": (30, 9)}
    (route,) = route_edges(model, pos)
    assert_clean_routes(model, pos, [route])
    assert len(route.points) > 2


def test_links_without_positions_are_skipped() -> None:
    model = system(["a", "b", "c"], [("a", "b"), ("b", "c")])
    routes = route_edges(model, {"a": (2, 2), "b": (30, 2)})
    assert [(r.source, r.target) for r in routes] == [("a", "b")]


def test_route_carries_mode_and_required() -> None:
    model = system(["a", "b"], [Link(source="a", target="b", mode=Mode.ASYNC, required=False)])
    (route,) = route_edges(model, layered_layout(model))
    assert route.mode is Mode.ASYNC and route.required is False


def test_overlapping_boxes_still_get_a_line() -> None:
    model = system(["a", "b"], [("a", "b")])
    (route,) = route_edges(model, {"a": (5, 5), "b": (8, 6)})
    assert len(route.points) >= 2


def test_five_hundred_components() -> None:
    model = random_system(500, seed=11, extra=0.4, cycles=5)
    pos = layered_layout(model)
    assert_no_overlap(model, pos)
    routes = route_edges(model, pos)
    assert len(routes) == len(model.links)
    assert_clean_routes(model, pos, routes, shared_allowed=0.01)


def test_boxes_scattered_far_apart_get_plain_lines_quickly() -> None:
    model = system(["a", "b", "c"], [("a", "b"), ("b", "c")])
    positions = {"a": (2, 2), "b": (900_000, 5), "c": (40, 700_000)}
    routes = route_edges(model, positions)
    assert [(r.source, r.target) for r in routes] == [("a", "b"), ("b", "c")]
    assert routes[0].points[0] == (18, 3) and routes[0].arrow == (899_999, 6)


def hub_model(callers: int, callees: int) -> SystemModel:
    comps = [Component(id="hub", name="Hub")]
    comps += [Component(id=f"in{i}") for i in range(callers)]
    comps += [Component(id=f"out{i}") for i in range(callees)]
    comps += [Component(id="far")]
    links = [Link(source=f"in{i}", target="hub") for i in range(callers)]
    links += [Link(source="hub", target=f"out{i}") for i in range(callees)]
    # A link among the neighbours that runs "backwards", and one to a component outside.
    links += [Link(source="out0", target="in0"), Link(source="out1", target="far")]
    return SystemModel(system=System(id="s"), components=comps, links=links)


def test_neighbourhood_layout_puts_callers_left_and_callees_right() -> None:
    model = hub_model(3, 2)
    around = {"hub", "in0", "in1", "in2", "out0", "out1"}
    sub, positions = neighbourhood_layout(model, "hub", around)
    assert {c.id for c in sub.components} == around
    assert {(lk.source, lk.target) for lk in sub.links} == {
        ("in0", "hub"),
        ("in1", "hub"),
        ("in2", "hub"),
        ("hub", "out0"),
        ("hub", "out1"),
        ("out0", "in0"),
    }
    assert sub.layout == {}
    sizes = box_sizes(sub)
    hub_x = positions["hub"][0]
    for caller in ("in0", "in1", "in2"):
        assert positions[caller][0] + sizes[caller][0] < hub_x
    for callee in ("out0", "out1"):
        assert positions[callee][0] > hub_x + sizes["hub"][0]
    assert_no_overlap(sub, positions)
    assert route_edges(sub, positions, sizes)  # the compact picture routes


def test_neighbourhood_layout_wraps_a_tall_column_to_the_height_given() -> None:
    model = hub_model(12, 2)
    around = {"hub", "out0", "out1"} | {f"in{i}" for i in range(12)}
    sub, positions = neighbourhood_layout(model, "hub", around, max_height=20)
    sizes = box_sizes(sub)
    assert max(positions[c][1] + sizes[c][1] for c in positions) <= 20
    caller_columns = {positions[f"in{i}"][0] for i in range(12)}
    assert len(caller_columns) >= 3
    assert all(x + sizes["in0"][0] < positions["hub"][0] for x in caller_columns)
    assert_no_overlap(sub, positions)
    # Without a height the callers stay in one column.
    _sub, tall = neighbourhood_layout(model, "hub", around)
    assert len({tall[f"in{i}"][0] for i in range(12)}) == 1
