"""The review screen: start a review, triage findings, answer the checklist, compare with
the previous review, close it and export the report, all from the keyboard.

Analysis runs in a worker thread with its own workspace connection (SQLite connections are
not shared across threads); edits are written on the UI thread through the same functions
the `archrev review` commands call, so the screen and scripts can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar, TypeVar

from archrev.model.errors import ArchrevError
from archrev.model.reviews import AnswerValue, Review, ReviewStore, TriageState
from archrev.model.workspace import Workspace
from archrev.rules.review import Analysed, ReviewState, TriagedFinding
from archrev.tui.footer import FittingFooter
from archrev.tui.palette import ScreenActions
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    Select,
    Static,
    TabbedContent,
    TabPane,
)

SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
STATE_KEYS = {
    "o": TriageState.OPEN,
    "k": TriageState.ACKNOWLEDGED,
    "p": TriageState.IN_PROGRESS,
    "m": TriageState.MITIGATED,
    "f": TriageState.FALSE_POSITIVE,
}


def _date_or_none(text: str, what: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArchrevError(f"{what}: '{text}' is not a date; write it as YYYY-MM-DD") from None


# The dialogs' own style: a screen's CSS applies to that screen only, so each dialog
# carries it (they open on top of the review screen, centred, whole at 80x24).
DIALOG_CSS = """
TriageDialog, NoteDialog, StartDialog { align: center middle; }
    #dialog {
        width: 90%; max-width: 84; height: auto; max-height: 100%;
        padding: 1 2; border: thick $primary; background: $surface;
    }
    #dialog > Label { width: 100%; margin: 0 0 1 0; }
    #dialog .field { height: 1; margin: 0 0 1 0; }
    #dialog .field-label { width: 15; color: $text-muted; }
    #dialog .field Input, #dialog .field Select { width: 1fr; }
    #dialog #text { margin: 0 0 1 0; }
    #dialog #buttons { height: 1; }
    #dialog #buttons Button { margin: 0 2 0 0; }
    #error { height: auto; }
