"""A system as a Graphviz digraph: kinds by shape, groups as clusters, findings by colour.

Every name goes through DOT string escaping, so a quote or a brace in a name stays text.
"""

from __future__ import annotations

from collections.abc import Mapping

from archrev.model.formats.mermaid import SEVERITY_COLOURS
from archrev.model.types import Kind, Mode, SystemModel

SHAPES: dict[Kind, str] = {
    Kind.CLIENT: "oval",
    Kind.GATEWAY: "hexagon",
    Kind.LOAD_BALANCER: "hexagon",
    Kind.SERVICE: "box",
    Kind.WORKER: "component",
    Kind.FUNCTION: "septagon",
    Kind.DATABASE: "cylinder",
    Kind.CACHE: "cylinder",
    Kind.SEARCH: "cylinder",
    Kind.OBJECT_STORE: "folder",
    Kind.QUEUE: "cds",
    Kind.STREAM: "cds",
    Kind.ML_MODEL: "octagon",
    Kind.EXTERNAL: "box3d",
    Kind.CDN: "doublecircle",
    Kind.OTHER: "ellipse",
}


def quote(text: str) -> str:
    """A DOT double-quoted string (backslashes, quotes and line breaks escaped)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"')
    body = body.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return f'"{body}"'


def write_dot(model: SystemModel, findings: Mapping[str, str] | None = None) -> str:
    """The digraph text. `findings` maps component id -> worst severity name."""
    findings = findings or {}
    lines = [
        f"digraph {quote(model.system.id)} {{",
        f"    label={quote(model.system.display_name)};",
        "    rankdir=LR;",
        '    node [fontname="Helvetica", fontsize=10];',
        '    edge [fontname="Helvetica", fontsize=8];',
    ]
    groups: dict[str, list[str]] = {}
    for comp in model.components:
        attrs = [f"label={quote(comp.display_name)}", f"shape={SHAPES.get(comp.kind, 'box')}"]
        if comp.kind == Kind.EXTERNAL:
            attrs.append('style="dashed"')
        severity = findings.get(comp.id)
        if severity in SEVERITY_COLOURS:
            fill, stroke = SEVERITY_COLOURS[severity]
            attrs += ['style="filled"', f"fillcolor={quote(fill)}", f"color={quote(stroke)}"]
            attrs.append(f"tooltip={quote(f'worst finding: {severity}')}")
        node = f"{quote(comp.id)} [{', '.join(attrs)}];"
        groups.setdefault(comp.group, []).append(node)
    for n, (group, nodes) in enumerate(groups.items()):
        if group:
            lines.append(f"    subgraph {quote(f'cluster_{n}')} {{")
            lines.append(f"        label={quote(group)};")
            lines.extend(f"        {node}" for node in nodes)
            lines.append("    }")
        else:
            lines.extend(f"    {node}" for node in nodes)
    for link in model.links:
        attrs = []
        if link.protocol:
            attrs.append(f"label={quote(link.protocol)}")
        if link.mode == Mode.ASYNC:
            attrs.append('style="dashed"')
        if not link.required:
            attrs.append('arrowhead="onormal"')
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {quote(link.source)} -> {quote(link.target)}{suffix};")
    lines.append("}")
    return "\n".join(lines) + "\n"
