"""Where each component's box goes on the picture, and how each link's line runs.

Pure geometry shared by the terminal canvas and the SVG report: nothing here draws.

Coordinate system
-----------------
Everything is in terminal cells. ``x`` is the column, growing to the right; ``y`` is the
row, growing downwards; ``(0, 0)`` is the top-left cell of the whole picture and no
coordinate is negative. A position ``(x, y)`` is the top-left cell of a box (its ``┌``
corner); a box of size ``(w, h)`` covers columns ``x .. x+w-1`` and rows ``y .. y+h-1``,
borders included. The SVG report scales a cell to a fixed pixel size (for instance 8 x 16
pixels), so the same numbers work there.

Links run left to right along the call direction: a link leaves its source through the
source's right border and enters its target through the target's left border. Every link
gets its own attach row on each side (a box grows taller when it has more links than rows)
and its own vertical track, so a reader can follow each line. An `EdgeRoute` is an
orthogonal polyline: its first point is the cell just right of the source's right border,
its last point the cell just left of the target's left border, where the arrowhead goes
(it always points right, into the target).
"""

from __future__ import annotations

import heapq
import itertools
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import networkx as nx
from archrev.model.types import Component, Link, Mode, SystemModel

Point = tuple[int, int]

BOX_MIN_WIDTH = 16
# Wide enough for a name of up to 36 cells ("Session and conversation cache" whole);
# longer names are cut with "…" and shown whole by the hover tip and the inspector.
# Not tied to the terminal width: saved positions and the SVG report use the same boxes.
BOX_MAX_WIDTH = 40
BOX_MIN_HEIGHT = 4
# Columns of padding and border inside a box: "│ " on the left, " │" on the right.
BOX_TEXT_INSET = 2
# Rows between two boxes in a layer, and the smallest channel between two layers.
ROW_GAP = 2
MIN_CHANNEL = 10
MARGIN_X = 2
MARGIN_Y = 2
# Largest routing grid (columns x rows) worth building; beyond it lines are drawn plainly.
MAX_GRID_CELLS = 12_000_000
# Cells of its row next to a box that an exit or an arrowhead keeps for its own line.
PORT_STUB = 3


# --- text measurement ----------------------------------------------------------------------


def cell_width(text: str) -> int:
    """Terminal cells `text` takes: wide (CJK, most emoji) characters take two, marks none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or char in "\u200b\u200d\ufe0e\ufe0f":
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fit_text(text: str, width: int) -> str:
    """`text` cut to at most `width` cells, ending in "…" when cut; control characters dropped."""
    text = "".join(
        " " if ch in "\t\n\r" else ch for ch in text if ch.isprintable() or ch in "\t\n\r"
    )
    if width <= 0:
        return ""
    if cell_width(text) <= width:
        return text
    out: list[str] = []
    used = 0
    for char in text:
        char_width = cell_width(char)
        if used + char_width > width - 1:
            break
        out.append(char)
        used += char_width
    return "".join(out) + "…"


def kind_label(component: Component) -> str:
    """The second line of a box: the kind in words and the replica badge ("service ×3")."""
    label = component.kind.value.replace("_", " ")
    count = component.instances
    if component.autoscaling is not None:
        most = component.autoscaling.max
        label += f" ×{count}-{most}" if most is not None else f" ×{count}+"
    elif count != 1:
        label += f" ×{count}"
    return label


# --- box size ------------------------------------------------------------------------------


def box_size(component: Component, ports: int = 0) -> tuple[int, int]:
    """Width and height in cells of `component`'s box.

    Wide enough for the name and the kind line (within `BOX_MIN_WIDTH`..`BOX_MAX_WIDTH`;
    longer names are cut with "…"), and tall enough to give each of `ports` links on one
    side its own attach row (use the larger of the in- and out-degree; `box_sizes` does).
    """
    text = max(cell_width(component.display_name), cell_width(kind_label(component)))
    width = min(BOX_MAX_WIDTH, max(BOX_MIN_WIDTH, text + 2 * BOX_TEXT_INSET))
    height = max(BOX_MIN_HEIGHT, ports + 2)
    return width, height


def box_sizes(model: SystemModel) -> dict[str, tuple[int, int]]:
    """`box_size` of every component, with ports counted from the model's links."""
    ins: dict[str, int] = defaultdict(int)
    outs: dict[str, int] = defaultdict(int)
    for link in model.links:
        outs[link.source] += 1
        ins[link.target] += 1
    return {c.id: box_size(c, max(ins[c.id], outs[c.id])) for c in model.components}


