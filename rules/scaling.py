"""Scaling hotspots (horizontal scaling): utilization now and projected, autoscaling
ceilings, fixed fleets under peaky traffic, stateful bottlenecks, amplification and the
components whose capacity nobody wrote down.

A large model gives thousands of hits: each check decides cheaply which components it flags
and hands the engine its message and evidence as small functions with their arguments,
`(describe, ctx, cid)`, so that the numbers are formatted only for the findings someone reads."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from archrev.model.types import Component, Kind
from archrev.rules.deployment import deployment
from archrev.rules.facts import NUMBER_LIMIT, Facts, bounded
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, num, pct, rule

CATEGORY = "scaling hotspots"

# A component's projected utilization in quarter q is its utilization now times its growth
# compounded over q quarters (`Facts.utilization`). The checks decide from those two and leave
# the per-quarter series to the messages and evidence, built when someone reads them; where a
# figure lands within rounding of the limit, the series decides.
_ROUNDING = 1e-9


def growth_per_quarter(facts: Facts, cid: str, seen: dict[float, list[float]]) -> list[float]:
    """The factor between `cid`'s utilization now and in each quarter 0 .. horizon; `seen`
    keeps them per growth rate, as most components share the system's."""
    growth = facts.growth(cid)
    factors = seen.get(growth)
    if factors is None:
        step = (1.0 + growth) ** 0.25
        factors = seen[growth] = [step**q for q in range(facts.horizon + 1)]
    return factors


def reaches_at_horizon(
    facts: Facts, cid: str, now: float, limit: float, seen: dict[float, list[float]]
) -> bool:
    """Whether `cid`'s projected utilization at the horizon (the last of
    `facts.utilization(cid)`) reaches `limit`, from its utilization `now`."""
    at_horizon = now * growth_per_quarter(facts, cid, seen)[-1]
    margin = abs(limit) * _ROUNDING
    if at_horizon < limit - margin:
        return False
    if at_horizon >= limit + margin:
        return True
    util = facts.utilization(cid)
    return util is not None and util[-1] >= limit


def first_quarter_reaching(
    facts: Facts, cid: str, now: float, limit: float, seen: dict[float, list[float]]
) -> int | None:
    """The first quarter whose projected utilization reaches `limit`, from `cid`'s
    utilization `now` (`facts.runway(cid, limit)`); None when none does within the horizon."""
    factors = growth_per_quarter(facts, cid, seen)
    margin = abs(limit) * _ROUNDING
    if now * max(factors[0], factors[-1]) < limit - margin:
        return None  # growing or shrinking, it peaks now or at the horizon
    for quarter, factor in enumerate(factors):
        projected = now * factor
        if projected >= limit + margin:
            return quarter
        if projected >= limit - margin:
            return facts.runway(cid, limit)  # too close to call
    return None


def first_quarter_at(util: list[float], limit: float) -> int:
    """The first quarter whose utilization reaches `limit` (the caller knows one does)."""
    return next(q for q, u in enumerate(util) if u >= limit)


def utilization_series(facts: Facts, cid: str) -> list[float]:
    """The per-quarter utilization of a component a check found to have one."""
    util = facts.utilization(cid)
    assert util is not None  # it has a capacity
    return util


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


def _no_instance_message(ctx: RuleContext, cid: str) -> str:
    load = ctx.facts.load[cid]
    demand = f"{num(load, 1)} rps at peak" if load > 0 else "requests"
    return (
        f"{ctx.name(cid)} has no running instance (replicas: 0, no autoscaling) but "
        f"receives {demand}: every request that needs it fails."
    )


def _no_instance_evidence(facts: Facts, cid: str) -> dict[str, Any]:
    return {
        "load_rps": round(facts.load[cid], 3),
        "capacity_rps": 0,
        "replicas": 0,
        "no_running_instance": True,
    }


def _hot_message(ctx: RuleContext, cid: str, now: float, limit: float) -> str:
    facts = ctx.facts
    more = "more than " if cid in facts.overflowed else ""
    return (
        f"{ctx.name(cid)} takes {more}{num(facts.load[cid], 1)} rps at peak "
        f"against a capacity of {_capacity_text(facts.components[cid], facts)}: utilization "
        f"{'at least ' if more else ''}{pct(now)} now"
        + (", over capacity." if now >= 1.0 else f" (limit {pct(limit)}).")
    )


