"""Coupling rules (modular design): cycles, fan-out, fan-in, hubs, shared data, long
synchronous chains and dependencies on less stable components."""

from __future__ import annotations

from collections.abc import Iterator

from archrev.model.types import Kind
from archrev.rules.facts import STORE_KINDS
from archrev.rules.findings import Severity
from archrev.rules.rulebook import (
    Hit,
    Principle,
    RuleContext,
    Threshold,
    kind_noun,
    num,
    plural,
    rule,
    with_article,
)

CATEGORY = "coupling"

# Components that run our code and read or write a datastore.
_WRITERS = frozenset({Kind.SERVICE, Kind.WORKER, Kind.FUNCTION})
_ROUTERS = frozenset({Kind.GATEWAY, Kind.LOAD_BALANCER, Kind.CDN, Kind.CLIENT})


def _one_loop(members: tuple[str, ...], succ: dict[str, dict[str, object]]) -> list[str]:
    """A shortest loop through the first member, inside the cycle (breadth-first)."""
    inside = set(members)
    start = members[0]
    parent: dict[str, str] = {}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in succ[v]:
                if w not in inside:
                    continue
                if w == start:
                    loop = [v]
                    while loop[-1] != start:
                        loop.append(parent[loop[-1]])
                    return loop[::-1]
                if w not in parent:
                    parent[w] = v
                    nxt.append(w)
        frontier = nxt
    return [start]  # unreachable for a strongly connected set of two or more