# --- layered layout ------------------------------------------------------------------------


@dataclass
class _Slot:
    """A box or a long link's passage through a layer (a dummy one row high)."""

    key: str | tuple[str, str, int]
    layer: int
    height: int
    width: int
    group: str = ""
    up: list[_Slot] = field(default_factory=list)
    down: list[_Slot] = field(default_factory=list)
    order: float = 0.0
    y: int = 0


def _acyclic_edges(model: SystemModel) -> list[tuple[str, str]]:
    """The links as edges of a DAG: links that close a cycle are turned around.

    A depth-first search in model order marks each edge that returns to a node still on the
    stack; reversing exactly those leaves a DAG (the classic DFS feedback-arc heuristic).
    """
    graph = model.to_graph()
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    starts = [c.id for c in model.components if graph.in_degree(c.id) == 0]
    starts += [c.id for c in model.components]
    for start in starts:
        if start in state:
            continue
        state[start] = 1
        stack = [(start, iter(list(graph.successors(start))))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                continue
            seen = state.get(child)
            if seen == 1:
                back.add((node, child))
            elif seen is None:
                state[child] = 1
                stack.append((child, iter(list(graph.successors(child)))))
    return [(t, s) if (s, t) in back else (s, t) for s, t in graph.edges()]


def _crossing_key(slot: _Slot, towards: str) -> float | None:
    neighbours = slot.up if towards == "up" else slot.down
    if not neighbours:
        return None
    return sum(n.order for n in neighbours) / len(neighbours)


def _order_layer(layer: list[_Slot], towards: str) -> None:
    """Barycenter ordering of one layer, keeping each group's boxes next to each other."""
    for slot in layer:
        key = _crossing_key(slot, towards)
        # A slot without neighbours on that side keeps its place.
        slot.order = slot.order if key is None else key
    clusters: dict[object, list[_Slot]] = defaultdict(list)
    for slot in layer:
        clusters[slot.group if slot.group else id(slot)].append(slot)
    ranked = sorted(
        clusters.values(),
        key=lambda members: sum(m.order for m in members) / len(members),
    )
    position = 0
    for members in ranked:
        for slot in sorted(members, key=lambda m: m.order):
            layer[position] = slot
            position += 1
    for index, slot in enumerate(layer):
        slot.order = float(index)


def layered_layout(model: SystemModel) -> dict[str, tuple[int, int]]:
    """Top-left cell of every component's box, laid out in layers left to right.

    Components are put in layers along the call direction (cycles broken first), ordered in
    each layer by the barycenter of their neighbours to reduce crossings, with boxes of one
    `group` kept together, and placed near the rows of the boxes that call them. Channels
    between layers are wide enough for every link crossing them to get its own track.
    """
    if not model.components:
        return {}
    sizes = box_sizes(model)
    edges = _acyclic_edges(model)
    dag = nx.DiGraph()
    dag.add_nodes_from(c.id for c in model.components)
    dag.add_edges_from(edges)
    layer_of: dict[str, int] = {}
    for index, generation in enumerate(nx.topological_generations(dag)):
        for node in generation:
            layer_of[node] = index
    # Pull each box with callers but no callees' constraint right next to its callees: a
    # source placed in layer 0 far from its only callee makes a long line for nothing.
    for node in sorted(dag.nodes, key=lambda n: -layer_of[n]):
        succ = [layer_of[s] for s in dag.successors(node)]
        if succ and dag.in_degree(node) == 0:
            layer_of[node] = min(succ) - 1

    slots: dict[str | tuple[str, str, int], _Slot] = {}
    for comp in model.components:
        slots[comp.id] = _Slot(
            comp.id, layer_of[comp.id], sizes[comp.id][1], sizes[comp.id][0], comp.group
        )
    for source, target in edges:
        chain = [slots[source]]
        for layer in range(layer_of[source] + 1, layer_of[target]):
            dummy = _Slot((source, target, layer), layer, 1, 0)
            slots[dummy.key] = dummy
            chain.append(dummy)
        chain.append(slots[target])
        for left, right in itertools.pairwise(chain):
            left.down.append(right)
            right.up.append(left)

    layer_count = max(layer_of.values()) + 1
    layers: list[list[_Slot]] = [[] for _ in range(layer_count)]
    for slot in slots.values():
        layers[slot.layer].append(slot)
    # Initial order: by group, then model order (dummies after their source's rank).
    model_rank = {c.id: i for i, c in enumerate(model.components)}
    for layer in layers:
        layer.sort(
            key=lambda s: (
                s.group,
                model_rank[s.key] if isinstance(s.key, str) else model_rank[s.key[0]] + 0.5,
            )
        )
        for index, slot in enumerate(layer):
            slot.order = float(index)
    for _sweep in range(4):
        for layer in layers[1:]:
            _order_layer(layer, "up")
        for layer in reversed(layers[:-1]):
            _order_layer(layer, "down")
    for layer in layers[1:]:
        _order_layer(layer, "up")

    _place_rows(layers)

    # Columns: each layer as wide as its widest box, channels sized by the lines crossing.
    positions: dict[str, tuple[int, int]] = {}
    x = MARGIN_X
    # The picture starts at the topmost box; long lines above it get the margin.
    top = min(slot.y for slot in slots.values() if isinstance(slot.key, str))
    for layer in layers:
        width = max((slot.width for slot in layer), default=0)
        for slot in layer:
            if isinstance(slot.key, str):
                positions[slot.key] = (x, slot.y - top + MARGIN_Y)
        # Lines that bend in this channel need a track each; a long line passing from one
        # of its dummies to the next mostly runs straight through.
        bending = sum(
            1 for slot in layer for n in slot.down if slot.width or n.width or slot.y != n.y
        )
        x += width + max(MIN_CHANNEL, bending + 4)
    # Keep model order in the result: callers iterate it when drawing.
    return {c.id: positions[c.id] for c in model.components}


def neighbourhood_layout(
    model: SystemModel, centre: str, ids: Iterable[str], *, max_height: int | None = None
) -> tuple[SystemModel, dict[str, tuple[int, int]]]:
    """A compact picture of `centre` and the components `ids` around it: the sub-model
    (those components and the links among them) and a position for each of its boxes.

    Callers go in the column left of `centre` and callees in the column right of it: the
    layers come from `layered_layout` run on `centre`'s own links only, so links among the
    neighbours (drawn all the same) cannot push a caller to the right. A column that would
    reach below row `max_height` (the view's height) is wrapped into several side by side,
    so a hub's twenty callers still fit one screen. The positions are a view, never meant
    to be saved.
    """
    keep = set(ids) | {centre}
    components = [c for c in model.components if c.id in keep]
    present = {c.id for c in components}
    links = [lk for lk in model.links if lk.source in present and lk.target in present]
    sub = SystemModel(system=model.system, components=components, links=links)
    if not components:
        return sub, {}
    star = SystemModel(
        system=model.system,
        components=components,
        links=[lk for lk in links if centre in (lk.source, lk.target)],
    )
    layered = layered_layout(star)
    sizes = box_sizes(sub)
    # Layers (left to right) in layered_layout's order, each top to bottom.
    by_x: dict[int, list[str]] = defaultdict(list)
    for comp_id, (x, _y) in sorted(layered.items(), key=lambda item: (item[1][0], item[1][1])):
        by_x[x].append(comp_id)
    columns: list[list[str]] = []
    for x in sorted(by_x):
        column: list[str] = []
        height = 0
        for comp_id in by_x[x]:
            grown = height + (ROW_GAP if column else 0) + sizes[comp_id][1]
            if column and max_height is not None and MARGIN_Y + grown > max_height:
                columns.append(column)
                column, grown = [], sizes[comp_id][1]
            column.append(comp_id)
            height = grown
        columns.append(column)

    def column_height(column: list[str]) -> int:
        return sum(sizes[c][1] for c in column) + ROW_GAP * (len(column) - 1)

    tallest = max(column_height(column) for column in columns)
    positions: dict[str, tuple[int, int]] = {}
    x = MARGIN_X
    for index, column in enumerate(columns):
        # Shorter columns are centred on the tallest, so lines to the centre stay short.
        y = MARGIN_Y + (tallest - column_height(column)) // 2
        for comp_id in column:
            positions[comp_id] = (x, y)
            y += sizes[comp_id][1] + ROW_GAP
        later = {c for rest in columns[index + 1 :] for c in rest}
        # Every link between this column or an earlier one and a later one passes the
        # channel to the right: each needs a track of its own.
        crossing = sum(1 for lk in links if (lk.source in later) != (lk.target in later))
        x += max(sizes[c][0] for c in column) + max(MIN_CHANNEL, crossing + 4)
    return sub, {c.id: positions[c.id] for c in components}


def _place_rows(layers: list[list[_Slot]]) -> None:
    """Rows for every slot: near the centre of its neighbours, in order, never overlapping.

    Each layer is placed as a whole by weighted isotonic regression (pool adjacent
    violators): the least total squared distance from where each slot wants to be, subject
    to keeping the layer's order and the gaps between slots. A few sweeps right and left let
    callers and callees pull towards each other, so that most lines end up straight.
    """

    def centre(slot: _Slot) -> float:
        return slot.y + slot.height / 2

    def place(layer: list[_Slot], use_up: bool, use_down: bool) -> None:
        targets: list[float] = []
        weights: list[float] = []
        offsets: list[int] = []
        offset = 0
        for index, slot in enumerate(layer):
            offsets.append(offset)
            neighbours = (slot.up if use_up else []) + (slot.down if use_down else [])
            if neighbours:
                mean = sum(centre(n) for n in neighbours) / len(neighbours)
                targets.append(mean - slot.height / 2 - offset)
                weights.append(float(len(neighbours)))
            else:
                # No wish of its own: it follows the slots around it.
                targets.append(targets[-1] if targets else float(slot.y - offset))
                weights.append(0.01)
            following = layer[index + 1] if index + 1 < len(layer) else None
            offset += slot.height + _gap(slot, following)
        blocks: list[list[float]] = []  # [weighted sum, weight, count]
        for target, weight in zip(targets, weights, strict=True):
            blocks.append([target * weight, weight, 1])
            while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
                last = blocks.pop()
                blocks[-1][0] += last[0]
                blocks[-1][1] += last[1]
                blocks[-1][2] += last[2]
        index = 0
        bottom: int | None = None
        for total, weight, count in blocks:
            level = total / weight
            for _ in range(int(count)):
                slot = layer[index]
                slot.y = round(level + offsets[index])
                if bottom is not None:
                    slot.y = max(slot.y, bottom)
                following = layer[index + 1] if index + 1 < len(layer) else None
                bottom = slot.y + slot.height + _gap(slot, following)
                index += 1

    for layer in layers:
        place(layer, use_up=True, use_down=False)
    for _sweep in range(3):
        for layer in reversed(layers):
            place(layer, use_up=True, use_down=True)
        for layer in layers:
            place(layer, use_up=True, use_down=True)


def _gap(slot: _Slot, following: _Slot | None) -> int:
    """Rows between a slot and the next one down its layer."""
    if following is None:
        return 0
    if slot.width == 0 and following.width == 0:
        return 0  # two long lines side by side
    if slot.width == 0 or following.width == 0:
        return 1
    return ROW_GAP


# --- edge routing --------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeRoute:
    """The line of one link: orthogonal `points` from source to target (see module doc)."""

    source: str
    target: str
    points: tuple[Point, ...]
    mode: Mode = Mode.SYNC
    required: bool = True

    @property
    def arrow(self) -> Point:
        """The cell of the arrowhead, just left of the target's left border."""
        return self.points[-1]

    def cells(self) -> Iterable[Point]:
        """Every cell the line passes through, in order (corners once)."""
        yield self.points[0]
        for (x1, y1), (x2, y2) in zip(self.points, self.points[1:], strict=False):
            dx = (x2 > x1) - (x2 < x1)
            dy = (y2 > y1) - (y2 < y1)
            x, y = x1, y1
            while (x, y) != (x2, y2):
                x += dx
                y += dy
                yield (x, y)


class _Grid:
    """Which cells boxes and already routed lines occupy, for the router's checks.

    Two bitmaps: `across` (row-major: boxes and horizontal line cells) answers "may a
    horizontal run use these cells", `along` (column-major: boxes and vertical line cells)
    the same for vertical runs. Crossing a line at right angles is allowed (drawn ┼); running
    along another line, or through a box, is not.
    """

    def __init__(self, width: int, height: int) -> None:
        self.width = width
        self.height = height
        self.across = [bytearray(width) for _ in range(height)]
        self.along = [bytearray(height) for _ in range(width)]
        # Rows a detour should not use for its long horizontal run (see route_edges).
        self.avoid: frozenset[int] = frozenset()
        # Columns of every arrowhead and every exit, by row.
        self.entries: dict[int, list[int]] = defaultdict(list)
        self.exits: dict[int, list[int]] = defaultdict(list)

    def copy(self) -> _Grid:
        twin = _Grid(0, 0)
        twin.width, twin.height = self.width, self.height
        twin.across = [bytearray(row) for row in self.across]
        twin.along = [bytearray(col) for col in self.along]
        return twin

    def block(self, x: int, y: int, w: int, h: int) -> None:
        x0, x1 = max(0, x), min(self.width, x + w)
        y0, y1 = max(0, y), min(self.height, y + h)
        for row in range(y0, y1):
            self.across[row][x0:x1] = b"\x01" * (x1 - x0)
        for col in range(x0, x1):
            self.along[col][y0:y1] = b"\x01" * (y1 - y0)

    def free_across(self, y: int, x1: int, x2: int) -> bool:
        lo, hi = min(x1, x2), max(x1, x2)
        if y < 0 or y >= self.height or lo < 0 or hi >= self.width:
            return False
        return self.across[y].find(1, lo, hi + 1) == -1

    def free_along(self, x: int, y1: int, y2: int) -> bool:
        lo, hi = min(y1, y2), max(y1, y2)
        if x < 0 or x >= self.width or lo < 0 or hi >= self.height:
            return False
        return self.along[x].find(1, lo, hi + 1) == -1

    def reach(self, y: int, x: int, step: int) -> int:
        """The last free column going from `x` in direction `step` along row `y`."""
        row = self.across[y]
        if step > 0:
            stop = row.find(1, x)
            return (self.width if stop == -1 else stop) - 1
        stop = row.rfind(1, 0, x + 1)
        return stop + 1

    def take(self, points: list[Point]) -> None:
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            if y1 == y2:
                lo, hi = min(x1, x2), max(x1, x2)
                self.across[y1][lo : hi + 1] = b"\x01" * (hi - lo + 1)
            else:
                lo, hi = min(y1, y2), max(y1, y2)
                self.along[x1][lo : hi + 1] = b"\x01" * (hi - lo + 1)
        # Corners and ends block both ways: nothing may run through a bend.
        for x, y in points:
            if 0 <= x < self.width and 0 <= y < self.height:
                self.across[y][x] = 1
                self.along[x][y] = 1


def attach_rows(
    model: SystemModel, positions: dict[str, tuple[int, int]], sizes: dict[str, tuple[int, int]]
) -> dict[tuple[str, str], tuple[int, int]]:
    """Row of each link's exit on its source's right side and entry on its target's left.

    Links leaving one box are spread over its inner rows in the order of their targets' rows
    (and entries in the order of their sources' rows) so that lines do not cross at the box.
    """
    outs: dict[str, list[Link]] = defaultdict(list)
    ins: dict[str, list[Link]] = defaultdict(list)
    for link in model.links:
        if link.source in positions and link.target in positions:
            outs[link.source].append(link)
            ins[link.target].append(link)

    def spread(box: str, links: list[Link], other: str) -> dict[tuple[str, str], int]:
        _x, y = positions[box]
        inner = sizes[box][1] - 2
        ordered = sorted(links, key=lambda k: (positions[getattr(k, other)][1], getattr(k, other)))
        count = len(ordered)
        return {
            link.key: y + 1 + (i * inner) // count if count <= inner else y + 1 + i
            for i, link in enumerate(ordered)
        }

    exits: dict[tuple[str, str], int] = {}
    entries: dict[tuple[str, str], int] = {}
    for box, links in outs.items():
        exits.update(spread(box, links, "target"))
    for box, links in ins.items():
        entries.update(spread(box, links, "source"))
    return {key: (exits[key], entries[key]) for key in exits}


def route_edges(
    model: SystemModel,
    positions: dict[str, tuple[int, int]],
    sizes: dict[str, tuple[int, int]] | None = None,
) -> list[EdgeRoute]:
    """An `EdgeRoute` for every link whose two ends have a position.

    Works for any positions, not only `layered_layout`'s: boxes the user moved anywhere are
    routed around. Short links are routed first (they have the fewest choices); each line
    takes its own vertical track, and a line that would run through a box goes along a free
    row instead. When no clean route exists (boxes overlapping) a plain three-segment line
    is drawn rather than none.
    """
    sizes = sizes or box_sizes(model)
    placed = {cid: pos for cid, pos in positions.items() if cid in sizes}
    if not placed:
        return []
    right = max(x + sizes[c][0] for c, (x, _y) in placed.items())
    bottom = max(y + sizes[c][1] for c, (_x, y) in placed.items())
    if (right + 24) * (bottom + 24) > MAX_GRID_CELLS:
        # Boxes scattered over a huge area (hand-edited positions): plain lines, rather
        # than bitmaps of hundreds of megabytes.
        return _plain_routes(model, placed, sizes)
    grid = _Grid(right + 24, bottom + 24)
    for cid, (x, y) in placed.items():
        w, h = sizes[cid]
        # One column either side stays clear: it holds exits and arrowheads.
        grid.block(x - 1, y, w + 2, h)
    rows = attach_rows(model, placed, sizes)
    links = [link for link in model.links if link.key in rows]
    # Each exit and each arrowhead keeps a short stub of its row to itself, so another line
    # never runs along it or turns right in front of a box's border.
    ports: dict[tuple[str, str], tuple[Point, Point]] = {}
    for link in links:
        sx = placed[link.source][0] + sizes[link.source][0]
        tx = placed[link.target][0] - 1
        sy, ty = rows[link.key]
        ports[link.key] = ((sx, sy), (tx, ty))
        grid.exits[sy].append(sx)
        grid.entries[ty].append(tx)
        grid.block(sx, sy, PORT_STUB, 1)
        grid.block(tx - PORT_STUB + 1, ty, PORT_STUB, 1)

    def span(link: Link) -> tuple[int, int, str, str]:
        sx = placed[link.source][0] + sizes[link.source][0]
        tx = placed[link.target][0] - 1
        return (abs(tx - sx) if tx > sx else 10**6 + sx - tx, rows[link.key][0], *link.key)

    # Boxes only: where a line may go when every clean way is taken (it then shares cells).
    boxes_only = grid.copy()
    routes: dict[tuple[str, str], EdgeRoute] = {}
    waiting = sorted(links, key=span)
    # Simple shapes first, for every link, then the harder ones around them: a link that
    # could run straight must not lose its row to a detour taken earlier.
    for shape in (_route_direct, _route_around, _route_search, None):
        still: list[Link] = []
        for link in waiting:
            start, end = ports[link.key]
            # A detour must not run along the rows beside its own two boxes: those rows
            # are other links' exits and entries, which need them to run straight.
            grid.avoid = frozenset(
                row
                for box in link.key
                for row in range(placed[box][1], placed[box][1] + sizes[box][1])
            )
            points = _route(grid, start, end, shape, boxes_only)
            if points is None:
                still.append(link)
                continue
            grid.take(points)
            routes[link.key] = EdgeRoute(
                link.source, link.target, tuple(points), link.mode, link.required
            )
        waiting = still
    return [routes[link.key] for link in links]


def _plain_routes(
    model: SystemModel, placed: dict[str, tuple[int, int]], sizes: dict[str, tuple[int, int]]
) -> list[EdgeRoute]:
    rows = attach_rows(model, placed, sizes)
    routes = []
    for link in model.links:
        if link.key not in rows:
            continue
        sx = placed[link.source][0] + sizes[link.source][0]
        tx = placed[link.target][0] - 1
        sy, ty = rows[link.key]
        mid = (sx + tx) // 2 if tx > sx else max(sx, tx) + 1
        points = _simplify([(sx, sy), (mid, sy), (mid, ty), (tx, ty)])
        routes.append(EdgeRoute(link.source, link.target, tuple(points), link.mode, link.required))
    return routes


Shape = Callable[["_Grid", Point, Point], "list[Point] | None"]


def _route(
    grid: _Grid, start: Point, end: Point, shape: Shape | None, boxes_only: _Grid
) -> list[Point] | None:
    """`shape`'s route from `start` to `end`, or with `shape` None the last resorts.

    The last resorts: the cheapest path that only avoids boxes (it may share cells with
    other lines), and failing that a plain three-segment line.
    """
    sx, sy = start
    tx, ty = end
    # Exit and arrowhead cells are reserved for their own link: free them for this check.
    ports = [*_stub(start, 1), *_stub(end, -1)]
    if shape is not None:
        saved = _open_ports(grid, *ports)
        try:
            return shape(grid, start, end)
        finally:
            _close_ports(grid, saved)
    saved = _open_ports(boxes_only, *ports)
    saved_grid = _open_ports(grid, *ports)
    try:
        route = _route_search(boxes_only, start, end, crowded=grid, budget=LAST_RESORT_BUDGET)
    finally:
        _close_ports(grid, saved_grid)
        _close_ports(boxes_only, saved)
    if route:
        return route
    mid = (sx + tx) // 2 if tx > sx else max(sx, tx) + 1
    return _simplify([(sx, sy), (mid, sy), (mid, ty), (tx, ty)])


def _stub(port: Point, step: int) -> list[Point]:
    return [(port[0] + step * i, port[1]) for i in range(PORT_STUB)]


def _open_ports(grid: _Grid, *ports: Point) -> list[tuple[Point, int, int]]:
    saved = []
    for x, y in ports:
        if 0 <= x < grid.width and 0 <= y < grid.height:
            saved.append(((x, y), grid.across[y][x], grid.along[x][y]))
            grid.across[y][x] = 0
            grid.along[x][y] = 0
    return saved


def _close_ports(grid: _Grid, saved: list[tuple[Point, int, int]]) -> None:
    for (x, y), across, along in saved:
        grid.across[y][x] = across
        grid.along[x][y] = along


def _route_direct(grid: _Grid, start: Point, end: Point) -> list[Point] | None:
    """Right, down or up on one track, right again: the usual link between two layers."""
    sx, sy = start
    tx, ty = end
    if tx <= sx:
        return None
    if sy == ty:
        return [start, end] if grid.free_across(sy, sx, tx) else None
    if not (0 <= sy < grid.height and 0 <= ty < grid.height):
        return None
    reach_s = grid.reach(sy, sx, 1) if grid.free_across(sy, sx, sx) else sx - 1
    reach_t = grid.reach(ty, tx, -1) if grid.free_across(ty, tx, tx) else tx + 1
    lo, hi = max(sx + 1, reach_t), min(tx - 2, reach_s)
    # Leave room on shared rows: an arrowhead further along the exit's row needs the cells
    # before it, so such a line turns as early as it can; an exit further back on the entry's
    # row needs the cells after it, so such a line turns late. Otherwise the track nearest
    # the target's side keeps the lines into one box together there.
    room = PORT_STUB + 2
    ahead = [px for px in grid.entries.get(sy, ()) if sx < px <= tx]
    behind = [qx for qx in grid.exits.get(ty, ()) if sx <= qx < tx]
    hi_nice = min([hi] + [px - room for px in ahead])
    lo_nice = max([lo] + [qx + room for qx in behind])
    nice = range(lo_nice, hi_nice + 1) if ahead else range(hi_nice, lo_nice - 1, -1)
    for x in [*nice, *range(hi, lo - 1, -1)]:
        if grid.free_along(x, sy, ty):
            return [start, (x, sy), (x, ty), end]
    return None


def _route_around(grid: _Grid, start: Point, end: Point) -> list[Point] | None:
    """Out to a track, along a free row past whatever is in the way, back to the target."""
    sx, sy = start
    tx, ty = end
    if not grid.free_across(sy, sx, sx) or not grid.free_across(ty, tx, tx):
        return None
    reach_s = grid.reach(sy, sx, 1)
    reach_t = grid.reach(ty, tx, -1)
    out_tracks = range(sx + 1, min(reach_s, sx + 24) + 1)
    in_tracks = range(tx - 1, max(reach_t, tx - 24) - 1, -1)
    if not out_tracks or not in_tracks:
        return None
    ideal = (sy + ty) // 2
    for distance in range(grid.height * 2):
        row = ideal + (distance + 1) // 2 * (1 if distance % 2 else -1)
        if not 0 <= row < grid.height or row in (sy, ty) or row in grid.avoid:
            continue
        out_x = next((x for x in out_tracks if grid.free_along(x, sy, row)), None)
        if out_x is None:
            continue
        in_x = next(
            (x for x in in_tracks if x != out_x and grid.free_along(x, row, ty)),
            None,
        )
        if in_x is None or not grid.free_across(row, out_x, in_x):
            continue
        return [start, (out_x, sy), (out_x, row), (in_x, row), (in_x, ty), end]
    return None


# Cost of a bend against one cell of length: lines with few bends are easier to follow.
BEND_COST = 6
SEARCH_MARGIN = 40
# States a search may expand: a clean route is usually found within a few hundred, and a
# failing search costs its whole budget; the last resort (sharing cells) may look further.
SEARCH_BUDGET = 6_000
LAST_RESORT_BUDGET = 80_000
# Cost of a cell shared with another line, when sharing cannot be avoided.
SHARE_COST = 40


def _route_search(
    grid: _Grid,
    start: Point,
    end: Point,
    crowded: _Grid | None = None,
    budget: int = SEARCH_BUDGET,
) -> list[Point] | None:
    """Cheapest orthogonal path (length plus bends) through free cells: the last resort.

    An A* search over (cell, axis) states within a window around both ends, for links that
    no two- or four-bend shape can carry (dense channels, boxes moved into odd places).
    With `crowded` (the grid with the other lines in it) the lines are not walls but cost
    `SHARE_COST` a cell: the path that shares the fewest cells with them.
    """
    sx, sy = start
    tx, ty = end
    x_lo = max(0, min(sx, tx) - SEARCH_MARGIN)
    x_hi = min(grid.width - 1, max(sx, tx) + SEARCH_MARGIN)
    y_lo = max(0, min(sy, ty) - SEARCH_MARGIN)
    y_hi = min(grid.height - 1, max(sy, ty) + SEARCH_MARGIN)
    across, along = grid.across, grid.along

    def estimate(x: int, y: int, axis: int) -> int:
        bends = 0 if y == ty and axis == 0 and x <= tx else BEND_COST
        # Weighted (x2): a slightly longer line found ten times faster is the better deal.
        return 2 * (abs(tx - x) + abs(ty - y) + bends)

    # axis 0: travelling horizontally into the cell, 1: vertically.
    first = (sx, sy, 0)
    best: dict[tuple[int, int, int], int] = {first: 0}
    came: dict[tuple[int, int, int], tuple[int, int, int]] = {}
    queue = [(estimate(sx, sy, 0), 0, first)]
    while queue and budget:
        budget -= 1
        _f, cost, state = heapq.heappop(queue)
        if cost > best.get(state, cost):
            continue
        x, y, axis = state
        if (x, y) == end and axis == 0 and came.get(state, (x - 1, y, 0))[0] < x:
            path = [(x, y)]
            while state in came:
                state = came[state]
                path.append((state[0], state[1]))
            return _simplify(path[::-1])
        can_bend = (x, y) != start and not across[y][x] and not along[x][y]
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            step_axis = 0 if dy == 0 else 1
            if step_axis != axis and not can_bend:
                continue
            nx_, ny = x + dx, y + dy
            if not (x_lo <= nx_ <= x_hi and y_lo <= ny <= y_hi):
                continue
            if step_axis == 0 and across[ny][nx_]:
                continue
            if step_axis == 1 and along[nx_][ny]:
                continue
            new_cost = cost + 1 + (BEND_COST if step_axis != axis else 0)
            if crowded is not None and (
                (step_axis == 0 and crowded.across[ny][nx_])
                or (step_axis == 1 and crowded.along[nx_][ny])
            ):
                new_cost += SHARE_COST
            nxt = (nx_, ny, step_axis)
            if new_cost < best.get(nxt, 1 << 30):
                best[nxt] = new_cost
                came[nxt] = state
                heapq.heappush(queue, (new_cost + estimate(nx_, ny, step_axis), new_cost, nxt))
    return None


def _simplify(points: list[Point]) -> list[Point]:
    """Drop repeated points and points in the middle of a straight run."""
    out: list[Point] = []
    for point in points:
        if out and out[-1] == point:
            continue
        if len(out) >= 2:
            (x0, y0), (x1, y1) = out[-2], out[-1]
            if (x0 == x1 == point[0]) or (y0 == y1 == point[1]):
                out[-1] = point
                continue
        out.append(point)
    return out
