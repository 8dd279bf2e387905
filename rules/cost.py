"""Cost management: unbounded autoscaling, oversized fleets, work that could run on spot
capacity and components nothing uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from archrev.model.types import Component, Kind
from archrev.rules.deployment import deployment
from archrev.rules.facts import Facts, bounded
from archrev.rules.findings import Severity
from archrev.rules.rulebook import (
    Hit,
    Principle,
    RuleContext,
    Threshold,
    kind_noun,
    num,
    pct,
    plural,
    rule,
)

CATEGORY = "cost"

# Messages and evidence that take real formatting are handed to the engine as small functions
# with their arguments, `(describe, ctx, comp)`: it renders them only for the findings someone
# reads.

# How far a cheap reject keeps from the limit: the exact figure decides within rounding of it.
_ROUNDING = 1e-9


def _growth_to_horizon(facts: Facts, cid: str, seen: dict[float, float]) -> float:
    """The factor between `cid`'s load now and its projected load at the horizon
    (`Facts.projected_load`); `seen` keeps it per growth rate, as most components share the
    system's."""
    growth = facts.growth(cid)
    factor = seen.get(growth)
    if factor is None:
        factor = seen[growth] = (1.0 + growth) ** (facts.horizon / 4)
    return factor


@rule(
    id="CST-UNBOUNDED",
    title="Autoscaling without a maximum",
    category=CATEGORY,
    principle=Principle.COST_MANAGEMENT,
    severity=Severity.MEDIUM,
    rationale="""An autoscaler without a ceiling turns a traffic spike, a retry storm or a bug
    into an unbounded bill, and pushes the overload onto its dependencies instead of shedding
    it.""",
    remediation="""Set `autoscaling.max` to what the budget and the downstream capacity allow, and
    alert when it is reached.""",
)
def unbounded(ctx: RuleContext) -> Iterator[Hit]:
    for cid, least in deployment(ctx.facts).unbounded:  # autoscalers without a max
        yield Hit(
            components=(cid,),
            message=(_unbounded_message, ctx, cid, least),
            evidence={"autoscaling_min": least},
        )


def _unbounded_message(ctx: RuleContext, cid: str, least: int) -> str:
    return (
        f"{ctx.name(cid)} autoscales from {least} replicas with "
        "no maximum: a spike or a bug scales its bill without limit."
    )


@rule(
    id="CST-OVERSIZED",
    title="Oversized for its projected peak",
    category=CATEGORY,
    principle=Principle.COST_MANAGEMENT,
    severity=Severity.LOW,
    rationale="""A fleet of stateless compute (services, workers, functions, gateways, models)
    that stays at or below 20 % utilization even at the projected peak at the end of the
    horizon pays for capacity it will not use. Stores and brokers are left out: their replicas
    are for durability.""",
    remediation="""Right-size it: smaller instances, fewer replicas beyond what redundancy needs,
    or an autoscaler with a lower floor.""",
    thresholds=[
        Threshold("utilization", 0.2, "projected peak utilization at or below which it triggers"),
        Threshold("min_replicas", 2, "replicas from which it applies"),
    ],
)
def oversized(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    if facts.entering_rps <= 0:
        return  # no load in the model, so no utilization to judge by
    limit = ctx.threshold("utilization")
    floor = ctx.threshold("min_replicas")
    horizon = facts.horizon
    comps, load, capacity = facts.components, facts.load, facts.capacity
    traits = deployment(facts)
    autoscaled = frozenset(traits.autoscaled)
    growth_seen: dict[float, float] = {}
    busy = limit + abs(limit) * _ROUNDING
    # Stateless compute the team sizes, with a capacity_rps (managed stores and brokers keep
    # replicas for durability, not load), read in the shared pass over the components.
    for cid, per_replica, instances in traits.fleets:  # in model order
        if instances < floor:
            continue
        if instances == 0:
            continue  # nothing runs (a policy may set min_replicas to 0): no fleet to trim
        # A fixed fleet always runs its whole capacity: busy at the horizon, it is not
        # oversized (a cheap reject before the projection).
        cap = capacity[cid]
        if cap and cid not in autoscaled:
            growth = _growth_to_horizon(facts, cid, growth_seen)
            if bounded(load[cid] * growth) / cap > busy:
                continue
        running = bounded(per_replica * instances)  # the fleet that always runs
        peak = facts.projected_load(cid, horizon) / running
        if peak > limit:
            continue
        yield Hit(
            components=(cid,),
            message=(_oversized_message, ctx, comps[cid], peak),
            evidence=(_oversized_evidence, instances, peak),
        )


def _oversized_message(ctx: RuleContext, comp: Component, peak: float) -> str:
    facts = ctx.facts
    return (
        f"{ctx.name(comp.id)} runs {comp.instances} replicas of {num(comp.capacity_rps)} "
        f"rps but its projected peak in quarter {facts.horizon} uses only {pct(peak)} "
        f"of them ({num(facts.projected_load(comp.id, facts.horizon), 1)} rps)."
    )


def _oversized_evidence(instances: int, peak: float) -> dict[str, Any]:
    return {"instances": instances, "projected_peak_utilization": round(peak, 3)}


_SPOT_KINDS = frozenset({Kind.WORKER, Kind.FUNCTION})


@rule(
    id="CST-SPOT",
    title="Interruptible work on on-demand capacity",
    category=CATEGORY,
    principle=Principle.COST_MANAGEMENT,
    severity=Severity.LOW,
    rationale="""Non-critical, stateless workers, functions and batch jobs can be interrupted and
    retried; spot or preemptible capacity (or serverless) runs them for a fraction of the
    on-demand price.""",
    remediation="""Run it on spot/preemptible nodes (with graceful shutdown and idempotent work)
    or on a serverless platform, and set `spot: true` or `serverless: true`.""",
)
def spot(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    comps = facts.components
    for cid in facts.in_order(facts.non_critical):
        comp = comps[cid]
        if comp.is_stateful or comp.spot or comp.serverless:
            continue
        if comp.kind not in _SPOT_KINDS and "batch" not in comp.tags:
            continue
        yield Hit(components=(comp.id,), message=(_spot_message, ctx, comp))


def _spot_message(ctx: RuleContext, comp: Component) -> str:
    return (
        f"{ctx.name(comp.id)} is a non-critical, stateless "
        f"{kind_noun(comp.kind)} running on on-demand capacity; "
        "it could run on spot or serverless."
    )


@rule(
    id="CST-IDLE",
    title="Nothing uses it",
    category=CATEGORY,
    principle=Principle.COST_MANAGEMENT,
    severity=Severity.LOW,
    rationale="""A component that no other component links to and that receives no traffic of
    its own (not an entry point) either costs money for nothing or is missing a link in the
    model.""",
    remediation="""Retire it; or, if something does use it, add the link (or its `peak_rps` if
    traffic enters the system there, e.g. a scheduled job).""",
)
def idle(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    comps, entry_points, succ = facts.components, facts.entry_points, facts.succ
    for cid, callers in facts.pred.items():  # in model order
        if callers or cid in entry_points:
            continue
        if comps[cid].kind == Kind.CLIENT:
            continue  # a client that is no entry point sends test traffic: it runs on purpose
        out = len(succ[cid])
        yield Hit(
            components=(cid,),
            message=(_idle_message, ctx, cid, out),
            evidence={"fan_out": out},
        )


def _idle_message(ctx: RuleContext, cid: str, out: int) -> str:
    return (
        f"Nothing links to {ctx.name(cid)} and it is not an entry point"
        + (f" (it links to {plural(out, 'other')})" if out else "")
        + ": it is unused, or the model misses its caller."
    )
