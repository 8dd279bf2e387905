"""The walks the shared facts are computed with agree with the plain definitions: strongly
connected components (Pearce's walk), depth-first postorder, the serving links' components
found inside the whole graph's cycles, the entry points' and critical components' bit sets
from one walk, and the chain helpers the chain rule reads."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from archrev.model.types import Kind
from archrev.rules.facts import Facts, postorder, strongly_connected
from rules_models import build
from test_rules_facts_agree import _random_model, _serving_graph


def _random_graph(seed: int) -> list[list[int]]:
    """Successor lists over 0 .. n-1, no link twice (networkx would merge them), with
    self-links and cycles."""
    rng = random.Random(seed)
    n = rng.randint(1, 25)
    succ: list[list[int]] = [[] for _ in range(n)]
    for _ in range(rng.randint(0, 3 * n)):
        a, b = rng.randrange(n), rng.randrange(n)
        if b not in succ[a]:
            succ[a].append(b)
    return succ


def _digraph(succ: list[list[int]]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(succ)))
    graph.add_edges_from((a, b) for a, targets in enumerate(succ) for b in targets)
    return graph


@pytest.mark.parametrize("seed", range(200))
def test_strongly_connected_components_sinks_first_and_postorder(seed: int) -> None:
    succ = _random_graph(seed)
    graph = _digraph(succ)
    sccs, post = strongly_connected(range(len(succ)), succ)
    assert sorted(map(sorted, sccs)) == sorted(map(sorted, nx.strongly_connected_components(graph)))
    position = {v: i for i, members in enumerate(sccs) for v in members}
    # sinks first: a link between two components goes to an earlier one
    assert all(position[b] <= position[a] for a, b in graph.edges)
    assert post == list(nx.dfs_postorder_nodes(graph))


@pytest.mark.parametrize("seed", range(100))
def test_postorder_is_the_walk_tarjan_finishes_in(seed: int) -> None:
    succ = _random_graph(seed)
    rng = random.Random(seed)
    starts = [rng.randrange(len(succ)) for _ in range(3)]
    _, post = strongly_connected(starts, succ)
    assert postorder(starts, succ) == post
    reached = set(starts).union(*(nx.descendants(_digraph(succ), s) for s in starts))
    assert set(post) == reached


def test_strongly_connected_takes_component_ids_too() -> None:
    succ = {"a": ["b"], "b": ["a", "c"], "c": []}
    sccs, post = strongly_connected(["a", "b", "c"], succ)
    assert [sorted(s) for s in sccs] == [["c"], ["a", "b"]]
    assert post == ["c", "b", "a"]


@pytest.mark.parametrize("seed", range(40))
def test_serving_groups_are_the_serving_components_in_topological_order(seed: int) -> None:
    facts = _random_model(seed, n=16, links=40)
    graph = _serving_graph(facts)
    ids = facts.component_ids
    groups = [sorted(ids[v] for v in group) for group in facts._serving_groups]
    assert sorted(groups) == sorted(map(sorted, nx.strongly_connected_components(graph)))
    position = {cid: i for i, group in enumerate(groups) for cid in group}
    assert all(position[a] <= position[b] for a, b in graph.edges)
    # the serving path is what the entry points reach through serving links
    reached = set(facts.entry_points).union(
        *(nx.descendants(graph, ep) for ep in facts.entry_points)
    )
    assert facts.serving_path == reached


@pytest.mark.parametrize("seed", range(40))
def test_entry_point_and_critical_sets_split_from_one_walk(seed: int) -> None:
    facts = _random_model(seed)
    assert facts.entry_points_using == facts._propagate(facts.entry_point_list)
    assert facts.critical_using == facts._propagate(facts.critical_list)


def test_chain_helpers_agree_with_the_longest_chain() -> None:
    model = build(
        {"e": {"peak_rps": 1}, "a": {}, "b": {}, "c": {}, "d": {}},
        ["e>a", "a>b", "b>c", "e>d", ("c", "d", {"mode": "async"})],
    )
    facts = Facts(model)
    for cid in facts.component_ids:
        chain = facts.longest_sync_chain(cid)
        assert facts.longest_sync_path(cid) == chain.path
        assert facts.sync_height(cid) == chain.hops
    assert facts.sync_height("e") == 3


def test_of_kinds_set_is_the_components_of_those_kinds() -> None:
    model = build({"w": {"kind": "worker"}, "s": {}, "db": {"kind": "database"}}, ["s>db"])
    facts = Facts(model)
    assert facts.of_kinds_set(Kind.WORKER, Kind.DATABASE) == {"w", "db"}
    assert facts.of_kinds_set(Kind.QUEUE) == frozenset()
