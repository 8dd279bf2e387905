"""Which components have the deployment traits that the rules filter on (an autoscaler, state,
no replicas, no known capacity, a single instance, missing monitoring, a workaround, ...),
collected in one pass over the model and kept for the rest of the analysis.

On a large model, reading one field of every component costs more than most of these rules'
own logic: each component is a separate object in memory, seldom in the processor's cache.
Two dozen rules each looked at every component (or every one on the serving path) for a trait;
`deployment(facts)` reads each component's fields once, while its object is in the cache, and
each rule then reads only the components it flags (often none of their fields at all).
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from archrev.model.types import STATEFUL_KINDS, Failover, Kind
from archrev.rules.facts import Facts

# Kinds whose redundancy and instrumentation are not ours to set: the user's device, a third
# party's service.
NOT_OURS = frozenset({Kind.CLIENT, Kind.EXTERNAL})
# Instrumented by their callers' client spans rather than propagating traces themselves.
NO_TRACE_CONTEXT = frozenset(
    {Kind.DATABASE, Kind.CACHE, Kind.QUEUE, Kind.STREAM, Kind.OBJECT_STORE, Kind.SEARCH, Kind.CDN}
)
# Sized by their replica count (stores and brokers keep replicas for durability).
COMPUTE_KINDS = frozenset({Kind.SERVICE, Kind.WORKER, Kind.FUNCTION, Kind.GATEWAY, Kind.ML_MODEL})

# Stateful kinds whose data is not lost with them, unless the model says they keep state:
# caches refill and queues hold messages in flight.
REFILLED_KINDS = frozenset({Kind.CACHE, Kind.QUEUE, Kind.STREAM})

_UNTRACED = NOT_OURS | NO_TRACE_CONTEXT
_ONE_PRIMARY = frozenset({Kind.DATABASE, Kind.CACHE})


@dataclass(frozen=True, slots=True)
class Deployment:
    """Component ids by trait, shared by the rules of one analysis (hence tuples and sets);
    the tuples are in model order. "Deployed" is run on infrastructure the team sizes itself:
    neither a client nor an external service, nor serverless."""

    autoscaled: tuple[str, ...]  # with an autoscaler (bounded or not)
    unbounded: tuple[tuple[str, int], ...]  # (id, autoscaling min) of those without a max
    no_replicas: frozenset[str]  # `replicas: 0` and no autoscaler
    stateful: tuple[str, ...]  # keeping state (`Component.is_stateful`)
    # of those, ours (neither clients nor external services) and neither sharded nor
    # read-replicated: they grow only by a bigger machine
    stateful_unscaled: tuple[str, ...]
    # of those, ours, without backups and whose data would be lost: (id, kind)
    not_backed_up: tuple[tuple[str, Kind], ...]
    unknown_capacity: frozenset[str]  # without `capacity_rps`
    workarounds: tuple[str, ...]  # `workaround: true`
    deprecated: tuple[str, ...]  # `deprecated: true`
    # Redundancy (the single points of failure rules)
    single_deployed: frozenset[str]  # deployed and `Component.single_instance`
    lone: frozenset[str]  # of those, the ones that run exactly one instance (not zero)
    lone_state: tuple[str, ...]  # lone and stateful, no read replica, no automatic failover
    fails_whole: frozenset[str]  # nothing redundant takes over: see `_collect`
    critical_zones: tuple[tuple[str, int], ...]  # (id, zones) of the deployed tier-critical
    # Monitoring: components of ours (neither clients nor external services) that lack it
    no_metrics: tuple[str, ...]
    no_alerts: tuple[str, ...]
    no_tracing: tuple[str, ...]  # nor a kind traced by its callers (stores, brokers, CDNs)
    untracked_cost: tuple[tuple[str, bool, str], ...]  # (id, cost_tags, owner), one missing
    # Latency and sizing
    timed: tuple[tuple[str, float], ...]  # (id, latency_ms) of those that give one
    fleets: tuple[tuple[str, float, int], ...]  # (id, capacity_rps, instances): see `_collect`


# One per analysis: the facts are computed once per analysis and live as long as it does.
_KEPT: WeakKeyDictionary[Facts, Deployment] = WeakKeyDictionary()


def deployment(facts: Facts) -> Deployment:
    """The deployment traits of the model behind `facts`, collected on first use."""
    found = _KEPT.get(facts)
    if found is None:
        found = _KEPT[facts] = _collect(facts)
    return found


def _collect(facts: Facts) -> Deployment:
    autoscaled: list[str] = []
    unbounded: list[tuple[str, int]] = []
    no_replicas: list[str] = []
    stateful: list[str] = []
    stateful_unscaled: list[str] = []
    not_backed_up: list[tuple[str, Kind]] = []
    unknown_capacity: list[str] = []
    workarounds: list[str] = []
    deprecated: list[str] = []
    single_deployed: list[str] = []
    lone: list[str] = []
    lone_state: list[str] = []
    fails_whole: list[str] = []
    critical_zones: list[tuple[str, int]] = []
    no_metrics: list[str] = []
    no_alerts: list[str] = []
    no_tracing: list[str] = []
    untracked_cost: list[tuple[str, bool, str]] = []
    timed: list[tuple[str, float]] = []
    fleets: list[tuple[str, float, int]] = []
    external, automatic, critical = Kind.EXTERNAL, Failover.AUTOMATIC, facts.critical
    for cid, comp in facts.components.items():
        # The properties of `Component` are spelled out below (each field read once, where
        # the properties would read some twice): the comments name the property each
        # computation stands for.
        kind, scaling, replicas = comp.kind, comp.autoscaling, comp.replicas
        if scaling is not None:
            autoscaled.append(cid)
            least = scaling.min
            instances = max(replicas, least)  # Component.instances
            if scaling.max is None:
                unbounded.append((cid, least))
        else:
            instances = replicas
            if replicas == 0:
                no_replicas.append(cid)
        said_stateful = keeps_state = comp.stateful  # Component.is_stateful
        if keeps_state is None:
            keeps_state = kind in STATEFUL_KINDS
        ours = kind not in NOT_OURS
        if keeps_state:
            stateful.append(cid)
            if ours and not comp.sharded and comp.read_replicas == 0:
                stateful_unscaled.append(cid)
            if ours and not comp.backups and (kind not in REFILLED_KINDS or said_stateful is True):
                not_backed_up.append((cid, kind))
        per_replica = comp.capacity_rps
        if per_replica is None:
            unknown_capacity.append(cid)
        if comp.workaround:
            workarounds.append(cid)
        if comp.deprecated:
            deprecated.append(cid)
        latency = comp.latency_ms
        if latency is not None:
            timed.append((cid, latency))

        deployed = ours and not comp.serverless
        if deployed:
            if cid in critical:
                critical_zones.append((cid, comp.zones))
            # Component.single_instance: one replica and no autoscaler that keeps two
            if replicas <= 1 and not (scaling is not None and scaling.min >= 2):
                single_deployed.append(cid)
                fails_whole.append(cid)
                # `replicas: 0` without an autoscaler runs none: not a single point of
                # failure but an outage (SCL-UTIL reports it)
                if scaling is not None or replicas != 0:
                    lone.append(cid)
                    if keeps_state and comp.read_replicas == 0 and comp.failover != automatic:
                        lone_state.append(cid)
            # A database or cache with several nodes still has one primary: without automatic
            # failover or a replica to promote, losing it stops writes. Brokers, search and
            # object stores with several nodes replicate by design; replicated stateless
            # services are left out (losing every replica at once is a deploy problem, not a
            # topology one).
            elif kind in _ONE_PRIMARY and comp.failover != automatic and comp.read_replicas == 0:
                fails_whole.append(cid)
            if per_replica is not None and kind in COMPUTE_KINDS and not keeps_state:
                # stateless compute the team sizes: what CST-OVERSIZED weighs
                fleets.append((cid, per_replica, instances))
        elif kind == external:
            fails_whole.append(cid)  # a third party's outage is not ours to fail over

        if ours:
            monitoring = comp.monitoring
            if not monitoring.metrics:
                no_metrics.append(cid)
            if not monitoring.alerts:
                no_alerts.append(cid)
            if not monitoring.tracing and kind not in _UNTRACED:
                no_tracing.append(cid)
            tagged, owner = monitoring.cost_tags, comp.owner
            if not (tagged and owner):
                untracked_cost.append((cid, tagged, owner))
    return Deployment(
        autoscaled=tuple(autoscaled),
        unbounded=tuple(unbounded),
        no_replicas=frozenset(no_replicas),
        stateful=tuple(stateful),
        stateful_unscaled=tuple(stateful_unscaled),
        not_backed_up=tuple(not_backed_up),
        unknown_capacity=frozenset(unknown_capacity),
        workarounds=tuple(workarounds),
        deprecated=tuple(deprecated),
        single_deployed=frozenset(single_deployed),
        lone=frozenset(lone),
        lone_state=tuple(lone_state),
        fails_whole=frozenset(fails_whole),
        critical_zones=tuple(critical_zones),
        no_metrics=tuple(no_metrics),
        no_alerts=tuple(no_alerts),
        no_tracing=tuple(no_tracing),
        untracked_cost=tuple(untracked_cost),
        timed=tuple(timed),
        fleets=tuple(fleets),
    )
