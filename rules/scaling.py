"""Scaling hotspots (horizontal scaling): utilization now and projected, autoscaling
ceilings, fixed fleets under peaky traffic, stateful bottlenecks, amplification and the
components whose capacity nobody wrote down."""

from __future__ import annotations

from collections.abc import Iterator

from archrev.model.types import Component, Kind
from archrev.rules.facts import NUMBER_LIMIT, Facts, bounded
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, num, pct, rule

CATEGORY = "scaling hotspots"


def _capacity_text(comp: Component, facts: Facts) -> str:
    cap = facts.capacity[comp.id]
    if comp.autoscaling is not None:
        return (
            f"{num(cap)} rps ({num(comp.capacity_rps)} per replica x autoscaling max "
            f"{comp.autoscaling.max})"
        )
    return f"{num(cap)} rps ({num(comp.capacity_rps)} per replica x {comp.replicas})"


def _series(values: list[float]) -> list[float]:
    return [round(v, 3) for v in values]


def no_instance(comp: Component) -> bool:
    """Deployed by the team with `replicas: 0` and no autoscaler: nothing runs at all."""
    return (
        comp.replicas == 0
        and comp.autoscaling is None
        and comp.kind not in (Kind.CLIENT, Kind.EXTERNAL)
        and not comp.serverless
    )


def _no_instance_hit(ctx: RuleContext, comp: Component) -> Hit:
    load = ctx.facts.load[comp.id]
    demand = f"{num(load, 1)} rps at peak" if load > 0 else "requests"
    return Hit(
        components=(comp.id,),
        message=(
            f"{ctx.name(comp.id)} has no running instance (replicas: 0, no autoscaling) but "
            f"receives {demand}: every request that needs it fails."
        ),
        evidence={
            "load_rps": round(load, 3),
            "capacity_rps": 0,
            "replicas": 0,
            "no_running_instance": True,
        },
        severity=Severity.CRITICAL,
    )


@rule(
    id="SCL-UTIL",
    title="Running hot now",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.HIGH,
    rationale="""Past about 80 % utilization queueing delay grows steeply and a traffic spike or
    the loss of one replica pushes the component over its capacity. Critical when the modelled
    peak load already exceeds capacity, or when the component receives traffic with no running
    instance at all (`replicas: 0` and no autoscaler).""",
    remediation="""Add replicas or raise the autoscaling max, make each call cheaper, or shed
    load in front of it (cache, rate limit, queue).""",
    thresholds=[Threshold("utilization", 0.8, "utilization now at or above which it triggers")],
)
def hot_now(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("utilization")
    below_limit = f" (limit {pct(limit)})."  # the same in every message
    for comp in ctx.model.components:
        if no_instance(comp) and (facts.load[comp.id] > 0 or comp.id in facts.serving_path):
            yield _no_instance_hit(ctx, comp)
            continue
        util = facts.utilization(comp.id)
        if util is None or util[0] < limit:
            continue
        more = "more than " if comp.id in facts.overflowed else ""
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} takes {more}{num(facts.load[comp.id], 1)} rps at peak "
                f"against a capacity of {_capacity_text(comp, facts)}: utilization "
                f"{'at least ' if more else ''}{pct(util[0])} now"
                + (", over capacity." if util[0] >= 1.0 else below_limit)
            ),
            evidence={
                "load_rps": round(facts.load[comp.id], 3),
                "capacity_rps": facts.capacity[comp.id],
                "utilization": round(util[0], 3),
                # the load multiplied past what the analysis carries: figures are floors
                **({"load_bounded_at": NUMBER_LIMIT} if more else {}),
            },
            severity=Severity.CRITICAL if util[0] >= 1.0 else None,
        )


