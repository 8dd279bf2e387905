"""Inline SVG for the HTML report: the component graph coloured by severity, placed with
the same layered layout as the canvas, and the runway chart.

Both are plain SVG text with no external references, so the report opens offline.
"""

from __future__ import annotations

from collections.abc import Sequence

from archrev.model.types import SystemModel
from archrev.rules.compare import RunwayRow
from archrev.rules.findings import Severity
from archrev.rules.reports.escape import html_text

# Fill and stroke per worst severity; components without findings stay neutral.
SEVERITY_COLOURS: dict[str, tuple[str, str]] = {
    "critical": ("#fde0e0", "#b00020"),
    "high": ("#ffe6cc", "#d35400"),
    "medium": ("#fff5c2", "#b7950b"),
    "low": ("#e3f0ff", "#2e6db4"),
    "info": ("#eeeeee", "#777777"),
    "none": ("#e8f6ec", "#2e7d32"),
}
# One terminal cell of the canvas layout, in SVG pixels: the picture is the canvas's own
# geometry (boxes, attach rows, edge tracks) scaled, so report and app look alike.
CELL_W = 8
CELL_H = 16
MARGIN = 8


def _label(text: str, cells: int) -> str:
    """Text that fits `cells` columns of a box (about one character per cell)."""
    return text if len(text) <= cells else text[: max(cells - 1, 1)] + "…"


def graph_svg(model: SystemModel, worst: dict[str, Severity], *, title: str = "") -> str:
    """The component graph: boxes where the canvas puts them, links along the canvas's
    routes (each with its own attach row and track), arrowheads into the target."""
    from archrev.model.layout import box_sizes, layered_layout, route_edges

    comps = model.component_map()
    cells = dict(model.layout) if model.layout else {}
    if set(cells) != set(comps):
        # Positions the user never set come from the same layout the canvas uses.
        auto = layered_layout(model)
        cells = {cid: cells.get(cid, auto[cid]) for cid in comps}
    sizes = box_sizes(model)
    routes = route_edges(model, cells, sizes)

    # The picture is cropped to what is drawn: boxes the user moved far away leave no
    # empty band at the top or left.
    xs = [cells[c][0] for c in comps] + [x for r in routes for x, _ in r.points]
    ys = [cells[c][1] for c in comps] + [y for r in routes for _, y in r.points]
    left, top = min(xs, default=0), min(ys, default=0)

    def px(x: float, y: float) -> tuple[float, float]:
        return (MARGIN + (x - left) * CELL_W, MARGIN + (y - top) * CELL_H)

    right = max((cells[c][0] + sizes[c][0] for c in comps), default=20)
    bottom = max((cells[c][1] + sizes[c][1] for c in comps), default=4)
    for route in routes:
        right = max(right, *(x + 1 for x, _ in route.points))
        bottom = max(bottom, *(y + 1 for _, y in route.points))
    width, height = px(right, bottom)
    width, height = width + MARGIN, height + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'aria-label="{html_text(title or "component graph")}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>',
    ]
    for route in routes:
        # Route points are cells; the line runs through their centres, starting on the
        # source's right border and ending on the target's left border.
        centres = [px(x + 0.5, y + 0.5) for x, y in route.points]
        first_x, first_y = centres[0]
        last_x, last_y = centres[-1]
        centres[0] = (first_x - CELL_W / 2, first_y)
        centres[-1] = (last_x + CELL_W / 2, last_y)
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in centres)
        dash = ' stroke-dasharray="6 4"' if route.mode.value == "async" else ""
        optional = ' stroke-opacity="0.55"' if not route.required else ""
        parts.append(
            f'<polyline class="edge" points="{points}" fill="none" stroke="#555" '
            f'stroke-width="1.4"{dash}{optional} marker-end="url(#arrow)">'
            f"<title>{html_text(route.source)} → {html_text(route.target)} "
            f"({route.mode.value})</title></polyline>"
        )
    for cid, comp in comps.items():
        (cx, cy), (cw, ch) = cells[cid], sizes[cid]
        x, y = px(cx, cy)
        w, h = cw * CELL_W, ch * CELL_H
        sev = worst.get(cid)
        fill, stroke = SEVERITY_COLOURS[sev.value if sev else "none"]
        name = comp.display_name
        parts.append(
            f'<g class="component" data-id="{html_text(cid)}" '
            f'data-severity="{sev.value if sev else "none"}">'
            f"<title>{html_text(name)} ({comp.kind.value}): "
            f"{html_text(sev.value if sev else 'no findings')}</title>"
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
            f'<text x="{x + w / 2:.1f}" y="{y + h / 2 - 3:.1f}" text-anchor="middle" '
            f'font-size="12" font-weight="600">{html_text(_label(name, cw - 2))}</text>'
            f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + 11:.1f}" text-anchor="middle" '
            f'font-size="10" fill="#555">{html_text(comp.kind.value)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


