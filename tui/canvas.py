"""The graph canvas: a system drawn as boxes and lines, scrolled and edited in place.

`GraphCanvas` is a Line API widget (a `ScrollView`): it draws only the rows of the
viewport, from a `Scene` built once per change, so a 500-component system pans as fast
as a small one. It owns selection and the picture; the app owns the model and persists
what the canvas asks for.

Using it from the app::

    canvas.show(model, positions)        # after every change; keeps scroll and selection
    canvas.decorate({"db": BoxDecoration(border_style="$error", badge="2 crit")})
    canvas.select("api")                 # or None; scrolls it into view
    canvas.focus_on({"api", "db"})       # just these, laid out around the selection; None: all

    def on_graph_canvas_move_requested(self, event: GraphCanvas.MoveRequested) -> None:
        workspace.move(system_id, {event.comp_id: (event.x, event.y)})

Messages: `Selected(comp_id | None)`, `MoveRequested(comp_id, x, y)` (after shift+arrow or
at the end of a drag; the canvas already shows the box there), `Activated(comp_id)`
(enter or double click). Coordinates are the cells of `archrev.model.layout`. Bindings have
ids `canvas.*` (select_up.., move_up.., pan_up.., page_up.., home, end, activate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from archrev.model.layout import EdgeRoute, box_sizes, neighbourhood_layout, route_edges
from archrev.model.types import SystemModel
from archrev.tui.canvas_draw import (
    BADGE,
    BLANK,
    BORDER,
    ELLIPSIS,
    KIND,
    LINE,
    LINE_DIM,
    LINE_OPTIONAL,
    LINE_SELECTED,
    NAME,
    BoxPicture,
    Scene,
    badge_word,
    text_cells,
)
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

# Above this many components a drag moves the box only; lines are re-routed on release.
LIVE_ROUTING_LIMIT = 150
# Cells kept free right of and below the picture while a box is dragged, room to drag it
# into (the edge scrolls); at rest the area fits the picture so no needless scrollbar shows.
SPARE_COLUMNS = 24
SPARE_ROWS = 8
# Blank cells right of and below the furthest box or line at rest.
MARGIN_COLUMNS = 2
MARGIN_ROWS = 1
PAN_STEP_X = 8
# Leftmost column a move may put a box at: the arrowhead and a track go left of it.
MIN_X = 2
PAN_STEP_Y = 4
EDGE_SCROLL_X = 2
EDGE_SCROLL_Y = 1
# Seconds without a further move before a large system's lines are re-routed.
REROUTE_DELAY = 0.15
# A cell is about twice as tall as it is wide: rows count double when comparing distances.
ROW_ASPECT = 2.0


@dataclass(frozen=True)
class BoxDecoration:
    """How the app wants one box to look: findings colour, growth colour, blast highlight.

    `border_style` is a Rich style ("red", "bold #ff8800") or a theme variable ("$error");
    `badge` is plain text shown in the bottom border ("C2 H1"); `badge_styles` colours its
    space-separated words in order (a count by its severity), words past it keep the default
    badge colour; `dim` greys it out.
    """

    border_style: str = ""
    badge: str = ""
    dim: bool = False
    badge_styles: tuple[str, ...] = ()


class GraphCanvas(ScrollView, can_focus=True):
    """Boxes and lines of one system; keyboard and mouse selection, moves and panning."""

    DEFAULT_CSS = """
    GraphCanvas {
        background: $surface;
    }
    GraphCanvas > .graph-canvas--border { color: $primary-lighten-1; }
    GraphCanvas > .graph-canvas--name { color: $foreground; text-style: bold; }
    GraphCanvas > .graph-canvas--kind { color: $foreground-muted; }
    GraphCanvas > .graph-canvas--badge { color: $warning; text-style: bold; }
    GraphCanvas > .graph-canvas--line { color: $foreground 65%; }
    GraphCanvas > .graph-canvas--line-optional { color: $foreground 30%; }
    GraphCanvas > .graph-canvas--line-selected { color: $accent; text-style: bold; }
    GraphCanvas > .graph-canvas--line-dim { color: $foreground 15%; }
    GraphCanvas > .graph-canvas--selected { color: $accent; text-style: bold; }
    GraphCanvas > .graph-canvas--dim { color: $foreground 25%; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "graph-canvas--border",
        "graph-canvas--name",
        "graph-canvas--kind",
        "graph-canvas--badge",
        "graph-canvas--line",
        "graph-canvas--line-optional",
        "graph-canvas--line-selected",
        "graph-canvas--line-dim",
        "graph-canvas--selected",
        "graph-canvas--dim",
    }

    INHERIT_BINDINGS: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "select_toward('up')", "Select above", id="canvas.select_up", show=False),
        Binding(
            "down", "select_toward('down')", "Select below", id="canvas.select_down", show=False
        ),
        Binding(
            "left", "select_toward('left')", "Select left", id="canvas.select_left", show=False
        ),
        Binding(
            "right",
            "select_toward('right')",
            "Select right",
            id="canvas.select_right",
            show=False,
        ),
        Binding("shift+up", "move_selected(0, -1)", "Move up", id="canvas.move_up", show=False),
        Binding(
            "shift+down", "move_selected(0, 1)", "Move down", id="canvas.move_down", show=False
        ),
        Binding(
            "shift+left", "move_selected(-1, 0)", "Move left", id="canvas.move_left", show=False
        ),
        Binding(
            "shift+right",
            "move_selected(1, 0)",
            "Move right",
            id="canvas.move_right",
            show=False,
        ),
        Binding("ctrl+up", "pan(0, -1)", "Pan up", id="canvas.pan_up", show=False),
        Binding("ctrl+down", "pan(0, 1)", "Pan down", id="canvas.pan_down", show=False),
        Binding("ctrl+left", "pan(-1, 0)", "Pan left", id="canvas.pan_left", show=False),
        Binding("ctrl+right", "pan(1, 0)", "Pan right", id="canvas.pan_right", show=False),
        Binding("pageup", "page_up", "Page up", id="canvas.page_up", show=False),
        Binding("pagedown", "page_down", "Page down", id="canvas.page_down", show=False),
        Binding("ctrl+pageup", "page_left", "Page left", id="canvas.page_left", show=False),
        Binding("ctrl+pagedown", "page_right", "Page right", id="canvas.page_right", show=False),
        Binding("home", "scroll_home", "Top left", id="canvas.home", show=False),
        Binding("end", "scroll_end", "Bottom", id="canvas.end", show=False),
        Binding("enter", "activate", "Open", id="canvas.activate", show=False),
    ]

    selected: reactive[str | None] = reactive(None, init=False)

    class Selected(Message):
        """The selection changed (None: nothing is selected)."""

        def __init__(self, comp_id: str | None, canvas: GraphCanvas | None = None) -> None:
            super().__init__()
            self.comp_id = comp_id
            self.canvas = canvas

        @property
        def control(self) -> GraphCanvas | None:
            return self.canvas

    class MoveRequested(Message):
        """The user moved a box to (x, y) (its top-left cell); the app persists it."""

        def __init__(self, comp_id: str, x: int, y: int, canvas: GraphCanvas | None = None) -> None:
            super().__init__()
            self.comp_id = comp_id
            self.x = x
            self.y = y
            self.canvas = canvas

        @property
        def control(self) -> GraphCanvas | None:
            return self.canvas

    class Activated(Message):
        """Enter or a double click on a box: the app opens it (edit, inspect)."""

        def __init__(self, comp_id: str, canvas: GraphCanvas | None = None) -> None:
            super().__init__()
            self.comp_id = comp_id
            self.canvas = canvas

        @property
        def control(self) -> GraphCanvas | None:
            return self.canvas

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._model: SystemModel | None = None
        self._positions: dict[str, tuple[int, int]] = {}
        self._sizes: dict[str, tuple[int, int]] = {}
        self._scene = Scene({}, {}, {}, [])
        self._decorations: dict[str, BoxDecoration] = {}
        self._focus: frozenset[str] | None = None
        # What `show` was given: while focused, the canvas draws a sub-model instead.
        self._whole: tuple[SystemModel, dict[str, tuple[int, int]]] | None = None
        self._focus_centre: str | None = None
        # Scroll offset of the whole picture, restored when the focus ends.
        self._whole_scroll: tuple[float, float] | None = None
        self._edges_of: dict[str, frozenset[int]] = {}
        self._dimmed_edges: frozenset[int] = frozenset()
        self._strips: dict[tuple[int, int, int], Strip] = {}
        self._styles: dict[tuple[str, str | None], Style] = {}
        # Drag in progress: component, grab offset inside the box, where it started.
        self._drag: tuple[str, int, int, tuple[int, int]] | None = None
        self._drag_moved = False
        # Background drag pans: screen point and scroll offset at mouse-down.
        self._pan: tuple[int, int, float, float] | None = None
        # Bumped on every change of positions: a background re-route for an older
        # generation is dropped.
        self._generation = 0
        self._fingerprint = ""
        self._reroute_timer: Timer | None = None
        self._tooltip_for: str | None = None

    # --- public API ---------------------------------------------------------------------------

    @property
    def positions(self) -> dict[str, tuple[int, int]]:
        """Where each box is drawn now (a copy), including moves not yet shown by `show`."""
        return dict(self._positions)

    @property
    def scene(self) -> Scene:
        return self._scene

    def show(self, model: SystemModel, positions: dict[str, tuple[int, int]]) -> None:
        """Draw `model` with boxes at `positions`; scroll offset and selection are kept.

        Components without a position are put in a row below the picture. While focused
        on a neighbourhood (`focus_on`), the focused part of `model` is drawn instead.
        """
        sizes = box_sizes(model)
        placed = {cid: (max(0, x), max(0, y)) for cid, (x, y) in positions.items()}
        placed = {cid: pos for cid, pos in placed.items() if cid in sizes}
        missing = [c.id for c in model.components if c.id not in placed]
        if missing:
            bottom = max((y + sizes[c][1] for c, (_x, y) in placed.items()), default=0)
            x = 2
            for comp_id in missing:
                placed[comp_id] = (x, bottom + 2)
                x += sizes[comp_id][0] + 4
        self._whole = (model, placed)
        if self._focus is not None:
            # Focused components deleted meanwhile drop out; with none left, show all.
            self._focus = frozenset(c for c in self._focus if c in placed) or None
        self._present()

    def _present(self) -> None:
        """Install the whole picture, or the focused neighbourhood's own compact one."""
        if self._whole is None:
            return
        model, placed = self._whole
        if self._focus is not None:
            centre = self._focus_centre
            if centre not in self._focus:
                centre = next((c.id for c in model.components if c.id in self._focus), None)
            if centre is not None:
                height = self.scrollable_content_region.height if self.is_mounted else 0
                model, placed = neighbourhood_layout(
                    model, centre, self._focus, max_height=height or None
                )
        # The app calls show() after persisting a move the canvas already drew: when nothing
        # changed, skip re-routing (a tenth of a second at 500 components).
        fingerprint = model.model_dump_json()
        if fingerprint == self._fingerprint and placed == self._positions:
            return
        self._model = model
        self._sizes = box_sizes(model)
        self._fingerprint = fingerprint
        self._positions = dict(placed)
        self._rebuild()
        if self.selected is not None and self.selected not in self._positions:
            self.selected = None
        self._update_dimmed()

    def decorate(self, decorations: dict[str, BoxDecoration]) -> None:
        """Replace every box's decoration (colours, badges, dimming)."""
        self._decorations = dict(decorations)
        self._scene.set_badges({cid: d.badge for cid, d in self._decorations.items()})
        self._styles.clear()
        self._invalidate()

    def select(self, comp_id: str | None) -> None:
        """Select a box (None: nothing) and scroll it into view."""
        if comp_id is not None and comp_id not in self._scene.boxes:
            comp_id = None
        self.selected = comp_id
        if comp_id is not None:
            self.scroll_to_component(comp_id)

    def scroll_to_component(self, comp_id: str) -> None:
        box = self._scene.boxes.get(comp_id)
        if box is None:
            return
        self.scroll_to_region(
            Region(box.x, box.y, box.w, box.h),
            spacing=Spacing(1, 2, 1, 2),
            animate=False,
            immediate=True,
        )

    def uncut_view(self) -> None:
        """Scroll down a little when that shows whole a box that the bottom edge cuts,
        without cutting another box at the top or losing the selection.

        On a 24-row terminal the canvas is about 15 rows tall: a first paint that shows a
        box's top half under the findings panel looks broken.
        """
        view = self.scrollable_content_region
        left, top = int(self.scroll_x), int(self.scroll_y)
        right, bottom = left + view.width, top + view.height
        in_columns = [b for b in self._scene.boxes.values() if b.x < right and b.x + b.w > left]
        cut = [b.y + b.h - bottom for b in in_columns if b.y < bottom < b.y + b.h]
        if not cut:
            return
        shift = max(cut)
        if shift >= view.height:
            return
        # A box whose top row would leave the view would be cut in its turn.
        if any(top <= b.y < top + shift for b in in_columns if b.y < bottom):
            return
        chosen = self._scene.boxes.get(self.selected) if self.selected else None
        if chosen is not None and chosen.y < top + shift:
            return
        self.scroll_to(left, top + shift, animate=False, immediate=True)

    @property
    def focused(self) -> bool:
        """Whether only a neighbourhood is drawn (moves are off then: nothing is saved)."""
        return self._focus is not None

    def focus_on(self, ids: set[str] | None) -> None:
        """Draw only `ids`, in a compact layout of their own that fits the view: callers of
        the selection on its left, callees on its right. Positions of this view are never
        saved and moves are off. None draws the whole system again, scrolled as before.
        """
        whole = {c.id for c in self._whole[0].components} if self._whole else set()
        if ids is None or not (set(ids) & whole):
            if self._focus is None:
                return
            self._focus = None
            self._focus_centre = None
            self._present()
            scroll, self._whole_scroll = self._whole_scroll, None
            # After the next refresh: the scrollbars (and so the largest scroll offset) must
            # first follow the whole picture's size.
            self.call_after_refresh(self._restore_scroll, scroll)
        elif self._focus == frozenset(c for c in ids if c in whole):
            # The app repeats the focus after every change: keep the view as the user has it.
            self._present()
        else:
            if self._focus is None:
                self._whole_scroll = (self.scroll_x, self.scroll_y)
            self._focus = frozenset(c for c in ids if c in whole)
            self._focus_centre = self.selected if self.selected in self._focus else None
            self._present()
            self.scroll_to(0, 0, animate=False, immediate=True)
            self._keep_selection_in_view()
        self._styles.clear()
        self._invalidate()

    def _restore_scroll(self, scroll: tuple[float, float] | None) -> None:
        if self._focus is not None:
            return  # focused again meanwhile
        if scroll is not None:
            self.scroll_to(*scroll, animate=False, immediate=True)
        self._keep_selection_in_view()

    def _keep_selection_in_view(self) -> None:
        box = self._scene.boxes.get(self.selected) if self.selected else None
        if box is None:
            return
        view = Region(int(self.scroll_x), int(self.scroll_y), *self.scrollable_content_region.size)
        if not view.contains_region(Region(box.x, box.y, box.w, box.h)):
            self.scroll_to_component(box.comp_id)

    def _refuse_move(self) -> bool:
        """Moves in a focused view would save positions of a temporary layout: refused."""
        if self._focus is None:
            return False
        self.notify(
            "Moves are off while only the neighbourhood is shown (its layout is not saved): "
            "f shows the whole system.",
            severity="warning",
        )
        return True

    # --- building the picture -----------------------------------------------------------------

    def _rebuild(self) -> None:
        model = self._model
        if model is None:
            return
        self._generation += 1
        routes = route_edges(model, self._positions, self._sizes)
        self._install(self._build_scene(model, self._positions, routes), self._generation)

    def _build_scene(
        self, model: SystemModel, positions: dict[str, tuple[int, int]], routes: list[EdgeRoute]
    ) -> Scene:
        scene = Scene(model.component_map(), positions, self._sizes, routes)
        scene.set_badges({cid: d.badge for cid, d in self._decorations.items()})
        return scene

    def _install(self, scene: Scene, generation: int) -> None:
        if generation != self._generation:
            return  # a later change already replaced this picture
        # Decorations may have changed while a background re-route was running.
        scene.set_badges({cid: d.badge for cid, d in self._decorations.items()})
        self._scene = scene
        edges: dict[str, set[int]] = {}
        for index, route in enumerate(scene.routes):
            edges.setdefault(route.source, set()).add(index)
            edges.setdefault(route.target, set()).add(index)
        self._edges_of = {cid: frozenset(e) for cid, e in edges.items()}
        self._update_dimmed()
        self._resize_virtual()
        self._invalidate()

    def _moved(self, comp_id: str) -> None:
        """Show a box's new position now; re-route at once, or in a thread when large."""
        if len(self._positions) <= LIVE_ROUTING_LIMIT or not self.is_mounted:
            self._rebuild()
            return
        self._scene.move_box(comp_id, *self._positions[comp_id])
        self._resize_virtual()
        self._invalidate()
        self._generation += 1
        generation = self._generation
        model = self._model
        positions = dict(self._positions)
        if model is None:
            return

        def reroute() -> None:
            routes = route_edges(model, positions, self._sizes)
            scene = self._build_scene(model, positions, routes)
            self.app.call_from_thread(self._install, scene, generation)

        def start() -> None:
            if generation == self._generation:
                self.run_worker(reroute, thread=True, exclusive=True, group="graph-canvas-route")

        # Wait for a pause in a run of moves (a held shift+arrow): routing competes with
        # drawing for the interpreter, and only the last position's lines matter.
        if self._reroute_timer is not None:
            self._reroute_timer.stop()
        self._reroute_timer = self.set_timer(REROUTE_DELAY, start)

    def _update_dimmed(self) -> None:
        if self._focus is None:
            self._dimmed_edges = frozenset()
            return
        focus = self._focus
        self._dimmed_edges = frozenset(
            index
            for index, route in enumerate(self._scene.routes)
            if route.source not in focus or route.target not in focus
        )

    def _resize_virtual(self) -> None:
        dragging = self._drag is not None
        extra_x = SPARE_COLUMNS if dragging else MARGIN_COLUMNS
        extra_y = SPARE_ROWS if dragging else MARGIN_ROWS
        self.virtual_size = Size(self._scene.width + extra_x, self._scene.height + extra_y)

    def _invalidate(self) -> None:
        self._strips.clear()
        self.refresh()

    # --- drawing ------------------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def _style(self, role: str, owner: str | None) -> Style:
        key = (role, owner)
        style = self._styles.get(key)
        if style is not None:
            return style
        base = self.rich_style
        part = {
            BORDER: "graph-canvas--border",
            NAME: "graph-canvas--name",
            KIND: "graph-canvas--kind",
            BADGE: "graph-canvas--badge",
            LINE: "graph-canvas--line",
            LINE_OPTIONAL: "graph-canvas--line-optional",
            LINE_SELECTED: "graph-canvas--line-selected",
            LINE_DIM: "graph-canvas--line-dim",
        }.get(role)
        word = badge_word(role)
        if word is not None:
            part = "graph-canvas--badge"
        style = base
        if part is not None:
            style = base + self.get_component_rich_style(part)
        if owner is not None and role != BLANK:
            decoration = self._decorations.get(owner)
            dimmed = (decoration is not None and decoration.dim) or (
                self._focus is not None and owner not in self._focus
            )
            coloured = decoration is not None and bool(decoration.border_style)
            if role == BORDER and decoration is not None and coloured:
                style += self._parse_style(decoration.border_style)
            if word is not None and decoration is not None and word < len(decoration.badge_styles):
                style += self._parse_style(decoration.badge_styles[word])
            # The selected box keeps its findings colour: its heavy border marks it already.
            if owner == self.selected and role == BORDER and not coloured:
                style += self.get_component_rich_style("graph-canvas--selected")
            if dimmed:
                style += self.get_component_rich_style("graph-canvas--dim")
        self._styles[key] = style
        return style

    def _parse_style(self, text: str) -> Style:
        """A decoration's style; theme variables ("$error") resolve to the theme's colours."""
        words = []
        variables = self.app.get_css_variables() if "$" in text else {}
        for word in text.split():
            if word.startswith("$"):
                word = variables.get(word[1:], "")
            if word:
                words.append(word)
        try:
            return Style.parse(" ".join(words))
        except Exception:
            # A bad style from a theme or a plugin must not break drawing: ignore it.
            return Style()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.scrollable_content_region.width
        key = (row, scroll_x, width)
        strip = self._strips.get(key)
        if strip is not None:
            return strip
        highlighted = self._edges_of.get(self.selected, frozenset()) if self.selected else None
        runs = self._scene.row(
            row,
            scroll_x,
            width,
            highlighted_edges=highlighted or frozenset(),
            dimmed_edges=self._dimmed_edges,
            selected=self.selected,
        )
        segments = [Segment(text, self._style(role, owner)) for text, role, owner in runs]
        strip = Strip(segments, width)
        if len(self._strips) > 4 * max(1, self.size.height):
            self._strips.clear()
        self._strips[key] = strip
        return strip

    def watch_selected(self, old: str | None, new: str | None) -> None:
        self._styles.clear()
        self._invalidate()
        self.post_message(self.Selected(new, self))

    def validate_selected(self, value: str | None) -> str | None:
        if value is not None and self._model is not None and value not in self._positions:
            return None
        return value

    # --- keyboard -----------------------------------------------------------------------------

    def action_select_toward(self, direction: str) -> None:
        boxes = self._scene.boxes
        if not boxes:
            return
        current = boxes.get(self.selected) if self.selected else None
        if current is None:
            self.select(self._first_visible())
            return
        target = box_toward(boxes, current, direction)
        if target is not None:
            self.select(target)

    def _first_visible(self) -> str | None:
        scroll_x, scroll_y = self.scroll_offset
        window = Region(scroll_x, scroll_y, self.size.width, self.size.height)
        visible = [
            box
            for box in self._scene.boxes.values()
            if window.overlaps(Region(box.x, box.y, box.w, box.h))
        ]
        pool = visible or list(self._scene.boxes.values())
        if not pool:
            return None
        return min(pool, key=lambda b: (b.x, b.y)).comp_id

    def action_move_selected(self, dx: int, dy: int) -> None:
        comp_id = self.selected
        if comp_id is None or comp_id not in self._positions or self._refuse_move():
            return
        x, y = self._positions[comp_id]
        new = (max(min(x, MIN_X), x + dx), max(0, y + dy))
        if new == (x, y):
            return
        self._positions[comp_id] = new
        self._moved(comp_id)
        self.scroll_to_component(comp_id)
        self.post_message(self.MoveRequested(comp_id, new[0], new[1], self))

    def action_pan(self, dx: int, dy: int) -> None:
        self.scroll_to(
            self.scroll_x + dx * PAN_STEP_X,
            self.scroll_y + dy * PAN_STEP_Y,
            animate=False,
            immediate=True,
        )

    def action_activate(self) -> None:
        if self.selected is not None:
            self.post_message(self.Activated(self.selected, self))

    # --- mouse --------------------------------------------------------------------------------

    def _canvas_point(self, event: events.MouseEvent) -> tuple[int, int]:
        offset = event.get_content_offset_capture(self)
        scroll_x, scroll_y = self.scroll_offset
        return offset.x + scroll_x, offset.y + scroll_y

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1 or event.get_content_offset(self) is None:
            return
        x, y = self._canvas_point(event)
        box = self._scene.box_at(x, y)
        self.focus()
        if box is None:
            self.selected = None
            self._pan = (event.screen_x, event.screen_y, self.scroll_x, self.scroll_y)
        else:
            self.selected = box.comp_id
            if self._focus is None:
                self._drag = (box.comp_id, x - box.x, y - box.y, (box.x, box.y))
                self._drag_moved = False
        self.capture_mouse()
        event.stop()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._pan is not None:
            sx, sy, scroll_x, scroll_y = self._pan
            self.scroll_to(
                scroll_x - (event.screen_x - sx),
                scroll_y - (event.screen_y - sy),
                animate=False,
                immediate=True,
            )
            return
        if self._drag is None:
            self._hover(event)
            return
        comp_id, grab_x, grab_y, start = self._drag
        self._scroll_at_edge(event)
        x, y = self._canvas_point(event)
        new = (max(min(start[0], MIN_X), x - grab_x), max(0, y - grab_y))
        if new == self._positions.get(comp_id):
            return
        self._positions[comp_id] = new
        self._drag_moved = True
        if len(self._positions) <= LIVE_ROUTING_LIMIT:
            self._rebuild()
        else:
            # Re-routing 500 components on every mouse move would lag: lines follow on release.
            self._scene.move_box(comp_id, *new)
            self._resize_virtual()
            self._invalidate()

    def _scroll_at_edge(self, event: events.MouseMove) -> None:
        """Dragging against the viewport's edge scrolls, so a box can go anywhere."""
        offset = event.get_content_offset_capture(self)
        width, height = self.scrollable_content_region.size
        dx = -EDGE_SCROLL_X if offset.x <= 0 else EDGE_SCROLL_X if offset.x >= width - 1 else 0
        dy = -EDGE_SCROLL_Y if offset.y <= 0 else EDGE_SCROLL_Y if offset.y >= height - 1 else 0
        if dx or dy:
            self.scroll_to(self.scroll_x + dx, self.scroll_y + dy, animate=False, immediate=True)

    def _hover(self, event: events.MouseMove) -> None:
        """A tooltip with the whole name when the box shows it cut short."""
        x, y = self._canvas_point(event)
        box = self._scene.box_at(x, y)
        if box is None or box.comp_id == self._tooltip_for:
            if box is None and self._tooltip_for is not None:
                self._tooltip_for = None
                self.tooltip = None
            return
        self._tooltip_for = box.comp_id
        cut = text_cells(box.name, box.w - 4)[-1:] == [ELLIPSIS]
        # Text, not a string: a name is data, and a string tooltip would be read as markup.
        self.tooltip = Text(f"{box.name}\n{box.kind}") if cut else None

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._pan is not None:
            self._pan = None
            self.release_mouse()
            return
        if self._drag is None:
            return
        comp_id, _gx, _gy, start = self._drag
        self._drag = None
        self.release_mouse()
        new = self._positions.get(comp_id, start)
        if self._drag_moved and new != start:
            self._moved(comp_id)
            self.post_message(self.MoveRequested(comp_id, new[0], new[1], self))
        self._resize_virtual()  # the drag's spare room goes
        event.stop()

    def on_click(self, event: events.Click) -> None:
        if event.chain >= 2 and self.selected is not None:
            x, y = self._canvas_point(event)
            box = self._scene.box_at(x, y)
            if box is not None and box.comp_id == self.selected:
                self.post_message(self.Activated(box.comp_id, self))


