"""Coupling rules (modular design): cycles, fan-out, fan-in, hubs, shared data, long
synchronous chains and dependencies on less stable components."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain
from typing import Any

from archrev.model.types import DATASTORE_KINDS, MESSAGING_KINDS, Kind
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
# Meant to be shared: left out of the fan-in rule.
_SHARED_KINDS = frozenset(DATASTORE_KINDS | MESSAGING_KINDS)


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
    succ, sync_targets = facts.succ, facts.sync_targets
    for members in facts.cycles:
        inside = set(members)
        # counted in C: a cycle can hold a thousand components; the links themselves and a
        # loop through them are only listed when the finding is shown
        is_inside = inside.__contains__
        n_links = sum(map(is_inside, chain.from_iterable([succ[s] for s in members])))
        sync = sum(map(is_inside, chain.from_iterable([sync_targets[s] for s in members])))
        all_sync = sync == n_links
        yield Hit(
            components=members,
            message=(_cycle_message, members, succ, n_links, sync),
            evidence=(_cycle_evidence, members, succ, sync),
            severity=Severity.HIGH if all_sync else None,
        )


def _cycle_message(
    members: tuple[str, ...], succ: dict[str, dict[str, object]], n_links: int, sync: int
) -> str:
    all_sync = sync == n_links
    loop = _one_loop(members, succ)
    shown = " -> ".join([*loop, loop[0]])
    kind = "all synchronous" if all_sync else f"{sync} synchronous"
    return (
        f"{plural(len(members), 'component')} depend on each other in a cycle "
        f"({plural(n_links, 'link')}, {kind}): {shown}."
        + (" A request can wait on itself." if all_sync else "")
    )


def _cycle_evidence(
    members: tuple[str, ...], succ: dict[str, dict[str, object]], sync: int
) -> dict[str, Any]:
    inside = set(members)
    return {
        "members": list(members),
        "links": [f"{s}->{t}" for s in members for t in succ[s] if t in inside],
        "sync_links": sync,
        "cycle": _one_loop(members, succ),
    }


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
                message=(_fan_out_message, ctx, cid, targets),
                evidence=(_fan_out_evidence, targets, limit),
            )


def _fan_out_message(ctx: RuleContext, cid: str, targets: tuple[str, ...]) -> str:
    return (
        f"{ctx.name(cid)} calls {len(targets)} components synchronously: "
        f"{ctx.names(targets, 12)}. Its availability is at most the product of "
        f"theirs, and any of them can stall it."
    )


def _fan_out_evidence(targets: tuple[str, ...], limit: float) -> dict[str, Any]:
    return {"sync_targets": list(targets), "count": len(targets), "limit": limit}


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
    shared = facts.of_kinds_set(*_SHARED_KINDS)
    for cid, pred in facts.pred.items():
        if len(pred) < limit or cid in shared:
            continue
        callers = facts.in_order(pred)
        yield Hit(
            components=(cid, *callers),
            key=(cid,),
            message=(_fan_in_message, ctx, cid, callers),
            evidence=(_fan_in_evidence, callers, limit),
        )


def _fan_in_message(ctx: RuleContext, cid: str, callers: list[str]) -> str:
    return (
        f"{ctx.name(cid)} is called directly by {len(callers)} components: "
        f"{ctx.names(callers, 12)}. Any change to it must suit them all."
    )


def _fan_in_evidence(callers: list[str], limit: float) -> dict[str, Any]:
    return {"callers": callers, "count": len(callers), "limit": limit}


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
    succ = facts.succ
    lo_in, lo_out = ctx.threshold("min_fan_in"), ctx.threshold("min_fan_out")
    for cid, pred in facts.pred.items():
        fi = len(pred)  # fan-in and fan-out, read here rather than by a call per component
        if fi >= lo_in:
            fo = len(succ[cid])
            if fo >= lo_out:
                yield Hit(
                    components=(cid,),
                    message=(_hub_message, ctx, cid, fi, fo),
                    evidence={"fan_in": fi, "fan_out": fo},
                )


def _hub_message(ctx: RuleContext, cid: str, fi: int, fo: int) -> str:
    return (
        f"{ctx.name(cid)} is a hub: {fi} components call it and it depends on {fo} "
        f"others. Changes on either side ripple through it."
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
    # a set of ids rather than each caller's pydantic `kind`: thousands of callers are asked
    writers = facts.of_kinds_set(*_WRITERS)
    pred = facts.pred
    for cid in facts.of_kind(*STORE_KINDS):
        users = [p for p in pred[cid] if p in writers]
        if len(users) >= limit:
            users = facts.in_order(users)
            yield Hit(
                components=(cid, *users),
                key=(cid,),
                message=(_shared_data_message, ctx, cid, users),
                evidence={"users": users, "count": len(users)},
            )


def _shared_data_message(ctx: RuleContext, cid: str, users: list[str]) -> str:
    return (
        f"{ctx.name(cid)}, {with_article(kind_noun(ctx.facts.components[cid].kind))}, is used "
        f"directly by {plural(len(users), 'component')}: {ctx.names(users)}. "
        "Its schema couples them."
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
    height, longest, beyond = facts.sync_height, facts.longest_sync_path, facts.sync_beyond
    for ep in facts.entry_point_list:
        # the hops of the longest chain from it, before following (or timing) its path
        if height(ep) <= limit:
            continue
        path = longest(ep)
        deep = beyond(ep, int(limit))
        others = [c for c in deep if c != path[-1]]
        on_path = set(path)
        yield Hit(
            components=(*path, *(c for c in others if c not in on_path)),
            key=(ep,),
            message=(_chain_message, ctx, ep, path, others, limit),
            evidence=(_chain_evidence, ep, path, deep),
        )


def _chain_message(
    ctx: RuleContext, ep: str, path: tuple[str, ...], others: list[str], limit: float
) -> str:
    return (
        f"A request entering at {ctx.name(ep)} passes up to {len(path) - 1} synchronous "
        f"hops (more than {num(limit)}): {' -> '.join(path)}"
        + (f"; also more than {num(limit)} hops away: {ctx.names(others, 6)}." if others else ".")
    )


def _chain_evidence(ep: str, path: tuple[str, ...], deep: list[str]) -> dict[str, Any]:
    return {"entry_point": ep, "hops": len(path) - 1, "path": list(path), "beyond_limit": deep}


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
    pred = facts.pred
    # routing to volatile services is what gateways and queues are for
    skipped = facts.of_kinds_set(*_ROUTERS, *MESSAGING_KINDS)
    order = facts.order_index.__getitem__  # in model order, like facts.in_order
    # succ, pred and instability list the components in model order: zipped rather than
    # looked up, over every component
    for (cid, deps), callers, mine in zip(
        facts.succ.items(), pred.values(), inst.values(), strict=True
    ):
        if not deps or not callers or cid in skipped:
            continue
        # With a dependency and a dependent, neither its instability nor any dependency's
        # (which has it as a dependent) is None.
        worse = [d for d in deps if inst[d] > mine]  # type: ignore[operator]
        if not worse:
            continue
        share = len(worse) / len(deps)
        if share > share_limit:
            if len(worse) > 1:  # most have one; sorted in place, the list being new
                worse.sort(key=order)
            yield Hit(
                components=(cid, *worse),
                key=(cid,),
                message=(_unstable_message, ctx, cid, worse, len(deps)),
                evidence=(_unstable_evidence, inst, cid, worse, share),
            )


def _unstable_message(ctx: RuleContext, cid: str, worse: list[str], n_deps: int) -> str:
    inst, labels = ctx.facts.instability, ctx.facts.labels
    return (
        f"{labels[cid]} (instability {num(inst[cid])}) depends on "
        f"{len(worse)} of its {n_deps} dependencies that are less stable than "
        f"itself: " + ", ".join([f"{labels[d]} ({num(inst[d])})" for d in worse[:8]]) + "."
    )


def _unstable_evidence(
    inst: dict[str, float | None], cid: str, worse: list[str], share: float
) -> dict[str, Any]:
    return {
        "instability": round(inst[cid], 3),  # type: ignore[arg-type]
        "less_stable": {d: round(inst[d], 3) for d in worse},  # type: ignore[arg-type]
        "share": round(share, 3),
    }
