"""Async processing: slow or non-critical work held in the request path, latency budgets
and queues nobody writes to or reads from."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from archrev.model.types import MESSAGING_KINDS, Component, Kind, Link
from archrev.rules.deployment import deployment
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, num, plural, rule

CATEGORY = "async processing"

_BATCH_KINDS = frozenset({Kind.WORKER, Kind.ML_MODEL})


@rule(
    id="ASY-SLOW-SYNC",
    title="Slow work in the request path",
    category=CATEGORY,
    principle=Principle.ASYNC_PROCESSING,
    severity=Severity.MEDIUM,
    rationale="""A request that waits synchronously on a slow call (p95 of a second or more) or on
    a batch component (a worker, or an ML model tagged `batch`) holds a thread, a connection and
    the user for that long; under load the waiting requests pile up faster than they finish.""",
    remediation="""Accept the request, put the slow work on a queue and answer with a job id or
    a callback; or precompute the result ahead of time.""",
    thresholds=[Threshold("latency_ms", 1000, "p95 latency at or above which a call is slow")],
)
def slow_sync(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    comps = facts.components
    limit = ctx.threshold("latency_ms")
    serving, messaging = facts.serving_path, facts.messaging
    # judged once per component rather than once per link into it: slow (latencies read in
    # the shared pass over the components), or a batch component
    slow_ids = {cid for cid, latency in deployment(facts).timed if latency >= limit}
    batch_ids = set(facts.of_kind(Kind.WORKER))
    batch_ids.update(cid for cid in facts.of_kind(Kind.ML_MODEL) if "batch" in comps[cid].tags)
    waited_on = slow_ids | batch_ids
    for source, target_id in facts.required_sync:
        if target_id not in waited_on or source not in serving or source in messaging:
            continue
        yield Hit(  # components, message, evidence (many hits: positional)
            (source, target_id),
            (_slow_sync_message, ctx, source, target_id, target_id in slow_ids),
            (_slow_sync_evidence, comps[target_id]),
        )


def _slow_sync_message(ctx: RuleContext, source: str, target_id: str, slow: bool) -> str:
    target = ctx.facts.components[target_id]
    why = (
        f"p95 {num(target.latency_ms)} ms"
        if slow
        else f"a batch {target.kind.value.replace('_', ' ')}"
    )
    return (
        f"{ctx.name(source)} waits synchronously on {ctx.name(target_id)} "
        f"({why}) while serving a request."
    )


def _slow_sync_evidence(target: Component) -> dict[str, Any]:
    return {"latency_ms": target.latency_ms, "kind": target.kind.value}


@rule(
    id="ASY-NONCRITICAL-SYNC",
    title="Critical component waits on a non-critical one",
    category=CATEGORY,
    principle=Principle.ASYNC_PROCESSING,
    severity=Severity.MEDIUM,
    rationale="""When a critical component synchronously requires a non-critical one, the
    non-critical component (run with less care, fewer replicas, looser alerts) decides the
    availability of the critical path.""",
    remediation="""Send the call asynchronously (an event or a queue the non-critical service
    consumes), or make it optional with a timeout and mark the link `required: false`.""",
)
def noncritical_sync(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    critical, non_critical, succ = facts.critical, facts.non_critical, facts.succ
    for source, target in facts.required_sync:
        # a tenth of the components are critical: the test that rules out most goes first
        if source in critical and target in non_critical:
            link: Link = succ[source][target]  # type: ignore[assignment]
            yield Hit(
                components=(source, target),
                message=(_noncritical_message, ctx, source, target),
                evidence=(_noncritical_evidence, link),
            )


def _noncritical_evidence(link: Link) -> dict[str, Any]:
    return {"protocol": link.protocol, "timeout_ms": link.timeout_ms}


def _noncritical_message(ctx: RuleContext, source: str, target: str) -> str:
    return (
        f"{ctx.name(source)} is critical but requires a synchronous call to "
        f"{ctx.name(target)}, which is non-critical: when "
        f"{ctx.name(target)} is down or slow, {ctx.name(source)} fails too."
    )


@rule(
    id="ASY-LATENCY",
    title="Latency objective exceeded by the synchronous path",
    category=CATEGORY,
    principle=Principle.ASYNC_PROCESSING,
    severity=Severity.MEDIUM,
    rationale="""Summed along the slowest synchronous chain from an entry point, the components'
    p95 latencies exceed the system's latency objective, so the objective cannot be met even
    before queueing and retries. High when the chain takes more than twice the objective.""",
    remediation="""Call independent services in parallel, cache or precompute the slow steps,
    or move steps the response does not need behind a queue.""",
)
def latency_budget(ctx: RuleContext) -> Iterator[Hit]:
    slo = ctx.model.system.latency_slo_ms
    if slo is None:
        return
    facts = ctx.facts
    for ep in facts.entry_point_list:
        chain = facts.slowest_sync_chain(ep)
        if chain.latency_ms <= slo:
            continue
        n = len(chain.unknown_latency)
        unknown = (
            f" ({plural(n, 'component')} on the path "
            f"{'has' if n == 1 else 'have'} no latency_ms, counted as 0 ms)"
            if n
            else ""
        )
        yield Hit(
            components=chain.path,
            key=(ep,),
            message=(
                f"The slowest synchronous path from {ctx.name(ep)} takes "
                f"{num(chain.latency_ms)} ms at p95, over the {num(slo)} ms objective: "
                f"{' -> '.join(chain.path)}{unknown}."
            ),
            evidence={
                "latency_ms": chain.latency_ms,
                "slo_ms": slo,
                "path": list(chain.path),
                "unknown_latency": list(chain.unknown_latency),
            },
            severity=Severity.HIGH if chain.latency_ms > 2 * slo else None,
        )


@rule(
    id="ASY-QUEUE-ORPHAN",
    title="Queue without producers or consumers",
    category=CATEGORY,
    principle=Principle.ASYNC_PROCESSING,
    severity=Severity.MEDIUM,
    rationale="""A queue or stream nobody writes to is dead weight; one nobody reads from grows
    until it is full and then loses messages or blocks its producers. Either way the model (or
    the system) is missing a piece.""",
    remediation="""Add the missing producer or consumer to the model (links point producer ->
    queue -> consumer), or retire the queue.""",
)
def queue_orphans(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    pred, succ = facts.pred, facts.succ
    for cid in facts.of_kind(*MESSAGING_KINDS):
        producers, consumers = pred[cid], succ[cid]
        if producers and consumers:
            continue
        if not producers and not consumers:
            what = "has neither producers nor consumers"
        elif not producers:
            what = "has no producers (nothing links to it)"
        else:
            what = "has no consumers (it links to nothing): messages pile up"
        yield Hit(
            components=(cid,),
            message=(_orphan_message, ctx, cid, what),
            evidence={"producers": len(producers), "consumers": len(consumers)},
        )


def _orphan_message(ctx: RuleContext, cid: str, what: str) -> str:
    return f"{ctx.name(cid)} ({ctx.facts.components[cid].kind.value}) {what}."
