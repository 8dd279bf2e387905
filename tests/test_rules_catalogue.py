"""Every rule of the catalogue: a model on which it fires, and a close one on which it does not."""

from __future__ import annotations

from datetime import date

import pytest
from archrev.rules.engine import analyze
from archrev.rules.findings import Finding, Severity
from archrev.rules.rulebook import catalogue
from rules_models import build

TODAY = date(2026, 1, 1)
CLIENT = {"kind": "client", "peak_rps": 10}
SYNC6 = ["a>t1", "a>t2", "a>t3", "a>t4", "a>t5"]
T6 = {f"t{i}": {} for i in range(1, 7)}


def fired(model, rule_id: str) -> list[Finding]:
    return [f for f in analyze(model, today=TODAY, plugins=False).findings if f.rule_id == rule_id]


# rule id -> (model that fires, component the finding is about, model that stays quiet)
CASES = {
    "CPL-CYCLE": (
        build({"a": {}, "b": {}, "c": {}}, ["a>b", "b>c", "c>a"]),
        "a",
        build({"a": {}, "b": {}, "c": {}}, ["a>b", "b>c"]),
    ),
    "CPL-FANOUT": (
        build({"a": {}, **T6}, [*SYNC6, "a>t6"]),
        "a",
        build({"a": {}, **T6}, [*SYNC6, ("a", "t6", {"mode": "async"})]),
    ),
    "CPL-FANIN": (
        build({"s": {}, **T6}, [f"t{i}>s" for i in range(1, 7)]),
        "s",
        build({"s": {"kind": "database"}, **T6}, [f"t{i}>s" for i in range(1, 7)]),
    ),
    "CPL-HUB": (
        build(
            {"h": {}, **{f"i{i}": {} for i in range(4)}, **{f"o{i}": {} for i in range(4)}},
            [f"i{i}>h" for i in range(4)] + [f"h>o{i}" for i in range(4)],
        ),
        "h",
        build(
            {"h": {}, **{f"i{i}": {} for i in range(4)}, **{f"o{i}": {} for i in range(3)}},
            [f"i{i}>h" for i in range(4)] + [f"h>o{i}" for i in range(3)],
        ),
    ),
    "CPL-SHARED-DATA": (
        build({"s1": {}, "s2": {"kind": "worker"}, "db": {"kind": "database"}}, ["s1>db", "s2>db"]),
        "db",
        build({"s1": {}, "s2": {}, "db": {"kind": "database"}}, ["s1>db", "s2>s1"]),
    ),
    "CPL-CHAIN": (
        build(
            {"e": CLIENT, "a": {}, "b": {}, "c": {}, "d": {}, "f": {}},
            ["e>a", "a>b", "b>c", "c>d", "d>f"],
        ),
        "e",
        build({"e": CLIENT, "a": {}, "b": {}, "c": {}, "d": {}}, ["e>a", "a>b", "b>c", "c>d"]),
    ),
    "CPL-UNSTABLE": (
        build(
            {"x1": {}, "x2": {}, "x3": {}, "c": {}, "v": {}, "w1": {}, "w2": {}},
            ["x1>c", "x2>c", "x3>c", "c>v", "v>w1", "v>w2"],
        ),
        "c",
        build({"x1": {}, "x2": {}, "x3": {}, "c": {}, "v": {}}, ["x1>c", "x2>c", "x3>c", "c>v"]),
    ),
    "SPOF-SINGLE": (
        build({"e": CLIENT, "s": {}}, ["e>s"]),
        "s",
        build({"e": CLIENT, "s": {"replicas": 2}}, ["e>s"]),
    ),
    "SPOF-ZONE": (
        build({"s": {"tier": "critical", "replicas": 3}}),
        "s",
        build({"s": {"tier": "critical", "replicas": 3, "zones": 2}}),
    ),
    "SPOF-STATE": (
        build({"db": {"kind": "database"}}),
        "db",
        build({"db": {"kind": "database", "failover": "automatic"}}),
    ),
    "SPOF-CHOKEPOINT": (
        build({"e": CLIENT, "g": {}, "a": {}, "b": {}}, ["e>g", "g>a", "g>b"]),
        "g",
        build({"e": CLIENT, "g": {"replicas": 2}, "a": {}, "b": {}}, ["e>g", "g>a", "g>b"]),
    ),
    "SPOF-EXTERNAL": (
        build({"s": {"tier": "critical"}, "x": {"kind": "external"}}, ["s>x"]),
        "x",
        build(
            {"s": {"tier": "critical"}, "x": {"kind": "external"}},
            [("s", "x", {"required": False})],
        ),
    ),
    "SPOF-BLAST": (
        build(
            {"c1": CLIENT, "c2": CLIENT, "c3": CLIENT, "gw": {}, "a": {"tier": "critical"}},
            ["c1>gw", "c2>gw", "c3>a", "gw>a"],
        ),
        "gw",
        build(
            {
                "c1": CLIENT,
                "c2": CLIENT,
                "c3": CLIENT,
                "a": {"tier": "critical"},
                "b": {"tier": "critical"},
                "d": {"tier": "critical"},
            },
            ["c1>a", "c2>b", "c3>d"],
        ),
    ),
    "SCL-UTIL": (
        build({"e": {"kind": "client", "peak_rps": 90}, "s": {"capacity_rps": 100}}, ["e>s"]),
        "s",
        build({"e": {"kind": "client", "peak_rps": 50}, "s": {"capacity_rps": 100}}, ["e>s"]),
    ),
    "SCL-RUNWAY": (
        build(
            {"e": {"kind": "client", "peak_rps": 50}, "s": {"capacity_rps": 100}},
            ["e>s"],
            growth_per_year=1.0,
        ),
        "s",
        build({"e": {"kind": "client", "peak_rps": 50}, "s": {"capacity_rps": 100}}, ["e>s"]),
    ),
    "SCL-CEILING": (
        build(
            {
                "e": {"kind": "client", "peak_rps": 150},
                "s": {"capacity_rps": 100, "autoscaling": {"min": 2, "max": 2}},
            },
            ["e>s"],
            growth_per_year=0.5,
        ),
        "s",
        build(
            {
                "e": {"kind": "client", "peak_rps": 150},
                "s": {"capacity_rps": 100, "autoscaling": {"min": 2, "max": 10}},
            },
            ["e>s"],
            growth_per_year=0.5,
        ),
    ),
    "SCL-NO-AUTOSCALE": (
        build({"s": {"replicas": 2}}, peak_to_average=3),
        "s",
        build({"s": {"replicas": 2, "autoscaling": {"min": 2, "max": 4}}}, peak_to_average=3),
    ),
    "SCL-STATEFUL": (
        build(
            {
                "e": {"kind": "client", "peak_rps": 150},
                "db": {"kind": "search", "capacity_rps": 100},
            },
            ["e>db"],
        ),
        "db",
        build(
            {
                "e": {"kind": "client", "peak_rps": 150},
                "db": {"kind": "search", "capacity_rps": 100, "read_replicas": 1},
            },
            ["e>db"],
        ),
    ),
    "SCL-AMPLIFY": (
        build({"e": CLIENT, "s": {}}, [("e", "s", {"calls": 20})]),
        "s",
        build({"e": CLIENT, "s": {}}, [("e", "s", {"calls": 2})]),
    ),
    "SCL-UNKNOWN": (
        build({"e": CLIENT, "s": {}}, ["e>s"]),
        "s",
        build({"e": CLIENT, "s": {"capacity_rps": 100}}, ["e>s"]),
    ),
    "ASY-SLOW-SYNC": (
        build({"e": CLIENT, "s": {"latency_ms": 2000}}, ["e>s"]),
        "s",
        build({"e": CLIENT, "s": {"latency_ms": 2000}}, [("e", "s", {"mode": "async"})]),
    ),
    "ASY-NONCRITICAL-SYNC": (
        build({"a": {"tier": "critical"}, "b": {"tier": "non_critical"}}, ["a>b"]),
        "a",
        build(
            {"a": {"tier": "critical"}, "b": {"tier": "non_critical"}},
            [("a", "b", {"mode": "async"})],
        ),
    ),
    "ASY-LATENCY": (
        build(
            {
                "e": {"peak_rps": 1, "latency_ms": 100},
                "a": {"latency_ms": 150},
                "b": {"latency_ms": 100},
            },
            ["e>a", "a>b"],
            latency_slo_ms=300,
        ),
        "e",
        build(
            {
                "e": {"peak_rps": 1, "latency_ms": 100},
                "a": {"latency_ms": 150},
                "b": {"latency_ms": 100},
            },
            ["e>a", "a>b"],
            latency_slo_ms=400,
        ),
    ),
    "ASY-QUEUE-ORPHAN": (
        build({"p": {}, "q": {"kind": "queue"}}, [("p", "q", {"mode": "async"})]),
        "q",
        build(
            {"p": {}, "q": {"kind": "queue"}, "w": {"kind": "worker"}},
            [("p", "q", {"mode": "async"}), ("q", "w", {"mode": "async"})],
        ),
    ),
    "CCH-READ-HEAVY": (
        build({"s": {}, "db": {"kind": "database", "read_ratio": 0.9}}, ["s>db"]),
        "db",
        build(
            {"s": {}, "c": {"kind": "cache"}, "db": {"kind": "database", "read_ratio": 0.9}},
            ["s>c", "s>db"],
        ),
    ),
    "CCH-REQUIRED": (
        build({"s": {}, "c": {"kind": "cache"}}, ["s>c"]),
        "c",
        build({"s": {}, "c": {"kind": "cache"}}, [("s", "c", {"required": False})]),
    ),
    "DB-REPLICAS": (
        build({"db": {"kind": "database", "read_ratio": 0.9}}),
        "db",
        build({"db": {"kind": "database", "read_ratio": 0.9, "read_replicas": 1}}),
    ),
    "DB-SHARD": (
        build(
            {
                "e": {"kind": "client", "peak_rps": 150},
                "db": {"kind": "database", "capacity_rps": 100},
            },
            ["e>db"],
        ),
        "db",
        build(
            {
                "e": {"kind": "client", "peak_rps": 150},
                "db": {"kind": "database", "capacity_rps": 100, "sharded": True},
            },
            ["e>db"],
        ),
    ),
    "DB-BACKUP": (
        build({"db": {"kind": "database"}}),
        "db",
        build({"db": {"kind": "database", "backups": True}}),
    ),
    "OBS-METRICS": (
        build({"s": {}}),
        "s",
        build({"s": {"monitoring": {"metrics": True}}}),
    ),
    "OBS-ALERTS": (
        build({"e": CLIENT, "s": {}}, ["e>s"]),
        "s",
        build({"e": CLIENT, "s": {"monitoring": {"alerts": True}}}, ["e>s"]),
    ),
    "OBS-TRACING": (
        build({"e": CLIENT, "a": {}, "b": {}, "c": {}}, ["e>a", "a>b", "b>c"]),
        "b",
        build({"e": CLIENT, "a": {}, "b": {}}, ["e>a", "a>b"]),
    ),
    "OBS-COST": (
        build({"s": {"monitoring": {"cost_tags": True}}}),
        "s",
        build({"s": {"owner": "team-a", "monitoring": {"cost_tags": True}}}),
    ),
    "CST-UNBOUNDED": (
        build({"s": {"autoscaling": {"min": 2}}}),
        "s",
        build({"s": {"autoscaling": {"min": 2, "max": 8}}}),
    ),
    "CST-OVERSIZED": (
        build({"e": CLIENT, "s": {"capacity_rps": 100, "replicas": 2}}, ["e>s"]),
        "s",
        build(
            {"e": {"kind": "client", "peak_rps": 100}, "s": {"capacity_rps": 100, "replicas": 2}},
            ["e>s"],
        ),
    ),
    "CST-SPOT": (
        build({"w": {"kind": "worker", "tier": "non_critical"}}),
        "w",
        build({"w": {"kind": "worker", "tier": "non_critical", "spot": True}}),
    ),
    "CST-IDLE": (
        build({"e": CLIENT, "s": {}, "idle": {}}, ["e>s"]),
        "idle",
        build({"e": CLIENT, "s": {}}, ["e>s"]),
    ),
    "DEBT-WORKAROUND": (
        build({"s": {"workaround": True, "review_by": "2025-06-30"}}),
        "s",
        build({"s": {"workaround": True, "review_by": "2026-06-30"}}),
    ),
    "DEBT-DEPRECATED": (
        build({"a": {"tier": "critical"}, "old": {"deprecated": True}}, ["a>old"]),
        "old",
        build({"a": {}, "old": {"deprecated": True}}, ["a>old"]),
    ),
}


