"""The inspector: the selected component's fields, links, findings and growth.

Everything the user typed is shown as plain text; styles come only from this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from archrev.model.types import Component, Link
from archrev.tui.findings_panel import SEVERITY_STYLE
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

if TYPE_CHECKING:
    from archrev.rules.findings import Finding

BARS = " ▁▂▃▄▅▆▇█"


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


def utilization_chart(values: Sequence[float], quarter: int, width: int = 16) -> Text:
    """A bar per quarter: the chart the inspector shows in growth mode."""
    text = Text()
    for q, value in enumerate(values):
        filled = round(min(max(value, 0.0), 1.5) / 1.5 * width)
        marker = "▶" if q == quarter else " "
        text.append(f"{marker}Q{q:<2} ", style="bold" if q == quarter else "")
        text.append("█" * filled, style=utilization_style(value))
        text.append("·" * (width - filled), style="dim")
        text.append(f" {value * 100:4.0f}%\n", style=utilization_style(value))
    return text


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(getattr(value, "value", value))


class Inspector(VerticalScroll):
    """Shows one component; `show_component(...)` replaces what it shows."""

    def compose(self) -> ComposeResult:
        yield Static(Text("Select a box to see its fields.", style="dim"), id="inspector-body")

    def show_nothing(self, message: str) -> None:
        self.query_one("#inspector-body", Static).update(Text(message, style="dim"))

    def show_component(
        self,
        comp: Component,
        links: list[Link],
        findings: list[Finding],
        *,
        growth: tuple[list[float] | None, int | None, int] | None = None,
        blast: tuple[frozenset[str], frozenset[str]] | None = None,
        names: dict[str, str] | None = None,
    ) -> None:
        names = names or {}
        text = Text()
        text.append(comp.display_name, style="bold")
        text.append("\n")
        text.append(f"{comp.id} · {comp.kind.value}", style="dim")
        text.append("\n")
        if growth is not None:
            self._growth(text, *growth)
        if blast is not None:
            failed, cut = blast
            text.append("\nBlast radius\n", style="bold underline")
            others = sorted(names.get(c, c) for c in failed - cut if c != comp.id)
            text.append(f"{len(others)} other component{'s' if len(others) != 1 else ''} fail")
            text.append(": " + ", ".join(others) if others else "")
            text.append("\n")
            if cut:
                text.append("entry points cut off: ", style="bold red")
                text.append(", ".join(sorted(names.get(c, c) for c in cut)))
            else:
                text.append("no entry point is cut off", style="green")
            text.append("\n")
        if findings:
            text.append(f"\nFindings ({len(findings)})\n", style="bold underline")
            for finding in findings:
                sev = str(getattr(finding.severity, "value", finding.severity))
                text.append(f"{sev:<8} ", style=SEVERITY_STYLE.get(sev, ""))
                text.append(finding.title)
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
        self.query_one("#inspector-body", Static).update(text)

    @staticmethod
    def _link_note(link: Link) -> str:
        parts = [link.mode.value]
        if not link.required:
            parts.append("optional")
        if link.protocol:
            parts.append(link.protocol)
        return "  " + ", ".join(parts)

    @staticmethod
    def _growth(text: Text, values: list[float] | None, runway: int | None, quarter: int) -> None:
        text.append("\nGrowth\n", style="bold underline")
        if not values:
            text.append(
                "no load or capacity known: add peak rps upstream and capacity rps\n", style="dim"
            )
            return
        text.append(sparkline(values))
        text.append("\n")
        text.append(utilization_chart(values, quarter))
        if runway is None:
            text.append("runway: beyond the horizon\n", style="green")
        elif runway <= 0:
            text.append("runway: out of capacity now\n", style="bold red")
        else:
            text.append(
                f"runway: {runway} quarter{'s' if runway != 1 else ''}\n",
                style=utilization_style(1.0 if runway <= 2 else 0.7 if runway <= 4 else 0.0),
            )