@rule(
    id="SCL-RUNWAY",
    title="Runs out of headroom within the horizon",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.LOW,
    rationale="""With the expected growth the component reaches the utilization threshold within
    the forecast horizon; scaling work (sharding, re-architecture, procurement) takes quarters,
    so it has to start before the runway ends. High when the runway is 2 quarters or less,
    medium when 4 or less, low beyond.""",
    remediation="""Plan the capacity work now: raise replicas or the autoscaling max if the
    component scales out, otherwise schedule the redesign before the runway quarter.""",
    thresholds=[
        Threshold("utilization", 0.8, "utilization that ends the runway"),
        Threshold("high_quarters", 2, "runway at or below which the finding is high"),
        Threshold("medium_quarters", 4, "runway at or below which the finding is medium"),
    ],
)
def runway(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("utilization")
    high, medium = ctx.threshold("high_quarters"), ctx.threshold("medium_quarters")
    for comp in ctx.model.components:
        util = facts.utilization(comp.id)
        if util is None:
            continue
        quarter = facts.runway(comp.id, limit)
        if quarter is None or quarter == 0:
            continue  # already hot: SCL-UTIL says so
        severity = (
            Severity.HIGH
            if quarter <= high
            else (Severity.MEDIUM if quarter <= medium else Severity.LOW)
        )
        growth = facts.growth(comp.id)
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} reaches {pct(limit)} utilization in quarter {quarter} "
                f"(from {pct(util[0])} now, growing {pct(growth)} a year, capacity "
                f"{_capacity_text(comp, facts)})."
            ),
            evidence={
                "runway_quarter": quarter,
                "utilization_per_quarter": _series(util),
                "growth_per_year": growth,
            },
            severity=severity,
        )


@rule(
    id="SCL-CEILING",
    title="Autoscaling ceiling too low",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.HIGH,
    rationale="""An autoscaler only helps up to its max: when the projected peak needs more
    replicas than the max allows, the component saturates however well the autoscaler works.""",
    remediation="""Raise the autoscaling max (and check the quotas and the downstream capacity
    that the extra replicas will need), or make each request cheaper.""",
    thresholds=[
        Threshold("utilization", 1.0, "projected utilization at max replicas that triggers")
    ],
)
def ceiling(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("utilization")
    for comp in ctx.model.components:
        if comp.autoscaling is None or comp.autoscaling.max is None:
            continue
        util = facts.utilization(comp.id)
        if util is None or util[-1] < limit:
            continue
        quarter = next(q for q, u in enumerate(util) if u >= limit)
        needed = bounded(facts.projected_load(comp.id, facts.horizon) / (comp.capacity_rps or 1.0))
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} cannot carry its projected peak: at autoscaling max "
                f"{comp.autoscaling.max} it reaches {pct(util[quarter])} in quarter {quarter}, "
                f"and by quarter {facts.horizon} it would need about {needed:.0f} replicas."
            ),
            evidence={
                "autoscaling_max": comp.autoscaling.max,
                "quarter": quarter,
                "replicas_needed_at_horizon": round(needed, 1),
                "utilization_per_quarter": _series(util),
            },
        )


_SCALABLE = frozenset({Kind.SERVICE, Kind.WORKER, Kind.FUNCTION, Kind.GATEWAY, Kind.ML_MODEL})


@rule(
    id="SCL-NO-AUTOSCALE",
    title="Fixed replicas under peaky traffic",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.LOW,
    rationale="""When peak traffic is several times the average, a fixed fleet is either sized
    for the peak (and idle most of the day) or for the average (and overrun at peak). A
    stateless component can follow the load instead.""",
    remediation="""Add an autoscaler (HPA, target tracking) with a floor for redundancy and a
    ceiling the dependencies can carry.""",
    thresholds=[
        Threshold("peak_to_average", 2, "system peak/average ratio at or above which it applies")
    ],
)
def no_autoscale(ctx: RuleContext) -> Iterator[Hit]:
    ratio = ctx.model.system.peak_to_average
    if ratio < ctx.threshold("peak_to_average"):
        return
    for comp in ctx.model.components:
        if comp.kind not in _SCALABLE or comp.is_stateful or comp.serverless:
            continue
        if comp.autoscaling is not None:
            continue
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} is stateless but runs a fixed fleet of "
                f"{comp.replicas} replica{'s' if comp.replicas != 1 else ''} while the "
                f"system's peak traffic is {num(ratio)}x its average."
            ),
            evidence={"replicas": comp.replicas, "peak_to_average": ratio},
        )


