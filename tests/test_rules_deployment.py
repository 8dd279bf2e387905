"""The deployment traits the scaling, cost, database and debt rules filter on, and those rules'
cheap rejects: on any model they flag exactly the components their plain definition flags
(every component, read field by field, with the full utilization series)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from archrev.model.types import Component, Kind, SystemModel, Tier
from archrev.rules.deployment import deployment
from archrev.rules.engine import active_rules, analyze
from archrev.rules.facts import Facts, bounded
from archrev.rules.findings import Severity
from archrev.rules.rulebook import RuleContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from model_strategies import system_models
from rules_models import build

# No rule family module is imported here: importing one registers its rules, and the
# catalogue (and docs/rules.md) would list them out of order.

TODAY = date(2026, 11, 27)


def test_traits_are_collected_in_model_order() -> None:
    model = build(
        {
            "api": {"autoscaling": {"min": 2}, "capacity_rps": 100},
            "db": {"kind": "database", "deprecated": True},
            "off": {"replicas": 0},
            "svc": {"stateful": True, "workaround": True, "capacity_rps": 50},
            "q": {"kind": "queue", "stateful": False, "autoscaling": {"min": 1, "max": 3}},
            "old": {"workaround": True, "deprecated": True, "replicas": 0, "capacity_rps": 5},
        }
    )
    found = deployment(Facts(model))
    assert found.autoscaled == ("api", "q")
    assert found.no_replicas == {"off", "old"}
    assert found.stateful == ("db", "svc")  # its kind, or the model's word over it
    assert found.unknown_capacity == {"db", "off", "q"}
    assert found.workarounds == ("svc", "old")
    assert found.deprecated == ("db", "old")


def test_traits_are_collected_once_per_analysis() -> None:
    model = build({"a": {"workaround": True}})
    facts = Facts(model)
    assert deployment(facts) is deployment(facts)
    other = Facts(build({"a": {}}))  # another analysis: its own model, its own traits
    assert deployment(other).workarounds == ()
    assert deployment(facts).workarounds == ("a",)


# The plain definition of each rule whose check narrows the components it reads: the ids it
# flags, in model order, with the severity it sets (None: the rule's default).
Flagged = list[tuple[tuple[str, ...], Severity | None]]


def _no_instance(comp: Component) -> bool:
    return (
        comp.replicas == 0
        and comp.autoscaling is None
        and comp.kind not in (Kind.CLIENT, Kind.EXTERNAL)
        and not comp.serverless
    )


def _hot_now(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    out: Flagged = []
    for comp in model.components:
        if _no_instance(comp) and (facts.load[comp.id] > 0 or comp.id in facts.serving_path):
            out.append(((comp.id,), Severity.CRITICAL))
            continue
        util = facts.utilization(comp.id)
        if util is not None and util[0] >= limit:
            out.append(((comp.id,), Severity.CRITICAL if util[0] >= 1.0 else None))
    return out


def _runway(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    out: Flagged = []
    for comp in model.components:
        quarter = facts.runway(comp.id, limit)
        if quarter:
            severity = (
                Severity.HIGH
                if quarter <= 2
                else (Severity.MEDIUM if quarter <= 4 else Severity.LOW)
            )
            out.append(((comp.id,), severity))
    return out


def _passes(facts: Facts, cid: str, limit: float) -> bool:
    util = facts.utilization(cid)
    return util is not None and util[-1] >= limit


def _ceiling(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.autoscaling is not None
        and c.autoscaling.max is not None
        and _passes(facts, c.id, limit)
    ]


def _stateful(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.is_stateful
        and not c.sharded
        and c.read_replicas == 0
        and c.kind not in (Kind.CLIENT, Kind.EXTERNAL)
        and _passes(facts, c.id, limit)
    ]


def _shard(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.kind == Kind.DATABASE and not c.sharded and _passes(facts, c.id, limit)
    ]


def _unknown(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.id in facts.serving_path and c.kind != Kind.CLIENT and c.capacity_rps is None
    ]


def _oversized(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    if facts.entering_rps <= 0:
        return []
    compute = {Kind.SERVICE, Kind.WORKER, Kind.FUNCTION, Kind.GATEWAY, Kind.ML_MODEL}
    out: Flagged = []
    for c in model.components:
        if c.capacity_rps is None or c.instances < 2 or c.serverless:
            continue
        if c.kind not in compute or c.is_stateful:
            continue
        running = bounded(c.capacity_rps * c.instances)
        if facts.projected_load(c.id, facts.horizon) / running <= limit:
            out.append(((c.id,), None))
    return out


def _unbounded(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.autoscaling is not None and c.autoscaling.max is None
    ]


def _spot(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.tier == Tier.NON_CRITICAL
        and not (c.is_stateful or c.spot or c.serverless)
        and (c.kind in (Kind.WORKER, Kind.FUNCTION) or "batch" in c.tags)
    ]


def _idle(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.id not in facts.entry_points and not facts.pred[c.id] and c.kind != Kind.CLIENT
    ]


def _backups(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    not_backed_up = {Kind.CACHE, Kind.QUEUE, Kind.STREAM, Kind.CLIENT, Kind.EXTERNAL}
    return [
        ((c.id,), None)
        for c in model.components
        if c.is_stateful
        and not c.backups
        and not (c.kind in not_backed_up and c.stateful is not True)
        and c.kind not in (Kind.CLIENT, Kind.EXTERNAL)
    ]


def _workaround(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    return [
        ((c.id,), None)
        for c in model.components
        if c.workaround and c.review_by is not None and c.review_by < TODAY
    ]


def _no_autoscale(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    if model.system.peak_to_average < 2:
        return []
    scalable = {Kind.SERVICE, Kind.WORKER, Kind.FUNCTION, Kind.GATEWAY, Kind.ML_MODEL}
    return [
        ((c.id,), None)
        for c in model.components
        if c.kind in scalable and not (c.is_stateful or c.serverless) and c.autoscaling is None
    ]


def _deprecated(model: SystemModel, facts: Facts, limit: float) -> Flagged:
    out: Flagged = []
    for c in model.components:
        if not c.deprecated:
            continue
        mask = facts.critical_using.get(c.id, 0)
        critical = [d for d in facts.critical_in(mask) if d != c.id]
        if critical:
            out.append(((c.id, *critical), None))
            continue
        callers = [
            p for p in facts.in_order(facts.pred[c.id]) if facts.components[p].tier == Tier.CRITICAL
        ]
        if callers:
            out.append(((c.id, *callers), Severity.LOW))
    return out


PLAIN: dict[str, Callable[[SystemModel, Facts, float], Flagged]] = {
    "SCL-NO-AUTOSCALE": _no_autoscale,
    "DEBT-DEPRECATED": _deprecated,
    "SCL-UTIL": _hot_now,
    "SCL-RUNWAY": _runway,
    "SCL-CEILING": _ceiling,
    "SCL-STATEFUL": _stateful,
    "DB-SHARD": _shard,
    "SCL-UNKNOWN": _unknown,
    "CST-OVERSIZED": _oversized,
    "CST-UNBOUNDED": _unbounded,
    "CST-SPOT": _spot,
    "CST-IDLE": _idle,
    "DB-BACKUP": _backups,
    "DEBT-WORKAROUND": _workaround,
}


def _same_as_plain(model: SystemModel, limit: float) -> None:
    rules = {r.id: r for r in active_rules(plugins=False)}
    facts = Facts(model)
    for rule_id, plain in PLAIN.items():
        rule = rules[rule_id]
        thresholds = rule.threshold_defaults()
        if "utilization" in thresholds:
            thresholds["utilization"] = limit
        ctx = RuleContext(model=model, facts=facts, thresholds=thresholds, today=TODAY)
        hits = [(hit.components, hit.severity) for hit in rule.check(ctx)]
        assert hits == plain(model, facts, thresholds.get("utilization", limit)), rule_id


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    system_models(),
    # zero and below, the defaults, and past capacity: the cheap rejects must hold for all
    st.sampled_from([-1.0, 0.0, 0.2, 0.8, 1.0, 3.0]),
)
def test_narrowed_checks_flag_what_the_plain_definitions_flag(
    model: SystemModel, limit: float
) -> None:
    _same_as_plain(model, limit)


@st.composite
def near_the_limit(draw: st.DrawFn) -> tuple[SystemModel, float]:
    """A component whose utilization reaches the limit in some quarter, within a hair either
    way: where a cheap reject that cut too close would drop it."""
    growth = draw(st.floats(min_value=-0.9, max_value=3))
    horizon = draw(st.integers(min_value=1, max_value=16))
    peak = draw(st.floats(min_value=1, max_value=1e5))
    limit = draw(st.sampled_from([0.2, 0.8, 1.0]))
    quarter = draw(st.integers(min_value=0, max_value=horizon))
    nudge = draw(st.sampled_from([1 - 1e-9, 1.0, 1 + 1e-9]))
    replicas = draw(st.integers(min_value=1, max_value=3))
    per_replica = peak * (1 + growth) ** (quarter / 4) / limit * nudge / replicas
    fields: dict[str, object] = {
        "kind": draw(st.sampled_from(["database", "service", "cache"])),
        "capacity_rps": per_replica,
        "replicas": replicas,
    }
    if draw(st.booleans()):
        fields["autoscaling"] = {"min": 1, "max": 1}
    model = build(
        {"web": {"kind": "client", "peak_rps": peak}, "x": fields},
        ["web>x"],
        growth_per_year=growth,
        horizon_quarters=horizon,
    )
    return model, limit


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(near_the_limit())
def test_narrowed_checks_keep_what_reaches_the_limit_by_a_hair(
    case: tuple[SystemModel, float],
) -> None:
    _same_as_plain(*case)


def test_a_rule_run_twice_over_one_analysis_flags_the_same() -> None:
    # The traits are kept per analysis: a second run (another policy's thresholds, the app
    # re-checking) reads them again and finds the same components.
    model = build(
        {
            "web": {"kind": "client", "peak_rps": 100},
            "api": {"capacity_rps": 50, "replicas": 2, "autoscaling": {"min": 2}},
            "db": {"kind": "database", "capacity_rps": 80, "workaround": True},
        },
        ["web>api", "api>db"],
        growth_per_year=0.5,
    )
    facts = Facts(model)
    rules = {r.id: r for r in active_rules(plugins=False)}
    for rule_id in ("SCL-STATEFUL", "CST-UNBOUNDED", "DB-BACKUP", "SCL-UTIL"):
        rule = rules[rule_id]
        ctx = RuleContext(
            model=model, facts=facts, thresholds=rule.threshold_defaults(), today=TODAY
        )
        first = [h.components for h in rule.check(ctx)]
        assert first and first == [h.components for h in rule.check(ctx)], rule_id


def test_each_lazy_message_and_evidence_describes_its_own_finding() -> None:
    # Messages and evidence are built on first reading from values bound when the hit was
    # made: two components flagged by one rule must each get their own text and numbers.
    pair: dict[str, dict[str, object]] = {
        "hot": {"capacity_rps": 100},  # SCL-UTIL, SCL-AMPLIFY
        "db": {"kind": "database", "capacity_rps": 50, "read_ratio": 0.9},  # DB-*, SCL-STATEFUL
        "blind": {},  # SCL-UNKNOWN
        "idle": {"kind": "worker", "tier": "non_critical"},  # CST-IDLE, CST-SPOT
        "open": {"autoscaling": {"min": 2}},  # CST-UNBOUNDED
        "capped": {"autoscaling": {"min": 1, "max": 2}, "capacity_rps": 100},  # SCL-CEILING
        "soon": {"capacity_rps": 2000},  # SCL-RUNWAY
        "big": {"capacity_rps": 1e6, "replicas": 3},  # CST-OVERSIZED
        "old": {"workaround": True, "review_by": "2026-01-01", "deprecated": True},
    }
    components: dict[str, dict[str, object]] = {
        "web": {"kind": "client", "peak_rps": 1000, "tier": "critical"}
    }
    links: list[str | tuple[str, str, dict[str, object]]] = []
    for n, (role, fields) in enumerate(sorted(pair.items()) * 2):
        cid = f"{role}-{n}"
        components[cid] = {"name": f"Box {n}", **fields}
        if role != "idle":
            calls = 20.0 if role in ("hot", "db") else 1.0 + n / 100
            links.append(("web", cid, {"calls": calls}))
    model = build(components, links, growth_per_year=0.5)
    analysis = analyze(model, today=TODAY, plugins=False)
    facts = analysis.facts
    mine = ("SCL-", "CST-", "DB-", "DEBT-")
    seen: dict[str, set[str]] = {}
    for finding in analysis.findings:
        if not finding.rule_id.startswith(mine):
            continue
        cid = finding.components[0]
        assert facts.labels[cid] in finding.message, (finding.rule_id, finding.message)
        if "load_rps" in finding.evidence:
            assert finding.evidence["load_rps"] == round(facts.load[cid], 3)
        if "utilization_per_quarter" in finding.evidence:
            util = facts.utilization(cid)
            assert util is not None
            assert finding.evidence["utilization_per_quarter"] == [round(u, 3) for u in util]
        seen.setdefault(finding.rule_id, set()).add(finding.message)
    for rule_id in (
        "SCL-UTIL",
        "SCL-AMPLIFY",
        "SCL-RUNWAY",
        "SCL-CEILING",
        "SCL-UNKNOWN",
        "DB-SHARD",
        "DB-REPLICAS",
        "DB-BACKUP",
        "CST-IDLE",
        "CST-SPOT",
        "CST-UNBOUNDED",
        "CST-OVERSIZED",
        "DEBT-WORKAROUND",
    ):
        assert len(seen.get(rule_id, ())) >= 2, (rule_id, seen.get(rule_id))
