"""The shared facts computed the fast way agree with the plain definitions: dominators, the
bit sets pushed along serving links (through cycles), nearest failing dependents and
utilization for every component at once."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from archrev.rules.engine import analyze
from archrev.rules.facts import Facts, dominator_tree
from rules_models import build


def _random_model(seed: int, n: int = 14, links: int = 30) -> Facts:
    """A small tangled model: clients, queues, optional and asynchronous links, cycles."""
    rng = random.Random(seed)
    kinds = ["client", "service", "service", "service", "queue", "database", "cache"]
    comps: dict[str, dict[str, object]] = {}
    for i in range(n):
        fields: dict[str, object] = {"kind": rng.choice(kinds)}
        if rng.random() < 0.3:
            fields["tier"] = "critical"
        comps[f"c{i}"] = fields
    pairs: set[tuple[str, str]] = set()
    raw: list[tuple[str, str, dict[str, object]]] = []
    while len(raw) < links:
        a, b = rng.sample(sorted(comps), 2)
        if (a, b) in pairs:
            continue
        pairs.add((a, b))
        raw.append(
            (a, b, {"mode": rng.choice(["sync", "sync", "async"]), "required": rng.random() < 0.8})
        )
    return Facts(build(comps, raw))


def _serving_graph(facts: Facts) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(facts.component_ids)
    graph.add_edges_from((s, t) for s, ts in facts.serving_succ.items() for t in ts)
    return graph


@pytest.mark.parametrize("seed", range(40))
def test_dominators_match_networkx(seed: int) -> None:
    facts = _random_model(seed)
    graph = _serving_graph(facts)
    root = "__root__"
    graph.add_node(root)
    graph.add_edges_from((root, e) for e in facts.entry_point_list)
    expected = nx.immediate_dominators(graph, root)
    expected.pop(root, None)  # networkx lists the root or not, by version
    assert facts.idom == {c: "" if d == root else d for c, d in expected.items()}
    tree = nx.DiGraph((d, c) for c, d in expected.items())
    assert facts.dominated_count == {c: len(nx.descendants(tree, c)) for c in expected}


def test_dominator_tree_numbers_a_dominator_after_what_it_dominates() -> None:
    # 0 -> 1 -> 2 -> 1 (a cycle), 0 -> 3 -> 2: 0 dominates everything, 1 and 3 do not
    # dominate 2
    post, idom = dominator_tree([0], [[1, 3], [2], [1], [2], []])
    assert sorted(post) == [0, 1, 2, 3]  # node 4 is unreachable
    parent = {post[v]: (post[p] if p < len(post) else None) for v, p in enumerate(idom[:-1])}
    assert parent == {0: None, 1: 0, 2: 0, 3: 0}
    assert all(p > v for v, p in enumerate(idom[:-1]))


@pytest.mark.parametrize("seed", range(40))
def test_bit_sets_follow_serving_links_through_cycles(seed: int) -> None:
    facts = _random_model(seed)
    graph = _serving_graph(facts)
    for cid in facts.component_ids:
        requiring = nx.ancestors(graph, cid) | {cid}  # what holds up a request on it
        assert facts.failed_with(cid) == facts.in_order(requiring)
        eps = facts.entry_points_in(facts.entry_points_using.get(cid, 0))
        assert eps == facts.in_order(requiring & facts.entry_points)
        critical = facts.critical_in(facts.critical_using.get(cid, 0))
        assert critical == facts.in_order(requiring & facts.critical)


@pytest.mark.parametrize("seed", range(20))
def test_nearest_failing_is_breadth_first_and_cut(seed: int) -> None:
    facts = _random_model(seed, n=20, links=45)
    pred = _serving_graph(facts).reverse()
    for cid in facts.component_ids:
        # breadth first over the serving predecessors, in the order they are listed
        order = [p for p in nx.bfs_tree(pred, cid, sort_neighbors=None) if p != cid]
        assert facts.nearest_failing(cid, 3) == order[:3]
        assert facts.nearest_failing(cid) == order[:20]
        assert facts.nearest_failing(cid, 0) == []


def test_nearest_failing_lists_nearest_first() -> None:
    facts = Facts(
        build({"e": {"kind": "client"}, "a": {}, "b": {}, "db": {}}, ["e>a", "a>db", "b>db", "e>b"])
    )
    assert facts.nearest_failing("db") == ["a", "b", "e"]
    assert facts.nearest_failing("db", 2) == ["a", "b"]
    assert facts.nearest_failing("e") == []


def test_utilization_of_every_component_at_once() -> None:
    model = build(
        {
            "e": {"kind": "client", "peak_rps": 100},
            "own": {"capacity_rps": 200, "growth_per_year": 3.0},
            "shared": {"capacity_rps": 400},
            "open": {},
        },
        ["e>own", "e>shared", "e>open"],
        growth_per_year=0.0,
        horizon_quarters=4,
    )
    facts = Facts(model)
    assert facts.utilization("own") == pytest.approx([0.5 * 4 ** (q / 4) for q in range(5)])
    assert facts.utilization("shared") == [0.25] * 5  # the system's growth: none
    assert facts.utilization("open") is None
    assert facts.utilization("no-such-component") is None
    assert facts.growth("own") == 3.0 and facts.growth("shared") == 0.0
    assert facts.utilization("own") is facts.utilization("own")  # computed once


def test_spof_messages_read_late_name_their_own_component() -> None:
    # The SPOF rules build messages and evidence when a finding is first read: every
    # finding, read after the analysis, must still describe its own component, and the
    # blast radius must count as `Facts.blast_counts` does.
    comps: dict[str, dict[str, object]] = {
        f"web{i}": {"kind": "client", "tier": "critical"} for i in range(3)
    }
    comps |= {f"svc{i}": {"tier": "critical"} for i in range(3)}
    comps["db"] = {"kind": "database", "tier": "critical"}
    links = [f"web{i}>svc{i}" for i in range(3)] + [f"svc{i}>db" for i in range(3)]
    analysis = analyze(build(comps, links))
    facts = analysis.facts
    single = [f for f in analysis.findings if f.rule_id == "SPOF-SINGLE"]
    assert [f.components[0] for f in single] == ["svc0", "svc1", "svc2"]  # db: SPOF-STATE
    for i, finding in enumerate(single):
        assert finding.message.startswith(f"svc{i} runs as a single instance")
        assert finding.message.endswith(f"requests entering at web{i} fail.")
        assert finding.evidence["entry_points"] == [f"web{i}"]
    for finding in analysis.findings:
        if finding.rule_id == "SPOF-ZONE":
            assert finding.message.startswith(f"{finding.components[0]} is tier critical")
    (blast,) = [f for f in analysis.findings if f.rule_id == "SPOF-BLAST"]
    counts = facts.blast_counts("db")
    assert blast.components == ("db",)
    assert blast.evidence["failed_count"] == counts.failed_total == 7
    assert blast.evidence["others_failed"] == counts.others_failed == 3
    assert blast.evidence["entry_points_cut"] == ["web0", "web1", "web2"]
    assert blast.evidence["failed_nearest"] == ["svc0", "svc1", "svc2", "web0", "web1", "web2"]
    assert "3 other components fail with it; 7 critical components down in all" in blast.message