def test_every_rule_has_a_case() -> None:
    assert sorted(CASES) == sorted(r.id for r in catalogue(plugins=False))


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires(rule_id: str) -> None:
    model, about, _ = CASES[rule_id]
    found = fired(model, rule_id)
    assert found, f"{rule_id} did not fire"
    assert any(about in f.components for f in found)
    for f in found:
        assert f.message and f.title and f.remediation and f.category
        assert f.fingerprint.startswith(rule_id + ":")


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_stays_quiet(rule_id: str) -> None:
    _, _, quiet = CASES[rule_id]
    assert fired(quiet, rule_id) == []


def test_metadata_complete() -> None:
    for rule in catalogue(plugins=False):
        assert rule.title and rule.rationale and rule.remediation, rule.id
        assert rule.principle, rule.id
        for t in rule.thresholds:
            assert t.name.isidentifier() and t.description


# ----------------------------------------------------------------- severities and numbers
def test_cycle_high_when_all_sync_medium_otherwise() -> None:
    sync = build({"a": {}, "b": {}}, ["a>b", "b>a"])
    (f,) = fired(sync, "CPL-CYCLE")
    assert f.severity == Severity.HIGH and "a -> b -> a" in f.message
    mixed = build({"a": {}, "b": {}}, ["a>b", ("b", "a", {"mode": "async"})])
    (f,) = fired(mixed, "CPL-CYCLE")
    assert f.severity == Severity.MEDIUM and "1 synchronous" in f.message


