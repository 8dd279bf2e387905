"""The archrev app: the system drawn as a component graph, with its findings on it, live.

`SystemScreen` is where an architect works: the canvas in the middle, the inspector on the
right, the findings below. Every edit is a command applied through the document (so it is
saved at once and can be undone); after each edit the rules rerun in a thread worker and
the boxes are recoloured when the analysis arrives. The canvas never computes findings.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from archrev.model.document import SystemDocument, WorkspaceDocument
from archrev.model.errors import ArchrevError, StaleWriteError
from archrev.model.layout import box_size, layered_layout
from archrev.model.types import Component, Link, Mode, Position
from archrev.tui.canvas import BoxDecoration, GraphCanvas
from archrev.tui.evidence_text import evidence_lines
from archrev.tui.findings_panel import (
    SEVERITY_STYLE,
    FindingsPanel,
    finding_decorations,
)
from archrev.tui.footer import FittingFooter
from archrev.tui.forms import (
    ComponentForm,
    ConfirmScreen,
    FindScreen,
    LinkForm,
    SystemPicker,
)
from archrev.tui.history import (
    AddComponent,
    AddLink,
    Command,
    DeleteComponent,
    DeleteLink,
    EditGroup,
    History,
    MoveComponents,
    Relayout,
    UpdateComponent,
    UpdateLink,
    short_id,
)
from archrev.tui.inspector import BlastSummary, GrowthDemand, Inspector, utilization_style
from archrev.tui.palette import ScreenActions
from rich.text import Text
from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Button, Header, Static

if TYPE_CHECKING:
    from archrev.rules.engine import Analysis
    from archrev.rules.findings import Finding

# The start hint, most useful first: at 80 columns the line keeps the parts that fit.
START_HINT_PARTS = (
    "arrows select",
    "enter edits",
    "shift+arrows move",
    "ctrl+arrows pan",
    "? explains",
    "ctrl+p lists every action",
)


def start_hint(width: int) -> str:
    """The start hint's leading parts that fit in `width` columns, whole."""
    shown: list[str] = []
    for part in START_HINT_PARTS:
        if len(" · ".join([*shown, part])) > width:
            break
        shown.append(part)
    return " · ".join(shown)


LARGE_SYSTEM = 150  # more unplaced boxes than this are laid out off the UI thread
INSPECTOR_DELAY = 0.06  # seconds the selection rests before the inspector follows
# Errors an edit can meet: the user's (ArchrevError) or the disk's. Shown, never raised.
EDIT_ERRORS = (ArchrevError, sqlite3.Error, OSError)


class FindingDetail(ModalScreen[None]):
    """Why a rule fired and what to do about it."""

    BINDINGS: ClassVar = [Binding("escape,question_mark,q", "close", "Close", id="detail.close")]

    def __init__(
        self,
        finding: Finding,
        names: dict[str, str],
        rationale: str = "",
        rule_titles: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.finding = finding
        self.names = names
        self.rationale = rationale
        self.rule_titles = rule_titles or {}

    def compose(self) -> ComposeResult:
        f = self.finding
        sev = str(getattr(f.severity, "value", f.severity))
        text = Text()
        text.append(f" {sev} ", style=SEVERITY_STYLE.get(sev, ""))
        text.append(f"  {f.rule_id}", style="dim")
        if f.category:
            text.append(f" · {f.category}", style="dim")
        text.append("\n\n")
        text.append(f.title, style="bold")
        text.append("\n")
        text.append("Components: ", style="dim")
        text.append(", ".join(self.names.get(c, c) for c in f.components))
        text.append("\n\n")
        text.append(f.message)
        text.append("\n")
        if self.rationale or f.principle:
            text.append("\nWhy it matters\n", style="bold underline")
            text.append(self.rationale or f.principle)
            text.append("\n")
        if f.remediation:
            text.append("\nWhat to do\n", style="bold underline")
            text.append(f.remediation)
            text.append("\n")
        if f.evidence:
            text.append("\nEvidence\n", style="bold underline")
            for label, value in evidence_lines(f.evidence, self.names, self.rule_titles):
                text.append(f"{label}: ", style="dim")
                text.append(value)
                text.append("\n")
        with Vertical(id="detail-box"):
            with VerticalScroll():
                yield Static(text, id="detail-text")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#close", Button).focus()

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed)
    def _closed(self) -> None:
        self.dismiss(None)