def _hot_evidence(facts: Facts, cid: str, now: float) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "load_rps": round(facts.load[cid], 3),
        "capacity_rps": facts.capacity[cid],
        "utilization": round(now, 3),
    }
    if cid in facts.overflowed:
        # the load multiplied past what the analysis carries: figures are floors
        evidence["load_bounded_at"] = NUMBER_LIMIT
    return evidence


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
    comps, load, serving = facts.components, facts.load, facts.serving_path
    no_replicas = deployment(facts).no_replicas
    for cid, cap in facts.capacity.items():  # in model order
        if not cap:
            # no capacity to divide by: unknown, unbounded, or no instance at all
            if cid in no_replicas and no_instance(comps[cid]) and (load[cid] > 0 or cid in serving):
                yield Hit(
                    components=(cid,),
                    message=(_no_instance_message, ctx, cid),
                    evidence=(_no_instance_evidence, facts, cid),
                    severity=Severity.CRITICAL,
                )
            continue
        now = load[cid] / cap  # utilization now: quarter 0 of facts.utilization(cid)
        if now < limit:
            continue
        yield Hit(  # components, message, evidence, severity (see amplification)
            (cid,),
            (_hot_message, ctx, cid, now, limit),
            (_hot_evidence, facts, cid, now),
            Severity.CRITICAL if now >= 1.0 else None,
        )


def _runway_message(ctx: RuleContext, comp: Component, quarter: int, limit: float) -> str:
    facts = ctx.facts
    util = utilization_series(facts, comp.id)
    return (
        f"{ctx.name(comp.id)} reaches {pct(limit)} utilization in quarter {quarter} "
        f"(from {pct(util[0])} now, growing {pct(facts.growth(comp.id))} a year, capacity "
        f"{_capacity_text(comp, facts)})."
    )


def _runway_evidence(facts: Facts, cid: str, quarter: int) -> dict[str, Any]:
    return {
        "runway_quarter": quarter,
        "utilization_per_quarter": _series(utilization_series(facts, cid)),
        "growth_per_year": facts.growth(cid),
    }


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
    comps, load = facts.components, facts.load
    seen: dict[float, list[float]] = {}
    for cid, cap in facts.capacity.items():  # in model order
        if not cap:
            continue  # no utilization without a capacity
        now = load[cid] / cap
        if now >= limit:
            continue  # already hot (runway quarter 0): SCL-UTIL says so
        quarter = first_quarter_reaching(facts, cid, now, limit, seen)
        if quarter is None or quarter == 0:
            continue
        severity = (
            Severity.HIGH
            if quarter <= high
            else (Severity.MEDIUM if quarter <= medium else Severity.LOW)
        )
        yield Hit(
            components=(cid,),
            message=(_runway_message, ctx, comps[cid], quarter, limit),
            evidence=(_runway_evidence, facts, cid, quarter),
            severity=severity,
        )


def _replicas_needed(facts: Facts, comp: Component) -> float:
    """Replicas the projected peak at the horizon needs."""
    return bounded(facts.projected_load(comp.id, facts.horizon) / (comp.capacity_rps or 1.0))


def _ceiling_message(ctx: RuleContext, comp: Component, limit: float) -> str:
    facts = ctx.facts
    util = utilization_series(facts, comp.id)
    quarter = first_quarter_at(util, limit)
    assert comp.autoscaling is not None  # the check only flags autoscaled components
    return (
        f"{ctx.name(comp.id)} cannot carry its projected peak: at autoscaling max "
        f"{comp.autoscaling.max} it reaches {pct(util[quarter])} in quarter {quarter}, "
        f"and by quarter {facts.horizon} it would need about "
        f"{_replicas_needed(facts, comp):.0f} replicas."
    )


def _ceiling_evidence(facts: Facts, comp: Component, limit: float) -> dict[str, Any]:
    assert comp.autoscaling is not None  # the check only flags autoscaled components
    util = utilization_series(facts, comp.id)
    return {
        "autoscaling_max": comp.autoscaling.max,
        "quarter": first_quarter_at(util, limit),
        "replicas_needed_at_horizon": round(_replicas_needed(facts, comp), 1),
        "utilization_per_quarter": _series(util),
    }


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
    comps, capacity, load = facts.components, facts.capacity, facts.load
    seen: dict[float, list[float]] = {}
    for cid in deployment(facts).autoscaled:
        cap = capacity[cid]
        if not cap:
            continue  # capacity unknown, or no autoscaling max: no ceiling to reach
        if not reaches_at_horizon(facts, cid, load[cid] / cap, limit, seen):
            continue
        yield Hit(
            components=(cid,),
            message=(_ceiling_message, ctx, comps[cid], limit),
            evidence=(_ceiling_evidence, facts, comps[cid], limit),
        )


