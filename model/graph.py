"""The system as a `networkx.DiGraph`, the shape the rules reason about.

Nodes are component ids carrying their `Component` under "component"; edges run the way
requests and messages travel and carry their `Link` under "link" plus the link fields the
graph algorithms weigh (mode, calls, required) as plain attributes.
"""

from __future__ import annotations

import networkx as nx
from archrev.model.types import SystemModel


def to_digraph(model: SystemModel) -> nx.DiGraph:
    graph = nx.DiGraph(system=model.system)
    graph.add_nodes_from((c.id, {"component": c, "kind": c.kind}) for c in model.components)
    graph.add_edges_from(
        (
            link.source,
            link.target,
            {
                "link": link,
                "mode": link.mode,
                "calls": link.calls,
                "required": link.required,
            },
        )
        for link in model.links
    )
    return graph
