"""The shared facts: entry points, serving path, load model, capacity, runway, dominators,
chains and blast radius."""

from __future__ import annotations

import math

import pytest
from archrev.rules.engine import analyze
from archrev.rules.facts import Facts
from rules_models import build


def test_entry_points_are_peak_rps_or_clients() -> None:
    facts = Facts(build({"web": {"kind": "client"}, "api": {"peak_rps": 5}, "s": {}}))
    assert facts.entry_points == {"web", "api"}


def test_a_load_generator_is_not_where_users_enter() -> None:
    # Importers tag load generators (Locust, k6, ...) `test-traffic` and give them no
    # peak_rps; the analysis must not start from them. With a peak_rps set by the architect
    # it is an entry point again: the model then says it carries real load.
    comps = {
        "users": {"kind": "client"},
        "locust": {"kind": "client", "tags": ["test-traffic"]},
        "web": {},
    }
    facts = Facts(build(comps, ["users>web", "locust>web"]))
    assert facts.entry_points == {"users"}
    # ... nor is it an idle component to retire (CST-IDLE): it runs on purpose.
    findings = analyze(build(comps, ["users>web", "locust>web"])).findings
    assert not [f for f in findings if "locust" in f.components and f.rule_id == "CST-IDLE"]
    comps["locust"]["peak_rps"] = 50
    assert Facts(build(comps, ["users>web", "locust>web"])).entry_points == {"users", "locust"}


def test_serving_path_follows_required_links_and_stops_at_queues() -> None:
    model = build(
        {
            "e": {"kind": "client", "peak_rps": 10},
            "api": {},
            "opt": {},
            "q": {"kind": "queue"},
            "w": {"kind": "worker"},
            "db": {"kind": "database"},
        },
        [
            "e>api",
            ("api", "opt", {"required": False}),
            ("api", "q", {"mode": "async"}),
            ("q", "w", {"mode": "async"}),
            "w>db",
        ],
    )
    facts = Facts(model)
    assert facts.serving_path == {"e", "api", "q"}


def test_load_model_calls_cache_misses_and_queue_averaging() -> None:
    model = build(
        {
            "e": {"kind": "client", "peak_rps": 100},
            "api": {},
            "cache": {"kind": "cache", "hit_ratio": 0.9},
            "db": {"kind": "database"},
            "q": {"kind": "queue"},
            "w": {"kind": "worker"},
        },
        [
            ("e", "api", {"calls": 1}),
            ("api", "cache", {"calls": 3}),
            "cache>db",
            ("api", "q", {"mode": "async", "calls": 2}),
            ("q", "w", {"mode": "async"}),
        ],
        peak_to_average=4,
    )
    load = Facts(model).load
    assert load["api"] == 100
    assert load["cache"] == 300
    assert load["db"] == pytest.approx(30)  # only the 10 % misses
    assert load["q"] == pytest.approx(50)  # 200 rps averaged over a peak/average of 4
    assert load["w"] == pytest.approx(50)  # not averaged again


def test_cycle_links_followed_once() -> None:
    model = build(
        {"e": {"kind": "client", "peak_rps": 10}, "a": {}, "b": {}},
        ["e>a", ("a", "b", {"calls": 2}), ("b", "a", {"calls": 2})],
    )
    facts = Facts(model)
    assert facts.cycles == [("a", "b")]
    assert facts.load["a"] == 10 + 40  # e, then b's 20 rps x 2 once, no runaway
    assert facts.load["b"] == 20
    assert all(math.isfinite(v) for v in facts.load.values())


def test_capacity_utilization_and_runway() -> None:
    model = build(
        {
            "e": {"kind": "client", "peak_rps": 100},
            "fixed": {"capacity_rps": 50, "replicas": 4},
            "auto": {"capacity_rps": 50, "autoscaling": {"min": 1, "max": 10}},
            "open": {"capacity_rps": 50, "autoscaling": {"min": 1}},
            "unknown": {},
        },
        ["e>fixed", "e>auto", "e>open", "e>unknown"],
        growth_per_year=1.0,
        horizon_quarters=8,
    )
    facts = Facts(model)
    assert facts.capacity == {
        "e": None,
        "fixed": 200,
        "auto": 500,
        "open": None,
        "unknown": None,
    }
    util = facts.utilization("fixed")
    assert util is not None and len(util) == 9
    assert util[0] == pytest.approx(0.5)
    assert util[4] == pytest.approx(1.0)  # doubled after a year
    assert facts.runway("fixed") == 3  # 0.5 * 2^(3/4) = 0.84
    assert facts.runway("fixed", 0.95) == 4
    assert facts.runway("auto") is None
    assert facts.utilization("open") is None and facts.runway("unknown") is None


def test_dominators_of_the_serving_path() -> None:
    model = build(
        {"e": {"kind": "client"}, "gw": {}, "a": {}, "b": {}, "c": {}},
        ["e>gw", "gw>a", "gw>b", "a>c", "b>c"],
    )
    facts = Facts(model)
    assert facts.idom == {"e": "", "gw": "e", "a": "gw", "b": "gw", "c": "gw"}
    assert facts.dominated_by("gw") == ["a", "b", "c"]
    assert facts.dominated_by("a") == []  # c is also reached through b
    assert facts.dominated_count == {"e": 4, "gw": 3, "a": 0, "b": 0, "c": 0}


def test_longest_chain_depth_and_latency() -> None:
    model = build(
        {
            "e": {"peak_rps": 1, "latency_ms": 10},
            "a": {"latency_ms": 500},
            "b": {"latency_ms": 10},
            "c": {"latency_ms": 10},
        },
        ["e>a", "e>b", "b>c", ("a", "c", {"mode": "async"})],
    )
    facts = Facts(model)
    assert facts.longest_sync_chain("e").path == ("e", "b", "c")
    slow = facts.slowest_sync_chain("e")
    assert slow.path == ("e", "a") and slow.latency_ms == 510
    assert facts.sync_chain_through("c") == 2
    assert facts.sync_depth["c"] == 2


def test_blast_radius_goes_up_required_links_not_across_queues() -> None:
    model = build(
        {
            "c1": {"kind": "client"},
            "c2": {"kind": "client"},
            "api": {},
            "db": {"kind": "database"},
            "q": {"kind": "queue"},
            "w": {"kind": "worker"},
            "report": {},
        },
        [
            "c1>api",
            "c2>report",
            "api>db",
            ("api", "q", {"mode": "async"}),
            ("q", "w", {"mode": "async"}),
            "w>db",
            ("report", "db", {"required": False}),
        ],
    )
    facts = Facts(model)
    radius = facts.blast_radius("db")
    assert radius.failed == {"db", "api", "w", "c1"}
    assert radius.entry_points_cut == {"c1"}
    assert facts.blast_radius("w").failed == {"w"}  # the queue does not wait for its consumer
    assert facts.entry_points_in(facts.entry_points_using["db"]) == ["c1"]


def test_instability_and_fans() -> None:
    facts = Facts(build({"a": {}, "b": {}, "c": {}}, ["a>b", "c>b", "b>c"]))
    assert facts.fan_in("b") == 2 and facts.fan_out("b") == 1
    assert facts.instability["a"] == 1.0
    assert facts.instability["b"] == pytest.approx(1 / 3)


def test_empty_model() -> None:
    facts = Facts(build({}))
    assert facts.entry_points == frozenset() and facts.load == {}
    assert facts.dominated_count == {} and facts.idom == {}