"""


def _field(label: str, widget: Input | Select[object]) -> ComposeResult:
    """A labelled one-line field: the label stays visible once the field holds a value,
    and one line per field keeps every dialog whole on an 80x24 terminal."""
    with Horizontal(classes="field"):
        yield Label(label, classes="field-label")
        yield widget


DialogResult = TypeVar("DialogResult")


class ReviewDialog(ModalScreen[DialogResult]):
    """A review dialog: a refused answer is shown under its fields and the dialog stays
    open; cancel closes it with nothing."""

    def refuse(self, exc: ArchrevError) -> None:
        self.query_one("#error", Static).update(Text(str(exc), style="red"))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass
class TriageForm:
    state: TriageState
    owner: str
    due: date | None
    note: str
    justification: str
    expiry: date | None


class TriageDialog(ReviewDialog[TriageForm | None]):
    """Owner, due date and note of a finding; justification and expiry for a risk.

    `submit` writes the form and raises `ArchrevError` when the store refuses it; the
    dialog then stays open with the message, so nothing typed is lost.
    """

    CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="review.dialog.cancel"),
        Binding("ctrl+s", "save", "Save", id="review.dialog.save"),
    ]

    def __init__(
        self, tf: TriagedFinding, state: TriageState, submit: Callable[[TriageForm], None]
    ) -> None:
        super().__init__()
        self.tf = tf
        self.state = state
        self.submit = submit

    def compose(self) -> ComposeResult:
        t = self.tf.triage
        with Vertical(id="dialog"):
            yield Label(Text(f"{self.tf.finding.title}", style="bold"))
            yield from _field(
                "State",
                Select(
                    [(s.label, s) for s in TriageState],
                    value=self.state,
                    allow_blank=False,
                    id="state",
                    compact=True,
                ),
            )
            yield from _field("Owner", Input(t.owner if t else "", id="owner", compact=True))
            yield from _field(
                "Due",
                Input(
                    t.due.isoformat() if t and t.due else "",
                    placeholder="YYYY-MM-DD",
                    id="due",
                    compact=True,
                ),
            )
            yield from _field("Note", Input(t.note if t else "", id="note", compact=True))
            yield from _field(
                "Justification",
                Input(
                    t.justification if t else "",
                    placeholder="why the risk is accepted",
                    id="justification",
                    compact=True,
                ),
            )
            yield from _field(
                "Expiry",
                Input(
                    t.expiry.isoformat() if t and t.expiry else "",
                    placeholder="YYYY-MM-DD, when the decision is due again",
                    id="expiry",
                    compact=True,
                ),
            )
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(
            "#justification" if self.state is TriageState.ACCEPTED_RISK else "#note", Input
        ).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        try:
            state = self.query_one("#state", Select).value
            assert isinstance(state, TriageState)
            form = TriageForm(
                state,
                self.query_one("#owner", Input).value.strip(),
                _date_or_none(self.query_one("#due", Input).value, "due"),
                self.query_one("#note", Input).value,
                self.query_one("#justification", Input).value
                if state is TriageState.ACCEPTED_RISK
                else "",
                _date_or_none(self.query_one("#expiry", Input).value, "expiry")
                if state is TriageState.ACCEPTED_RISK
                else None,
            )
            self.submit(form)
        except ArchrevError as exc:
            self.refuse(exc)
            return
        self.dismiss(form)


class NoteDialog(ReviewDialog[str | None]):
    """One line of text: a note for a checklist answer, or a confirmation.

    `submit` acts on the text and raises `ArchrevError` when it cannot (an empty reason,
    a confirmation not typed); the dialog then stays open with the message under the
    field, so the user sees why and can type it again.
    """

    CSS = DIALOG_CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="review.note.cancel"),
        Binding("ctrl+s", "save", "Save", id="review.note.save"),
    ]

    def __init__(
        self,
        prompt: str,
        value: str = "",
        *,
        hint: str = "note",
        submit: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self.prompt = prompt
        self.value = value
        self.hint = hint  # shown in the empty field
        self.submit = submit

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Text(self.prompt))
            yield Input(self.value, placeholder=self.hint, id="text", compact=True)
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("OK", variant="primary", id="ok", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_save(self) -> None:
        text = self.query_one(Input).value
        if self.submit is not None:
            try:
                self.submit(text)
            except ArchrevError as exc:
                self.refuse(exc)
                return
        self.dismiss(text)


@dataclass
class StartForm:
    title: str
    reviewers: list[str]
    template: str


class StartDialog(ReviewDialog[StartForm | None]):
    """Title (default: the quarter), reviewers and checklist template of a new review;
    given an open `review`, its title and reviewers to change (the checklist stays)."""

    CSS = DIALOG_CSS
    # Tab and shift+tab move between the fields as priority bindings: the app routes each
    # key to the focused widget when it reads the key, so a Tab handled by the field
    # itself (its default) left the letters typed right after it queued on the title
    # while the dialog was still settling, and the reviewers ended up in the title.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="review.start.cancel"),
        Binding(
            "tab",
            "app.focus_next",
            "Next field",
            show=False,
            priority=True,
            id="review.start.next_field",
        ),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous field",
            show=False,
            priority=True,
            id="review.start.previous_field",
        ),
        Binding("ctrl+s", "start", "Save", id="review.start.save"),
    ]
    AUTO_FOCUS = "#title"

    def __init__(
        self,
        templates: list[str],
        submit: Callable[[StartForm], None],
        *,
        review: Review | None = None,
    ) -> None:
        super().__init__()
        self.templates = templates
        self.submit = submit
        self.review = review

    def compose(self) -> ComposeResult:
        from archrev.rules.checklists import DEFAULT_TEMPLATE

        default = (
            DEFAULT_TEMPLATE
            if DEFAULT_TEMPLATE in self.templates or not self.templates
            else self.templates[0]
        )
        review = self.review
        with Vertical(id="dialog"):
            yield Label(
                Text(
                    f"Edit review {review.label}" if review else "Start a review of the live model",
                    style="bold",
                )
            )
            yield from _field(
                "Title",
                Input(
                    review.title if review else "",
                    placeholder="a title" if review else "empty: this quarter, e.g. 2026-Q4",
                    id="title",
                    compact=True,
                ),
            )
            yield from _field(
                "Reviewers",
                Input(
                    ", ".join(review.reviewers) if review else "",
                    placeholder="separated by commas",
                    id="reviewers",
                    compact=True,
                ),
            )
            if review:
                # The checklist of a started review is fixed: its answers refer to it.
                yield Static("", id="error")
                with Horizontal(id="buttons"):
                    yield Button("Save", variant="primary", id="start", compact=True)
                    yield Button("Cancel", id="cancel", compact=True)
                return
            yield from _field(
                "Checklist",
                Select(
                    [(t, t) for t in self.templates],
                    value=default,
                    allow_blank=False,
                    id="template",
                    compact=True,
                ),
            )
            yield Static("", id="error")
            with Horizontal(id="buttons"):
                yield Button("Start", variant="primary", id="start", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_key(self, event: events.Key) -> None:
        # Letters typed right after `s` reach the dialog before any field has the focus
        # (the app routes a key to the screen when nothing is focused yet); an Input
        # consumes the letters it gets, so any that arrive here belong in the field.
        if not event.is_printable or event.character is None:
            return
        field = self.focused if isinstance(self.focused, Input) else None
        if field is None and self.focused is None:
            field = self.query_one("#title", Input)
            field.focus()
        if field is not None:
            field.insert_text_at_cursor(event.character)
            event.stop()

    @on(Input.Submitted)
    @on(Button.Pressed, "#start")
    def action_start(self) -> None:
        template = "" if self.review else self.query_one("#template", Select).value
        form = StartForm(
            self.query_one("#title", Input).value.strip(),
            [r.strip() for r in self.query_one("#reviewers", Input).value.split(",") if r.strip()],
            str(template),
        )
        try:
            self.submit(form)
        except ArchrevError as exc:
            self.refuse(exc)
            return
        self.dismiss(form)


class ReviewScreen(Screen[None]):
    """One system's current (or chosen) review."""

    CSS = """
    ReviewScreen #title { height: auto; padding: 0 1; background: $boost; }
    ReviewScreen #status { height: auto; padding: 0 1; }
    ReviewScreen #tabs { height: 1fr; }
    ReviewScreen #tabs > ContentSwitcher { height: 1fr; }
    ReviewScreen TabPane { height: 1fr; padding: 0; }
    ReviewScreen DataTable { height: 1fr; }
    /* the app's stylesheet sizes the system screen's findings panel (#findings, 9 lines);
       the review screen's table of the same id takes all the room there is */
    ReviewScreen #findings { height: 1fr; border-top: none; }
    ReviewScreen #keys { height: auto; padding: 0 1; color: $text-muted; }
    ReviewScreen #detail { height: auto; max-height: 6; padding: 0 1; border-top: solid $primary; }
    """

    # The footer shows only what works where the user is (see `check_action`), with short
    # labels so that 80 columns hold them whole; the key legend above the detail line and
    # the command palette (`ACTION_HELP`) say in full what each key does.
    TRIAGE_KEYS = Binding.Group("Triage", compact=True)
    ANSWER_KEYS = Binding.Group("Answer", compact=True)
    TAB_KEYS = Binding.Group("Tabs", compact=True)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "start", "Start review", id="review.start"),
        Binding("k", "triage('k')", "Ack", id="review.triage.acknowledge", group=TRIAGE_KEYS),
        Binding("p", "triage('p')", "Doing", id="review.triage.in_progress", group=TRIAGE_KEYS),
        Binding("m", "triage('m')", "Mitigated", id="review.triage.mitigated", group=TRIAGE_KEYS),
        Binding(
            "f", "triage('f')", "False pos.", id="review.triage.false_positive", group=TRIAGE_KEYS
        ),
        Binding("r", "accept_risk", "Risk", id="review.triage.accept_risk", group=TRIAGE_KEYS),
        Binding("o", "triage('o')", "Open", id="review.triage.open", group=TRIAGE_KEYS),
        Binding("y", "answer('yes')", "Yes", id="review.answer.yes", group=ANSWER_KEYS),
        Binding("n", "answer('no')", "No", id="review.answer.no", group=ANSWER_KEYS),
        Binding("x", "answer('n/a')", "N/A", id="review.answer.na", group=ANSWER_KEYS),
        Binding("e", "edit", "Edit", id="review.edit"),
        Binding("t", "edit_review", "Title", show=False, id="review.edit_review"),
        Binding("ctrl+w", "close_review", "Close", id="review.close"),
        Binding("ctrl+e", "export", "Export", id="review.export"),
        Binding("v", "view_snapshot", "Snapshot", id="review.view_snapshot"),
        Binding(
            "1", "show_tab('tab-findings')", "Findings", id="review.tab.findings", group=TAB_KEYS
        ),
        Binding(
            "2", "show_tab('tab-checklist')", "Checklist", id="review.tab.checklist", group=TAB_KEYS
        ),
        Binding("3", "show_tab('tab-compare')", "Compare", id="review.tab.compare", group=TAB_KEYS),
        Binding("4", "show_tab('tab-reviews')", "Reviews", id="review.tab.reviews", group=TAB_KEYS),
        Binding("escape", "back", "Back", id="review.back"),
    ]

    # What each action does, in full, for the command palette.
    ACTION_HELP: ClassVar[dict[str, str]] = {
        "start": "Start a review of the live model (title, reviewers, checklist)",
        "triage('k')": "Triage: acknowledge the selected finding",
        "triage('p')": "Triage: mark the selected finding in progress",
        "triage('m')": "Triage: mark the selected finding mitigated",
        "triage('f')": "Triage: mark the selected finding a false positive",
        "accept_risk": "Triage: accept the risk (justification and expiry)",
        "triage('o')": "Triage: reopen the selected finding",
        "answer('yes')": "Checklist: answer the selected item yes",
        "answer('no')": "Checklist: answer the selected item no",
        "answer('n/a')": "Checklist: answer the selected item not applicable",
        "edit": "Edit owner, due date and note (checklist: the answer's note)",
        "edit_review": "Edit the open review's title and reviewers",
        "close_review": "Close the review: freeze it as a read-only milestone",
        "export": "Export the report (.md .html .json .csv .sarif)",
        "view_snapshot": "View the closed review's model snapshot on the canvas",
        "show_tab('tab-findings')": "Show the findings",
        "show_tab('tab-checklist')": "Show the checklist",
        "show_tab('tab-compare')": "Compare with the previous review",
        "show_tab('tab-reviews')": "List the reviews of this system",
        "back": "Back to the canvas",
    }
    COMMANDS: ClassVar = {lambda: ReviewCommands}  # the class is defined below

    def __init__(
        self,
        db: str | Path,
        system_id: str,
        review: str | int | None = None,
        *,
        today: date | None = None,
    ) -> None:
        super().__init__()
        self.db = Path(db)
        self.system_id = system_id
        self.review_ref = review
        self.today = today
        self.ws = Workspace(self.db, create=False)
        self.store = ReviewStore(self.ws)
        self.state: ReviewState | None = None
        self.live: Analysed | None = None
        # The rows of the findings table: the review's findings, or before any review
        # the live model's (read-only), so that the screen is never empty.
        self.rows: list[TriagedFinding] = []
        # The system's open review, if any: while one is open no other can be started,
        # even when the screen shows an older, closed one.
        self.open_number: int | None = None

    # -- layout ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="title")
        yield Static(id="status")
        with TabbedContent(id="tabs"):
            with TabPane("Findings", id="tab-findings"):
                yield DataTable(id="findings", cursor_type="row", zebra_stripes=True)
            with TabPane("Checklist", id="tab-checklist"):
                yield DataTable(id="checklist", cursor_type="row", zebra_stripes=True)
            with TabPane("Compare", id="tab-compare"), VerticalScroll():
                yield Static(id="comparison")
            with TabPane("Reviews", id="tab-reviews"):
                yield DataTable(id="reviews", cursor_type="row")
        yield Static(id="keys")
        yield Static(id="detail")
        yield FittingFooter()

    def on_mount(self) -> None:
        # Long titles and component lists get a fixed width (ellipsis); the detail line
        # below the table shows the selected row in full.
        findings = self.query_one("#findings", DataTable)
        for label, width in (
            ("Severity", None),
            ("Triage", None),
            ("Rule", 16),
            ("Finding", 40),
            ("Components", 28),
            ("Owner", 14),
            ("Due", None),
        ):
            findings.add_column(label, width=width)
        checklist = self.query_one("#checklist", DataTable)
        for label, width in (
            ("Item", None),
            ("Answer", None),
            ("Rules", None),
            ("Question", 64),
            ("Note", 30),
        ):
            checklist.add_column(label, width=width)
        self.query_one("#reviews", DataTable).add_columns(
            "#", "Title", "Status", "Started", "Closed", "Findings"
        )
        self.refresh_review()

    def on_unmount(self) -> None:
        self.ws.close()

    # -- loading -----------------------------------------------------------------------

    def _current_review(self) -> Review | None:
        if self.review_ref is not None:
            return self.store.review(self.system_id, self.review_ref)
        return self.store.open_review(self.system_id) or next(
            iter(reversed(self.store.reviews(self.system_id))), None
        )

    def refresh_review(self) -> None:
        """Reload the review; analysis of the live model runs in a worker."""
        try:
            review = self._current_review()
        except ArchrevError as exc:
            self.notify(str(exc), severity="error", markup=False)
            review = None
        self._fill_reviews()
        open_review = self.store.open_review(self.system_id)
        self.open_number = open_review.number if open_review else None
        self.query_one("#status", Static).update(Text("analysing…", style="dim"))
        if review is None:
            self.query_one("#title", Static).update(
                Text(f"{self.system_id}: no review yet. Press s to start a review.")
            )
            self._load_live()
            return
        self._load(review)

    @work(thread=True, exclusive=True, group="review-load")
    def _load_live(self) -> None:
        """The live findings, shown read-only until a review is started."""
        from archrev.rules.review import analyse, triage_findings

        with Workspace(self.db, create=False) as ws:
            today = self.today or date.today()
            live = analyse(ws.load(self.system_id), None, today)
            # Triage belongs to the system, so decisions taken earlier already show.
            rows = triage_findings(live.findings, ReviewStore(ws).triage(self.system_id), today)
        self.app.call_from_thread(self._show_live, live, rows)

    def _show_live(self, live: Analysed, rows: list[TriagedFinding]) -> None:
        if not self.is_mounted:
            return
        self.state = None
        self.live = live
        self.query_one("#title", Static).update(
            Text.assemble((live.model.system.display_name, "bold"), "  no review yet")
        )
        by_severity: dict[str, int] = {}
        for tf in rows:
            by_severity[tf.finding.severity.value] = (
                by_severity.get(tf.finding.severity.value, 0) + 1
            )
        self.query_one("#status", Static).update(
            Text.assemble(
                f"{len(rows)} live findings, read-only ("
                + ", ".join(f"{n} {sev}" for sev, n in by_severity.items())
                + "): ",
                ("press s to start a review", "bold"),
            )
        )
        self._fill_findings(rows, {c.id: c.display_name for c in live.model.components})
        self.query_one("#checklist", DataTable).clear()
        self.query_one("#comparison", Static).update(
            Text(
                "No review yet: press s to start a review; its checklist and comparison show here."
            )
        )
        self._after_fill()

    @work(thread=True, exclusive=True, group="review-load")
    def _load(self, review: Review) -> None:
        from archrev.rules.review import analyse, review_state

        with Workspace(self.db, create=False) as ws:
            store = ReviewStore(ws)
            today = self.today or date.today()
            live = None if review.is_closed else analyse(ws.load(self.system_id), None, today)
            state = review_state(store, review, today=today, live=live)
        self.app.call_from_thread(self._show, state, live)

    def _show(self, state: ReviewState, live: Analysed | None) -> None:
        if not self.is_mounted:  # the screen was closed while the analysis ran
            return
        self.state = state
        self.live = live
        review = state.review
        title = Text()
        title.append(f"{state.model.system.display_name}", style="bold")
        title.append(f"  review {review.label}  ")
        title.append(review.status.value, style="green" if not review.is_closed else "magenta")
        if review.is_closed and review.closed:
            title.append(f" {review.closed.isoformat()} (read-only milestone)")
        self.query_one("#title", Static).update(title)
        counts = state.counts_by_state()
        status = Text(
            f"{len(state.findings)} findings · "
            + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items() if n)
        )
        if state.previous is not None:
            status.append(f" · {len(state.resolved)} resolved since review {state.previous.label}")
        else:
            status.append(" · the first review of this system")
        expired = sum(tf.expired for tf in state.findings)
        if expired:
            status.append(f" · {expired} accepted risks expired", style="bold red")
        self.query_one("#status", Static).update(status)
        self._fill_findings(state.findings, {c.id: c.display_name for c in state.model.components})
        self._fill_checklist()
        self._fill_comparison()
        self._after_fill()

    def _after_fill(self) -> None:
        self._show_detail()
        self._show_keys()
        self.refresh_bindings()
        # The arrow keys move through the rows from the start: without this the tab bar
        # holds the focus and `down` then `p` would triage the first finding again.
        if not isinstance(self.focused, DataTable | Input):
            self._focus_tab_table(self._active_tab())

    def _focus_tab_table(self, tab: str) -> None:
        table = {
            "tab-findings": "#findings",
            "tab-checklist": "#checklist",
            "tab-reviews": "#reviews",
        }.get(tab)
        if table:
            self.query_one(table, DataTable).focus()

    def _fill_findings(self, rows: list[TriagedFinding], names: dict[str, str]) -> None:
        table = self.query_one("#findings", DataTable)
        row = table.cursor_row
        table.clear()
        self.rows = rows
        for tf in rows:
            f, t = tf.finding, tf.triage
            state = Text(tf.state.label)
            if tf.expired:
                state.append(" (expired)", style="bold red")
            table.add_row(
                Text(f.severity.value, style=SEVERITY_STYLE.get(f.severity.value, "")),
                state,
                Text(f.rule_id),
                Text(f.title),
                Text(", ".join(names.get(c, c) for c in f.components)),
                Text(t.owner if t else ""),
                Text(t.due.isoformat() if t and t.due else ""),
                key=f.fingerprint,
            )
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))

    def _fill_checklist(self) -> None:
        table = self.query_one("#checklist", DataTable)
        row = table.cursor_row
        table.clear()
        assert self.state is not None
        for item in self.state.items:
            outcome = Text(item.outcome.value)
            if item.overridden:
                outcome.append(" (overridden)", style="italic")
            auto = Text(item.auto_label, style="green" if item.auto else "red")
            table.add_row(
                Text(item.item.code),
                outcome,
                auto,
                Text(item.item.question),
                Text(item.answer.note if item.answer else ""),
                key=item.item.code,
            )
        if self.state.items:
            table.move_cursor(row=min(row, len(self.state.items) - 1))

    def _fill_comparison(self) -> None:
        assert self.state is not None
        cmp = self.state.comparison
        widget = self.query_one("#comparison", Static)
        if cmp is None:
            widget.update(Text("This is the first review of the system: nothing to compare."))
            return
        text = Text()
        text.append(f"Compared with {cmp.before}\n", style="bold")
        text.append(
            f"{len(cmp.new)} new, {len(cmp.resolved)} resolved, "
            f"{len(cmp.persisting)} persisting findings\n\n"
        )
        for label, items, style in (("New", cmp.new, "red"), ("Resolved", cmp.resolved, "green")):
            if items:
                text.append(f"{label}\n", style=f"bold {style}")
                for f in items:
                    # The title alone does not say where: name the components too.
                    text.append(f"  {f.severity.value:<8} {f.title}")
                    text.append(f" ({', '.join(f.components)})\n", style="dim")
        text.append("\nBy severity (before → now)\n", style="bold")
        for sev, (b, a) in cmp.by_severity.items():
            text.append(f"  {sev:<8} {b} → {a}\n")
        text.append(
            f"\nComponents: +{len(cmp.components_added)} −{len(cmp.components_removed)} "
            f"~{len(cmp.components_changed)}   Links: +{len(cmp.links_added)} "
            f"−{len(cmp.links_removed)} ~{len(cmp.links_changed)}\n"
        )
        for cid in cmp.components_added:
            text.append(f"  + {cid}\n", style="green")
        for cid in cmp.components_removed:
            text.append(f"  − {cid}\n", style="red")
        for cid, changes in cmp.components_changed.items():
            text.append(
                f"  ~ {cid}: "
                + ", ".join(f"{c.field} {c.before} → {c.after}" for c in changes)
                + "\n"
            )
        if cmp.runway:
            text.append("\nRunway, closest to saturation first\n", style="bold")
            for r in cmp.runway:
                before = "—" if r.before is None else _quarter(r.before.runway)
                after = "—" if r.after is None else _quarter(r.after.runway)
                text.append(f"  {r.name}: {before} → {after} ({r.verdict})\n")
        widget.update(text)

    def _fill_reviews(self) -> None:
        table = self.query_one("#reviews", DataTable)
        table.clear()
        for r in self.store.reviews(self.system_id):
            table.add_row(
                Text(str(r.number)),
                Text(r.title),
                Text(r.status.value),
                Text(r.started.isoformat()),
                Text(r.closed.isoformat() if r.closed else ""),
                Text(str(len(r.snapshot["findings"])) if r.snapshot else ""),
                key=str(r.number),
            )

    # -- selection ---------------------------------------------------------------------

    def _active_tab(self) -> str:
        return self.query_one("#tabs", TabbedContent).active or ""

    def _selected_finding(self) -> TriagedFinding | None:
        row = self.query_one("#findings", DataTable).cursor_row
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def _selected_item(self) -> str | None:
        if self.state is None or not self.state.items:
            return None
        row = self.query_one("#checklist", DataTable).cursor_row
        return self.state.items[row].item.code if 0 <= row < len(self.state.items) else None

    @on(DataTable.RowHighlighted)
    def _show_detail(self) -> None:
        detail = self.query_one("#detail", Static)
        text = Text()
        tab = self._active_tab()
        if tab == "tab-findings" and (tf := self._selected_finding()) is not None:
            f = tf.finding
            names = {c.id: c.display_name for c in (self.live or self.state).model.components}  # type: ignore[union-attr]
            text.append(f"{f.fingerprint}  ", style="dim")
            text.append(", ".join(names.get(c, c) for c in f.components) + "\n")
            text.append(f"{f.message}\n")
            if f.remediation:
                text.append(f"Fix: {f.remediation}\n", style="italic")
            if tf.triage and (tf.triage.note or tf.triage.justification):
                text.append(f"Note: {tf.triage.note} {tf.triage.justification}".rstrip())
        elif tab == "tab-checklist" and self.state and (code := self._selected_item()):
            item = next(i for i in self.state.items if i.item.code == code)
            text.append(f"{item.item.code} ", style="dim")
            text.append(f"{item.item.question}\n")
            # The note column is cut at 30 characters: the whole note shows here.
            if item.answer and item.answer.note:
                text.append(f"Note: {item.answer.note}\n")
            if item.item.guidance:
                text.append(f"{item.item.guidance}\n", style="italic")
            if item.evidence:
                text.append("Evidence: " + "; ".join(item.evidence))
        detail.update(text)

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self._show_detail()
        self._show_keys()
        self.refresh_bindings()

    def _is_open(self) -> bool:
        return self.state is not None and not self.state.review.is_closed

    def _show_keys(self) -> None:
        """The legend of the keys that work on this tab, in words (the footer is short)."""
        tab = self._active_tab()
        if tab == "tab-reviews":
            legend = "enter open the selected review"
        elif not self._is_open():
            if self.open_number is not None:
                legend = f"review #{self.open_number} is open: enter on it in the Reviews tab (4)"
            elif self.state is None:
                legend = "s start a review"
            else:
                legend = "s start the next review"
            if self.state is not None:
                legend += " · v view the snapshot · ctrl+e export"
        elif tab == "tab-findings":
            legend = (
                "k acknowledge · p in progress · m mitigated · f false positive · "
                "r accept risk · o reopen · e owner, due, note · t title, reviewers"
            )
        elif tab == "tab-checklist":
            legend = "y yes · n no · x not applicable · e note"
        else:
            legend = "t title, reviewers · ctrl+w close the review · ctrl+e export"
        self.query_one("#keys", Static).update(Text(legend + " · ctrl+p all commands"))

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#tabs", TabbedContent).active = tab
        self._focus_tab_table(tab)

    # Triage keys act on the findings tab, answer keys on the checklist tab: the footer
    # shows only the keys that do something where the user is.
    _TAB_ACTIONS: ClassVar[dict[str, str]] = {
        "triage": "tab-findings",
        "accept_risk": "tab-findings",
        "answer": "tab-checklist",
    }

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Before the widgets exist every key is allowed; afterwards a key shows (and works)
        # only where it does something, so the footer stays short enough for 80 columns.
        try:
            tab = self._active_tab() if self.is_mounted else None
        except NoMatches:
            tab = None
        if tab is None:
            return True
        is_open = self._is_open()
        if action in self._TAB_ACTIONS:
            return is_open and tab == self._TAB_ACTIONS[action]
        if action == "edit":
            return is_open and tab in {"tab-findings", "tab-checklist"}
        if action in {"close_review", "edit_review"}:
            return is_open
        if action == "start":
            return self.open_number is None
        if action == "export":
            return self.state is not None
        if action == "view_snapshot":
            return self.state is not None and self.state.review.is_closed
        return True

    # -- actions -----------------------------------------------------------------------

    def _guard(self, action: str) -> Review | None:
        """The open review an edit applies to, or None with a message."""
        if self.state is None:
            self.notify("No review yet: press s to start one.", severity="warning")
            return None
        if self.state.review.is_closed:
            self.notify(
                f"Review {self.state.review.label} is closed; a closed review never changes.",
                severity="warning",
                markup=False,
            )
            return None
        return self.state.review

    def _apply(self, fn: object, *args: object, **kwargs: object) -> bool:
        try:
            fn(*args, **kwargs)  # type: ignore[operator]
        except ArchrevError as exc:
            self.notify(str(exc), severity="error", markup=False, timeout=8)
            return False
        return True

    def action_start(self) -> None:
        from archrev.rules.checklists import DEFAULT_TEMPLATE, available_templates

        def start(form: StartForm) -> None:
            from archrev.rules.checklists import load_checklist
            from archrev.rules.review import known_rule_ids, policy_for

            model = self.ws.load(self.system_id)
            checklist = load_checklist(
                form.template, known_rules=known_rule_ids(policy_for(model))
            ).to_dict()
            review = self.store.start(
                self.system_id,
                title=form.title or None,
                reviewers=form.reviewers,
                checklist=checklist,
                today=self.today,
            )
            self.review_ref = review.number
            self.notify(f"Started review {review.label}", markup=False)

        def done(form: StartForm | None) -> None:
            if form is not None:
                self.refresh_review()

        templates = list(available_templates()) or [DEFAULT_TEMPLATE]
        self.app.push_screen(StartDialog(templates, start), done)

    def action_edit_review(self) -> None:
        review = self._guard("edit")
        if review is None:
            return
        from archrev.model.reviews import ReviewChanges

        def save(form: StartForm) -> None:
            self.store.update(review, ReviewChanges(title=form.title, reviewers=form.reviewers))

        def done(form: StartForm | None) -> None:
            if form is not None:
                self.notify(f"Updated review {review.number}", markup=False)
                self.refresh_review()

        self.app.push_screen(StartDialog([], save, review=review), done)

    def action_triage(self, key: str) -> None:
        review = self._guard("triage")
        tf = self._selected_finding()
        if review is None or tf is None:
            return
        from archrev.rules.review import set_triage

        if self._apply(
            set_triage,
            self.store,
            review,
            tf.fingerprint,
            STATE_KEYS[key],
            today=self.today,
            live=self.live,
        ):
            self.refresh_review()

    def action_accept_risk(self) -> None:
        self._triage_dialog(TriageState.ACCEPTED_RISK)

    def action_edit(self) -> None:
        if self._active_tab() == "tab-checklist":
            self._answer_dialog(None)
        else:
            tf = self._selected_finding()
            self._triage_dialog(tf.state if tf else TriageState.OPEN)

    def _triage_dialog(self, state: TriageState) -> None:
        review = self._guard("triage")
        tf = self._selected_finding()
        if review is None or tf is None:
            return
        from archrev.rules.review import set_triage

        def submit(form: TriageForm) -> None:
            set_triage(
                self.store,
                review,
                tf.fingerprint,
                form.state,
                owner=form.owner,
                due=form.due,
                note=form.note,
                justification=form.justification,
                expiry=form.expiry,
                today=self.today,
                live=self.live,
            )

        def done(form: TriageForm | None) -> None:
            if form is not None:
                self.refresh_review()

        self.app.push_screen(TriageDialog(tf, state, submit), done)

    def action_answer(self, value: str) -> None:
        if self._active_tab() != "tab-checklist":
            return
        self._answer_dialog(AnswerValue(value), quick=True)

    def _answer_dialog(self, value: AnswerValue | None, *, quick: bool = False) -> None:
        review = self._guard("answer")
        code = self._selected_item()
        if review is None or code is None or self.state is None:
            return
        from archrev.rules.checklists import check_answer
        from archrev.rules.review import answer_item

        item = next(i for i in self.state.items if i.item.code == code)
        answer = value or (item.answer.value if item.answer else AnswerValue.YES)
        note = item.answer.note if item.answer else ""

        def submit(text: str) -> None:
            answer_item(self.store, review, code, answer, text, today=self.today, live=self.live)

        def done(text: str | None) -> None:
            if text is not None:
                self.refresh_review()

        if quick:
            try:
                check_answer(self.state.checklist, code, answer, note, item.auto)  # type: ignore[arg-type]
            except ArchrevError:
                why = (
                    "Why is it not applicable?"
                    if answer is AnswerValue.NOT_APPLICABLE
                    else f"The rules say {item.auto_label}; why {answer.value}?"
                )
                self.app.push_screen(
                    NoteDialog(f"{code}: {why}", note, hint="reason", submit=submit), done
                )
                return
            if self._apply(submit, note):
                self.refresh_review()
            return
        self.app.push_screen(
            NoteDialog(f"{code} = {answer.value}: note", note, submit=submit), done
        )

    def action_close_review(self) -> None:
        review = self._guard("close")
        if review is None:
            return
        from archrev.rules.review import close_review

        def confirm(text: str) -> None:
            if text.strip().lower() not in {"y", "yes"}:
                raise ArchrevError("type yes to close the review, or press escape to keep it open")
            close_review(self.store, review, today=self.today)

        def done(text: str | None) -> None:
            if text is not None:
                self.notify(
                    f"Closed review {review.label}: it is now a read-only milestone.", markup=False
                )
                self.refresh_review()

        self.app.push_screen(
            NoteDialog(
                f"Close review {review.label}? It can never change afterwards. "
                "Type yes to confirm.",
                hint="yes",
                submit=confirm,
            ),
            done,
        )

    def action_export(self) -> None:
        if self.state is None:
            return
        state = self.state
        default = f"{self.system_id}-review-{state.review.number}.html"

        def write(text: str | None) -> None:
            if not text:
                return
            from archrev.rules.reports import FORMATS, render
            from archrev.tui.cli.options import write_output

            path = Path(text.strip()).expanduser()
            fmt = path.suffix.lstrip(".").replace("markdown", "md")
            if fmt not in FORMATS:
                self.notify(
                    f"Name the file with one of: {', '.join('.' + f for f in FORMATS)}",
                    severity="error",
                )
                return
            try:
                write_output(render(state, fmt), path)
            except (ArchrevError, OSError) as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            # A relative name lands in the folder the app was started from: say which.
            self.notify(f"Wrote {path.resolve()}", markup=False)

        self.app.push_screen(
            NoteDialog("Export the report to (.md .html .json .csv .sarif)", default, hint="FILE"),
            write,
        )

    @on(DataTable.RowSelected, "#reviews")
    def _open_review(self, event: DataTable.RowSelected) -> None:
        self.review_ref = int(str(event.row_key.value))
        self.query_one("#tabs", TabbedContent).active = "tab-findings"
        self.refresh_review()

    def action_view_snapshot(self) -> None:
        if self.state is None or not self.state.review.is_closed:
            self.notify("Only a closed review has a snapshot to view.", severity="warning")
            return
        self.app.push_screen(SnapshotScreen(self.state))

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


