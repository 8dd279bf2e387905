"""The traits of the shared pass over the components (`deployment`) that the single point of
failure, monitoring, latency and sizing rules filter on, and those rules: on any model they
flag exactly what their plain definition flags (every component, read field by field through
the `Component` properties)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from archrev.model.types import MESSAGING_KINDS, Component, Failover, Kind, SystemModel, Tier
from archrev.rules.deployment import deployment
from archrev.rules.engine import active_rules
from archrev.rules.facts import Facts
from archrev.rules.findings import Severity
from archrev.rules.rulebook import RuleContext
from hypothesis import HealthCheck, given, settings
from model_strategies import system_models
from rules_models import build

# No rule family module is imported here: importing one registers its rules, and the
# catalogue (and docs/rules.md) would list them out of order.

TODAY = date(2026, 11, 27)
NOT_OURS = (Kind.CLIENT, Kind.EXTERNAL)


def _deployed(c: Component) -> bool:
    return c.kind not in NOT_OURS and not c.serverless


def _lone(c: Component) -> bool:
    return _deployed(c) and c.single_instance and not (c.replicas == 0 and c.autoscaling is None)


def _fails_whole(c: Component) -> bool:
    if c.kind == Kind.EXTERNAL:
        return True
    if not _deployed(c):
        return False
    if c.single_instance:
        return True
    if c.kind in (Kind.DATABASE, Kind.CACHE):
        return c.failover != Failover.AUTOMATIC and c.read_replicas == 0
    return False


def test_redundancy_traits() -> None:
    model = build(
        {
            "one": {},  # replicas 1: lone
            "none": {"replicas": 0},  # runs nothing: single, not lone
            "scaled": {"replicas": 1, "autoscaling": {"min": 2}},  # keeps two
            "scaled1": {"replicas": 1, "autoscaling": {"min": 1, "max": 4}},  # lone
            "fn": {"kind": "function", "serverless": True},  # the platform replicates
            "db": {"kind": "database", "replicas": 3},  # one primary, no failover
            "db-ha": {"kind": "database", "replicas": 3, "failover": "automatic"},
            "db-alone": {"kind": "database", "failover": "manual"},
            "db-read": {"kind": "database", "read_replicas": 1},
            "pay": {"kind": "external"},
            "web": {"kind": "client"},
            "q": {"kind": "queue", "replicas": 3},  # brokers replicate by design
        }
    )
    traits = deployment(Facts(model))
    assert traits.single_deployed == {"one", "none", "scaled1", "db-alone", "db-read"}
    assert traits.lone == {"one", "scaled1", "db-alone", "db-read"}
    assert traits.lone_state == ("db-alone",)  # db-read has a replica to promote
    assert traits.fails_whole == {"one", "none", "scaled1", "db", "db-alone", "db-read", "pay"}


def test_monitoring_latency_and_fleet_traits() -> None:
    model = build(
        {
            "api": {
                "monitoring": {"metrics": True, "alerts": True, "tracing": True},
                "owner": "team-a",
                "latency_ms": 20,
                "capacity_rps": 100,
                "replicas": 3,
            },
            "db": {"kind": "database", "monitoring": {"cost_tags": True}, "owner": "dba"},
            "pay": {"kind": "external", "latency_ms": 900},  # not ours: no monitoring asked
            "job": {"kind": "worker", "capacity_rps": 5, "autoscaling": {"min": 4, "max": 9}},
            "fn": {"kind": "function", "capacity_rps": 5, "serverless": True},
            "kept": {"capacity_rps": 5, "stateful": True},
        }
    )
    traits = deployment(Facts(model))
    assert traits.no_metrics == ("db", "job", "fn", "kept")
    assert traits.no_alerts == ("db", "job", "fn", "kept")
    assert traits.no_tracing == ("job", "fn", "kept")  # a database is traced by its callers
    assert traits.untracked_cost == (
        ("api", False, "team-a"),
        ("job", False, ""),
        ("fn", False, ""),
        ("kept", False, ""),
    )
    assert traits.timed == (("api", 20.0), ("pay", 900.0))
    assert traits.fleets == (("api", 100.0, 3), ("job", 5.0, 4))  # stateless, not serverless


# The plain definition of each rule: the components of each hit, in the order of the hits,
# with the severity it sets (None: the rule's default) and its evidence.
Flagged = list[tuple[tuple[str, ...], Severity | None, dict[str, object]]]


def _single(model: SystemModel, facts: Facts) -> Flagged:
    out: Flagged = []
    for c in model.components:
        if c.id in facts.serving_path and _lone(c):
            high = Severity.HIGH if c.tier == Tier.CRITICAL else None
            eps = facts.entry_points_in(facts.entry_points_using.get(c.id, 0))
            evidence = {
                "replicas": c.replicas,
                "autoscaling_min": c.autoscaling.min if c.autoscaling else None,
                "tier": c.tier.value,
                "entry_points": eps,
            }
            out.append(((c.id,), high, evidence))
    return out


def _zone(model: SystemModel, facts: Facts) -> Flagged:
    return [
        ((c.id,), None, {"zones": c.zones, "instances": c.instances, "min_zones": 2})
        for c in model.components
        if c.tier == Tier.CRITICAL and c.zones < 2 and _deployed(c)
    ]


def _state(model: SystemModel, facts: Facts) -> Flagged:
    return [
        (
            (c.id,),
            None,
            {
                "replicas": c.replicas,
                "read_replicas": c.read_replicas,
                "failover": c.failover.value,
                "backups": c.backups,
            },
        )
        for c in model.components
        if c.is_stateful and _lone(c) and c.read_replicas == 0 and c.failover != Failover.AUTOMATIC
    ]


def _blast(model: SystemModel, facts: Facts) -> Flagged:
    using = facts.entry_points_using
    reach = 0
    for c in facts.critical_list:
        reach |= using.get(c, 0)
    total = reach.bit_count()
    if total < 2:
        return []
    out: Flagged = []
    for c in model.components:
        if c.id not in facts.serving_path or c.kind == Kind.CLIENT or not _fails_whole(c):
            continue
        lost = (using.get(c.id, 0) & reach).bit_count()
        if lost / total >= 0.5:
            high = Severity.HIGH if c.single_instance and _deployed(c) else None
            out.append(((c.id,), high, {}))
    return out


def _metrics(model: SystemModel, facts: Facts) -> Flagged:
    return [
        ((c.id,), None, {})
        for c in model.components
        if not c.monitoring.metrics and c.kind not in NOT_OURS
    ]


def _alerts(model: SystemModel, facts: Facts) -> Flagged:
    return [
        ((c.id,), None, {})
        for c in model.components
        if c.id in facts.serving_path and not c.monitoring.alerts and c.kind not in NOT_OURS
    ]


def _tracing(model: SystemModel, facts: Facts) -> Flagged:
    traced_by_callers = {
        Kind.DATABASE,
        Kind.CACHE,
        Kind.QUEUE,
        Kind.STREAM,
        Kind.OBJECT_STORE,
        Kind.SEARCH,
        Kind.CDN,
    }
    out: Flagged = []
    for c in model.components:
        if c.monitoring.tracing or c.kind in NOT_OURS or c.kind in traced_by_callers:
            continue
        hops = facts.sync_chain_through(c.id)
        if hops is not None and hops >= 3:
            out.append(((c.id,), None, {"chain_hops": hops}))
    return out


def _cost(model: SystemModel, facts: Facts) -> Flagged:
    return [
        ((c.id,), None, {"cost_tags": c.monitoring.cost_tags, "owner": c.owner})
        for c in model.components
        if not (c.monitoring.cost_tags and c.owner) and c.kind not in NOT_OURS
    ]


def _slow_sync(model: SystemModel, facts: Facts) -> Flagged:
    comps = facts.components
    out: Flagged = []
    for link in model.links:
        if link.mode.value != "sync" or not link.required:
            continue
        source, target = link.source, comps[link.target]
        if source not in facts.serving_path or source in facts.messaging:
            continue
        slow = target.latency_ms is not None and target.latency_ms >= 1000
        batch = target.kind == Kind.WORKER or (
            target.kind == Kind.ML_MODEL and "batch" in target.tags
        )
        if slow or batch:
            evidence = {"latency_ms": target.latency_ms, "kind": target.kind.value}
            out.append(((source, target.id), None, evidence))
    return out


def _noncritical(model: SystemModel, facts: Facts) -> Flagged:
    comps = facts.components
    return [
        (
            (link.source, link.target),
            None,
            {"protocol": link.protocol, "timeout_ms": link.timeout_ms},
        )
        for link in model.links
        if link.mode.value == "sync"
        and link.required
        and comps[link.source].tier == Tier.CRITICAL
        and comps[link.target].tier == Tier.NON_CRITICAL
    ]


def _orphans(model: SystemModel, facts: Facts) -> Flagged:
    out: Flagged = []
    for c in model.components:
        if c.kind not in MESSAGING_KINDS:
            continue
        producers = sum(1 for link in model.links if link.target == c.id)
        consumers = sum(1 for link in model.links if link.source == c.id)
        if not (producers and consumers):
            out.append(((c.id,), None, {"producers": producers, "consumers": consumers}))
    return out


def _oversized(model: SystemModel, facts: Facts) -> Flagged:
    if facts.entering_rps <= 0:
        return []
    out: Flagged = []
    for c in model.components:
        if c.capacity_rps is None or c.kind not in {
            Kind.SERVICE,
            Kind.WORKER,
            Kind.FUNCTION,
            Kind.GATEWAY,
            Kind.ML_MODEL,
        }:
            continue
        if c.instances < 2 or c.serverless or c.is_stateful:
            continue
        peak = facts.projected_load(c.id, facts.horizon) / min(c.capacity_rps * c.instances, 1e300)
        if peak <= 0.2:
            out.append(((c.id,), None, {}))
    return out


# Evidence {} stands for "not compared" (it is built from the same values as the message).
PLAIN: dict[str, Callable[[SystemModel, Facts], Flagged]] = {
    "SPOF-SINGLE": _single,
    "SPOF-ZONE": _zone,
    "SPOF-STATE": _state,
    "SPOF-BLAST": _blast,
    "OBS-METRICS": _metrics,
    "OBS-ALERTS": _alerts,
    "OBS-TRACING": _tracing,
    "OBS-COST": _cost,
    "ASY-SLOW-SYNC": _slow_sync,
    "ASY-NONCRITICAL-SYNC": _noncritical,
    "ASY-QUEUE-ORPHAN": _orphans,
    "CST-OVERSIZED": _oversized,
}


def _same_as_plain(model: SystemModel) -> None:
    rules = {r.id: r for r in active_rules(plugins=False)}
    facts = Facts(model)
    for rule_id, plain in PLAIN.items():
        rule = rules[rule_id]
        ctx = RuleContext(
            model=model, facts=facts, thresholds=rule.threshold_defaults(), today=TODAY
        )
        expected = plain(model, facts)
        hits = list(rule.check(ctx))
        assert [(h.components, h.severity) for h in hits] == [e[:2] for e in expected], rule_id
        for hit, (_, _, evidence) in zip(hits, expected, strict=True):
            assert ctx.name(hit.components[0]) in hit.message, rule_id  # its own
            if evidence:
                assert hit.evidence == evidence, rule_id


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models())
def test_checks_flag_what_the_plain_definitions_flag(model: SystemModel) -> None:
    _same_as_plain(model)


def test_checks_flag_what_the_plain_definitions_flag_on_a_sketch() -> None:
    model = build(
        {
            "web": {"kind": "client", "peak_rps": 100},
            "api": {"tier": "critical", "latency_ms": 30},
            "db": {"kind": "database", "failover": "manual"},
            "mail": {"tier": "non_critical", "kind": "worker"},
            "pay": {"kind": "external"},
            "q": {"kind": "queue"},
        },
        ["web>api", "api>db", "api>mail", "api>pay", "api>q"],
    )
    _same_as_plain(model)
    # and the sketch has something for each of these to flag
    facts = Facts(model)
    flagged = {rule_id for rule_id, plain in PLAIN.items() if plain(model, facts)}
    assert flagged == set(PLAIN) - {"SPOF-BLAST", "OBS-TRACING", "CST-OVERSIZED"}


def test_autoscaler_and_state_traits() -> None:
    model = build(
        {
            "api": {"autoscaling": {"min": 2}},  # no max
            "job": {"kind": "worker", "autoscaling": {"min": 1, "max": 5}},
            "db": {"kind": "database"},
            "db-sharded": {"kind": "database", "sharded": True},
            "db-read": {"kind": "database", "read_replicas": 2},
            "svc": {"stateful": True, "autoscaling": {"min": 3}},
            "saas": {"kind": "external", "stateful": True},  # not ours to scale
        }
    )
    traits = deployment(Facts(model))
    assert traits.unbounded == (("api", 2), ("svc", 3))
    assert traits.stateful_unscaled == ("db", "svc")


def test_backup_and_zone_traits() -> None:
    model = build(
        {
            "db": {"kind": "database", "tier": "critical", "zones": 2},
            "db-safe": {"kind": "database", "backups": True},
            "cache": {"kind": "cache"},  # refills
            "sessions": {"kind": "cache", "stateful": True, "tier": "critical"},
            "q": {"kind": "queue"},  # holds messages in flight
            "svc": {"stateful": True},
            "api": {"tier": "critical"},
            "fn": {"kind": "function", "serverless": True, "tier": "critical"},
            "saas": {"kind": "external", "stateful": True, "tier": "critical"},
        }
    )
    traits = deployment(Facts(model))
    assert traits.not_backed_up == (
        ("db", Kind.DATABASE),
        ("sessions", Kind.CACHE),
        ("svc", Kind.SERVICE),
    )
    assert traits.critical_zones == (("db", 2), ("sessions", 1), ("api", 1))