_SCALABLE = frozenset({Kind.SERVICE, Kind.WORKER, Kind.FUNCTION, Kind.GATEWAY, Kind.ML_MODEL})


def _no_autoscale_message(ctx: RuleContext, comp: Component, ratio: float) -> str:
    return (
        f"{ctx.name(comp.id)} is stateless but runs a fixed fleet of "
        f"{comp.replicas} replica{'s' if comp.replicas != 1 else ''} while the "
        f"system's peak traffic is {num(ratio)}x its average."
    )


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
    facts = ctx.facts
    comps, autoscaled = facts.components, frozenset(deployment(facts).autoscaled)
    for cid in facts.of_kind(*_SCALABLE):  # in model order
        if cid in autoscaled:
            continue
        comp = comps[cid]
        if comp.is_stateful or comp.serverless:
            continue
        yield Hit(
            components=(cid,),
            message=(_no_autoscale_message, ctx, comp, ratio),
            evidence={"replicas": comp.replicas, "peak_to_average": ratio},
        )


def _stateful_message(ctx: RuleContext, cid: str, limit: float) -> str:
    util = utilization_series(ctx.facts, cid)
    quarter = first_quarter_at(util, limit)
    return (
        f"{ctx.name(cid)} keeps state and is neither sharded nor read-replicated; "
        f"its projected load passes its capacity ({pct(util[quarter])}) "
        + ("now." if quarter == 0 else f"in quarter {quarter}.")
    )


def _stateful_evidence(facts: Facts, cid: str, limit: float) -> dict[str, Any]:
    util = utilization_series(facts, cid)
    return {"quarter": first_quarter_at(util, limit), "utilization_per_quarter": _series(util)}


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
    capacity, load = facts.capacity, facts.load
    seen: dict[float, list[float]] = {}
    # stateful, of ours, neither sharded nor read-replicated (read in the shared pass)
    for cid in deployment(facts).stateful_unscaled:
        cap = capacity[cid]
        if not cap:
            continue  # no utilization without a capacity
        if not reaches_at_horizon(facts, cid, load[cid] / cap, limit, seen):
            continue
        yield Hit(  # components, message, evidence (see amplification)
            (cid,),
            (_stateful_message, ctx, cid, limit),
            (_stateful_evidence, facts, cid, limit),
        )


def _amplify_message(ctx: RuleContext, cid: str, load: float) -> str:
    entering = ctx.facts.entering_rps
    return (
        f"{ctx.name(cid)} receives {num(load, 1)} rps at peak, "
        f"{num(load / entering, 1)}x the {num(entering, 1)} rps entering the system."
    )


def _amplify_evidence(load: float, entering: float) -> dict[str, Any]:
    return {
        "load_rps": round(load, 3),
        "entering_rps": entering,
        "factor": round(load / entering, 2),
    }


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
    for cid, load in facts.load.items():  # in model order
        if load / entering >= factor:
            # Positional (components, message, evidence): on a large model this rule and a
            # few others make thousands of hits, and a keyword call costs about twice as much.
            yield Hit(
                (cid,),
                (_amplify_message, ctx, cid, load),
                (_amplify_evidence, load, entering),
            )


def _unknown_message(ctx: RuleContext, cid: str) -> str:
    facts = ctx.facts
    return (
        f"{ctx.name(cid)} holds up requests"
        + (f" (peak load {num(facts.load[cid], 1)} rps)" if facts.entering_rps else "")
        + " but has no capacity_rps: its runway cannot be forecast."
    )


def _load_evidence(facts: Facts, cid: str) -> dict[str, Any]:
    return {"load_rps": round(facts.load[cid], 3)}


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
    unknown = deployment(facts).unknown_capacity
    clients = frozenset(facts.of_kind(Kind.CLIENT))
    for cid in facts.serving_in_order:
        if cid not in unknown or cid in clients:
            continue
        yield Hit(  # components, message, evidence (see amplification)
            (cid,),
            (_unknown_message, ctx, cid),
            (_load_evidence, facts, cid),
        )
