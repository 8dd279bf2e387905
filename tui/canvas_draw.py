"""The picture behind the graph canvas: boxes and joined line glyphs, one row at a time.

Kept free of Textual so it can be tested and benchmarked on its own: `Scene` holds the
geometry (from `archrev.model.layout`), and `Scene.row` turns one row of one viewport into
runs of text tagged with what they are (a box border, a name, a line, ...); the canvas maps
those tags to styles.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from archrev.model.layout import EdgeRoute, kind_label
from archrev.model.types import Component, Mode
from rich.cells import get_character_cell_size

# Directions a line leaves a cell in, combined into a mask per cell.
N, E, S, W = 1, 2, 4, 8

SOLID = {
    0: " ",
    N: "╵",
    S: "╷",
    E: "╶",
    W: "╴",
    N | S: "│",
    E | W: "─",
    E | S: "┌",
    W | S: "┐",
    N | E: "└",
    N | W: "┘",
    N | S | E: "├",
    N | S | W: "┤",
    E | W | S: "┬",
    E | W | N: "┴",
    N | E | S | W: "┼",
}
# Box drawing has dashed straight lines only; corners and junctions stay solid.
DASHED = {**SOLID, N | S: "┆", E | W: "┄", N: "┆", S: "┆", E: "┄", W: "┄"}
ARROW = "▶"
# Marks an arrowhead among a row's line ends (not a direction).
ARROW_MASK = 16
# Rows per bucket of the vertical-segment index.
BUCKET = 16
ELLIPSIS = "…"

# Roles of the cells of one row, the tags `Scene.row` puts on its runs.
BLANK = "blank"
LINE = "line"  # a required sync or async link
LINE_OPTIONAL = "line-optional"  # only optional (required: false) links pass here
LINE_SELECTED = "line-selected"  # a link of the selected box
LINE_DIM = "line-dim"  # only links outside the focused neighbourhood pass here
BORDER = "border"
NAME = "name"
KIND = "kind"
BADGE = "badge"


def badge_role(word: int) -> str:
    """The role of the cells of the badge's `word`-th word ("C1" of "C1 H2"), so each word
    can take its own colour (a finding count coloured by its severity)."""
    return f"{BADGE}-{word}"


def badge_word(role: str) -> int | None:
    """The word index of a `badge_role`, None for any other role."""
    prefix = BADGE + "-"
    return int(role[len(prefix) :]) if role.startswith(prefix) else None


INSIDE = "inside"


@dataclass
class LineCell:
    """What passes through one cell: directions, and whether any of it is solid/required."""

    mask: int = 0
    solid: bool = False
    required: bool = False
    arrow: bool = False
    edges: list[int] = field(default_factory=list)


def glyph(cell: LineCell) -> str:
    if cell.arrow:
        return ARROW
    return (SOLID if cell.solid else DASHED).get(cell.mask, "┼")


def text_cells(text: str, width: int) -> list[str]:
    """`text` as exactly `width` cells: wide characters followed by "", cut with "…".

    Control characters and zero-width joiners/selectors are dropped: terminals disagree on
    how wide they make a sequence, and a misjudged width would shift the rest of the row.
    """
    cells: list[str] = []
    for char in text:
        if char in "\t\n\r":
            char = " "
        if not char.isprintable() or unicodedata.combining(char):
            continue
        if char in "\u200b\u200c\u200d\ufe0e\ufe0f":
            continue
        size = get_character_cell_size(char)
        if size <= 0:
            continue
        cells.append(char)
        if size == 2:
            cells.append("")
    if len(cells) > width:
        cells = cells[: max(0, width - 1)]
        if cells and cells[-1] != "" and _is_wide(cells[-1]):
            cells[-1] = " "
        cells.append(ELLIPSIS)
        return cells[:width] if width > 0 else []
    return cells + [" "] * (width - len(cells))


def _is_wide(char: str) -> bool:
    return bool(char) and get_character_cell_size(char) == 2


@dataclass
class BoxPicture:
    """One component's box: where it is and the text on each of its rows."""

    comp_id: str
    x: int
    y: int
    w: int
    h: int
    name: str
    kind: str
    exits: frozenset[int] = frozenset()  # rows (absolute) with a line leaving on the right
    badge: str = ""

    def contains(self, x: int, y: int) -> bool:
        return self.x <= x < self.x + self.w and self.y <= y < self.y + self.h

    def cells(self, y: int, heavy: bool = False) -> list[tuple[str, str]]:
        """(character, role) for every cell of absolute row `y` of this box.

        `heavy` draws the border in heavy lines: the selected box stands out even where
        colours are not shown (monochrome terminals, screenshots, screen readers' text).
        """
        tl, tr, bl, br, hz, vt, tee = HEAVY_BOX if heavy else LIGHT_BOX
        w, dy = self.w, y - self.y
        if dy == 0:
            return [(tl, BORDER)] + [(hz, BORDER)] * (w - 2) + [(tr, BORDER)]
        if dy == self.h - 1:
            inner = w - 2
            row = [(hz, BORDER)] * inner
            if self.badge and inner > 4:
                badge = text_cells(" " + self.badge + " ", inner - 2)
                while len(badge) > 2 and badge[-1] == " " and badge[-2] == " ":
                    badge.pop()
                cells: list[tuple[str, str]] = []
                word = -1
                for index, char in enumerate(badge):
                    if char == " ":
                        cells.append((char, BADGE))
                        continue
                    if index == 0 or badge[index - 1] == " ":
                        word += 1
                    cells.append((char, badge_role(word)))
                row[1 : 1 + len(badge)] = cells
            return [(bl, BORDER), *row, (br, BORDER)]
        right = tee if y in self.exits else vt
        if dy == 1:
            text, role = self.name, NAME
        elif dy == 2:
            text, role = self.kind, KIND
        else:
            text, role = "", INSIDE
        inner = [(c, role) for c in text_cells(text, w - 4)]
        return [(vt, BORDER), (" ", INSIDE), *inner, (" ", INSIDE), (right, BORDER)]


