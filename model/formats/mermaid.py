"""A system as a Mermaid flowchart: kinds by shape, groups as subgraphs, findings by colour.

Names are data: every label goes through Mermaid's entity codes so that a quote, a bracket
or markup in a name cannot change the diagram.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from archrev.model.types import Component, Kind, Mode, SystemModel

# (opening, closing) around the quoted label.
SHAPES: dict[Kind, tuple[str, str]] = {
    Kind.CLIENT: (">", "]"),
    Kind.GATEWAY: ("{{", "}}"),
    Kind.LOAD_BALANCER: ("{{", "}}"),
    Kind.SERVICE: ("[", "]"),
    Kind.WORKER: ("[[", "]]"),
    Kind.FUNCTION: ("([", "])"),
    Kind.DATABASE: ("[(", ")]"),
    Kind.CACHE: ("[(", ")]"),
    Kind.SEARCH: ("[(", ")]"),
    Kind.OBJECT_STORE: ("[(", ")]"),
    Kind.QUEUE: ("[/", "/]"),
    Kind.STREAM: ("[/", "/]"),
    Kind.ML_MODEL: ("([", "])"),
    Kind.EXTERNAL: ("[/", "\\]"),
    Kind.CDN: ("((", "))"),
    Kind.OTHER: ("(", ")"),
}
# Severity name -> (fill, stroke), worst first; also the order of the legend.
SEVERITY_COLOURS: dict[str, tuple[str, str]] = {
    "critical": ("#f5b7b1", "#922b21"),
    "high": ("#f8c471", "#9c640c"),
    "medium": ("#f9e79f", "#9a7d0a"),
    "low": ("#aed6f1", "#1f618d"),
    "info": ("#d5dbdb", "#566573"),
}
_ENTITIES = {"&": "#amp;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "#": "#35;", "|": "#124;"}


def escape_label(text: str) -> str:
    """Text safe inside a quoted Mermaid label (entity codes, no line breaks)."""
    text = " ".join(text.split())
    return "".join(_ENTITIES.get(ch, ch) for ch in text)


def _node_ids(model: SystemModel) -> dict[str, str]:
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for comp in model.components:
        base = "n_" + re.sub(r"[^A-Za-z0-9_]", "_", comp.id)
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}_{n}", n + 1
        taken.add(candidate)
        ids[comp.id] = candidate
    return ids


def _node(comp: Component, node_id: str) -> str:
    opening, closing = SHAPES.get(comp.kind, ("[", "]"))
    label = escape_label(comp.display_name)
    if comp.kind not in (Kind.SERVICE, Kind.OTHER):
        label += "<br/>" + escape_label(comp.kind.value.replace("_", " "))
    return f'{node_id}{opening}"{label}"{closing}'


def write_mermaid(
    model: SystemModel, findings: Mapping[str, str] | None = None, *, direction: str = "LR"
) -> str:
    """The flowchart text. `findings` maps component id -> worst severity name."""
    ids = _node_ids(model)
    lines = [f"flowchart {direction}"]
    groups: dict[str, list[Component]] = {}
    for comp in model.components:
        groups.setdefault(comp.group, []).append(comp)
    for n, (group, members) in enumerate(groups.items()):
        indent = "    "
        if group:
            lines.append(f'    subgraph g{n}["{escape_label(group)}"]')
            indent = "        "
        for comp in members:
            lines.append(indent + _node(comp, ids[comp.id]))
        if group:
            lines.append("    end")
    for link in model.links:
        arrow = "-.->" if link.mode == Mode.ASYNC else "-->"
        label = link.protocol or ""
        text = f'|"{escape_label(label)}"|' if label else ""
        lines.append(f"    {ids[link.source]} {arrow}{text} {ids[link.target]}")
    if findings:
        for name, (fill, stroke) in SEVERITY_COLOURS.items():
            members = [ids[c] for c, sev in findings.items() if sev == name and c in ids]
            if members:
                lines.append(f"    classDef {name} fill:{fill},stroke:{stroke},color:#000")
                lines.append(f"    class {','.join(members)} {name}")
    return "\n".join(lines) + "\n"
