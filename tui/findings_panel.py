"""The findings panel: every finding of the open system in a sortable, filterable table.

Moving the cursor onto a finding tells the app (`FindingsPanel.Chosen`), which selects the
finding's components on the canvas. Filters: minimum severity, category, and a component
id or name fragment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

if TYPE_CHECKING:
    from archrev.rules.findings import Finding

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_STYLE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "yellow",
    "low": "cyan",
    "info": "dim",
}
# Colours of the finding counts on a box's badge ("C1 H2"): each count in its severity's
# colour, so a shared screen reads at a glance; critical is a chip so it stands apart from
# high even for colour-weak eyes. Named colours stay legible on the default dark theme.
SEVERITY_BADGE = {
    "critical": "bold white on red",
    "high": "bold red",
    "medium": "bold yellow",
    "low": "bold cyan",
}


def severity_badge(counts: dict[str, int]) -> tuple[str, tuple[str, ...]]:
    """The badge text ("C1 H2 M1") for finding counts by severity, worst first, and the style
    of each of its words. Info findings stay off it: the badge must fit a box."""
    shown = [s for s in SEVERITIES if s in SEVERITY_BADGE and counts.get(s)]
    text = " ".join(f"{s[0].upper()}{counts[s]}" for s in shown)
    return text, tuple(SEVERITY_BADGE[s] for s in shown)


# Border colours of boxes by their worst finding (the canvas draws them).
SEVERITY_BORDER = {
    "critical": "bold red",
    "high": "red",
    "medium": "yellow",
    "low": "cyan",
    "info": "",
}
COMPONENTS_SHOWN = 3  # names in a row of the table; the rest are counted
COLUMNS = (
    ("severity", "Severity"),
    ("rule", "Rule"),
    ("title", "Finding"),
    ("components", "Components"),
    ("category", "Category"),
)


class FindingsTable(DataTable[Any]):
    """A DataTable that repaints when its columns widen.

    Textual 8's DataTable measures new rows when idle and widens the columns, but keeps
    the cells it rendered at the old widths in its caches: a table refilled with longer
    rows showed `DB-B` and `Statefu` until the cursor moved. Textual is pinned; this
    drops those caches when a width changed.
    """

    async def _on_idle(self, event: events.Idle) -> None:
        before = [column.content_width for column in self.columns.values()]
        await super()._on_idle(event)
        if before != [column.content_width for column in self.columns.values()]:
            self._clear_caches()
            self.refresh()


def severity_rank(value: Any) -> int:
    name = str(getattr(value, "value", value))
    return len(SEVERITIES) - 1 - SEVERITIES.index(name) if name in SEVERITIES else -1


class FindingsPanel(Vertical):
    """Findings of the open system; the app feeds it with `show(findings, names)`."""

    BINDINGS: ClassVar = [
        Binding("question_mark", "explain", "Why?", id="findings.explain"),
        Binding("s", "cycle_sort", "Sort", id="findings.sort"),
    ]

    class Chosen(Message):
        """The cursor is on a finding."""

        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    class ExplainRequested(Message):
        def __init__(self, finding: Finding) -> None:
            super().__init__()
            self.finding = finding

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.findings: list[Finding] = []
        self.names: dict[str, str] = {}
        self.shown: list[Finding] = []
        self.sort_column = "severity"
        self.sort_reverse = False
        self.status = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="findings-filters"):
            yield Static("", id="findings-count")
            yield Select(
                [(f"{s} and worse" if s != "critical" else s, s) for s in SEVERITIES],
                prompt="any severity",
                id="filter-severity",
            )
            yield Select([], prompt="any category", id="filter-category")
            yield Input(placeholder="component…", id="filter-component")
        table = FindingsTable(id="findings-table", cursor_type="row", zebra_stripes=True)
        yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label in COLUMNS:
            table.add_column(label, key=key)
        self._refresh_table()

    # -- feeding -------------------------------------------------------------------------

    def show(self, findings: list[Finding], names: dict[str, str], status: str = "") -> None:
        self.findings = list(findings)
        self.names = names
        self.status = status
        categories = sorted({f.category for f in findings if f.category})
        select: Select[str] = self.query_one("#filter-category", Select)
        current = select.value
        select.set_options([(c, c) for c in categories])
        if current in categories:
            select.value = current
        self._refresh_table()

    def set_status(self, status: str) -> None:
        self.status = status
        self._update_count()

    def _filtered(self) -> list[Finding]:
        sev = self.query_one("#filter-severity", Select).value
        cat = self.query_one("#filter-category", Select).value
        needle = self.query_one("#filter-component", Input).value.strip().casefold()
        out = []
        for finding in self.findings:
            if isinstance(sev, str) and severity_rank(finding.severity) < severity_rank(sev):
                continue
            if isinstance(cat, str) and finding.category != cat:
                continue
            if needle and not any(
                needle in cid.casefold() or needle in self.names.get(cid, "").casefold()
                for cid in finding.components
            ):
                continue
            out.append(finding)
        return out

    def _sort_key(self, finding: Finding) -> Any:
        column = self.sort_column
        if column == "severity":
            return -severity_rank(finding.severity)
        if column == "rule":
            return finding.rule_id
        if column == "title":
            return finding.title.casefold()
        if column == "components":
            return ", ".join(finding.components)
        return finding.category

    def _components_cell(self, finding: Finding) -> str:
        """The first components by name; a finding over twenty would push the Category
        column off the screen (the inspector and `?` list them all)."""
        names = [self.names.get(c, c) for c in finding.components]
        if len(names) <= COMPONENTS_SHOWN:
            return ", ".join(names)
        return ", ".join(names[:COMPONENTS_SHOWN]) + f" +{len(names) - COMPONENTS_SHOWN} more"

    def _refresh_table(self) -> None:
        table = self.query_one(DataTable)
        keep = self.current()
        shown = sorted(self._filtered(), key=self._sort_key, reverse=self.sort_reverse)
        self.shown = shown
        table.clear()
        for i, finding in enumerate(shown):
            sev = str(getattr(finding.severity, "value", finding.severity))
            table.add_row(
                Text(sev, style=SEVERITY_STYLE.get(sev, "")),
                Text(finding.rule_id),
                Text(finding.title),
                Text(self._components_cell(finding)),
                Text(finding.category),
                key=str(i),
            )
        if keep is not None and keep in shown:
            table.move_cursor(row=shown.index(keep), animate=False)
        for key, label in COLUMNS:
            arrow = (" ▼" if not self.sort_reverse else " ▲") if key == self.sort_column else ""
            table.columns[key].label = Text(label + arrow)  # type: ignore[index]
        self._update_count()

    def _update_count(self) -> None:
        total = len(self.findings)
        shown = len(self.shown)
        text = f"{total} finding{'s' if total != 1 else ''}"
        if shown != total:
            text = f"{shown} of {text}"
        if self.status:
            text = f"{text} · {self.status}"
        self.query_one("#findings-count", Static).update(text)

    def current(self) -> Finding | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= len(self.shown):
            return None
        return self.shown[table.cursor_row]

    # -- events --------------------------------------------------------------------------

    @on(Select.Changed)
    @on(Input.Changed, "#filter-component")
    def _filter_changed(self) -> None:
        self._refresh_table()

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        key = str(event.column_key.value)
        if key == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = key, False
        self._refresh_table()

    @on(DataTable.RowHighlighted)
    @on(DataTable.RowSelected)
    def _row(self, event: DataTable.RowHighlighted | DataTable.RowSelected) -> None:
        event.stop()
        finding = self.current()
        if finding is not None and self.query_one(DataTable).has_focus:
            self.post_message(self.Chosen(finding))

    def action_cycle_sort(self) -> None:
        keys = [k for k, _ in COLUMNS]
        self.sort_column = keys[(keys.index(self.sort_column) + 1) % len(keys)]
        self.sort_reverse = False
        self._refresh_table()

    def action_explain(self) -> None:
        finding = self.current()
        if finding is not None:
            self.post_message(self.ExplainRequested(finding))