@rule(
    id="CPL-CYCLE",
    title="Cyclic dependency",
    category=CATEGORY,
    principle=Principle.MODULAR_DESIGN,
    severity=Severity.MEDIUM,
    rationale="""Components that depend on each other in a cycle cannot be deployed, scaled or
    reasoned about separately; a slow member slows every other one, and with synchronous links a
    request can chase its own tail until it times out. High when every link in the cycle is
    synchronous.""",
    remediation="""Break the cycle: move the shared part into its own component both can call,
    invert one dependency with an event or a queue, or merge the members if they are one
    service in truth.""",
)
def cycles(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    for members in facts.cycles:
        inside = set(members)
        links = [(s, t) for s in members for t in facts.succ[s] if t in inside]
        sync = sum(1 for s in members for t in facts.sync_targets[s] if t in inside)
        loop = _one_loop(members, facts.succ)
        shown = " -> ".join([*loop, loop[0]])
        all_sync = sync == len(links)
        kind = "all synchronous" if all_sync else f"{sync} synchronous"
        yield Hit(
            components=members,
            message=(
                f"{plural(len(members), 'component')} depend on each other in a cycle "
                f"({plural(len(links), 'link')}, {kind}): {shown}."
                + (" A request can wait on itself." if all_sync else "")
            ),
            evidence={
                "members": list(members),
                "links": [f"{s}->{t}" for s, t in links],
                "sync_links": sync,
                "cycle": loop,
            },
            severity=Severity.HIGH if all_sync else None,
        )


@rule(
    id="CPL-FANOUT",
    title="Too many synchronous dependencies",
    category=CATEGORY,
    principle=Principle.MODULAR_DESIGN,
    severity=Severity.MEDIUM,
    rationale="""Every synchronous call adds its latency and its failure rate to the caller's: a
    component that waits on many others is only as available as all of them together, and
    each of their deploys can break it.""",
    remediation="""Aggregate behind one API, call in parallel with timeouts and fallbacks, cache
    what rarely changes, or move work that the response does not need behind a queue.""",
    thresholds=[Threshold("max_sync_targets", 6, "distinct synchronous targets that trigger")],
)
def fan_out(ctx: RuleContext) -> Iterator[Hit]:
    limit = ctx.threshold("max_sync_targets")
    for cid, targets in ctx.facts.sync_targets.items():
        if len(targets) >= limit:
            yield Hit(
                components=(cid, *targets),
                key=(cid,),
                message=(
                    f"{ctx.name(cid)} calls {len(targets)} components synchronously: "
                    f"{ctx.names(targets, 12)}. Its availability is at most the product of "
                    f"theirs, and any of them can stall it."
                ),
                evidence={"sync_targets": list(targets), "count": len(targets), "limit": limit},
            )


@rule(
    id="CPL-FANIN",
    title="Too many direct callers",
    category=CATEGORY,
    principle=Principle.MODULAR_DESIGN,
    severity=Severity.MEDIUM,
    rationale="""A component that many others call directly is hard to change (every caller must
    agree), takes the sum of their traffic, and takes them all down when it fails. Datastores,
    queues and streams are meant to be shared and are left to other rules.""",
    remediation="""Check that its interface is stable and versioned, give it capacity and
    redundancy to match, and consider splitting it by caller or putting a cache or an event
    feed in front of the read-mostly callers.""",
    thresholds=[Threshold("min_callers", 6, "distinct callers that trigger")],
)
def fan_in(ctx: RuleContext) -> Iterator[Hit]:
    limit = ctx.threshold("min_callers")
    facts = ctx.facts
    for cid, comp in facts.components.items():
        if len(facts.pred[cid]) < limit or comp.is_datastore or comp.is_messaging:
            continue
        callers = facts.in_order(facts.pred[cid])
        if len(callers) >= limit:
            yield Hit(
                components=(cid, *callers),
                key=(cid,),
                message=(
                    f"{ctx.name(cid)} is called directly by {len(callers)} components: "
                    f"{ctx.names(callers, 12)}. Any change to it must suit them all."
                ),
                evidence={"callers": callers, "count": len(callers), "limit": limit},
            )


@rule(
    id="CPL-HUB",
    title="Hub component",
    category=CATEGORY,
    principle=Principle.MODULAR_DESIGN,
    severity=Severity.MEDIUM,
    rationale="""A component with many callers and many dependencies sits in the middle of
    everything: it couples its callers to its dependencies, changes ripple through it both ways,
    and it tends to grow into a distributed monolith.""",
    remediation="""Split it along its responsibilities, or let it publish events its dependents
    consume instead of calling them.""",
    thresholds=[
        Threshold("min_fan_in", 4, "distinct callers at or above which it counts as a hub"),
        Threshold("min_fan_out", 4, "distinct dependencies at or above which it counts as a hub"),
    ],
)
def hubs(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    lo_in, lo_out = ctx.threshold("min_fan_in"), ctx.threshold("min_fan_out")
    for cid in facts.components:
        fi, fo = facts.fan_in(cid), facts.fan_out(cid)
        if fi >= lo_in and fo >= lo_out:
            yield Hit(
                components=(cid,),
                message=(
                    f"{ctx.name(cid)} is a hub: {fi} components call it and it depends on {fo} "
                    f"others. Changes on either side ripple through it."
                ),
                evidence={"fan_in": fi, "fan_out": fo},
            )


@rule(
    id="CPL-SHARED-DATA",
    title="Datastore shared between components",
    category=CATEGORY,
    principle=Principle.MODULAR_DESIGN,
    severity=Severity.MEDIUM,
    rationale="""When several services read and write the same datastore, its schema is their
    contract: none can change it, scale it or move it alone, and one service's heavy query slows
    the others. Caches are left out: a shared cache holds copies, not the system of record.""",
    remediation="""Give the data one owning service that the others call (or subscribe to), or
    split the store so that each service owns its part.""",
    thresholds=[Threshold("min_users", 2, "distinct services/workers/functions using it")],
)
def shared_data(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("min_users")
    for cid in facts.of_kind(*STORE_KINDS):
        comp = facts.components[cid]
        users = [p for p in facts.in_order(facts.pred[cid]) if facts.components[p].kind in _WRITERS]
        if len(users) >= limit:
            yield Hit(
                components=(cid, *users),
                key=(cid,),
                message=(
                    f"{ctx.name(cid)}, {with_article(kind_noun(comp.kind))}, is used directly "
                    f"by {plural(len(users), 'component')}: {ctx.names(users)}. "
                    "Its schema couples them."
                ),
                evidence={"users": users, "count": len(users)},
            )


@rule(
    id="CPL-CHAIN",
    title="Long synchronous call chain",
    category=CATEGORY,
    principle=Principle.MODULAR_DESIGN,
    severity=Severity.MEDIUM,
    rationale="""Each synchronous hop adds latency, a timeout to tune and a failure to absorb; past
    a few hops the tail latency and the availability of the request are dominated by the chain,
    and retries at each level multiply the load.""",
    remediation="""Flatten the chain: let the entry point call the services it needs directly, keep
    data close to where it is read (cache, replicated read model), or make the deep part
    asynchronous.""",
    thresholds=[Threshold("max_hops", 4, "synchronous hops allowed from an entry point")],
)
def chains(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("max_hops")
    for ep in facts.entry_point_list:
        chain = facts.longest_sync_chain(ep)
        if chain.hops <= limit:
            continue
        deep = facts.sync_beyond(ep, int(limit))
        others = [c for c in deep if c != chain.path[-1]]
        yield Hit(
            components=(*chain.path, *(c for c in others if c not in chain.path)),
            key=(ep,),
            message=(
                f"A request entering at {ctx.name(ep)} passes up to {chain.hops} synchronous "
                f"hops (more than {num(limit)}): {' -> '.join(chain.path)}"
                + (
                    f"; also more than {num(limit)} hops away: {ctx.names(others, 6)}."
                    if others
                    else "."
                )
            ),
            evidence={
                "entry_point": ep,
                "hops": chain.hops,
                "path": list(chain.path),
                "beyond_limit": deep,
            },
        )


@rule(
    id="CPL-UNSTABLE",
    title="Depends on less stable components",
    category=CATEGORY,
    principle=Principle.MODULAR_DESIGN,
    severity=Severity.LOW,
    rationale="""By the stable-dependencies principle (Robert C. Martin), a component should depend
    on components more stable than itself. Instability I = Ce / (Ca + Ce), where Ce counts its
    dependencies and Ca its dependents: a component with many dependents (low I) that leans on
    volatile ones (high I) is forced to change when they do.""",
    remediation="""Depend on stable abstractions: put a stable interface (an API contract, an event
    schema) between this component and the volatile ones, or move the volatile logic out of its
    path.""",
    thresholds=[
        Threshold("max_share", 0.3, "share of its dependencies that may be less stable than it")
    ],
)
def unstable(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    share_limit = ctx.threshold("max_share")
    inst = facts.instability
    for cid, comp in facts.components.items():
        deps = facts.succ[cid]
        mine = inst[cid]
        if not deps or mine is None or not facts.pred[cid]:
            continue
        if comp.kind in _ROUTERS or comp.is_messaging:
            continue  # routing to volatile services is what gateways and queues are for
        worse = [d for d in deps if (inst[d] or 0.0) > mine]
        share = len(worse) / len(deps)
        if worse and share > share_limit:
            worse = facts.in_order(worse)
            yield Hit(
                components=(cid, *worse),
                key=(cid,),
                message=(
                    f"{ctx.name(cid)} (instability {num(mine)}) depends on "
                    f"{len(worse)} of its {len(deps)} dependencies that are less stable than "
                    f"itself: "
                    + ", ".join(f"{ctx.name(d)} ({num(inst[d])})" for d in worse[:8])
                    + "."
                ),
                evidence={
                    "instability": round(mine, 3),
                    "less_stable": {d: round(inst[d] or 0.0, 3) for d in worse},
                    "share": round(share, 3),
                },
            )
