"""Single points of failure (horizontal scaling): lone instances, single zones, state
without failover, chokepoints, external dependencies and wide blast radii."""

from __future__ import annotations

from collections.abc import Iterator

from archrev.model.types import Component, Failover, Kind, Tier
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, pct, plural, rule

CATEGORY = "single points of failure"

# Kinds whose redundancy is not ours to set: the user's device, a third party's service.
_NOT_OURS = frozenset({Kind.CLIENT, Kind.EXTERNAL})


def _deployed(comp: Component) -> bool:
    """Runs on infrastructure the team sizes itself (serverless platforms replicate for us)."""
    return comp.kind not in _NOT_OURS and not comp.serverless


def _fails_whole(comp: Component) -> bool:
    """Can fail as a whole: nothing redundant takes over (replicated stateless services are
    left out; losing every replica at once is a deploy problem, not a topology one)."""
    if comp.kind == Kind.EXTERNAL:
        return True
    if not _deployed(comp):
        return False
    if comp.single_instance:
        return True
    # A database or cache with several nodes still has one primary: without automatic
    # failover or a replica to promote, losing it stops writes. Brokers, search and object
    # stores with several nodes replicate by design.
    if comp.kind in (Kind.DATABASE, Kind.CACHE):
        return comp.failover != Failover.AUTOMATIC and comp.read_replicas == 0
    return False


def _one_instance(comp: Component) -> bool:
    """Runs exactly one instance: `replicas: 0` without an autoscaler runs none, which is
    not a single point of failure but an outage (SCL-UTIL reports it)."""
    return comp.single_instance and not (comp.replicas == 0 and comp.autoscaling is None)


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
    using = facts.entry_points_using
    for cid in facts.serving_in_order:
        comp = facts.components[cid]
        if not _deployed(comp) or not _one_instance(comp):
            continue
        eps = facts.entry_points_in(using.get(cid, 0))
        if eps == [cid]:
            who = "the work that enters the system here stops"
        elif len(eps) == 1:
            who = f"requests entering at {ctx.name(eps[0])} fail"
        elif eps:
            who = f"requests from {len(eps)} entry points ({ctx.names(eps, 5)}) fail"
        else:
            who = "the requests it serves fail"
        yield Hit(
            components=(cid,),
            message=(
                f"{ctx.name(cid)} runs as a single instance ({_replicas_text(comp)}): "
                f"while it restarts, is redeployed or loses its node, {who}."
            ),
            evidence={
                "replicas": comp.replicas,
                "autoscaling_min": comp.autoscaling.min if comp.autoscaling else None,
                "tier": comp.tier.value,
                "entry_points": eps,
            },
            severity=Severity.HIGH if comp.tier == Tier.CRITICAL else None,
        )


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
    for comp in ctx.model.components:
        if comp.tier != Tier.CRITICAL or not _deployed(comp) or comp.zones >= need:
            continue
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} is tier critical but runs in {plural(comp.zones, 'zone')}"
                f" (with {plural(comp.instances, 'instance')}): one zone outage stops it."
            ),
            evidence={"zones": comp.zones, "instances": comp.instances, "min_zones": need},
        )


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
    for comp in ctx.model.components:
        if not comp.is_stateful or not _deployed(comp) or not _one_instance(comp):
            continue
        if comp.read_replicas > 0 or comp.failover == Failover.AUTOMATIC:
            continue
        what = "no read replicas and " + (
            "only manual failover" if comp.failover == Failover.MANUAL else "no failover"
        )
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} keeps state ({comp.kind.value}"
                + (f", {comp.technology}" if comp.technology else "")
                + f") on a single instance with {what}: if it fails, its data is unavailable "
                "(or lost) until someone restores it."
            ),
            evidence={
                "replicas": comp.replicas,
                "read_replicas": comp.read_replicas,
                "failover": comp.failover.value,
                "backups": comp.backups,
            },
        )


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
    # what the entry points reach: the serving path less the entry points themselves
    reached = facts.serving_path - facts.entry_points
    share = ctx.threshold("min_share")
    for cid, count in facts.dominated_count.items():
        comp = facts.components[cid]
        if not count or not _deployed(comp) or not _one_instance(comp):
            continue
        others = len(reached) - (cid in reached)
        if others < 1 or count / others < share:
            continue
        shown = facts.dominated_by(cid)
        yield Hit(
            components=(cid,),
            message=(
                f"Every required path from the entry points to {count} of the "
                f"{others} other serving components passes through {ctx.name(cid)}, which runs "
                f"as a single instance: {ctx.names(shown, 6)} depend on it with no way around."
            ),
            evidence={
                "dominates": shown,
                "share": round(count / others, 3),
                "replicas": comp.replicas,
            },
        )


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
    using = facts.critical_using
    for cid in facts.of_kind(Kind.EXTERNAL):
        comp = facts.components[cid]
        critical = [c for c in facts.critical_in(using.get(comp.id, 0)) if c != comp.id]
        if not critical:
            continue
        yield Hit(
            components=(comp.id, *critical),
            key=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} is an external service that "
                f"{plural(len(critical), 'critical component')} cannot work without "
                f"({ctx.names(critical, 6)}): its outage is theirs."
            ),
            evidence={"critical_dependents": critical},
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
    critical = facts.critical_using
    for c in facts.critical_list:
        reach |= using.get(c, 0)
    total = reach.bit_count()
    if total < ctx.threshold("min_entry_points") or total == 0:
        return
    share = ctx.threshold("min_share")
    for cid in facts.serving_in_order:
        # the share first: a few operations on integers, where the component's own fields
        # take several property reads
        lost = (using.get(cid, 0) & reach).bit_count()
        if lost / total < share:
            continue
        comp = facts.components[cid]
        if comp.kind == Kind.CLIENT or not _fails_whole(comp):
            continue
        failed = facts.failed_count(cid)
        cut = facts.entry_points_in(using.get(cid, 0))
        critical_lost = facts.critical_in(critical.get(cid, 0))
        # counted as `Facts.blast_counts` and `archrev blast` count: neither the component
        # itself nor the entry points (named above) are "other components"
        others = failed - len({*cut, cid})
        fail_with = (
            "no other component fails with it"
            if others == 0
            else f"{plural(others, 'other component')} {'fails' if others == 1 else 'fail'} with it"
        )
        yield Hit(
            components=(cid,),
            message=(
                f"If {ctx.name(cid)} fails, {lost} of the {total} entry points that reach "
                f"critical components go down ({pct(lost / total)}): {ctx.names(cut, 6)}; "
                f"{fail_with}"
                + (
                    f"; {plural(len(critical_lost), 'critical component')} down in all."
                    if critical_lost
                    else "."
                )
            ),
            evidence={
                # the whole list is `archrev blast`'s; a finding keeps the count and the
                # nearest dependents, so that 10,000-component reports stay readable
                "failed_count": failed,  # everything down, itself and the entry points included
                "others_failed": others,
                "failed_nearest": facts.nearest_failing(cid),
                "entry_points_cut": cut,
                "critical_failed": critical_lost,
                "share": round(lost / total, 3),
            },
            severity=Severity.HIGH if comp.single_instance and _deployed(comp) else None,
        )