def test_fanout_message_counts_and_names() -> None:
    (f,) = fired(CASES["CPL-FANOUT"][0], "CPL-FANOUT")
    assert f.message.startswith("a calls 6 components synchronously: t1, t2, t3, t4, t5, t6")
    assert f.evidence["count"] == 6


def test_spof_single_high_when_critical() -> None:
    model = build({"e": CLIENT, "s": {"tier": "critical"}}, ["e>s"])
    (f,) = fired(model, "SPOF-SINGLE")
    assert f.severity == Severity.HIGH


def test_util_critical_when_over_capacity() -> None:
    model = build({"e": {"kind": "client", "peak_rps": 120}, "s": {"capacity_rps": 100}}, ["e>s"])
    (f,) = fired(model, "SCL-UTIL")
    assert f.severity == Severity.CRITICAL
    assert "120 rps" in f.message and "120 %" in f.message


def test_runway_severity_by_quarter() -> None:
    (f,) = fired(CASES["SCL-RUNWAY"][0], "SCL-RUNWAY")
    # 50 % now doubling every year: 0.5 * 2^(q/4) >= 0.8 first at q = 3
    assert f.evidence["runway_quarter"] == 3
    assert f.severity == Severity.MEDIUM
    assert f.evidence["utilization_per_quarter"][0] == 0.5
    assert len(f.evidence["utilization_per_quarter"]) == 13
    soon = build(
        {"e": {"kind": "client", "peak_rps": 75}, "s": {"capacity_rps": 100}},
        ["e>s"],
        growth_per_year=0.5,
    )
    (f,) = fired(soon, "SCL-RUNWAY")
    assert f.evidence["runway_quarter"] <= 2 and f.severity == Severity.HIGH
    late = build(
        {"e": {"kind": "client", "peak_rps": 40}, "s": {"capacity_rps": 100}},
        ["e>s"],
        growth_per_year=0.5,
    )
    (f,) = fired(late, "SCL-RUNWAY")
    assert f.evidence["runway_quarter"] > 4 and f.severity == Severity.LOW


