"""Rule engine benchmark: the whole analysis of generated models.

Prints, for a 500-component / 1,500-link model and a 10,000 / 30,000 one:
- the whole analysis (graph, shared facts, every rule; the model already validated),
  best of several runs, in CPU time (wall time too: on a shared machine it is inflated);
- the shared graph facts alone (what the bare algorithms compute, and more);
- the analysis with every finding's message, evidence and fingerprint read, as a full report
  reads them (a rule may leave its message to be formatted on first reading);
- its peak traced memory;
- the bare networkx algorithms the analysis stands on, run on the same graph (build the
  DiGraph, strongly connected components, condensation and topological order, immediate
  dominators from the entry points, reachability from the entry points, longest path of the
  condensation), and the ratio of the two.
Targets (issue 3): 500/1,500 <= 100 ms; 10,000/30,000 <= 2 s and <= 500 MB; ratio <= 1.5.

    python bench/bench_rules.py [--runs N] [--sizes 500:1500,10000:30000]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import networkx as nx
from archrev.model.graph import to_digraph
from archrev.model.types import Link, Mode, SystemModel
from archrev.rules.engine import analyze
from archrev.rules.facts import Facts


def _foundation_generator() -> Callable[..., SystemModel]:
    # Same estate shape as the foundation benchmark, so figures compare across teams.
    path = Path(__file__).with_name("bench_foundation.py")
    spec = importlib.util.spec_from_file_location("bench_foundation", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_foundation"] = module
    spec.loader.exec_module(module)
    return module.generate  # type: ignore[no-any-return]


def generate(n_components: int, n_links: int, seed: int = 7) -> SystemModel:
    """The foundation's generated estate, with 1 % of the links turned "uphill" so that the
    graph has cycles, as real ones do."""
    model = _foundation_generator()(n_components, n_links, seed)
    rng = random.Random(seed)
    keys = {link.key for link in model.links}
    links = list(model.links)
    for i in rng.sample(range(len(links)), len(links) // 100):
        back = (links[i].target, links[i].source)
        if back not in keys:
            keys.discard(links[i].key)
            keys.add(back)
            links[i] = Link(source=back[0], target=back[1], mode=Mode.SYNC)
    return model.model_copy(update={"links": links})


def bare_networkx(model: SystemModel) -> int:
    """The graph algorithms the analysis relies on, straight from networkx."""
    graph = to_digraph(model)
    sccs = list(nx.strongly_connected_components(graph))
    condensed = nx.condensation(graph, sccs)
    order = list(nx.topological_sort(condensed))
    entry = [c.id for c in model.components if c.peak_rps is not None or c.kind == "client"]
    root = "__root__"
    graph.add_edges_from((root, e) for e in entry)
    reach = nx.descendants(graph, root)
    idom = nx.immediate_dominators(graph, root)
    longest = nx.dag_longest_path_length(condensed)
    return len(sccs) + len(order) + len(reach) + len(idom) + longest


def all_facts(model: SystemModel) -> Facts:
    """The shared graph facts alone, every lazily computed one forced."""
    facts = Facts(model)
    for name in (
        "entry_points_using",
        "critical_using",
        "_requiring",
        "dominated_count",
        "_sync_height",
        "_sync_latency",
        "sync_depth",
        "instability",
        "sync_targets",
    ):
        getattr(facts, name)
    return facts


def read_everything(model: SystemModel) -> int:
    """The analysis, then every finding's message, evidence and fingerprint read, as a full
    report does: rules may leave a message to be formatted when first read (the app shows a
    screenful of findings after each edit), and this is what that costs when all are read."""
    size = 0
    for finding in analyze(model, plugins=False).findings:
        size += len(finding.message) + len(finding.evidence) + len(finding.fingerprint)
    return size


def interleaved(runs: int, fns: dict[str, Callable[[], object]]) -> dict[str, tuple[float, float]]:
    """Best CPU and wall time of each function, runs interleaved so that the load of a
    shared machine hits them alike. CPU time is the figure to compare: other processes
    inflate wall time."""
    best: dict[str, tuple[float, float]] = {k: (float("inf"), float("inf")) for k in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            gc.collect()
            # analyze() runs without the cyclic collector; the others get the same treatment
            gc.disable()
            try:
                cpu, wall = time.process_time(), time.perf_counter()
                fn()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            finally:
                gc.enable()
            best[name] = (min(best[name][0], cpu), min(best[name][1], wall))
    return best


def peak_mb(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="500:1500,10000:30000")
    args = parser.parse_args()
    targets = {500: 0.100, 10_000: 2.0}
    for size in args.sizes.split(","):
        n, m = (int(x) for x in size.split(":"))
        model = generate(n, m)
        runs = args.runs
        analysis = analyze(model, plugins=False)
        best = interleaved(
            runs,
            {
                "whole": lambda model=model: analyze(model, plugins=False),
                "read": lambda model=model: read_everything(model),
                "facts": lambda model=model: all_facts(model),
                "bare": lambda model=model: bare_networkx(model),
            },
        )
        memory = peak_mb(lambda model=model: analyze(model, plugins=False))
        target = targets.get(n)
        aim = f"(target <= {target * 1000:.0f} ms)" if target else ""
        whole, facts, bare = best["whole"][0], best["facts"][0], best["bare"][0]
        print(
            f"{n:>6,} components / {len(model.links):>6,} links: "
            f"{len(analysis.findings):>6,} findings, {len(analysis.facts.cycles)} cycles"
        )
        wall = best["whole"][1] * 1000
        print(f"    whole analysis      {whole * 1000:8.1f} ms CPU {aim}, {wall:.1f} ms wall")
        read = best["read"][0] * 1000
        print(f"    ... and every finding read in full {read:8.1f} ms CPU (as a report does)")
        print(f"    shared facts alone  {facts * 1000:8.1f} ms CPU")
        print(f"    bare networkx       {bare * 1000:8.1f} ms CPU")
        print(f"    ratio whole / bare  {whole / bare:8.2f}    (target <= 1.5)")
        print(f"    ratio facts / bare  {facts / bare:8.2f}")
        print(f"    peak memory         {memory:8.1f} MB  (target <= 500 MB at 10,000)")


if __name__ == "__main__":
    main()