_LINE_COLOURS = ("#b00020", "#d35400", "#2e6db4", "#7b1fa2", "#00897b", "#5d4037")


def runway_svg(rows: Sequence[RunwayRow], *, threshold: float = 0.8, limit: int = 6) -> str:
    """Utilization per quarter of the components closest to saturation, with the threshold."""
    shown = [r for r in rows if r.utilization][:limit]
    width, height = 780, 300
    left, right, top, bottom = 56, 250, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    quarters = max((len(r.utilization) for r in shown), default=2) - 1 or 1
    top_value = max([threshold * 1.25, *(min(r.peak, 3.0) for r in shown)])
    step = 0.25 if top_value <= 1.5 else 0.5

    def px(q: int, u: float) -> tuple[float, float]:
        return (left + plot_w * q / quarters, top + plot_h * (1 - min(u, top_value) / top_value))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="runway" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'aria-label="utilization per quarter">',
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#ccc"/>',
    ]
    tick = 0.0
    while tick <= top_value + 1e-9:
        _, y = px(0, tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e4e4e4"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{tick * 100:.0f}%</text>"
        )
        tick += step
    for q in range(quarters + 1):
        x, _ = px(q, 0)
        if quarters <= 16 or q % 2 == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'font-size="11">Q{q}</text>'
            )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" text-anchor="middle" '
        'font-size="11" fill="#555">quarters from now</text>'
    )
    _, ty = px(0, threshold)
    parts.append(
        f'<line class="threshold" x1="{left}" y1="{ty:.1f}" x2="{left + plot_w}" y2="{ty:.1f}" '
        f'stroke="#b00020" stroke-dasharray="5 4"/><text x="{left + plot_w - 4}" '
        f'y="{ty - 4:.1f}" text-anchor="end" font-size="11" fill="#b00020">'
        f"saturation {threshold * 100:.0f}%</text>"
    )
    for i, row in enumerate(shown):
        colour = _LINE_COLOURS[i % len(_LINE_COLOURS)]
        points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (px(q, u) for q, u in enumerate(row.utilization))
        )
        runway = f"Q{row.runway}" if row.runway is not None else "beyond horizon"
        parts.append(
            f'<polyline class="series" points="{points}" fill="none" stroke="{colour}" '
            f'stroke-width="2"><title>{html_text(row.name)}: runway {runway}</title></polyline>'
        )
        ly = top + 14 + i * 18
        parts.append(
            f'<line x1="{left + plot_w + 12}" y1="{ly - 4}" x2="{left + plot_w + 30}" '
            f'y2="{ly - 4}" stroke="{colour}" stroke-width="3"/>'
            f'<text x="{left + plot_w + 36}" y="{ly}" font-size="11">'
            f"{html_text(_label(row.name, 26))} ({runway})</text>"
        )
    if not shown:
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            'font-size="13" fill="#777">no component has both load and capacity in the model'
            "</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