# Corners, horizontal, vertical and the exit tee of a box border.
LIGHT_BOX = ("┌", "┐", "└", "┘", "─", "│", "├")
HEAVY_BOX = ("┏", "┓", "┗", "┛", "━", "┃", "┠")


class Scene:
    """Boxes and lines of a whole system, indexed by row for drawing any viewport fast."""

    def __init__(
        self,
        components: dict[str, Component],
        positions: dict[str, tuple[int, int]],
        sizes: dict[str, tuple[int, int]],
        routes: list[EdgeRoute],
        badges: dict[str, str] | None = None,
    ) -> None:
        badges = badges or {}
        self.routes = routes
        exits: dict[str, set[int]] = defaultdict(set)
        for route in routes:
            exits[route.source].add(route.points[0][1])
        self.boxes: dict[str, BoxPicture] = {}
        for comp_id, (x, y) in positions.items():
            comp = components.get(comp_id)
            if comp is None:
                continue
            w, h = sizes[comp_id]
            self.boxes[comp_id] = BoxPicture(
                comp_id,
                x,
                y,
                w,
                h,
                comp.display_name,
                kind_label(comp),
                frozenset(exits.get(comp_id, ())),
                badges.get(comp_id, ""),
            )
        self.rows: dict[int, list[BoxPicture]] = defaultdict(list)
        for box in self.boxes.values():
            for y in range(box.y, box.y + box.h):
                self.rows[y].append(box)
        # Lines are kept as segments and turned into cells only for the rows and columns
        # being drawn: a 500-component system has ~10^5 line cells, a viewport ~10^3.
        self.across: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        self.along: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
        self.ends: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        width = max((b.x + b.w for b in self.boxes.values()), default=0)
        height = max((b.y + b.h for b in self.boxes.values()), default=0)
        for index, route in enumerate(routes):
            self._add_route(index, route)
            for x, y in route.points:
                width, height = max(width, x + 1), max(height, y + 1)
        # The real extent: one past the furthest cell any box or line occupies.
        self.width = width
        self.height = height

    def _add_route(self, index: int, route: EdgeRoute) -> None:
        points = route.points
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            if y1 == y2 and x1 != x2:
                self.across[y1].append((min(x1, x2), max(x1, x2), index))
            elif x1 == x2 and y1 != y2:
                lo, hi = min(y1, y2), max(y1, y2)
                for bucket in range(lo // BUCKET, hi // BUCKET + 1):
                    self.along[bucket].append((x1, lo, hi, index))
        # The first cell opens west, into the source's border; the last holds the arrowhead.
        (sx, sy), (ax, ay) = points[0], points[-1]
        self.ends[sy].append((sx, W, index))
        self.ends[ay].append((ax, ARROW_MASK, index))

    def line_cells(self, y: int, x0: int, x1: int) -> dict[int, LineCell]:
        """The line cells of row `y` between columns x0 (included) and x1 (excluded)."""
        cells: dict[int, LineCell] = {}
        routes = self.routes

        def cell_at(x: int, index: int) -> LineCell:
            cell = cells.get(x)
            if cell is None:
                cell = cells[x] = LineCell()
            route = routes[index]
            cell.solid = cell.solid or route.mode == Mode.SYNC
            cell.required = cell.required or route.required
            cell.edges.append(index)
            return cell

        for lo, hi, index in self.across.get(y, ()):
            if hi < x0 or lo >= x1:
                continue
            for x in range(max(lo, x0), min(hi, x1 - 1) + 1):
                cell = cell_at(x, index)
                cell.mask |= (E if x < hi else 0) | (W if x > lo else 0)
        for x, lo, hi, index in self.along.get(y // BUCKET, ()):
            if lo <= y <= hi and x0 <= x < x1:
                cell = cell_at(x, index)
                cell.mask |= (S if y < hi else 0) | (N if y > lo else 0)
        for x, mask, index in self.ends.get(y, ()):
            if x0 <= x < x1:
                cell = cell_at(x, index)
                if mask == ARROW_MASK:
                    cell.arrow = True
                else:
                    cell.mask |= mask
        return cells

    def box_at(self, x: int, y: int) -> BoxPicture | None:
        for box in self.rows.get(y, ()):
            if box.contains(x, y):
                return box
        return None

    def set_badges(self, badges: dict[str, str]) -> None:
        for comp_id, box in self.boxes.items():
            box.badge = badges.get(comp_id, "")

    def move_box(self, comp_id: str, x: int, y: int) -> None:
        """Put a box somewhere else without re-routing (lines follow on the next scene)."""
        box = self.boxes[comp_id]
        for row in range(box.y, box.y + box.h):
            self.rows[row].remove(box)
        box.exits = frozenset(row - box.y + y for row in box.exits)
        box.x, box.y = x, y
        for row in range(y, y + box.h):
            self.rows[row].append(box)
        self.width = max(self.width, x + box.w)
        self.height = max(self.height, y + box.h)

    def row(
        self,
        y: int,
        x0: int,
        width: int,
        *,
        highlighted_edges: frozenset[int] = frozenset(),
        dimmed_edges: frozenset[int] = frozenset(),
        selected: str | None = None,
    ) -> list[tuple[str, str, str | None]]:
        """Runs of (text, role, component id or None) covering columns x0 .. x0+width-1."""
        chars = [" "] * width
        roles: list[str] = [BLANK] * width
        owners: list[str | None] = [None] * width
        x1 = x0 + width
        for x, cell in self.line_cells(y, x0, x1).items():
            chars[x - x0] = glyph(cell)
            if highlighted_edges and not highlighted_edges.isdisjoint(cell.edges):
                roles[x - x0] = LINE_SELECTED
            elif dimmed_edges and dimmed_edges.issuperset(cell.edges):
                roles[x - x0] = LINE_DIM
            else:
                roles[x - x0] = LINE if cell.required else LINE_OPTIONAL
        for box in self.rows.get(y, ()):
            if box.x >= x1 or box.x + box.w <= x0:
                continue
            for offset, (char, role) in enumerate(box.cells(y, box.comp_id == selected)):
                x = box.x + offset
                if x0 <= x < x1:
                    chars[x - x0] = char
                    roles[x - x0] = role
                    owners[x - x0] = box.comp_id
        # A wide character cut by the viewport's edge shows as a space.
        if chars and chars[0] == "":
            chars[0] = " "
        if chars and _is_wide(chars[-1]):
            chars[-1] = " "
        runs: list[tuple[str, str, str | None]] = []
        start = 0
        for index in range(1, width + 1):
            if index == width or roles[index] != roles[start] or owners[index] != owners[start]:
                runs.append(("".join(chars[start:index]), roles[start], owners[start]))
                start = index
        return runs
