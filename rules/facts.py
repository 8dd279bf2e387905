"""Graph facts several rules share, computed once per analysis.

Links point the way requests and messages travel (caller -> callee, producer -> queue ->
consumer). From the model this module derives, once:

- the entry points (components with `peak_rps`, or clients other than load generators
  tagged `test-traffic`) and the serving path (what the
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

import sys
from collections import deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress
from typing import TypeVar

import networkx as nx
from archrev.model.types import (
    DATASTORE_KINDS,
    MESSAGING_KINDS,
    TEST_TRAFFIC_TAG,
    Component,
    Kind,
    Link,
    Mode,
    SystemModel,
    Tier,
)

DEFAULT_RUNWAY_THRESHOLD = 0.8
# The largest rate (requests per second) or latency sum the analysis carries. Model fields
# may be huge (1e308): multiplied along links they would overflow to inf, and inf / inf is
# nan, which no JSON reader accepts. Past this bound a number means "more than anyone runs";
# the components whose figures were cut to it are listed in `Facts.overflowed`.
NUMBER_LIMIT = 1e15  # above any capacity the model allows (1e9 rps x 100,000 replicas)
# The least capacity the forecasts divide by, requests per second (one request in about
# twelve days): load / capacity then stays a finite number, at most 1e21.
CAPACITY_FLOOR = 1e-6


def bounded(value: float) -> float:
    """`value`, or `NUMBER_LIMIT` when it is larger (or not a number at all)."""
    return value if value < NUMBER_LIMIT else NUMBER_LIMIT


# Datastores that hold records (a cache holds copies of them).
STORE_KINDS = DATASTORE_KINDS - {Kind.CACHE}
Node = TypeVar("Node", bound=Hashable)
_ROOT = ""  # the virtual node in front of every entry point (no component id is empty)


@dataclass(frozen=True, slots=True)
class BlastRadius:
    """What fails with a component: itself and everything that requires it, transitively."""

    failed: frozenset[str]
    entry_points_cut: frozenset[str]


@dataclass(frozen=True, slots=True)
class BlastCounts:
    """The numbers of a blast radius as every face of archrev states them (`archrev blast`,
    the app's status line and inspector), so that they agree:

    failed_total = 1 (the component) + others_failed + the entry points cut other than it.
    """

    component: str
    failed_total: int  # everything down: the component, the others, the entry points cut
    others_failed: int  # components that fail with it: neither itself nor an entry point
    entry_points_cut: int  # entry points that go down (the component too, if it is one)
    entry_points_total: int
    components_total: int
    critical_failed: int  # tier-critical components among failed_total

    def summary(self, name: str | None = None) -> str:
        """One sentence that says what each count includes."""
        who = name or self.component
        n, eps = self.others_failed, self.entry_points_total
        others = (
            "no other component fails with it"
            if n == 0
            else f"{n} other component{'s fail' if n != 1 else ' fails'} with it "
            f"({'they require' if n != 1 else 'it requires'} it, directly or through others)"
        )
        return (
            f"If {who} fails, {others} and {self.entry_points_cut} of {eps} "
            f"entry point{'s are' if eps != 1 else ' is'} cut off: {self.failed_total} of "
            f"{self.components_total} components down in all, counting {who} and the entry "
            "points."
        )


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
        # One pass over the components and one over the links, reading each pydantic field
        # once: on a large model, touching the objects again costs more than the arithmetic
        # (each one's fields sit in a dict of its own, seldom in the processor's cache).
        self.components: dict[str, Component] = {}
        entry_points: list[str] = []  # in model order
        messaging: list[str] = []
        critical: list[str] = []
        non_critical: list[str] = []
        entering = 0.0
        of_kind: dict[Kind, list[str]] = {}
        # what the load model and the latency chains read of each component
        peak_load: dict[str, float] = {}
        misses: dict[str, float] = {}  # caches with a hit ratio: the share that goes further
        latency: dict[str, float | None] = {}
        names: list[str] = []  # display names, for `labels`
        capacity: dict[str, float | None] = {}
        growth_overrides: dict[str, float] = {}  # components with a growth rate of their own
        client, cache, critical_tier, non_critical_tier = (
            Kind.CLIENT,
            Kind.CACHE,
            Tier.CRITICAL,
            Tier.NON_CRITICAL,
        )
        comps = self.components
        for c in model.components:
            cid, kind, tier, peak = c.id, c.kind, c.tier, c.peak_rps
            comps[cid] = c
            if kind in of_kind:
                of_kind[kind].append(cid)
            else:
                of_kind[kind] = [cid]
            if peak is not None or (kind == client and TEST_TRAFFIC_TAG not in c.tags):
                entry_points.append(cid)
            if peak:
                entering += peak
                peak_load[cid] = float(peak)
            else:
                peak_load[cid] = 0.0
            if kind in MESSAGING_KINDS:
                messaging.append(cid)
            elif kind == cache:
                hit_ratio = c.hit_ratio
                if hit_ratio is not None:
                    misses[cid] = 1.0 - hit_ratio
            if tier == critical_tier:
                critical.append(cid)
            elif tier == non_critical_tier:
                non_critical.append(cid)
            latency[cid] = c.latency_ms
            names.append(c.name)
            own_growth = c.growth_per_year
            if own_growth is not None:
                growth_overrides[cid] = own_growth
            capacity[cid] = c.capacity_total  # None without capacity_rps
        self._of_kind = of_kind
        self._misses = misses
        self._latency = latency
        self._names = names
        self._growth_overrides = growth_overrides
        self.component_ids = list(comps)
        self.order_index = {cid: i for i, cid in enumerate(self.component_ids)}
        self.horizon: int = model.system.horizon_quarters
        self.entry_points: frozenset[str] = frozenset(entry_points)
        self.entry_point_list: list[str] = entry_points  # in model order
        self.entering_rps: float = entering
        self.messaging: frozenset[str] = frozenset(messaging)
        self.critical_list: list[str] = critical  # in model order
        self.critical: frozenset[str] = frozenset(critical)
        self.non_critical: frozenset[str] = frozenset(non_critical)

        # Plain adjacency with the link attached: the rules walk these far more than the graph.
        succ: dict[str, dict[str, object]] = {cid: {} for cid in comps}
        pred: dict[str, dict[str, object]] = {cid: {} for cid in comps}
        # The (caller, callee) pairs of the links a caller waits on and cannot do without, in
        # model order: several rules look only at these.
        required_sync: list[tuple[str, str]] = []
        required_out: dict[str, list[str]] = {cid: [] for cid in comps}
        sync_out: dict[str, list[str]] = {cid: [] for cid in comps}
        # What each link passes on in the load model: (target, calls, averaged by a queue)
        flows: dict[str, list[tuple[str, float, bool]]] = {cid: [] for cid in comps}
        sync, asynchronous = Mode.SYNC, Mode.ASYNC
        queues = self.messaging
        for link in model.links:
            source, target, mode = link.source, link.target, link.mode
            succ[source][target] = link
            pred[target][source] = link
            if mode == sync:
                flows[source].append((target, link.calls, False))
                sync_out[source].append(target)
                if link.required:
                    required_out[source].append(target)
                    required_sync.append((source, target))
            else:
                averaged = mode == asynchronous and target in queues
                flows[source].append((target, link.calls, averaged))
                if link.required:
                    required_out[source].append(target)
        self.succ = succ
        self.pred = pred
        self.required_sync = required_sync
        self._sync_out = sync_out
        self._flows = flows

        # What each component holds up a request on: required links, none out of a queue
        # (the queue holds up the request; its consumers do not).
        self.serving_succ: dict[str, list[str]] = required_out
        for cid in messaging:
            if cid not in self.entry_points:
                required_out[cid] = []

        # Tarjan gives the strongly connected components sinks first: reversed, a processing
        # order in which every link outside a cycle goes forward.
        sccs, _ = strongly_connected(self.component_ids, succ)
        order_index = self.order_index
        self.cycles: list[tuple[str, ...]] = sorted(
            (tuple(sorted(s, key=order_index.__getitem__)) for s in sccs if len(s) > 1),
            key=lambda cyc: order_index[cyc[0]],
        )
        self.scc_of: dict[str, int] = {}
        for i, members in enumerate(self.cycles):
            for cid in members:
                self.scc_of[cid] = i
        if self.cycles:
            order: list[str] = []
            for members in reversed(sccs):
                if len(members) == 1:
                    order.append(members[0])
                else:
                    cycle = self.cycles[self.scc_of[members[0]]]
                    order.extend(self._cycle_order(cycle))
            self.order: list[str] = order
        else:
            self.order = [members[0] for members in reversed(sccs)]

        self.overflowed: set[str] = set()
        self.load: dict[str, float] = self._load(peak_load)
        for cid, value in capacity.items():
            if value is not None and not value < NUMBER_LIMIT:
                capacity[cid] = NUMBER_LIMIT
                self.overflowed.add(cid)
            elif value and value < CAPACITY_FLOOR:
                # A capacity_rps in the 1e-300s divides a load into inf, which no report can
                # carry (JSON has no Infinity): below the floor the figures are floors too.
                capacity[cid] = CAPACITY_FLOOR
        self.capacity: dict[str, float | None] = capacity
        self._entry_point_sets: dict[int, tuple[str, ...]] = {}
        self._critical_sets: dict[int, tuple[str, ...]] = {}

    def of_kind(self, *kinds: Kind) -> list[str]:
        """The components of these kinds, in model order: rules about one kind of component
        need not look at every other one."""
        if len(kinds) == 1:
            return list(self._of_kind.get(kinds[0], ()))
        return self.in_order(cid for kind in kinds for cid in self._of_kind.get(kind, ()))

    def of_kinds_set(self, *kinds: Kind) -> frozenset[str]:
        """The components of these kinds, as a set: for rules that only ask whether a
        component is one (cheaper than reading its pydantic `kind`, and than sorting)."""
        of_kind = self._of_kind
        return frozenset(chain.from_iterable([of_kind.get(kind, ()) for kind in kinds]))

    @cached_property
    def labels(self) -> dict[str, str]:
        """How messages name each component: its display name, with the id when they differ."""
        # the names were read in the first pass over the components: reading each pydantic
        # object again, long after, costs more than the rest of this
        return {
            cid: cid if not name or name == cid else f"{name} ({cid})"
            for cid, name in zip(self.component_ids, self._names, strict=True)
        }

    @cached_property
    def links(self) -> dict[tuple[str, str], Link]:
        """Each link by (source, target), for whoever needs a link's fields by its ends."""
        return {(link.source, link.target): link for link in self.model.links}

    @cached_property
    def graph(self) -> nx.DiGraph:
        """The model as a networkx graph, built only when a rule asks for it."""
        return self.model.to_graph()

    # ----------------------------------------------------------------- structure
    @cached_property
    def serving_path(self) -> frozenset[str]:
        """What the entry points reach through serving links (required, not out of a queue),
        themselves included: the walk the dominators need anyway, read as a set."""
        ids = self.component_ids
        return frozenset([ids[v] for v in self._serving_post])

    @cached_property
    def serving_in_order(self) -> list[str]:
        """The serving path in model order (four rules walk it)."""
        serving = self.serving_path
        return [cid for cid in self.component_ids if cid in serving]

    def serving_successors(self, cid: str) -> list[str]:
        """Components `cid` holds up a request on: required links, none out of a queue."""
        return self.serving_succ[cid]

    def _cycle_order(self, members: tuple[str, ...]) -> list[str]:
        inside = set(members)
        entry_points, pred = self.entry_points, self.pred
        starts = [m for m in members if m in entry_points or not inside.issuperset(pred[m])] or [
            members[0]
        ]
        seen = set(starts)
        order: list[str] = []
        pending = deque(starts)
        succ = self.succ
        while pending:
            cid = pending.popleft()
            order.append(cid)
            for t in succ[cid]:
                if t in inside and t not in seen:
                    seen.add(t)
                    pending.append(t)
        order.extend(m for m in members if m not in seen)
        return order

    # ----------------------------------------------------------------- load model
    def _load(self, peak_load: dict[str, float]) -> dict[str, float]:
        """Peak requests per second reaching each component: what enters there, plus what
        its callers pass on, in an order in which every link outside a cycle goes forward."""
        flows, misses = self._flows, self._misses
        load = peak_load
        peak_to_average = self.system.peak_to_average
        for cid in self.order:
            here = load[cid]
            if here <= 0.0:
                continue
            miss = misses.get(cid)
            passes = here if miss is None else here * miss  # only a cache's misses go further
            for target, calls, averaged in flows[cid]:
                flow = passes * calls
                if averaged:
                    # the queue absorbs the peaks; what leaves it is not averaged again
                    flow /= peak_to_average
                load[target] += flow
        for cid, value in load.items():
            if not value < NUMBER_LIMIT:
                load[cid] = NUMBER_LIMIT
                self.overflowed.add(cid)
        return load

    def growth(self, cid: str) -> float:
        return self._growth_overrides.get(cid, self.system.growth_per_year)

    def utilization(self, comp_id: str) -> list[float] | None:
        """Projected peak utilization at quarters 0 (now) .. horizon; None without capacity."""
        return self._utilizations.get(comp_id)

    @cached_property
    def _utilizations(self) -> dict[str, list[float] | None]:
        # All at once: the rules ask for nearly every component's, and in one pass each
        # growth rate's powers are computed once (most components share the system's).
        load, overrides = self.load, self._growth_overrides
        system_growth = self.system.growth_per_year
        quarters = range(self.horizon + 1)
        powers_of: dict[float, list[float]] = {}
        result: dict[str, list[float] | None] = {}
        for cid, cap in self.capacity.items():
            if not cap:  # unknown, unbounded, or no replicas at all: nothing to divide by
                result[cid] = None
                continue
            growth = overrides.get(cid, system_growth)
            powers = powers_of.get(growth)
            if powers is None:
                factor = (1.0 + growth) ** 0.25
                powers = powers_of[growth] = [factor**q for q in quarters]
            base = load[cid] / cap
            result[cid] = [base * g for g in powers]
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
        return bounded(self.load[comp_id] * (1.0 + self.growth(comp_id)) ** (quarter / 4))

    # ----------------------------------------------------------------- coupling
    @cached_property
    def sync_targets(self) -> dict[str, tuple[str, ...]]:
        return {cid: tuple(targets) for cid, targets in self._sync_out.items()}

    def fan_out(self, cid: str) -> int:
        return len(self.succ[cid])

    def fan_in(self, cid: str) -> int:
        return len(self.pred[cid])

    @cached_property
    def instability(self) -> dict[str, float | None]:
        """Martin's I = Ce / (Ca + Ce): 0 is depended upon and stable, 1 depends only."""
        result: dict[str, float | None] = {}
        # succ and pred list the components in model order, like `components`
        for cid, out, into in zip(
            self.component_ids, self.succ.values(), self.pred.values(), strict=True
        ):
            ce, ca = len(out), len(into)
            result[cid] = None if ce + ca == 0 else ce / (ca + ce)
        return result

    # ----------------------------------------------------------------- dominators
    @cached_property
    def _dominator_tree(self) -> tuple[list[str], list[int]]:
        """The serving-path components in depth-first postorder, and the postorder number of
        each one's immediate dominator (len(postorder) for the virtual root)."""
        reached = self._serving_post
        idom = dominators(reached, self._entry_indices, self._serving_targets)
        ids = self.component_ids
        return [ids[v] for v in reached], idom

    @cached_property
    def idom(self) -> dict[str, str]:
        """Immediate dominator of each serving-path component: the last component that every
        required path from the entry points to it passes through ("" for the virtual root in
        front of the entry points)."""
        post, idom = self._dominator_tree
        names = [*post, _ROOT]
        return {name: names[idom[v]] for v, name in enumerate(post)}

    @cached_property
    def _dominator_children(self) -> dict[str, list[str]]:
        children: dict[str, list[str]] = {}
        for node, parent in self.idom.items():
            children.setdefault(parent, []).append(node)
        return children

    @cached_property
    def dominated_count(self) -> dict[str, int]:
        """How many serving components each one dominates (itself not counted)."""
        post, idom = self._dominator_tree
        # A dominator comes later in postorder than what it dominates: in postorder, each
        # component's count is complete before it is added to its dominator's.
        count = [0] * (len(post) + 1)
        for v, parent in enumerate(idom[:-1]):
            count[parent] += count[v] + 1
        return dict(zip(post, count[:-1], strict=True))

    def dominated_by(self, cid: str) -> list[str]:
        """The serving components every required path to which passes through `cid`."""
        children = self._dominator_children
        out: list[str] = []
        stack = list(children.get(cid, ()))
        while stack:
            node = stack.pop()
            out.append(node)
            stack.extend(children.get(node, ()))
        return self.in_order(out)

    # ----------------------------------------------------------------- sync chains
    @cached_property
    def _sync_forward(self) -> dict[str, list[str]]:
        """Synchronous targets of each component, less the links inside a cycle (the cycle
        is reported, not walked). Four walks below use these: listed once."""
        scc_of = self.scc_of
        forward = dict(self._sync_out)
        for cid, own in scc_of.items():  # only the members of a cycle lose links
            forward[cid] = [t for t in forward[cid] if scc_of.get(t) != own]
        return forward

    @cached_property
    def _sync_chains(
        self,
    ) -> tuple[dict[str, int], dict[str, str | None], dict[str, float], dict[str, str | None]]:
        """From each component, sinks first: the most synchronous hops and the first step
        of that chain (the smallest id among equals), the highest summed latency and the
        first step of that one. One walk for both: the rules ask for both."""
        height: dict[str, int] = {}
        higher: dict[str, str | None] = {}
        total: dict[str, float] = {}
        slower: dict[str, str | None] = {}
        forward = self._sync_forward
        latency = self._latency
        for cid in reversed(self.order):
            best_h, step_h = 0, None
            best_l, step_l = 0.0, None
            for t in forward[cid]:
                h = height[t] + 1
                if h > best_h or (h == best_h and step_h is not None and t < step_h):
                    best_h, step_h = h, t
                here = total[t]
                if here > best_l or step_l is None:
                    best_l, step_l = here, t
            height[cid], higher[cid] = best_h, step_h
            summed = (latency[cid] or 0.0) + best_l
            total[cid] = summed if summed < NUMBER_LIMIT else NUMBER_LIMIT  # bounded()
            slower[cid] = step_l
        return height, higher, total, slower

    @cached_property
    def _sync_height(self) -> tuple[dict[str, int], dict[str, str | None]]:
        height, higher, _, _ = self._sync_chains
        return height, higher

    @cached_property
    def _sync_latency(self) -> tuple[dict[str, float], dict[str, str | None]]:
        _, _, total, slower = self._sync_chains
        return total, slower

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
        latency = self._latency
        return SyncChain(
            path=path,
            latency_ms=bounded(sum([latency[c] or 0.0 for c in path])),
            unknown_latency=tuple([c for c in path if latency[c] is None]),
        )

    def longest_sync_path(self, start: str) -> tuple[str, ...]:
        """The path of `longest_sync_chain(start)`, without summing its latency (the chain
        rule reads only the path, for hundreds of entry points)."""
        return self._follow(start, self._sync_height[1])

    def sync_height(self, cid: str) -> int:
        """Hops of the longest synchronous chain from `cid` (cycles not walked)."""
        return self._sync_height[0][cid]

    def sync_beyond(self, start: str, limit: int, most: int = 20) -> list[str]:
        """Up to `most` components that a synchronous chain from `start` reaches after more
        than `limit` hops (cycles not walked). Only chains that can still pass the limit are
        followed, deepest first."""
        height = self._sync_height[0]
        forward = self._sync_forward
        best: dict[str, int] = {}
        beyond: set[str] = set()
        # bound methods and the hop floor hoisted: the chain rule calls this for every entry
        # point with a long chain, and each call walks dozens of components
        pending = [(start, 0)]
        pop, push, seen, add = pending.pop, pending.append, best.get, beyond.add
        while pending:
            cid, depth = pop()
            if seen(cid, -1) >= depth:
                continue
            best[cid] = depth
            if depth > limit:
                add(cid)
                if len(beyond) >= most:
                    break
            depth += 1
            floor = limit - depth  # a target leads past the limit if its height exceeds this
            for t in forward[cid]:
                if height[t] > floor:
                    push((t, depth))
        return self.in_order(beyond)

    @cached_property
    def sync_depth(self) -> dict[str, int]:
        """Most synchronous hops from an entry point to each component it reaches that way."""
        depth: dict[str, int] = {ep: 0 for ep in self.entry_points}
        forward = self._sync_forward
        for cid in self.order:
            d = depth.get(cid)
            if d is None:
                continue
            for t in forward[cid]:
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
    @cached_property
    def _entry_indices(self) -> list[int]:
        index = self.order_index
        return [index[ep] for ep in self.entry_point_list]

    @cached_property
    def _serving_targets(self) -> list[list[int]]:
        """`serving_succ` on component indices (position in the model)."""
        index = self.order_index
        return [[index[t] for t in out] for out in self.serving_succ.values()]

    @cached_property
    def _serving_post(self) -> list[int]:
        """The components the entry points reach through serving links, in the postorder
        of a depth-first walk from them (in model order), on component indices: what the
        dominators are computed on."""
        return postorder(self._entry_indices, self._serving_targets)

    @cached_property
    def _serving_groups(self) -> list[list[int]]:
        """The strongly connected components of the serving links (required, not out of a
        queue) in topological order, on component indices.

        Serving links are some of the links: each of their strongly connected components
        lies within one of the whole graph's, already found (`order` lists those in
        topological order, each cycle's members together). Outside the cycles every
        component is one on its own; only a cycle's members need a walk of their own."""
        index, serving = self.order_index, self._serving_targets
        cycles, scc_of = self.cycles, self.scc_of
        groups: list[list[int]] = []
        done = -1  # the last cycle split (its members follow each other in `order`)
        for cid in self.order:
            cycle = scc_of.get(cid)
            if cycle is None:
                groups.append([index[cid]])
            elif cycle != done:
                done = cycle
                members = [index[m] for m in cycles[cycle]]
                inside = set(members)
                within = {v: [t for t in serving[v] if t in inside] for v in members}
                sccs, _ = strongly_connected(members, within)
                groups.extend(reversed(sccs))  # sinks first: reversed, topological
        return groups

    def _propagate(self, ids: list[str]) -> dict[str, int]:
        """Bit sets (bit i = ids[i]) pushed along serving links, so that each component gets
        the set of the ids that reach it that way, its own included (absent: none).

        One pass over the strongly connected components of the serving links in topological
        order, each pushing its set to its targets: everything that reaches a component
        comes before it. Inside a component everyone reaches everyone: they share one set.
        """
        index, serving = self.order_index, self._serving_targets
        masks = [0] * len(self.component_ids)
        for i, cid in enumerate(ids):
            masks[index[cid]] |= 1 << i
        for group in self._serving_groups:
            if len(group) == 1:
                v = group[0]
                m = masks[v]
                if m:
                    for t in serving[v]:
                        masks[t] |= m
                continue
            m = 0
            for v in group:
                m |= masks[v]
            if m:
                for v in group:
                    masks[v] = m
                for v in group:
                    for t in serving[v]:
                        masks[t] |= m
        names = self.component_ids
        return {names[v]: m for v, m in enumerate(masks) if m}

    @cached_property
    def _using(self) -> tuple[dict[str, int], dict[str, int]]:
        """`entry_points_using` and `critical_using` from one walk: each component's set
        holds the entry points in its low bits and the critical components above them (the
        rules ask for both; one big number per link costs about what a small one does)."""
        eps = self.entry_point_list
        shift = len(eps)
        low = (1 << shift) - 1
        eps_using: dict[str, int] = {}
        critical_using: dict[str, int] = {}
        for cid, mask in self._propagate([*eps, *self.critical_list]).items():
            mine = mask & low
            if mine:
                eps_using[cid] = mine
            mine = mask >> shift
            if mine:
                critical_using[cid] = mine
        return eps_using, critical_using

    @cached_property
    def entry_points_using(self) -> dict[str, int]:
        """Bit set (an int, bit i = i-th of `entry_point_list`) of the entry points whose
        serving path holds each component: those go down when it fails."""
        return self._using[0]

    @cached_property
    def critical_using(self) -> dict[str, int]:
        """Bit set (bit i = i-th of `critical_list`) of the critical components that hold up
        a request on each component: itself, and what they require, transitively."""
        return self._using[1]

    @cached_property
    def _requiring(self) -> dict[str, int]:
        """Bit set (bit i = i-th component of the model) of the components that require
        each one, transitively: those fail with it."""
        return self._propagate(self.component_ids)

    def critical_in(self, mask: int) -> list[str]:
        """The critical components of a bit set, in model order."""
        return self._decoded(mask, self.critical_list, self._critical_sets)

    def entry_points_in(self, mask: int) -> list[str]:
        """The entry points of a bit set, in model order."""
        return self._decoded(mask, self.entry_point_list, self._entry_point_sets)

    def _decoded(self, mask: int, ids: list[str], seen: dict[int, tuple[str, ...]]) -> list[str]:
        # Components along one chain share the same set of entry points (or critical
        # components), and several rules ask for the same ones: decode each set once. A new
        # list each time, so that no two findings share the evidence they may be given.
        found = seen.get(mask)
        if found is None:
            found = seen[mask] = tuple(_decode(mask, ids))
        return list(found)

    def failed_count(self, comp_id: str) -> int:
        """How many components fail when `comp_id` fails, itself included."""
        return self._requiring.get(comp_id, 0).bit_count() or 1

    @cached_property
    def _serving_pred(self) -> dict[str, list[str]]:
        pred: dict[str, list[str]] = {cid: [] for cid in self.components}
        for cid, targets in self.serving_succ.items():
            for t in targets:
                pred[t].append(cid)
        return pred

    def nearest_failing(self, comp_id: str, most: int = 20) -> list[str]:
        """Up to `most` of the components that fail with `comp_id`, nearest first: its
        direct dependents, then theirs (cheap even when thousands fail)."""
        if most <= 0:
            return []
        pred = self._serving_pred
        seen = {comp_id}
        out: list[str] = []  # breadth first: also the queue of whose dependents come next
        cid, done = comp_id, 0
        while True:
            for p in pred[cid]:
                if p not in seen:
                    seen.add(p)
                    out.append(p)
                    if len(out) == most:
                        return out
            if done == len(out):
                return out
            cid = out[done]
            done += 1

    def failed_with(self, comp_id: str) -> list[str]:
        """`comp_id` and everything that requires it, transitively, in model order."""
        return _decode(self._requiring.get(comp_id, 0), self.component_ids) or [comp_id]

    def blast_radius(self, comp_id: str) -> BlastRadius:
        """If `comp_id` fails: it and everything that requires it (through required links,
        not across a queue, whose producers do not wait for consumers) fail too."""
        failed = frozenset(self.failed_with(comp_id))
        return BlastRadius(failed=failed, entry_points_cut=failed & self.entry_points)

    def blast_counts(self, comp_id: str) -> BlastCounts:
        """The counts of `blast_radius(comp_id)`, defined once for the CLI and the app."""
        radius = self.blast_radius(comp_id)
        return BlastCounts(
            component=comp_id,
            failed_total=len(radius.failed),
            others_failed=len(radius.failed - {comp_id} - radius.entry_points_cut),
            entry_points_cut=len(radius.entry_points_cut),
            entry_points_total=len(self.entry_points),
            components_total=len(self.components),
            critical_failed=len(radius.failed & self.critical),
        )

    def failure_path(self, dependent: str, failed: str) -> list[str]:
        """The shortest chain of required links (not across a queue) from `dependent` to
        `failed`: why `dependent` fails with it. `[dependent]` when they are the same, `[]`
        when `dependent` does not require it."""
        if dependent == failed:
            return [dependent]
        came_from: dict[str, str] = {dependent: dependent}
        frontier = deque([dependent])
        serving = self.serving_succ
        while frontier:
            cid = frontier.popleft()
            for t in serving[cid]:
                if t in came_from:
                    continue
                came_from[t] = cid
                if t == failed:
                    path = [t]
                    while path[-1] != dependent:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                frontier.append(t)
        return []

    def in_order(self, ids: Iterable[str]) -> list[str]:
        """Component ids in the order the model lists them, for stable messages."""
        return sorted(ids, key=self.order_index.__getitem__)


_BITS = bytes.maketrans(b"01", b"\x00\x01")


def _decode(mask: int, ids: list[str]) -> list[str]:
    """The ids whose bits are set, in list order (bit i is ids[i])."""
    if not mask:
        return []
    # bit 0 first, as bytes 0/1: compress picks the ids at C speed
    return list(compress(ids, bin(mask)[:1:-1].encode().translate(_BITS)))


def dominator_tree(roots: list[int], succ: list[list[int]]) -> tuple[list[int], list[int]]:
    """Immediate dominators over nodes 0 .. len(succ) - 1 from a virtual root whose
    successors are `roots`: the nodes reachable from it in depth-first postorder, and for
    each (by its postorder number) the postorder number of its immediate dominator,
    len(postorder) standing for the virtual root."""
    post = postorder(roots, succ)
    return post, dominators(post, roots, succ)


def dominators(post: list[int], roots: list[int], succ: list[list[int]]) -> list[int]:
    """Cooper, Harvey and Kennedy's iterative dominators, given `post`: the nodes reachable
    from `roots` in the postorder of a depth-first walk from them. For each node (by its
    postorder number), the postorder number of its immediate dominator; len(post) stands
    for a virtual root in front of `roots`. On postorder numbers a dominator always comes
    later than what it dominates."""
    n = len(post)
    number = [-1] * len(succ)
    for i, v in enumerate(post):
        number[v] = i
    preds: list[list[int]] = [[] for _ in range(n)]
    for r in roots:
        preds[number[r]].append(n)
    # A link to a node later in postorder closes a cycle; without one, reverse postorder is
    # a topological order and the first pass is final.
    acyclic = True
    for v, node in enumerate(post):
        for w in succ[node]:
            i = number[w]
            preds[i].append(v)
            if i >= v:
                acyclic = False
    undefined = -1
    idom = [undefined] * (n + 1)
    idom[n] = n
    changed = True
    while changed:
        changed = False
        for v in range(n - 1, -1, -1):  # reverse postorder
            new = undefined
            for p in preds[v]:
                if idom[p] == undefined:
                    continue
                if new == undefined:
                    new = p
                    continue
                a, b = p, new
                while a != b:
                    while a < b:
                        a = idom[a]
                    while b < a:
                        b = idom[b]
                new = a
            if idom[v] != new:
                idom[v] = new
                changed = True
        if acyclic:
            break
    return idom


def postorder(starts: Iterable[int], succ: Sequence[Iterable[int]]) -> list[int]:
    """The nodes reached from `starts` (indices into `succ`), in the postorder of a
    depth-first walk from each in turn: the order Tarjan's walk finishes them in, without
    its bookkeeping."""
    seen = [False] * len(succ)
    post: list[int] = []
    for root in starts:
        if seen[root]:
            continue
        seen[root] = True
        work = [(root, iter(succ[root]))]
        while work:
            v, targets = work[-1]
            for w in targets:
                if not seen[w]:
                    seen[w] = True
                    work.append((w, iter(succ[w])))
                    break
            else:
                work.pop()
                post.append(v)
    return post


def strongly_connected(
    starts: Iterable[Node], succ: Mapping[Node, Iterable[Node]] | Sequence[Iterable[Node]]
) -> tuple[list[list[Node]], list[Node]]:
    """Tarjan's strongly connected components, iteratively, walking depth first from each
    of `starts` not yet seen (`succ` maps a node to its successors: component ids, or
    indices into a list): the components, sinks first, and the nodes reached in
    postorder.

    Pearce's variant: one number per node (its depth-first number, lowered to the least
    one it reaches while it is open, raised above them all once its component is found)
    and a stack of the finished nodes whose component is still open, instead of Tarjan's
    two numbers and a set of the nodes on the stack: it runs once over the whole graph in
    every analysis."""
    rindex: dict[Node, int] = {}
    stack: list[Node] = []  # finished, component not found yet
    out: list[list[Node]] = []
    post: list[Node] = []
    counter = 0
    done = sys.maxsize  # a found component's members: above every depth-first number
    for root in starts:
        if root in rindex:
            continue
        rindex[root] = counter
        work = [(root, iter(succ[root]), counter)]  # type: ignore[index]
        counter += 1
        while work:
            v, targets, number = work[-1]
            low = rindex[v]
            for w in targets:
                seen = rindex.get(w)
                if seen is None:
                    rindex[v] = low
                    rindex[w] = counter
                    work.append((w, iter(succ[w]), counter))  # type: ignore[index]
                    counter += 1
                    break
                if seen < low:
                    low = seen
            else:
                work.pop()
                post.append(v)
                if low == number:  # nothing it reaches is open below it: a component
                    members = [v]
                    while stack and rindex[stack[-1]] >= number:
                        w = stack.pop()
                        rindex[w] = done
                        members.append(w)
                    rindex[v] = done
                    out.append(members)
                else:
                    rindex[v] = low
                    stack.append(v)
                    u = work[-1][0]  # an open node below: the walk did not start at v
                    if low < rindex[u]:
                        rindex[u] = low
    return out, post
