"""The inspector: the selected component's fields, links, findings and growth.

Everything the user typed is shown as plain text; styles come only from this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from archrev.model.types import Component, Link
from archrev.rules.facts import BlastCounts
from archrev.tui.findings_panel import SEVERITY_STYLE
from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from archrev.rules.findings import Finding

BARS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class BlastSummary:
    """What fails with a component, in `Facts.blast_counts`'s numbers (those `archrev blast`
    prints) and with the ids behind them, for the names the inspector lists."""

    counts: BlastCounts
    others: frozenset[str]  # fail with it: neither the component itself nor an entry point
    entry_points_cut: frozenset[str]  # the component too, when it is an entry point

    def others_phrase(self) -> str:
        n = self.counts.others_failed
        if n == 0:
            return "no other component fails with it"
        return f"{n} other component{'s fail' if n != 1 else ' fails'} with it"

    def entry_points_phrase(self) -> str:
        total = self.counts.entry_points_total
        noun = "entry point" if total == 1 else "entry points"
        return f"{self.counts.entry_points_cut} of {total} {noun} cut off"

    def total_phrase(self) -> str:
        c = self.counts
        return f"{c.failed_total} of {c.components_total} components down in all"


def utilization_style(value: float) -> str:
    if value >= 1.0:
        return "bold red"
    if value >= 0.8:
        return "dark_orange"
    if value >= 0.6:
        return "yellow"
    return "green"


def sparkline(values: Sequence[float]) -> Text:
    """One character per quarter, full height at 100 % utilization (capped there)."""
    text = Text()
    for value in values:
        level = min(max(value, 0.0), 1.0)
        text.append(BARS[round(level * (len(BARS) - 1))], style=utilization_style(value))
    return text


CHART_LABEL = 5  # "▶Q12 ": the marker and the quarter
CHART_VALUE = 6  # " 120%" or " 999+%": the value, on the bar's row


def percent(value: float) -> str:
    """A utilization in at most five characters, so that a chart row keeps its width."""
    pct = value * 100
    return f"{pct:4.0f}%" if pct < 999.5 else "999+%"


def utilization_chart(values: Sequence[float], quarter: int, width: int = 30) -> Text:
    """A bar per quarter, each row (label, bar, value) fitting `width` columns: the chart
    the inspector shows in growth mode. The bar takes what the label and value leave."""
    bar = max(min(width - CHART_LABEL - CHART_VALUE, 24), 3)
    text = Text()
    for q, value in enumerate(values):
        filled = round(min(max(value, 0.0), 1.5) / 1.5 * bar)
        marker = "▶" if q == quarter else " "
        text.append(f"{marker}Q{q:<2} ", style="bold" if q == quarter else "")
        text.append("█" * filled, style=utilization_style(value))
        text.append("·" * (bar - filled), style="dim")
        text.append(f" {percent(value)}\n", style=utilization_style(value))
    return text


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(getattr(value, "value", value))


class InspectorBody(Widget, can_focus=True):
    """Text that fits the panel: wrapped to its width, scrolled by its own offset.

    Its size never depends on what it shows, so showing another component repaints this
    widget alone: a widget of changing height (a Static, a RichLog's virtual size) would
    re-lay out the whole screen on every arrow key, tens of milliseconds beside a
    500-box canvas.
    """

    BINDINGS: ClassVar = [
        Binding("down", "scroll_by(1)", "Down", show=False, id="inspector.down"),
        Binding("up", "scroll_by(-1)", "Up", show=False, id="inspector.up"),
        Binding("pagedown", "scroll_by(10)", "Page down", show=False, id="inspector.page_down"),
        Binding("pageup", "scroll_by(-10)", "Page up", show=False, id="inspector.page_up"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = Text()
        self.offset_y = 0
        self._lines: list[Text] = []
        self._wrapped_for: tuple[int, int] = (-1, -1)
        self._shown_cache: list[Text] = []

    def show(self, text: Text) -> None:
        self.text = text
        self.offset_y = 0
        self._wrapped_for = (-1, -1)
        self.refresh_lines()

    def _wrap(self, width: int) -> list[Text]:
        key = (id(self.text), width)
        if key != self._wrapped_for:
            self._lines = list(self.text.wrap(self.app.console, max(width, 1)))
            self._wrapped_for = key
        return self._lines

    def _visible(self) -> list[Text]:
        width, height = self.size
        lines = self._wrap(width)
        top = min(self.offset_y, max(len(lines) - height, 0))
        self.offset_y = top
        shown = lines[top : top + height]
        if top + height < len(lines) and shown:
            more = len(lines) - top - height + 1
            # Say how to get there: the arrows scroll here only once tab has moved in.
            how = "" if self.has_focus else ": tab, ↓"
            shown[-1] = Text(f"↓ {more} more lines{how}", style="dim")
        return shown

    def render_line(self, y: int) -> Strip:
        # The line API (as in Toolong): one strip per row, no markup or re-wrapping pass.
        if y == 0 or not self._shown_cache:
            self._shown_cache = self._visible()
        width = self.size.width
        base = self.rich_style
        if y >= len(self._shown_cache):
            return Strip.blank(width, base)
        segments = self._shown_cache[y].render(self.app.console)
        return Strip(list(Segment.apply_style(segments, base))).crop_extend(0, width, base)

    def refresh_lines(self) -> None:
        self._shown_cache = []
        self.refresh()

    def action_scroll_by(self, rows: int) -> None:
        self.offset_y = max(self.offset_y + rows, 0)
        self.refresh_lines()

    def on_focus(self) -> None:
        self.refresh_lines()

    def on_blur(self) -> None:
        self.refresh_lines()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_scroll_by(2)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_scroll_by(-2)


@dataclass(frozen=True)
class GrowthDemand:
    """The requests per second reaching a component: now, and in the quarter shown."""

    now: float
    projected: float
    entry_point: bool


class Inspector(Vertical):
    """Shows one component; `show_component(...)` replaces what it shows."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.text = Text("Select a box to see its fields.", style="dim")
        # What `show_component` was last given, to draw it again at a new width.
        self._shown: tuple[tuple[Any, ...], dict[str, Any]] | None = None
        self._shown_width = -1

    def compose(self) -> ComposeResult:
        yield InspectorBody(id="inspector-body")

    def on_mount(self) -> None:
        self._write(self.text)

    def _write(self, text: Text) -> None:
        self.text = text
        self.query_one(InspectorBody).show(text)

    def show_nothing(self, message: str) -> None:
        self._shown = None
        self._write(Text(message, style="dim"))

    @property
    def body_width(self) -> int:
        """The columns a line of the inspector has (before it is laid out: a narrow guess)."""
        width = self.query_one(InspectorBody).size.width
        return width if width > 0 else 24

    def on_resize(self) -> None:
        # The growth chart is drawn to the width: draw it again when the panel changes.
        if self._shown is not None and self.body_width != self._shown_width:
            args, kwargs = self._shown
            self.show_component(*args, **kwargs)

    def show_component(
        self,
        comp: Component,
        links: list[Link],
        findings: list[Finding],
        *,
        growth: tuple[list[float] | None, int | None, int] | None = None,
        demand: GrowthDemand | None = None,
        blast: BlastSummary | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        self._shown = (
            (comp, links, findings),
            {"growth": growth, "demand": demand, "blast": blast, "names": names},
        )
        self._shown_width = self.body_width
        names = names or {}
        text = Text()
        text.append(comp.display_name, style="bold")
        text.append("\n")
        text.append(f"{comp.id} · {comp.kind.value}", style="dim")
        text.append("\n")
        if growth is not None:
            self._growth(text, *growth, width=self._shown_width, demand=demand)
        if blast is not None:
            text.append("\nBlast radius\n", style="bold underline")
            text.append(blast.total_phrase(), style="bold")
            text.append(", counting it and the entry points\n", style="dim")
            text.append(blast.others_phrase().capitalize())
            others = sorted(names.get(c, c) for c in blast.others)
            text.append(": " + ", ".join(others) if others else "")
            text.append("\n")
            cut = sorted(names.get(c, c) for c in blast.entry_points_cut)
            style = "bold red" if cut else "green"
            text.append(blast.entry_points_phrase().capitalize(), style=style)
            text.append(": " + ", ".join(cut) if cut else "")
            text.append("\n")
        if findings:
            text.append(f"\nFindings ({len(findings)})\n", style="bold underline")
            # The titles wrap under themselves, so the severity column stays readable.
            sevs = [str(getattr(f.severity, "value", f.severity)) for f in findings]
            indent = max(len(sev) for sev in sevs) + 1  # narrow panels keep their columns
            for finding, sev in zip(findings, sevs, strict=True):
                text.append(f"{sev:<{indent}}", style=SEVERITY_STYLE.get(sev, ""))
                title = Text(finding.title)
                lines = title.wrap(self.app.console, max(self._shown_width - indent, 8))
                for i, line in enumerate(lines):
                    if i:
                        text.append(" " * indent)
                    text.append(line)
                    text.append("\n")
        text.append("\nFields\n", style="bold underline")
        defaults = Component(id=comp.id)
        for name in Component.model_fields:
            if name in ("id", "name", "kind"):
                continue
            value = getattr(comp, name)
            if value == getattr(defaults, name) and name not in ("replicas",):
                continue
            if name in ("autoscaling", "monitoring") and value is not None:
                parts = value.model_dump(exclude_defaults=name == "monitoring")
                value = ", ".join(f"{k} {_value(v)}" for k, v in parts.items() if v is not None)
            text.append(f"{name.replace('_', ' ')}: ", style="dim")
            text.append(_value(value))
            text.append("\n")
        outgoing = [ln for ln in links if ln.source == comp.id]
        incoming = [ln for ln in links if ln.target == comp.id]
        if outgoing or incoming:
            text.append("\nLinks\n", style="bold underline")
        for link in outgoing:
            text.append("→ ", style="bold")
            text.append(names.get(link.target, link.target))
            text.append(self._link_note(link), style="dim")
            text.append("\n")
        for link in incoming:
            text.append("← ", style="bold")
            text.append(names.get(link.source, link.source))
            text.append(self._link_note(link), style="dim")
            text.append("\n")
        self._write(text)

    @staticmethod
    def _link_note(link: Link) -> str:
        parts = [link.mode.value]
        if not link.required:
            parts.append("optional")
        if link.protocol:
            parts.append(link.protocol)
        return "  " + ", ".join(parts)

    @staticmethod
    def _growth(
        text: Text,
        values: list[float] | None,
        runway: int | None,
        quarter: int,
        *,
        width: int,
        demand: GrowthDemand | None = None,
    ) -> None:
        text.append("\nGrowth\n", style="bold underline")
        if demand is not None and demand.now > 0:
            # The load is known even where utilization is not (a client has no capacity).
            text.append("entry point: " if demand.entry_point else "load: ", style="dim")
            text.append(f"{demand.now:,.0f} rps now")
            text.append("\n")
            if quarter:  # a line of its own: the inspector is narrow
                text.append(f"Q{quarter}: ", style="dim")
                text.append(f"{demand.projected:,.0f} rps projected\n")
            if not values and not demand.entry_point:
                text.append("no capacity known: add capacity rps\n", style="dim")
        if not values:
            if demand is None or demand.now <= 0:
                text.append(
                    "no load or capacity known: add peak rps upstream and capacity rps\n",
                    style="dim",
                )
            return
        # The runway is the answer the mode exists for: above the chart, so that it shows
        # without scrolling in a small terminal (the chart takes a row per quarter).
        if runway is None:
            text.append("runway: beyond the horizon\n", style="green")
        elif runway <= 0:
            text.append("runway: out of capacity now\n", style="bold red")
        else:
            text.append(
                f"runway: {runway} quarter{'s' if runway != 1 else ''}\n",
                style=utilization_style(1.0 if runway <= 2 else 0.7 if runway <= 4 else 0.0),
            )
        text.append(sparkline(values))
        text.append("\n")
        text.append(utilization_chart(values, quarter, width))