class SystemScreen(Screen[None]):
    """One system, drawn and edited."""

    # Small terminals give the canvas the room: a narrower inspector, a shorter panel.
    HORIZONTAL_BREAKPOINTS: ClassVar = [(0, "-narrow"), (100, "-wide"), (160, "-very-wide")]
    VERTICAL_BREAKPOINTS: ClassVar = [(0, "-short"), (30, "-tall"), (45, "-very-tall")]

    BINDINGS: ClassVar = [
        Binding("a", "add", "Add", id="system.add"),
        Binding("c", "connect", "Connect", id="system.connect"),
        Binding("e", "edit", "Edit", id="system.edit"),
        Binding("delete", "delete", "Delete", id="system.delete"),
        Binding("slash", "find", "Find", id="system.find"),
        Binding("b", "blast", "Blast", id="system.blast"),
        Binding("g", "growth", "Growth", id="system.growth"),
        Binding(
            "left_square_bracket", "quarter(-1)", "Quarter -", show=False, id="system.quarter_back"
        ),
        Binding(
            "right_square_bracket",
            "quarter(1)",
            "Quarter +",
            show=False,
            id="system.quarter_forward",
        ),
        Binding("ctrl+z", "undo", "Undo", id="system.undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="system.redo"),
        Binding("question_mark", "explain", "Why?", id="system.explain"),
        Binding("p", "findings_focus", "Findings", id="system.findings"),
        # Shown when the terminal is wide enough: the footer drops keys from the right.
        Binding("l", "relayout", "Layout", id="system.relayout"),
        Binding("f", "focus_neighbourhood", "Focus", id="system.focus"),
        Binding("P", "toggle_findings", "Hide findings", show=False, id="system.findings_panel"),
        Binding("i", "toggle_inspector", "Inspector", show=False, id="system.inspector"),
        Binding("ctrl+o", "switch_system", "Systems", show=False, id="system.switch"),
        Binding("r", "review", "Review", id="system.review"),
        Binding("ctrl+r", "reload", "Reload", show=False, id="system.reload"),
        Binding("escape", "cancel", "Cancel", show=False, id="system.cancel"),
    ]

    # What each action does, for the command palette (the footer shows the short labels).
    ACTION_HELP: ClassVar[dict[str, str]] = {
        "add": "Add a component",
        "connect": "Connect the selected component to another (pick it, then enter)",
        "edit": "Edit the selected component and its links",
        "delete": "Delete the selected component and its links",
        "relayout": "Lay the whole system out again automatically (undoable)",
        "find": "Find a component by name",
        "focus_neighbourhood": "Show only the selection's neighbourhood (again: show all)",
        "blast": "Blast radius: what fails with the selected component",
        "growth": "Growth: colour boxes by projected utilization",
        "quarter(-1)": "Growth: previous quarter",
        "quarter(1)": "Growth: next quarter",
        "undo": "Undo the last edit",
        "redo": "Redo the last undone edit",
        "explain": "Explain a finding: rationale and remediation",
        "findings_focus": "Go to the findings list (again: back to the canvas)",
        "toggle_findings": "Show or hide the findings panel",
        "toggle_inspector": "Show or hide the inspector",
        "switch_system": "Open another system of the workspace",
        "review": "Quarterly review: triage findings, answer the checklist, compare, close, export",
        "cancel": "Leave the current mode",
        "reload": "Reload from disk: read the system again, dropping the undo history",
    }

    def __init__(self, doc: SystemDocument, *, today: date | None = None) -> None:
        super().__init__()
        self.doc = doc
        self.today = today  # pinned in tests so that date-based rules do not drift
        self.history = History(doc)
        self.positions: dict[str, Position] = {}
        self.analysis: Analysis | None = None
        self.analysis_generation = 0
        self._analysed_generation = -1
        self.analysis_error = ""
        self.view = "findings"  # findings | blast | growth
        self.quarter = 0
        self.connect_source: str | None = None
        self.marked: frozenset[str] = frozenset()
        self.focused_on: set[str] | None = None
        self._status_text = Text()
        self._inspector_timer: Timer | None = None
        self._inspector_for: str | None = None  # the selection the inspector last showed
        self.laying_out = False
        self._auto_layout: tuple[Any, dict[str, Position]] | None = None
        self.message = ""

    # -- building ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False, icon="◆")
        with Horizontal(id="main"):
            yield GraphCanvas(id="canvas")
            yield Inspector(id="inspector")
        yield FindingsPanel(id="findings")
        yield Static("", id="status")
        yield FittingFooter()

    @property
    def canvas(self) -> GraphCanvas:
        return self.query_one(GraphCanvas)

    @property
    def inspector(self) -> Inspector:
        return self.query_one(Inspector)

    @property
    def findings_panel(self) -> FindingsPanel:
        return self.query_one(FindingsPanel)

    def on_mount(self) -> None:
        self.title = self.doc.model.system.display_name
        self.sub_title = self.doc.label
        model = self.doc.model
        unplaced = any(c.id not in model.layout for c in model.components)
        if unplaced and len(model.components) > LARGE_SYSTEM:
            # Hundreds of boxes never placed: paint the screen now, lay out in a thread.
            self.laying_out = True
            self.say(f"laying out {len(model.components)} components…")
            self.canvas.focus()
            self._first_layout(model)
            return
        self._start()

    @work(thread=True, group="layout", exit_on_error=False)
    def _first_layout(self, model: Any) -> None:
        try:
            auto = layered_layout(model)
        except Exception as exc:  # a layout bug must not leave the user without a picture
            auto = {
                c.id: (2 + (i % 8) * 32, 1 + (i // 8) * 7) for i, c in enumerate(model.components)
            }
            reason = f"{type(exc).__name__}: {exc}"
            self.app.call_from_thread(
                self.notify,
                f"The layout failed ({reason}); boxes are in a grid.",
                severity="error",
                markup=False,
            )
        self.app.call_from_thread(self._first_laid_out, model, auto)

    def _first_laid_out(self, model: Any, auto: dict[str, Position]) -> None:
        self._auto_layout = (model, auto)
        self.laying_out = False
        self.message = ""
        self._start()

    def _start(self) -> None:
        self.redraw()
        comps = self.doc.model.components
        if comps:
            first = min(comps, key=lambda c: (self.positions[c.id][0], self.positions[c.id][1]))
            self.canvas.select(first.id)
            self.call_after_refresh(self.scroll_home)
        self.canvas.focus()
        # After the first frame: the analysis thread would otherwise compete with it.
        self.findings_panel.set_status("analysing…")
        self.call_after_refresh(self.run_analysis)

    # -- drawing -------------------------------------------------------------------------

    def compute_positions(self) -> dict[str, Position]:
        """Saved positions, and the automatic layout for boxes that have none."""
        model = self.doc.model
        layout = model.layout
        if all(c.id in layout for c in model.components):
            return {c.id: tuple(layout[c.id]) for c in model.components}  # type: ignore[misc]
        cached = self._auto_layout
        auto = cached[1] if cached is not None and cached[0] is model else layered_layout(model)
        return {c.id: tuple(layout.get(c.id) or auto[c.id]) for c in model.components}  # type: ignore[misc]

    def redraw(self) -> None:
        """Show the document's model as it now is, keeping the selection when it still exists."""
        self.positions = self.compute_positions()
        canvas = self.canvas
        selected = canvas.selected
        canvas.show(self.doc.model, self.positions)
        if self.focused_on is not None:
            self.focused_on = {c for c in self.focused_on if self.doc.has_component(c)}
            canvas.focus_on(self.focused_on or None)
        if selected is not None and not self.doc.has_component(selected):
            canvas.select(None)
        self.decorate()
        self.show_inspector()
        self.update_status()

    def names(self) -> dict[str, str]:
        return {c.id: c.display_name for c in self.doc.model.components}

    def decorate(self) -> None:
        self.canvas.decorate(self.decorations())

    def decorations(self) -> dict[str, BoxDecoration]:
        model = self.doc.model
        facts = self.analysis.facts if self.analysis is not None else None
        selected = self.canvas.selected
        out: dict[str, BoxDecoration] = {}
        if self.view == "blast" and facts is not None and selected is not None:
            radius = facts.blast_radius(selected)
            for comp in model.components:
                cid = comp.id
                if cid == selected:
                    out[cid] = BoxDecoration(border_style="bold white on red", badge="origin")
                elif cid in radius.entry_points_cut:
                    out[cid] = BoxDecoration(border_style="bold magenta", badge="cut off")
                elif cid in radius.failed:
                    out[cid] = BoxDecoration(border_style="red", badge="fails")
                else:
                    out[cid] = BoxDecoration(dim=True)
        elif self.view == "growth" and facts is not None:
            for comp in model.components:
                values = facts.utilization(comp.id)
                if not values:
                    # A client has demand but no capacity: its load is the number to show.
                    demand = facts.projected_load(comp.id, self.quarter)
                    badge = f"{demand:,.0f} rps" if demand > 0 else "no load"
                    out[comp.id] = BoxDecoration(dim=demand <= 0, badge=badge)
                    continue
                value = values[min(self.quarter, len(values) - 1)]
                out[comp.id] = BoxDecoration(
                    border_style=utilization_style(value), badge=f"{value * 100:.0f}%"
                )
        else:
            out = finding_decorations(
                self.analysis.findings if self.analysis is not None else (),
                (comp.id for comp in model.components),
            )
        for cid in self.marked:
            if cid in out:
                out[cid] = BoxDecoration(
                    border_style="bold reverse",
                    badge=out[cid].badge,
                    badge_styles=out[cid].badge_styles,
                    dim=False,
                )
        if self.connect_source is not None and self.connect_source in out:
            out[self.connect_source] = BoxDecoration(border_style="bold green", badge="from")
        return out

    def show_inspector(self) -> None:
        selected = self.canvas.selected
        self._inspector_for = selected
        if selected is None or not self.doc.has_component(selected):
            total = len(self.doc.model.components)
            self.inspector.show_nothing(
                "An empty system: press a to add a component."
                if total == 0
                else "Select a box (arrows or click) to see its fields."
            )
            return
        comp = self.doc.component(selected)
        findings = [
            f for f in (self.analysis.findings if self.analysis else []) if selected in f.components
        ]
        growth = None
        demand = None
        blast = None
        if self.analysis is not None:
            facts = self.analysis.facts
            if self.view == "growth":
                growth = (facts.utilization(selected), facts.runway(selected), self.quarter)
                demand = GrowthDemand(
                    now=facts.load.get(selected, 0.0),
                    projected=facts.projected_load(selected, self.quarter),
                    entry_point=selected in facts.entry_points,
                )
            elif self.view == "blast":
                blast = self.blast_summary(selected)
        self.inspector.show_component(
            comp,
            self.doc.links_of(selected),
            findings,
            growth=growth,
            demand=demand,
            blast=blast,
            names=self.names(),
        )

    def blast_summary(self, comp_id: str) -> BlastSummary:
        """The blast radius of `comp_id`: the counts `archrev blast` prints, and the ids."""
        assert self.analysis is not None
        facts = self.analysis.facts
        radius = facts.blast_radius(comp_id)
        return BlastSummary(
            counts=facts.blast_counts(comp_id),
            others=radius.failed - {comp_id} - radius.entry_points_cut,
            entry_points_cut=radius.entry_points_cut,
        )

    def update_status(self) -> None:
        text = Text()
        names = self.names()
        in_a_mode = self.connect_source is not None or self.view != "findings"
        if self.focused_on is not None and not in_a_mode:
            # First on the line: at 80 columns a note at the end would be cut off.
            text.append(" NEIGHBOURHOOD ", style="bold black on cyan")
            text.append(" f shows all")
        if self.connect_source is not None:
            text.append(" CONNECT ", style="bold black on green")
            text.append(" from ")
            text.append(
                short_id(names.get(self.connect_source, self.connect_source), 32), style="bold"
            )
            text.append(": pick the target (click, or select + enter) · esc cancels")
        elif self.view == "blast":
            text.append(" BLAST RADIUS ", style="bold white on red")
            selected = self.canvas.selected
            if self.analysis is None:
                text.append(" waiting for the analysis…")
            elif selected is None:
                text.append(" select a component to see what fails with it")
            else:
                blast = self.blast_summary(selected)
                text.append(" if ")
                text.append(names.get(selected, selected), style="bold")
                # The counts must stay on the line at 80 columns: the split into the others
                # and the entry points, then the way out, give way first (the inspector
                # lists them all).
                room = self.size.width - text.cell_len
                variants = [
                    f" fails: {blast.others_phrase()}, {blast.entry_points_phrase()}:"
                    f" {blast.total_phrase()} · b/esc leaves",
                    f" fails: {blast.total_phrase()}, {blast.entry_points_phrase()} · b leaves",
                    f" fails: {blast.total_phrase()}, {blast.entry_points_phrase()}",
                ]
                text.append(next((v for v in variants if len(v) <= room), variants[-1]))
        elif self.view == "growth":
            text.append(" GROWTH ", style="bold black on yellow")
            horizon = self.analysis.facts.horizon if self.analysis else 0
            text.append(f" quarter {self.quarter} of {horizon} · [ ] step · g/esc leaves")
        if self.message:
            in_mode = bool(text.plain)
            text.append(" · " if in_mode else " ")
            text.append(self.message, style="dim" if in_mode else "")
        elif not text:
            text.append(" ")
            text.append(start_hint(self.size.width - 2), style="dim")
        if self.focused_on is not None and in_a_mode:
            text.append(" · neighbourhood only (f shows all)", style="dim")
        if text != self._status_text:  # fixed size: no layout pass needed
            self._status_text = text
            self.query_one("#status", Static).update(text, layout=False)

    def on_resize(self) -> None:
        self.update_status()  # the line says more, or less, at the new width

    def say(self, message: str) -> None:
        self.message = message
        self.update_status()

    # -- analysis ------------------------------------------------------------------------

    def run_analysis(self) -> None:
        self.analysis_generation += 1
        self.findings_panel.set_status("analysing…")
        self._analyse(self.doc.model, self.analysis_generation)

    @work(thread=True, exclusive=True, group="analysis", exit_on_error=False)
    def _analyse(self, model: Any, generation: int) -> None:
        # The model is never mutated after an edit (edits build a new one), so the worker
        # may read it while the UI goes on; it touches no SQLite connection.
        try:
            from archrev.rules.engine import analyze

            policy = None
            note = ""
            if model.policy:
                try:
                    from archrev.rules.policy import policy_from_model

                    policy = policy_from_model(model, None)
                except ArchrevError as exc:
                    note = f"policy ignored: {exc}"
            analysis = analyze(model, policy, today=self.today)
        except Exception as exc:  # a rule's bug must not take the drawing down with it
            self.app.call_from_thread(
                self._analysis_failed, generation, f"{type(exc).__name__}: {exc}"
            )
            return
        self.app.call_from_thread(self._analysis_done, generation, analysis, note)

    @property
    def analysis_pending(self) -> bool:
        """An edit is not yet reflected in the findings (tests and benchmarks wait on it)."""
        return self._analysed_generation != self.analysis_generation

    def _analysis_done(self, generation: int, analysis: Analysis, note: str) -> None:
        if generation != self.analysis_generation:
            return  # an older model's findings; a newer analysis is on its way
        self._analysed_generation = generation
        self.analysis = analysis
        self.analysis_error = note
        if self.analysis.facts.horizon < self.quarter:
            self.quarter = self.analysis.facts.horizon
        self.findings_panel.show(analysis.findings, self.names(), note)
        self.decorate()
        self.show_inspector()
        self.update_status()

    def _analysis_failed(self, generation: int, message: str) -> None:
        if generation != self.analysis_generation:
            return
        self._analysed_generation = generation
        self.analysis_error = message
        self.findings_panel.set_status(f"analysis failed: {message}")
        self.notify(f"The analysis failed: {message}", severity="error", markup=False)

    # -- edits ---------------------------------------------------------------------------

    def perform(self, command: Command) -> bool:
        """Apply a new edit, save it, redraw and re-analyse; errors are shown, not raised."""
        if self.laying_out:
            self.notify("Still laying the system out; try again in a moment.")
            return False
        command = self.with_frozen_layout(command)
        try:
            self.history.do(command)
        except StaleWriteError as exc:
            self.offer_reload(exc, command.description)
            return False
        except EDIT_ERRORS as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return False
        self.after_edit(command.focus_after_apply())
        self.say(f"saved: {command.description} (ctrl+z undoes)")
        return True

    def with_frozen_layout(self, command: Command) -> Command:
        """The edit, plus saving where the automatic layout drew the boxes still unplaced.

        Without this, adding a link or a box would re-run the layout over every box that
        was never placed, and the picture would rearrange itself under the user's eyes.
        """
        if isinstance(command, (MoveComponents, Relayout)):
            return command  # these already place every box they touch
        layout = self.doc.model.layout
        unplaced = {
            cid: pos
            for cid, pos in self.positions.items()
            if cid not in layout and self.doc.has_component(cid)
        }
        if not unplaced:
            return command
        freeze = MoveComponents(dict.fromkeys(unplaced), unplaced)
        return EditGroup([freeze, command], label=command.description)

    def after_edit(self, focus: str | None) -> None:
        self.redraw()
        if focus is not None and self.doc.has_component(focus):
            self.canvas.select(focus)
            self.canvas.scroll_to_component(focus)
            self.show_inspector()
        self.run_analysis()

    def cancel_pending_connect(self) -> None:
        """Another edit key during CONNECT ends it first: otherwise a later select + enter
        would connect to something the user no longer means."""
        if self.connect_source is None:
            return
        self.connect_source = None
        self.decorate()
        self.say("connect cancelled")

    def selected_or_hint(self, what: str) -> str | None:
        selected = self.canvas.selected
        if selected is None or not self.doc.has_component(selected):
            self.notify(f"Select a component first to {what}.", severity="warning")
            return None
        return selected

    def action_add(self) -> None:
        self.cancel_pending_connect()
        taken = {c.id for c in self.doc.model.components}
        self.app.push_screen(ComponentForm(None, taken), self._added)

    def _added(self, comp: Component | None) -> None:
        if comp is None:
            return
        self.perform(AddComponent(comp, self.free_position(comp)))

    def free_position(self, comp: Component) -> Position:
        """Below the selected box's column (or the first column): where a new box is seen."""
        width, _ = box_size(comp)
        selected = self.canvas.selected
        x = self.positions[selected][0] if selected in self.positions else 2
        bottom = 0
        for cid, (bx, by) in self.positions.items():
            bw, bh = box_size(self.doc.component(cid))
            if bx < x + width + 2 and x < bx + bw + 2:
                bottom = max(bottom, by + bh)
        return (x, bottom + 2 if self.positions else 1)

    def action_connect(self) -> None:
        if self.connect_source is not None:
            self._finish_connect(self.canvas.selected)
            return
        source = self.selected_or_hint("connect it")
        if source is None:
            return
        self.message = ""
        self.connect_source = source
        self.decorate()
        self.update_status()

    def _finish_connect(self, target: str | None) -> None:
        source = self.connect_source
        if source is None or target is None:
            return
        if target == source:
            self.notify("Move to another component: a component cannot call itself.")
            return
        self.connect_source = None
        self.decorate()
        self.update_status()
        existing = self.doc.link(source, target)
        if existing is not None:
            self.notify("These two are already linked: edit that link instead.")
            self.app.push_screen(
                LinkForm(existing, new=False), partial(self._link_edited, existing)
            )
            return
        draft = Link(source=source, target=target, mode=Mode.SYNC)
        self.app.push_screen(LinkForm(draft, new=True), self._linked)

    def _linked(self, link: Link | None) -> None:
        if link is not None:
            self.perform(AddLink(link))

    def _link_edited(
        self, before: Link, after: Link | None, form: ComponentForm | None = None
    ) -> None:
        if after is None or after == before:
            return
        self.perform(UpdateLink(before, after))
        if form is not None:
            form.set_links(self.doc.links_of(form.original.id if form.original else ""))

    def action_edit(self) -> None:
        self.cancel_pending_connect()
        selected = self.selected_or_hint("edit it")
        if selected is None:
            return
        comp = self.doc.component(selected)
        taken = {c.id for c in self.doc.model.components}
        form = ComponentForm(comp, taken, self.doc.links_of(selected), on_link=self._link_action)
        self.app.push_screen(form, partial(self._edited, comp))

    def _edited(self, before: Component, after: Component | None) -> None:
        if after is None or after == before or not self.doc.has_component(before.id):
            return
        self.perform(UpdateComponent(before, after))

    def _link_action(self, action: str, key: tuple[str, str], form: ComponentForm) -> None:
        link = self.doc.link(*key)
        if link is None:
            return
        if action == "edit":
            self.app.push_screen(
                LinkForm(link, new=False), partial(self._link_edited, link, form=form)
            )
        elif self.perform(DeleteLink(link)):
            form.set_links(self.doc.links_of(form.original.id if form.original else ""))

    def action_delete(self) -> None:
        self.cancel_pending_connect()
        selected = self.selected_or_hint("delete it")
        if selected is None:
            return
        comp = self.doc.component(selected)
        n = len(self.doc.links_of(selected))
        question = Text.assemble(
            "Delete ",
            (comp.display_name, "bold"),
            (" and its 1 link?" if n == 1 else f" and the {n} links that go with it?")
            if n
            else "?",
            ("\n(ctrl+z brings it back)", "dim"),
        )
        self.app.push_screen(ConfirmScreen(question), partial(self._delete_confirmed, selected))

    def _delete_confirmed(self, comp_id: str, yes: bool | None) -> None:
        if yes and self.doc.has_component(comp_id):
            self.perform(DeleteComponent.of(self.doc, comp_id))

    def action_relayout(self) -> None:
        self.cancel_pending_connect()
        if not self.doc.model.components:
            return
        self.say("laying out…")
        self._lay_out(self.doc.model)

    @work(thread=True, exclusive=True, group="layout", exit_on_error=False)
    def _lay_out(self, model: Any) -> None:
        # A layered layout of hundreds of boxes takes a second or two: off the UI thread.
        try:
            after = {k: (int(x), int(y)) for k, (x, y) in layered_layout(model).items()}
        except Exception as exc:  # a layout bug must not take the drawing down
            reason = f"{type(exc).__name__}: {exc}"
            self.app.call_from_thread(
                self.notify, f"The layout failed: {reason}", severity="error", markup=False
            )
            return
        self.app.call_from_thread(self._laid_out, model, after)

    def _laid_out(self, model: Any, after: dict[str, Position]) -> None:
        if model is not self.doc.model:
            self.say("the system changed while it was being laid out; press l again")
            return
        before = dict(self.doc.model.layout)
        if before == after:
            self.say("every box already stands where the automatic layout puts it")
        else:
            self.perform(Relayout(before, after))
        # The old view may look at an empty corner of the new picture: start at the top-left.
        self.call_after_refresh(self.scroll_home)

    def scroll_home(self) -> None:
        """Show the top-left corner of the boxes, and the selected box if it lies elsewhere.

        The corner of the boxes, not of the canvas: the layout leaves rows above the first
        box for the lines, and at 24 rows those rows decide whether a box is cut off.
        """
        canvas = self.canvas
        x = min((p[0] for p in self.positions.values()), default=0)
        y = min((p[1] for p in self.positions.values()), default=0)
        canvas.scroll_to(max(x - 2, 0), max(y - 1, 0), animate=False, immediate=True)
        if canvas.selected is not None:
            canvas.scroll_to_component(canvas.selected)
        canvas.uncut_view()

    @on(GraphCanvas.MoveRequested)
    def _move_requested(self, event: GraphCanvas.MoveRequested) -> None:
        event.stop()
        comp_id = event.comp_id
        if not self.doc.has_component(comp_id):
            return
        target = (max(0, int(event.x)), max(0, int(event.y)))
        if self.positions.get(comp_id) == target and comp_id in self.doc.model.layout:
            return
        layout = self.doc.model.layout
        # Boxes placed by the automatic layout are saved where they are drawn, so that the
        # picture does not rearrange itself around the box the user just placed.
        after: dict[str, Position] = {
            cid: pos for cid, pos in self.positions.items() if cid not in layout
        }
        after[comp_id] = target
        before: dict[str, Position | None] = {cid: layout.get(cid) for cid in after}
        self.perform(MoveComponents(before, after, moved=comp_id))

    def offer_reload(self, exc: StaleWriteError, edit: str = "") -> None:
        """Someone else changed the store: say so, keep the edit unsaved, offer a reload."""
        what = f"not saved: {edit}" if edit else "not saved"
        self.say(f"{what}: the file changed on disk (ctrl+r reloads)")
        question = Text(f"Not saved: {edit}\n\n" if edit else "")
        question.append(str(exc))
        question.append("\n\nReload from disk now? The other changes are kept; ")
        question.append("this edit and the undo history are dropped.")
        self.app.push_screen(
            ConfirmScreen(question, yes="Reload"),
            lambda yes: self.action_reload() if yes else None,
        )

    def action_reload(self) -> None:
        """Read the system again from its store, e.g. after an editor or `git pull` changed it."""
        self.cancel_pending_connect()
        if self.laying_out:
            self.notify("Still laying the system out; try again in a moment.")
            return
        selected = self.canvas.selected
        try:
            self.doc.reload()
        except EDIT_ERRORS as exc:
            self.notify(str(exc), title="Not reloaded", severity="error", markup=False)
            return
        # The recorded edits describe the model before the reload: undoing one now
        # could take back somebody else's change.
        self.history = History(self.doc)
        self.connect_source = None
        self.marked = frozenset()
        self.title = self.doc.model.system.display_name
        self.after_edit(selected)
        self.say("reloaded from disk (the undo history starts again)")

    def action_undo(self) -> None:
        self._step(undo=True)

    def action_redo(self) -> None:
        self._step(undo=False)

    def _step(self, *, undo: bool) -> None:
        self.cancel_pending_connect()
        if self.laying_out:
            return
        try:
            command = self.history.undo() if undo else self.history.redo()
        except StaleWriteError as exc:
            self.offer_reload(exc)
            return
        except EDIT_ERRORS as exc:
            self.notify(
                str(exc),
                title="Not undone" if undo else "Not redone",
                severity="error",
                markup=False,
            )
            return
        if command is None:
            self.say("nothing to undo" if undo else "nothing to redo")
            return
        self.after_edit(command.focus_after_revert() if undo else command.focus_after_apply())
        self.say(f"{'undone' if undo else 'redone'}: {command.description}")

    # -- looking around ------------------------------------------------------------------

    def action_find(self) -> None:
        self.app.push_screen(FindScreen(list(self.doc.model.components)), self._found)

    def _found(self, comp_id: str | None) -> None:
        if comp_id is None or not self.doc.has_component(comp_id):
            return
        if self.focused_on is not None and comp_id not in self.focused_on:
            self.focused_on = None
            self.canvas.focus_on(None)
        self.canvas.select(comp_id)
        self.canvas.scroll_to_component(comp_id)
        self.canvas.focus()
        self.show_inspector()

    def action_focus_neighbourhood(self) -> None:
        if self.focused_on is not None:
            self.focused_on = None
            self.canvas.focus_on(None)
            self.update_status()
            return
        selected = self.selected_or_hint("focus on its neighbourhood")
        if selected is None:
            return
        around = {selected}
        for link in self.doc.model.links:
            if selected in link.key:
                around.update(link.key)
        self.focused_on = around
        self.canvas.focus_on(around)
        self.canvas.scroll_to_component(selected)
        self.update_status()

    def action_blast(self) -> None:
        self._set_view("findings" if self.view == "blast" else "blast")

    def action_growth(self) -> None:
        self._set_view("findings" if self.view == "growth" else "growth")

    def _set_view(self, view: str) -> None:
        self.view = view
        self.message = ""
        if view == "findings":
            self.say("")
        elif self.analysis is None:
            self.notify("The analysis is still running; the colours follow when it is done.")
        self.decorate()
        self.show_inspector()
        self.update_status()

    def action_quarter(self, step: int) -> None:
        if self.view != "growth":
            self._set_view("growth")
        horizon = self.analysis.facts.horizon if self.analysis else 0
        self.quarter = min(max(self.quarter + step, 0), horizon)
        self.decorate()
        self.show_inspector()
        self.update_status()

    def action_explain(self) -> None:
        panel = self.findings_panel
        finding = panel.current() if panel.query_one("DataTable").has_focus else None
        if finding is None and self.analysis is not None:
            selected = self.canvas.selected
            mine = [f for f in self.analysis.findings if selected in f.components]
            finding = mine[0] if mine else None
        if finding is None:
            self.notify("No finding here: select a box with findings or a row of the panel.")
            return
        self._explain(finding)

    def _explain(self, finding: Finding) -> None:
        rationale = ""
        titles: dict[str, str] = {}
        if self.analysis is not None:
            rule = next((r for r in self.analysis.rules if r.id == finding.rule_id), None)
            rationale = getattr(rule, "rationale", "") if rule is not None else ""
            titles = {r.id: r.title for r in self.analysis.rules}
        self.app.push_screen(FindingDetail(finding, self.names(), rationale, titles))

    def action_toggle_findings(self) -> None:
        panel = self.findings_panel
        panel.display = not panel.display
        if not panel.display:
            self.canvas.focus()

    def action_findings_focus(self) -> None:
        panel = self.findings_panel
        table = panel.query_one("#findings-table")
        if table.has_focus:
            self.canvas.focus()
            return
        panel.display = True
        table.focus()
        finding = panel.current()
        if finding is not None:
            self.post_message(FindingsPanel.Chosen(finding))

    def action_toggle_inspector(self) -> None:
        self.inspector.display = not self.inspector.display

    def action_switch_system(self) -> None:
        self.cancel_pending_connect()
        app = self.app
        if isinstance(app, ArchrevApp) and isinstance(self.doc, WorkspaceDocument):
            app.pick_system(self.doc.path)
        else:
            self.notify("A model file holds one system.")

    def action_review(self) -> None:
        self.cancel_pending_connect()
        # Reviews, triage and milestones are kept in the workspace next to the system.
        if not isinstance(self.doc, WorkspaceDocument):
            self.notify(
                "Reviews are kept in a workspace: import this model with "
                "`archrev import FILE --db W` and open the workspace.",
                severity="warning",
                markup=False,
            )
            return
        from archrev.tui.review_screen import ReviewScreen

        self.app.push_screen(ReviewScreen(self.doc.path, self.doc.system_id, today=self.today))

    def action_cancel(self) -> None:
        if self.connect_source is not None:
            self.connect_source = None
            self.say("connect cancelled")
        elif self.view != "findings":
            self._set_view("findings")
        elif self.focused_on is not None:
            self.action_focus_neighbourhood()
        elif self.marked:
            self.marked = frozenset()
        self.decorate()
        self.update_status()

    # -- canvas and panel events ---------------------------------------------------------

    @on(GraphCanvas.Selected)
    def _selected(self, event: GraphCanvas.Selected) -> None:
        event.stop()
        if self.view == "blast":
            self.decorate()
        self.update_status()
        # The canvas repaints at once; the inspector follows when the selection rests, so
        # holding an arrow key over a 500-box canvas paints the canvas alone per step.
        if self._inspector_timer is not None:
            self._inspector_timer.stop()
        self._inspector_timer = self.set_timer(INSPECTOR_DELAY, self._selection_rested)

    def _selection_rested(self) -> None:
        self._inspector_timer = None
        self.show_inspector()

    @property
    def inspector_current(self) -> bool:
        """Whether the inspector shows the selected box (no debounced update still waiting):
        what a script or a test waits for after moving the selection."""
        return self._inspector_timer is None and self._inspector_for == self.canvas.selected

    def on_click(self, event: events.Click) -> None:
        # In connect mode one click on another box picks it (the canvas selects it first).
        canvas = self.canvas
        if self.connect_source is None or event.widget is not canvas or event.chain != 1:
            return
        offset = event.get_content_offset(canvas)
        if offset is None:
            return
        x, y = offset.x + int(canvas.scroll_offset.x), offset.y + int(canvas.scroll_offset.y)
        box = canvas.scene.box_at(x, y)
        if box is not None and box.comp_id != self.connect_source:
            self._finish_connect(box.comp_id)

    @on(GraphCanvas.Activated)
    def _activated(self, event: GraphCanvas.Activated) -> None:
        event.stop()
        if self.connect_source is not None:
            self._finish_connect(event.comp_id)
        else:
            self.action_edit()

    @on(FindingsPanel.Chosen)
    def _finding_chosen(self, event: FindingsPanel.Chosen) -> None:
        comps = [c for c in event.finding.components if self.doc.has_component(c)]
        if not comps:
            return
        self.marked = frozenset(comps)
        if self.focused_on is not None and not set(comps) <= self.focused_on:
            self.focused_on = None
            self.canvas.focus_on(None)
        self.canvas.select(comps[0])
        self.canvas.scroll_to_component(comps[0])
        self.decorate()
        self.show_inspector()

    @on(FindingsPanel.ExplainRequested)
    def _explain_requested(self, event: FindingsPanel.ExplainRequested) -> None:
        self._explain(event.finding)

    def on_descendant_focus(self, event: Any) -> None:
        if isinstance(event.widget, GraphCanvas) and self.marked:
            self.marked = frozenset()
            self.decorate()


class ActionCommands(ScreenActions):
    """Every action of the system screen in the command palette, with its key."""

    screen_type = SystemScreen


def bindings() -> list[tuple[str, Binding]]:
    """Every binding of the app with the screen or widget it belongs to."""
    from archrev.tui import forms, review_screen
    from archrev.tui.inspector import InspectorBody

    holders: Iterable[Any] = (
        SystemScreen,
        GraphCanvas,
        FindingsPanel,
        InspectorBody,
        FindingDetail,
        forms.ComponentForm,
        forms.LinkForm,
        forms.ConfirmScreen,
        forms.FindScreen,
        forms.SystemPicker,
        review_screen.ReviewScreen,
        review_screen.TriageDialog,
        review_screen.NoteDialog,
        review_screen.StartDialog,
        review_screen.SnapshotScreen,
    )
    return [
        (holder.__name__, binding)
        for holder in holders
        for binding in getattr(holder, "BINDINGS", [])
        if isinstance(binding, Binding)
    ]


def binding_ids() -> list[str]:
    """Every binding id a keymap file may name."""
    return [binding.id for _, binding in bindings() if binding.id]


# Holders whose keys are live together: the canvas has the focus on the system screen, so
# a canvas key and a screen key that are the same would shadow one another.
_SCOPE_OF = {"GraphCanvas": "SystemScreen"}


def binding_defaults() -> dict[str, tuple[str, str]]:
    """Binding id -> (the scope it is live in, its default keys), for keymap checks."""
    return {
        binding.id: (_SCOPE_OF.get(holder, holder), binding.key)
        for holder, binding in bindings()
        if binding.id
    }


class ArchrevApp(App[None]):
    """Open a document, or a workspace whose system the user picks."""

    CSS_PATH = "app.tcss"
    TITLE = "archrev"
    COMMANDS: ClassVar = App.COMMANDS | {ActionCommands}

    def __init__(
        self,
        document: SystemDocument | None = None,
        *,
        workspace: Path | None = None,
        keymap: dict[str, str] | None = None,
        on_exit: Callable[[], None] | None = None,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.today = today
        self.document = document
        self.workspace_path = workspace
        self._keymap_override = keymap or {}
        self._on_exit = on_exit

    def on_mount(self) -> None:
        if self._keymap_override:
            self.set_keymap(self._keymap_override)
        if self.document is not None:
            self.push_screen(SystemScreen(self.document, today=self.today))
        elif self.workspace_path is not None:
            self.pick_system(self.workspace_path, first=True)

    def pick_system(self, path: Path, *, first: bool = False) -> None:
        from archrev.model.workspace import Workspace

        with Workspace(path, create=False) as ws:
            systems = [(s.id, s.name, s.components, s.links) for s in ws.systems()]
        self.push_screen(SystemPicker(systems, str(path)), partial(self._picked, path, first))

    def _picked(self, path: Path, first: bool, system_id: str | None) -> None:
        if system_id is None:
            if first:
                self.exit()
            return
        try:
            doc = WorkspaceDocument.open(path, system_id)
        except EDIT_ERRORS as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        if not first and isinstance(self.screen, SystemScreen):
            old = self.screen.doc
            self.switch_screen(SystemScreen(doc, today=self.today))
            old.close()
        else:
            self.push_screen(SystemScreen(doc, today=self.today))
        self.document = doc

    def on_unmount(self) -> None:
        if self.document is not None:
            self.document.close()
        if self._on_exit is not None:
            self._on_exit()