def box_toward(boxes: dict[str, BoxPicture], current: BoxPicture, direction: str) -> str | None:
    """The box an arrow key in `direction` ("up", "down", "left", "right") goes to from
    `current`, or None when nothing lies that way.

    Candidates lie beyond `current` by their edges; those in the cone around the direction
    (at least as far along it as off to the side, on screen) win over the rest of that half
    of the screen, so Right never picks the box straight below.
    """
    cx, cy = current.x + current.w / 2, current.y + current.h / 2
    # Best in the cone around the direction first; only when the cone is empty, the
    # nearest box anywhere in that half of the screen.
    in_cone: tuple[float, str] | None = None
    in_half: tuple[float, str] | None = None
    for comp_id, box in boxes.items():
        if comp_id == current.comp_id:
            continue
        # Screen units: a row is about twice as tall as a column is wide.
        dx = box.x + box.w / 2 - cx
        dy = (box.y + box.h / 2 - cy) * ROW_ASPECT
        # Along: how far in the wanted direction; across: how far off to the side.
        along, across = {
            "up": (-dy, abs(dx)),
            "down": (dy, abs(dx)),
            "left": (-dx, abs(dy)),
            "right": (dx, abs(dy)),
        }[direction]
        if along <= 0 or not _clear_of(current, box, direction):
            continue
        # A step sideways counts double so the box straight ahead wins.
        score = along + 2 * across
        if along >= across:
            if in_cone is None or score < in_cone[0]:
                in_cone = (score, comp_id)
        elif in_half is None or score < in_half[0]:
            in_half = (score, comp_id)
    best = in_cone or in_half
    return None if best is None else best[1]


def _clear_of(current: BoxPicture, box: BoxPicture, direction: str) -> bool:
    """Whether `box` lies beyond `current` in `direction` by its edges, not just its centre.

    A wider box in the same column has its centre a little to the right; it is below, not
    to the right. Boxes that overlap on the screen cannot be told apart by edges: allowed.
    """
    if direction == "right":
        return box.x + box.w > current.x + current.w and box.x > current.x
    if direction == "left":
        return box.x < current.x and box.x + box.w < current.x + current.w
    if direction == "down":
        return box.y + box.h > current.y + current.h and box.y > current.y
    return box.y < current.y and box.y + box.h < current.y + current.h