@rule(
    id="SCL-STATEFUL",
    title="Stateful bottleneck",
    category=CATEGORY,
    principle=Principle.DATABASE_SCALING,
    severity=Severity.HIGH,
    rationale="""A stateful component that is neither sharded nor read-replicated can only grow
    by a bigger machine; once the projection passes its capacity there is no quick fix.""",
    remediation="""Add read replicas for the reads, shard or partition for the writes, or move
    the hot data to a cache or a store built to scale out.""",
    thresholds=[Threshold("utilization", 1.0, "projected utilization that triggers")],
)
def stateful_bottleneck(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("utilization")
    for comp in ctx.model.components:
        if not comp.is_stateful or comp.sharded or comp.read_replicas > 0:
            continue
        if comp.kind in (Kind.CLIENT, Kind.EXTERNAL):
            continue
        util = facts.utilization(comp.id)
        if util is None or util[-1] < limit:
            continue
        quarter = next(q for q, u in enumerate(util) if u >= limit)
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} keeps state and is neither sharded nor read-replicated; "
                f"its projected load passes its capacity ({pct(util[quarter])}) "
                + ("now." if quarter == 0 else f"in quarter {quarter}.")
            ),
            evidence={"quarter": quarter, "utilization_per_quarter": _series(util)},
        )


@rule(
    id="SCL-AMPLIFY",
    title="Traffic amplification",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.MEDIUM,
    rationale="""A component that receives many times the traffic entering the system is where
    fan-out and per-request call counts multiply; it grows faster than the business and is
    usually the first to saturate.""",
    remediation="""Batch or cache the repeated calls (N+1 queries, per-item lookups), or
    denormalise so that one request needs fewer calls.""",
    thresholds=[Threshold("factor", 10, "load / traffic entering the system that triggers")],
)
def amplification(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    entering = facts.entering_rps
    if entering <= 0:
        return
    factor = ctx.threshold("factor")
    entering_text = num(entering, 1)  # the same in every message
    for cid, load in facts.load.items():  # in model order
        ratio = load / entering
        if ratio >= factor:
            yield Hit(
                components=(cid,),
                message=(
                    f"{ctx.name(cid)} receives {num(load, 1)} rps at peak, "
                    f"{num(ratio, 1)}x the {entering_text} rps entering the system."
                ),
                evidence={
                    "load_rps": round(load, 3),
                    "entering_rps": entering,
                    "factor": round(ratio, 2),
                },
            )


@rule(
    id="SCL-UNKNOWN",
    title="Capacity unknown on the serving path",
    category=CATEGORY,
    principle=Principle.MONITORING,
    severity=Severity.LOW,
    rationale="""Without `capacity_rps` the runway of a component that holds up requests cannot
    be forecast, so it can saturate without any rule noticing. Making the gap visible is the
    first step to closing it.""",
    remediation="""Load-test it or read its saturation point from production metrics, and set
    `capacity_rps` (requests per second one replica serves).""",
)
def unknown_capacity(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    for cid in facts.serving_in_order:
        comp = facts.components[cid]
        if comp.kind == Kind.CLIENT or comp.capacity_rps is not None:
            continue
        yield Hit(
            components=(cid,),
            message=(
                f"{ctx.name(cid)} holds up requests"
                + (f" (peak load {num(facts.load[cid], 1)} rps)" if facts.entering_rps else "")
                + " but has no capacity_rps: its runway cannot be forecast."
            ),
            evidence={"load_rps": round(facts.load[cid], 3)},
        )