def test_component_growth_overrides_system() -> None:
    model = build(
        {"e": {"kind": "client", "peak_rps": 50}, "s": {"capacity_rps": 100, "growth_per_year": 0}},
        ["e>s"],
        growth_per_year=1.0,
    )
    assert fired(model, "SCL-RUNWAY") == []


def test_blast_high_for_single_instance_and_evidence() -> None:
    model = build(
        {"c1": CLIENT, "c2": CLIENT, "gw": {}, "a": {"tier": "critical"}},
        ["c1>gw", "c2>gw", "gw>a"],
    )
    found = {f.components[0]: f for f in fired(model, "SPOF-BLAST")}
    assert found["gw"].severity == Severity.HIGH
    assert found["gw"].evidence["entry_points_cut"] == ["c1", "c2"]
    assert found["gw"].evidence["failed_count"] == 3
    assert found["gw"].evidence["failed_nearest"] == ["c1", "c2"]
    assert "2 of the 2 entry points" in found["gw"].message


def test_blast_leaves_out_replicated_stateless_services() -> None:
    model = build(
        {
            "c1": CLIENT,
            "c2": CLIENT,
            "gw": {"replicas": 3},
            "a": {"tier": "critical", "replicas": 2},
        },
        ["c1>gw", "c2>gw", "gw>a"],
    )
    assert fired(model, "SPOF-BLAST") == []


