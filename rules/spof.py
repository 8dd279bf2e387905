"""Single points of failure (horizontal scaling): lone instances, single zones, state
without failover, chokepoints, external dependencies and wide blast radii."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from archrev.model.types import Component, Failover, Kind
from archrev.rules.deployment import deployment
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, pct, plural, rule

CATEGORY = "single points of failure"

# Messages and evidence below are built by the functions next to each rule, run when a
# finding is first read (a large model has thousands of findings nobody opens): the check
# decides what fires and binds the values: `message=(describe, ctx, comp)`.

# Which components run one instance, keep state alone, fail as a whole or are critical and
# ours to spread over zones is decided in the shared pass over the components (`deployment`:
# `lone`, `lone_state`, `fails_whole`, `critical_zones`), where each one's fields are read
# once; the rules below test set membership. What counts:
# - deployed: runs on infrastructure the team sizes itself (neither a client nor an external
#   service; serverless platforms replicate for us);
# - lone: deployed and runs exactly one instance (`replicas: 0` without an autoscaler runs
#   none, which is not a single point of failure but an outage: SCL-UTIL reports it);
# - fails whole: nothing redundant takes over: an external service, a deployed single
#   instance, or a database or cache without automatic failover or a read replica.


def _replicas_text(comp: Component) -> str:
    if comp.autoscaling is not None:
        return f"replicas: {comp.replicas}, autoscaling min {comp.autoscaling.min}"
    return f"replicas: {comp.replicas}, no autoscaling"


@rule(
    id="SPOF-SINGLE",
    title="Single instance on the serving path",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.MEDIUM,
    rationale="""A component that runs as one instance and holds up requests fails them all while
    it restarts, is redeployed or loses its node. High when the component is tier critical.""",
    remediation="""Run at least two replicas (or an autoscaler with min >= 2) spread over nodes
    and zones; for stateful components add a replica with automatic failover.""",
)
def single_instance(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    using, comps, critical = facts.entry_points_using, facts.components, facts.critical
    lone, high = deployment(facts).lone, Severity.HIGH
    for cid in facts.serving_in_order:
        if cid not in lone:
            continue
        comp = comps[cid]  # for the message: none of its fields is read here
        cut = using.get(cid, 0)
        yield Hit(  # components, message, evidence, severity (many hits: positional)
            (cid,),
            (_single_message, ctx, comp, cut),
            (_single_evidence, ctx, comp, cut),
            high if cid in critical else None,  # tier critical
        )


def _single_message(ctx: RuleContext, comp: Component, cut: int) -> str:
    eps = ctx.facts.entry_points_in(cut)
    if eps == [comp.id]:
        who = "the work that enters the system here stops"
    elif len(eps) == 1:
        who = f"requests entering at {ctx.name(eps[0])} fail"
    elif eps:
        who = f"requests from {len(eps)} entry points ({ctx.names(eps, 5)}) fail"
    else:
        who = "the requests it serves fail"
    return (
        f"{ctx.name(comp.id)} runs as a single instance ({_replicas_text(comp)}): "
        f"while it restarts, is redeployed or loses its node, {who}."
    )


def _single_evidence(ctx: RuleContext, comp: Component, cut: int) -> dict[str, Any]:
    return {
        "replicas": comp.replicas,
        "autoscaling_min": comp.autoscaling.min if comp.autoscaling else None,
        "tier": comp.tier.value,
        "entry_points": ctx.facts.entry_points_in(cut),
    }


@rule(
    id="SPOF-ZONE",
    title="Critical component in one zone",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.HIGH,
    rationale="""Replicas in a single availability zone share its power, network and control
    plane: a zone outage takes all of them at once, however many there are.""",
    remediation="""Spread the replicas over at least two zones (topology spread constraints,
    multi-AZ databases), and check that what it depends on is multi-zone too.""",
    thresholds=[Threshold("min_zones", 2, "zones a critical component should span")],
)
def single_zone(ctx: RuleContext) -> Iterator[Hit]:
    need = ctx.threshold("min_zones")
    comps = ctx.facts.components
    for cid, zones in deployment(ctx.facts).critical_zones:  # deployed, tier critical
        if zones >= need:
            continue
        comp = comps[cid]
        yield Hit(
            components=(cid,),
            message=(_zone_message, ctx, comp),
            evidence=(_zone_evidence, comp, need),
        )


def _zone_message(ctx: RuleContext, comp: Component) -> str:
    return (
        f"{ctx.name(comp.id)} is tier critical but runs in {plural(comp.zones, 'zone')}"
        f" (with {plural(comp.instances, 'instance')}): one zone outage stops it."
    )


def _zone_evidence(comp: Component, need: float) -> dict[str, Any]:
    return {"zones": comp.zones, "instances": comp.instances, "min_zones": need}


@rule(
    id="SPOF-STATE",
    title="Stateful component without redundancy",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.HIGH,
    rationale="""A stateful component with one instance, no read replica and no automatic
    failover loses availability, and possibly data, with its only node; unlike a stateless
    service it cannot simply be restarted elsewhere.""",
    remediation="""Add a replica with automatic failover (managed multi-AZ database, Redis
    Sentinel/Cluster, a replicated StatefulSet), and backups; or move the state to a managed
    store.""",
)
def stateful_alone(ctx: RuleContext) -> Iterator[Hit]:
    comps = ctx.facts.components
    for cid in deployment(ctx.facts).lone_state:  # lone, stateful, nothing to fail over to
        comp = comps[cid]
        yield Hit((cid,), (_state_message, ctx, comp), (_state_evidence, comp))


def _state_message(ctx: RuleContext, comp: Component) -> str:
    what = "no read replicas and " + (
        "only manual failover" if comp.failover == Failover.MANUAL else "no failover"
    )
    return (
        f"{ctx.name(comp.id)} keeps state ({comp.kind.value}"
        + (f", {comp.technology}" if comp.technology else "")
        + f") on a single instance with {what}: if it fails, its data is unavailable "
        "(or lost) until someone restores it."
    )


def _state_evidence(comp: Component) -> dict[str, Any]:
    return {
        "replicas": comp.replicas,
        "read_replicas": comp.read_replicas,
        "failover": comp.failover.value,
        "backups": comp.backups,
    }


@rule(
    id="SPOF-CHOKEPOINT",
    title="Chokepoint without redundancy",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.HIGH,
    rationale="""When every required path from the entry points to a large part of the system
    passes through one component (it dominates them), nothing routes around it; if it also runs
    as a single instance, its failure stops all of that part.""",
    remediation="""Make it redundant (two or more instances in two zones behind a load balancer),
    or give the parts behind it a second path.""",
    thresholds=[
        Threshold(
            "min_share", 0.5, "share of the serving path that must pass through it to trigger"
        )
    ],
)
def chokepoints(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    # what the entry points reach: the serving path less the entry points themselves (the
    # serving path starts at them all)
    entry_points = facts.entry_points
    reached = len(facts.serving_path) - len(entry_points)
    share = ctx.threshold("min_share")
    lone = deployment(facts).lone
    for cid, count in facts.dominated_count.items():
        # the share first: arithmetic, where the component's own fields take property reads
        if not count:
            continue
        others = reached if cid in entry_points else reached - 1
        if others < 1 or count / others < share:
            continue
        if cid not in lone:
            continue
        yield Hit(
            components=(cid,),
            message=(_chokepoint_message, ctx, cid, count, others),
            evidence=(_chokepoint_evidence, ctx, facts.components[cid], count, others),
        )


def _chokepoint_message(ctx: RuleContext, cid: str, count: int, others: int) -> str:
    return (
        f"Every required path from the entry points to {count} of the "
        f"{others} other serving components passes through {ctx.name(cid)}, which runs "
        f"as a single instance: {ctx.names(ctx.facts.dominated_by(cid), 6)} depend on it "
        "with no way around."
    )


def _chokepoint_evidence(
    ctx: RuleContext, comp: Component, count: int, others: int
) -> dict[str, Any]:
    return {
        "dominates": ctx.facts.dominated_by(comp.id),
        "share": round(count / others, 3),
        "replicas": comp.replicas,
    }


@rule(
    id="SPOF-EXTERNAL",
    title="Critical component requires an external service",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.HIGH,
    rationale="""A third party's outage, rate limit or slow response becomes yours when a
    critical request cannot complete without it; its availability is outside your control and
    usually below what the critical path promises.""",
    remediation="""Call it with a timeout and a circuit breaker, queue the work so it can be
    retried later, keep a fallback provider, or mark the link `required: false` once the caller
    degrades gracefully.""",
)
def external_dependency(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    using, is_critical = facts.critical_using, facts.critical
    for cid in facts.of_kind(Kind.EXTERNAL):
        critical = facts.critical_in(using.get(cid, 0))  # a new list: ours to change
        if cid in is_critical:
            critical.remove(cid)  # its own bit: the others depend on it
        if not critical:
            continue
        # Hundreds of dependents each on a large model: the message reads them from the
        # (immutable) components rather than from a copy of the evidence's list.
        components = (cid, *critical)
        yield Hit(
            components=components,
            key=(cid,),
            message=(_external_message, ctx, components),
            evidence={"critical_dependents": critical},
        )


def _external_message(ctx: RuleContext, components: tuple[str, ...]) -> str:
    cid, critical = components[0], components[1:]
    return (
        f"{ctx.name(cid)} is an external service that "
        f"{plural(len(critical), 'critical component')} cannot work without "
        f"({ctx.names(critical, 6)}): its outage is theirs."
    )


@rule(
    id="SPOF-BLAST",
    title="Wide blast radius",
    category=CATEGORY,
    principle=Principle.HORIZONTAL_SCALING,
    severity=Severity.MEDIUM,
    rationale="""If one component's failure takes down most of the entry points that reach the
    critical components, a single fault becomes a system-wide outage. The blast radius is the
    component and everything that requires it, transitively. Only components that can fail as
    a whole are considered: single instances, databases and caches without automatic failover
    or a read replica, and external services. High when the component runs as a single
    instance.""",
    remediation="""Shrink the blast radius: make the links to it optional (graceful degradation,
    cached fallbacks), put it behind a queue, split it per entry point (bulkheads, cells), or at
    least make it redundant.""",
    thresholds=[
        Threshold("min_share", 0.5, "share of entry points cut off that triggers"),
        Threshold(
            "min_entry_points", 2, "entry points reaching critical components for the rule to apply"
        ),
    ],
)
def blast_radius(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    reach = 0
    using = facts.entry_points_using
    for c in facts.critical_list:
        reach |= using.get(c, 0)
    total = reach.bit_count()
    if total < ctx.threshold("min_entry_points") or total == 0:
        return
    share = ctx.threshold("min_share")
    traits = deployment(facts)
    fails_whole, single, high = traits.fails_whole, traits.single_deployed, Severity.HIGH
    for cid in facts.serving_in_order:
        # a set lookup first, then a few operations on (wide) integers; never a client
        if cid not in fails_whole:
            continue
        lost = (using.get(cid, 0) & reach).bit_count()
        if lost / total < share:
            continue
        yield Hit(  # components, message, evidence, severity (many hits: positional)
            (cid,),
            (_blast_message, ctx, cid, lost, total),
            (_blast_evidence, ctx, cid, lost, total),
            high if cid in single else None,  # a single instance of ours
        )


def _others_failed(ctx: RuleContext, cid: str, cut: list[str]) -> int:
    """Counted as `Facts.blast_counts` and `archrev blast` count: neither the component
    itself nor the entry points cut (each listed once in `cut`) are "other components".
    An entry point is always among those it cuts."""
    facts = ctx.facts
    return facts.failed_count(cid) - len(cut) - (cid not in facts.entry_points)


def _blast_message(ctx: RuleContext, cid: str, lost: int, total: int) -> str:
    facts = ctx.facts
    cut = facts.entry_points_in(facts.entry_points_using.get(cid, 0))
    others = _others_failed(ctx, cid, cut)
    critical_lost = facts.critical_using.get(cid, 0).bit_count()
    fail_with = (
        "no other component fails with it"
        if others == 0
        else f"{plural(others, 'other component')} {'fails' if others == 1 else 'fail'} with it"
    )
    return (
        f"If {ctx.name(cid)} fails, {lost} of the {total} entry points that reach "
        f"critical components go down ({pct(lost / total)}): {ctx.names(cut, 6)}; "
        f"{fail_with}"
        + (
            f"; {plural(critical_lost, 'critical component')} down in all."
            if critical_lost
            else "."
        )
    )


def _blast_evidence(ctx: RuleContext, cid: str, lost: int, total: int) -> dict[str, Any]:
    facts = ctx.facts
    cut = facts.entry_points_in(facts.entry_points_using.get(cid, 0))
    return {
        # the whole list is `archrev blast`'s; a finding keeps the count and the
        # nearest dependents, so that 10,000-component reports stay readable
        "failed_count": facts.failed_count(cid),  # itself and the entry points included
        "others_failed": _others_failed(ctx, cid, cut),
        "failed_nearest": facts.nearest_failing(cid),
        "entry_points_cut": cut,
        "critical_failed": facts.critical_in(facts.critical_using.get(cid, 0)),
        "share": round(lost / total, 3),
    }