def _quarter(q: int | None) -> str:
    return "beyond horizon" if q is None else f"Q{q}"


class SnapshotScreen(Screen[None]):
    """A closed review's model on the canvas, read-only, boxes coloured by worst finding.

    The canvas lets a user move boxes; here a move is undone at once, since a milestone
    never changes (and nothing is written to the workspace).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", id="review.snapshot.back")
    ]
    CSS = "SnapshotScreen GraphCanvas { height: 1fr; }"

    def __init__(self, state: ReviewState) -> None:
        super().__init__()
        self.state = state
        model = state.model
        comps = {c.id for c in model.components}
        positions = dict(model.layout)
        if set(positions) != comps:
            from archrev.model.layout import layered_layout

            auto = layered_layout(model)
            positions = {cid: positions.get(cid, auto[cid]) for cid in comps}
        self.positions = positions

    def compose(self) -> ComposeResult:
        from archrev.tui.canvas import GraphCanvas

        review = self.state.review
        yield Static(
            Text(
                f"{self.state.model.system.display_name}: snapshot of review {review.label}, "
                f"closed {review.closed} (read-only)",
                style="bold",
            )
        )
        yield GraphCanvas(id="snapshot-canvas")
        yield Static(id="snapshot-detail")
        yield FittingFooter()

    def on_mount(self) -> None:
        from archrev.tui.canvas import GraphCanvas
        from archrev.tui.findings_panel import finding_decorations

        canvas = self.query_one(GraphCanvas)
        canvas.show(self.state.model, self.positions)
        # The live canvas's colours and badges (`H1 M2`), from the findings as they were
        # then; a finding triaged a false positive no longer marks its boxes.
        canvas.decorate(
            finding_decorations(
                (
                    tf.finding
                    for tf in self.state.findings
                    if tf.state is not TriageState.FALSE_POSITIVE
                ),
                (c.id for c in self.state.model.components),
            )
        )
        canvas.focus()

    def on_graph_canvas_move_requested(self, event: object) -> None:
        from archrev.tui.canvas import GraphCanvas

        # A milestone never changes: put the box back where the snapshot has it.
        self.query_one(GraphCanvas).show(self.state.model, self.positions)
        self.notify("This is a closed review's snapshot: it is read-only.", severity="warning")

    def on_graph_canvas_selected(self, event: object) -> None:
        comp_id = getattr(event, "comp_id", None)
        detail = Text()
        if comp_id:
            names = {c.id: c.display_name for c in self.state.model.components}
            detail.append(f"{names.get(comp_id, comp_id)}\n", style="bold")
            for tf in self.state.findings:
                if comp_id in tf.finding.components:
                    detail.append(
                        f"  {tf.finding.severity.value:<8} {tf.state.label:<14} "
                        f"{tf.finding.title}\n"
                    )
        self.query_one("#snapshot-detail", Static).update(detail)


class ReviewCommands(ScreenActions):
    """Every action of the review screen in the command palette, in words, with its key."""

    screen_type = ReviewScreen
    only_available = True
