"""Graph facts several rules share, computed once per analysis.

Links point the way requests and messages travel (caller -> callee, producer -> queue ->
consumer). From the model this module derives, once:

- the entry points (components with `peak_rps`, or clients) and the serving path (what the
  entry points reach through required links, stopping at a queue or stream: the queue holds
  up a request, its consumers do not);
- the cycles (strongly connected components), a processing order in which every link is
  followed once, and the dominators of the serving path;
- the load model (peak requests per second reaching each component), capacity, utilization
  per quarter of the forecast horizon and runway;
- fan-in and fan-out, the longest synchronous chains, and the blast radius of a failure.

Rules read these; they never walk the graph for something computed here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import networkx as nx
from archrev.model.types import Component, Kind, Mode, SystemModel

DEFAULT_RUNWAY_THRESHOLD = 0.8
_ROOT = object()  # the virtual node in front of every entry point, for the dominator tree


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """What fails with a component: itself and everything that requires it, transitively."""

    failed: frozenset[str]
    entry_points_cut: frozenset[str]


@dataclass(frozen=True, slots=True)
class SyncChain:
    """The longest synchronous call chain starting at a component."""

    path: tuple[str, ...]
    latency_ms: float  # summed p95 latency of the components on the path
    unknown_latency: tuple[str, ...]  # components on the path without latency_ms

    @property
    def hops(self) -> int:
        return len(self.path) - 1


class Facts:
    """Everything the rules need to know about one system model, computed once."""

    def __init__(
        self, model: SystemModel, *, runway_threshold: float = DEFAULT_RUNWAY_THRESHOLD
    ) -> None:
        self.model = model
        self.system = model.system
        self.runway_threshold = runway_threshold
        self.components: dict[str, Component] = {c.id: c for c in model.components}
        self.order_index = {c.id: i for i, c in enumerate(model.components)}
        self.horizon: int = model.system.horizon_quarters
        self.graph: nx.DiGraph = model.to_graph()
        comps = self.components
        # Plain adjacency with the link attached: the rules walk these far more than the graph.
        self.succ: dict[str, dict[str, object]] = {cid: {} for cid in comps}
        self.pred: dict[str, dict[str, object]] = {cid: {} for cid in comps}
        for link in model.links:
            self.succ[link.source][link.target] = link
            self.pred[link.target][link.source] = link
        self.links = {link.key: link for link in model.links}

        self.entry_points: frozenset[str] = frozenset(
            c.id for c in model.components if c.peak_rps is not None or c.kind == Kind.CLIENT
        )
        self.entering_rps: float = sum(c.peak_rps or 0.0 for c in model.components)
        self.serving_path: frozenset[str] = self._serving_path()

        sccs = [s for s in nx.strongly_connected_components(self.graph) if len(s) > 1]
        self.cycles: list[tuple[str, ...]] = sorted(
            (tuple(sorted(s, key=self.order_index.__getitem__)) for s in sccs),
            key=lambda cyc: self.order_index[cyc[0]],
        )
        self.scc_of: dict[str, int] = {}
        for i, members in enumerate(self.cycles):
            for cid in members:
                self.scc_of[cid] = i
        self.order: list[str] = self._processing_order()
        self.position = {cid: i for i, cid in enumerate(self.order)}

        self.load: dict[str, float] = self._load()
        self.capacity: dict[str, float | None] = {cid: c.capacity_total for cid, c in comps.items()}
        self._utilization: dict[str, list[float] | None] = {}

    # ----------------------------------------------------------------- structure
    def _serving_path(self) -> frozenset[str]:
        seen = set(self.entry_points)
        todo = deque(sorted(self.entry_points, key=self.order_index.__getitem__))
        comps, succ = self.components, self.succ
        while todo:
            cid = todo.popleft()
            if comps[cid].is_messaging and cid not in self.entry_points:
                continue  # the queue holds up the request; its consumers do not
            for target, link in succ[cid].items():
                if link.required and target not in seen:  # type: ignore[attr-defined]
                    seen.add(target)
                    todo.append(target)
        return frozenset(seen)

    def serving_successors(self, cid: str) -> Iterable[str]:
        """Components `cid` holds up a request on: required links, none out of a queue."""
        if self.components[cid].is_messaging and cid not in self.entry_points:
            return ()
        return (t for t, link in self.succ[cid].items() if link.required)  # type: ignore[attr-defined]

    def _processing_order(self) -> list[str]:
        """Components so that every link outside a cycle goes forward.

        Cycles are condensed; inside one, members come in breadth-first order from where
        traffic enters it, so a link inside a cycle that points back is followed once only.
        """
        scc_of, cycles, comps = self.scc_of, self.cycles, self.components

        # A unit is a component outside any cycle, or a cycle (by index, as a negative key).
        def unit(cid: str) -> object:
            i = scc_of.get(cid)
            return cid if i is None else -1 - i

        indegree: dict[object, int] = {}
        unit_succ: dict[object, set[object]] = {}
        for cid in comps:
            indegree.setdefault(unit(cid), 0)
        for link in self.model.links:
            a, b = unit(link.source), unit(link.target)
            if a == b:
                continue
            targets = unit_succ.setdefault(a, set())
            if b not in targets:
                targets.add(b)
                indegree[b] += 1
        ready = deque(u for u in dict.fromkeys(unit(c) for c in comps) if indegree[u] == 0)
        order: list[str] = []
        while ready:
            u = ready.popleft()
            if isinstance(u, str):
                order.append(u)
            else:
                order.extend(self._cycle_order(cycles[-1 - u]))  # type: ignore[operator]
            for v in sorted(unit_succ.get(u, ()), key=self._unit_rank):
                indegree[v] -= 1
                if indegree[v] == 0:
                    ready.append(v)
        return order

    def _unit_rank(self, u: object) -> int:
        if isinstance(u, str):
            return self.order_index[u]
        return self.order_index[self.cycles[-1 - u][0]]  # type: ignore[operator]

    def _cycle_order(self, members: tuple[str, ...]) -> list[str]:
        inside = set(members)
        starts = [
            m
            for m in members
            if m in self.entry_points or any(p not in inside for p in self.pred[m])
        ] or [members[0]]
        seen = set(starts)
        order: list[str] = []
        todo = deque(starts)
        while todo:
            cid = todo.popleft()
            order.append(cid)
            for t in self.succ[cid]:
                if t in inside and t not in seen:
                    seen.add(t)
                    todo.append(t)
        order.extend(m for m in members if m not in seen)
        return order

    # ----------------------------------------------------------------- load model
    def _load(self) -> dict[str, float]:
        comps, succ = self.components, self.succ
        load = {cid: float(comps[cid].peak_rps or 0.0) for cid in comps}
        peak_to_average = self.system.peak_to_average
        for cid in self.order:
            here = load[cid]
            if here <= 0.0:
                continue
            comp = comps[cid]
            passes = here
            if comp.kind == Kind.CACHE and comp.hit_ratio is not None:
                passes = here * (1.0 - comp.hit_ratio)  # only the misses go further
            for target, link in succ[cid].items():
                flow = passes * link.calls  # type: ignore[attr-defined]
                if link.mode == Mode.ASYNC and comps[target].is_messaging:  # type: ignore[attr-defined]
                    # the queue absorbs the peaks; what leaves it is not averaged again
                    flow /= peak_to_average
                load[target] += flow
        return load

    def growth(self, cid: str) -> float:
        own = self.components[cid].growth_per_year
        return self.system.growth_per_year if own is None else own

    def utilization(self, comp_id: str) -> list[float] | None:
        """Projected peak utilization at quarters 0 (now) .. horizon; None without capacity."""
        if comp_id in self._utilization:
            return self._utilization[comp_id]
        cap = self.capacity.get(comp_id)
        if cap is None:
            result = None
        else:
            base = self.load[comp_id] / cap
            factor = (1.0 + self.growth(comp_id)) ** 0.25
            result = [base * factor**q for q in range(self.horizon + 1)]
        self._utilization[comp_id] = result
        return result

    def runway(self, comp_id: str, threshold: float | None = None) -> int | None:
        """First quarter at which utilization reaches the threshold; None if never in horizon."""
        limit = self.runway_threshold if threshold is None else threshold
        per_quarter = self.utilization(comp_id)
        if per_quarter is None:
            return None
        for q, value in enumerate(per_quarter):
            if value >= limit:
                return q
        return None

    def projected_load(self, comp_id: str, quarter: int) -> float:
        return self.load[comp_id] * (1.0 + self.growth(comp_id)) ** (quarter / 4)

    # ----------------------------------------------------------------- coupling
    @cached_property
    def sync_targets(self) -> dict[str, tuple[str, ...]]:
        return {
            cid: tuple(t for t, link in out.items() if link.mode == Mode.SYNC)  # type: ignore[attr-defined]
            for cid, out in self.succ.items()
        }

    def fan_out(self, cid: str) -> int:
        return len(self.succ[cid])

    def fan_in(self, cid: str) -> int:
        return len(self.pred[cid])

    @cached_property
    def instability(self) -> dict[str, float | None]:
        """Martin's I = Ce / (Ca + Ce): 0 is depended upon and stable, 1 depends only."""
        result: dict[str, float | None] = {}
        for cid in self.components:
            ce, ca = len(self.succ[cid]), len(self.pred[cid])
            result[cid] = None if ce + ca == 0 else ce / (ca + ce)
        return result

    # ----------------------------------------------------------------- dominators
    @cached_property
    def dominated(self) -> dict[str, frozenset[str]]:
        """For each serving-path component, the others that every path to them passes through.

        Paths run from the entry points along required links; the virtual root in front of
        the entry points is left out.
        """
        graph = nx.DiGraph()
        graph.add_node(_ROOT)
        for ep in self.entry_points:
            graph.add_edge(_ROOT, ep)
        for cid in self.serving_path:
            for t in self.serving_successors(cid):
                graph.add_edge(cid, t)
        idom = nx.immediate_dominators(graph, _ROOT)
        children: dict[object, list[object]] = {}
        for node, parent in idom.items():
            if node is not _ROOT:
                children.setdefault(parent, []).append(node)
        # subtree of the dominator tree = everything the node dominates
        result: dict[str, frozenset[str]] = {}
        post: list[object] = []
        stack: list[tuple[object, bool]] = [(_ROOT, False)]
        while stack:
            node, done = stack.pop()
            if done:
                post.append(node)
                continue
            stack.append((node, True))
            stack.extend((c, False) for c in children.get(node, ()))
        below: dict[object, set[str]] = {}
        for node in post:
            acc: set[str] = set()
            for c in children.get(node, ()):
                acc.add(c)  # type: ignore[arg-type]
                acc |= below[c]
            below[node] = acc
            if node is not _ROOT:
                result[node] = frozenset(acc)  # type: ignore[index]
        return result

    # ----------------------------------------------------------------- sync chains
    def _dag_edges_forward(self, cid: str, mode: Mode | None) -> Iterable[str]:
        own = self.scc_of.get(cid)
        for t, link in self.succ[cid].items():
            if mode is not None and link.mode != mode:  # type: ignore[attr-defined]
                continue
            if own is not None and self.scc_of.get(t) == own:
                continue  # a link inside a cycle: the cycle is reported, not walked
            yield t

    @cached_property
    def _sync_height(self) -> tuple[dict[str, int], dict[str, str | None]]:
        height: dict[str, int] = {}
        nxt: dict[str, str | None] = {}
        for cid in reversed(self.order):
            best, best_t = 0, None
            for t in self._dag_edges_forward(cid, Mode.SYNC):
                h = height[t] + 1
                if h > best or (h == best and best_t is not None and t < best_t):
                    best, best_t = h, t
            height[cid], nxt[cid] = best, best_t
        return height, nxt

    @cached_property
    def _sync_latency(self) -> tuple[dict[str, float], dict[str, str | None]]:
        total: dict[str, float] = {}
        nxt: dict[str, str | None] = {}
        comps = self.components
        for cid in reversed(self.order):
            best, best_t = 0.0, None
            for t in self._dag_edges_forward(cid, Mode.SYNC):
                if total[t] > best or best_t is None:
                    best, best_t = total[t], t
            total[cid] = (comps[cid].latency_ms or 0.0) + best
            nxt[cid] = best_t
        return total, nxt

    def _follow(self, start: str, nxt: dict[str, str | None]) -> tuple[str, ...]:
        path = [start]
        cur = nxt[start]
        while cur is not None:
            path.append(cur)
            cur = nxt[cur]
        return tuple(path)

    def longest_sync_chain(self, start: str) -> SyncChain:
        """The synchronous chain with the most hops from `start` (cycles not walked)."""
        path = self._follow(start, self._sync_height[1])
        return self._chain(path)

    def slowest_sync_chain(self, start: str) -> SyncChain:
        """The synchronous chain with the highest summed latency from `start`."""
        path = self._follow(start, self._sync_latency[1])
        return self._chain(path)

    def _chain(self, path: tuple[str, ...]) -> SyncChain:
        comps = self.components
        return SyncChain(
            path=path,
            latency_ms=sum(comps[c].latency_ms or 0.0 for c in path),
            unknown_latency=tuple(c for c in path if comps[c].latency_ms is None),
        )

    def sync_beyond(self, start: str, limit: int) -> list[str]:
        """Components that a synchronous chain from `start` reaches after more than `limit`
        hops (cycles not walked). Only chains that can still pass the limit are followed."""
        height = self._sync_height[0]
        best: dict[str, int] = {}
        beyond: set[str] = set()
        todo = [(start, 0)]
        while todo:
            cid, depth = todo.pop()
            if best.get(cid, -1) >= depth:
                continue
            best[cid] = depth
            if depth > limit:
                beyond.add(cid)
            for t in self._dag_edges_forward(cid, Mode.SYNC):
                if depth + 1 + height[t] > limit:
                    todo.append((t, depth + 1))
        return self.in_order(beyond)

    @cached_property
    def sync_depth(self) -> dict[str, int]:
        """Most synchronous hops from an entry point to each component it reaches that way."""
        depth: dict[str, int] = {ep: 0 for ep in self.entry_points}
        for cid in self.order:
            d = depth.get(cid)
            if d is None:
                continue
            for t in self._dag_edges_forward(cid, Mode.SYNC):
                if depth.get(t, -1) < d + 1:
                    depth[t] = d + 1
        return depth

    def sync_chain_through(self, cid: str) -> int | None:
        """Hops of the longest synchronous chain from an entry point that passes `cid`."""
        d = self.sync_depth.get(cid)
        if d is None:
            return None
        return d + self._sync_height[0][cid]

    # ----------------------------------------------------------------- failure
    def _propagate(self, seeds: dict[str, int]) -> dict[str, int]:
        """Bit sets pushed along serving links (required, not out of a queue) until stable."""
        masks = dict(seeds)
        changed = True
        while changed:
            changed = False
            for cid in self.order:
                m = masks.get(cid)
                if not m:
                    continue
                for t in self.serving_successors(cid):
                    old = masks.get(t, 0)
                    if old | m != old:
                        masks[t] = old | m
                        changed = True
            if not self.cycles:
                break  # in processing order a graph without cycles settles in one pass
        return masks

    @cached_property
    def entry_points_using(self) -> dict[str, int]:
        """Bit set (an int, bit i = i-th of `entry_point_list`) of the entry points whose
        serving path holds each component: those go down when it fails."""
        return self._propagate({ep: 1 << i for i, ep in enumerate(self.entry_point_list)})

    @cached_property
    def critical_list(self) -> list[str]:
        return [c.id for c in self.model.components if c.tier == "critical"]

    @cached_property
    def critical_using(self) -> dict[str, int]:
        """Bit set (bit i = i-th of `critical_list`) of the critical components that hold up
        a request on each component: itself, and what they require, transitively."""
        return self._propagate({c: 1 << i for i, c in enumerate(self.critical_list)})

    def critical_in(self, mask: int) -> list[str]:
        return [c for i, c in enumerate(self.critical_list) if mask >> i & 1]

    @cached_property
    def entry_point_list(self) -> list[str]:
        return sorted(self.entry_points, key=self.order_index.__getitem__)

    def entry_points_in(self, mask: int) -> frozenset[str]:
        return frozenset(ep for i, ep in enumerate(self.entry_point_list) if mask >> i & 1)

    def blast_radius(self, comp_id: str) -> BlastRadius:
        """If `comp_id` fails: it and everything that requires it (through required links,
        not across a queue, whose producers do not wait for consumers) fail too."""
        failed = {comp_id}
        todo = [comp_id]
        comps = self.components
        while todo:
            cid = todo.pop()
            for source, link in self.pred[cid].items():
                if source in failed or not link.required:  # type: ignore[attr-defined]
                    continue
                if comps[source].is_messaging and source not in self.entry_points:
                    continue  # a queue does not fail because its consumer did
                failed.add(source)
                todo.append(source)
        return BlastRadius(
            failed=frozenset(failed),
            entry_points_cut=frozenset(failed & self.entry_points),
        )

    def in_order(self, ids: Iterable[str]) -> list[str]:
        """Component ids in the order the model lists them, for stable messages."""
        return sorted(ids, key=self.order_index.__getitem__)