def test_blast_needs_two_entry_points() -> None:
    model = build({"c1": CLIENT, "a": {"tier": "critical"}}, ["c1>a"])
    assert fired(model, "SPOF-BLAST") == []


def test_slow_sync_to_worker_fires_without_latency() -> None:
    model = build({"e": CLIENT, "w": {"kind": "worker"}}, ["e>w"])
    (f,) = fired(model, "ASY-SLOW-SYNC")
    assert "batch worker" in f.message


def test_latency_counts_unknown_and_high_when_double() -> None:
    model = build(
        {"e": {"peak_rps": 1, "latency_ms": 500}, "a": {"latency_ms": 200}, "b": {}},
        ["e>a", "a>b"],
        latency_slo_ms=300,
    )
    (f,) = fired(model, "ASY-LATENCY")
    assert f.evidence["latency_ms"] == 700 and f.severity == Severity.HIGH
    assert f.evidence["unknown_latency"] == ["b"]


def test_chokepoint_share_threshold() -> None:
    model = build({"e": CLIENT, "g": {}, "a": {}, "b": {}, "c": {}}, ["e>g", "g>a", "e>b", "e>c"])
    # g dominates only a: 1 of the 3 other components the entry point reaches
    assert fired(model, "SPOF-CHOKEPOINT") == []


def test_read_through_cache_counts_as_in_front() -> None:
    model = build(
        {"s": {}, "c": {"kind": "cache"}, "db": {"kind": "database", "read_ratio": 0.95}},
        ["s>c", "c>db"],
    )
    assert fired(model, "CCH-READ-HEAVY") == []
    # and a caller that only reaches the store through the cache cannot survive losing it
    assert [f.components[0] for f in fired(model, "CCH-REQUIRED")] == ["c"]


def test_unknown_fields_stay_silent() -> None:
    # no capacity, no latency, no read ratio: the rules that need them say nothing
    model = build({"e": CLIENT, "s": {}, "db": {"kind": "database"}}, ["e>s", "s>db"])
    rules = {f.rule_id for f in analyze(model, today=TODAY, plugins=False).findings}
    for quiet in ("SCL-UTIL", "SCL-RUNWAY", "DB-SHARD", "ASY-LATENCY", "CCH-READ-HEAVY"):
        assert quiet not in rules
    assert "SCL-UNKNOWN" in rules
