"""Coupling, async and caching rules build their messages and evidence on first reading:
each finding must describe its own components (values bound when the hit is made, not the
loop's last ones), and the shortcuts that decide a hit must agree with the rule's words."""

from __future__ import annotations

from datetime import date

from archrev.rules.engine import analyze
from archrev.rules.findings import Finding
from rules_models import build

TODAY = date(2026, 1, 1)
CLIENT = {"kind": "client", "peak_rps": 10}


def fired(model, rule_id: str) -> list[Finding]:
    return [f for f in analyze(model, today=TODAY, plugins=False).findings if f.rule_id == rule_id]


def test_each_fan_out_and_fan_in_finding_names_its_own_component() -> None:
    targets = {f"t{i}": {} for i in range(7)}
    model = build(
        {"a": {"name": "Alpha"}, "b": {"name": "Beta"}, **targets},
        [f"a>t{i}" for i in range(6)] + [f"b>t{i}" for i in range(1, 7)],
    )
    out = {f.components[0]: f for f in fired(model, "CPL-FANOUT")}
    assert out["a"].message.startswith("Alpha (a) calls 6 components synchronously: t0, ")
    assert out["b"].message.startswith("Beta (b) calls 6 components synchronously: t1, ")
    assert out["a"].evidence["sync_targets"] == [f"t{i}" for i in range(6)]
    assert out["b"].evidence == {
        "sync_targets": [f"t{i}" for i in range(1, 7)],
        "count": 6,
        "limit": 6,
    }


def test_unstable_findings_keep_their_own_figures() -> None:
    # c1 and c2 are each called by three and call one volatile component of their own
    model = build(
        {
            **{f"x{i}": {} for i in range(3)},
            "c1": {},
            "c2": {},
            "v1": {},
            "v2": {},
            **{f"w{i}": {} for i in range(3)},
        },
        [f"x{i}>c1" for i in range(3)]
        + [f"x{i}>c2" for i in range(3)]
        + ["c1>v1", "v1>w0", "v1>w1", "c2>v2", "v2>w0", "v2>w1", "v2>w2"],
    )
    out = {f.components[0]: f for f in fired(model, "CPL-UNSTABLE")}
    assert out["c1"].components == ("c1", "v1") and out["c2"].components == ("c2", "v2")
    assert out["c1"].message == (
        "c1 (instability 0.25) depends on 1 of its 1 dependencies that are less stable than "
        "itself: v1 (0.67)."
    )
    assert out["c2"].evidence == {"instability": 0.25, "less_stable": {"v2": 0.75}, "share": 1.0}


def test_chain_findings_name_their_own_entry_point() -> None:
    model = build(
        {"e1": CLIENT, "e2": CLIENT, **{f"s{i}": {} for i in range(7)}},
        ["e1>s0", "s0>s1", "s1>s2", "s2>s3", "s3>s4", "e2>s2", "s2>s5", "s5>s6"],
        # e2's chain: e2, s2, s3, s4 (or s5, s6): four hops, at the limit
    )
    (f,) = fired(model, "CPL-CHAIN")
    assert f.components[0] == "e1" and f.message.startswith("A request entering at e1 passes")
    assert f.evidence["entry_point"] == "e1" and f.evidence["hops"] == 5
    assert f.evidence["path"] == list(f.components[: f.evidence["hops"] + 1])


def test_cycle_text_counts_links_and_shows_a_loop() -> None:
    model = build(
        {"a": {}, "b": {}, "c": {}, "d": {}},
        ["a>b", "b>c", "c>a", ("b", "a", {"mode": "async"}), "c>d"],
    )
    (f,) = fired(model, "CPL-CYCLE")
    assert f.message == (
        "3 components depend on each other in a cycle (4 links, 3 synchronous): a -> b -> a."
    )
    assert f.evidence == {
        "members": ["a", "b", "c"],
        "links": ["a->b", "b->c", "b->a", "c->a"],
        "sync_links": 3,
        "cycle": ["a", "b"],
    }


def test_slow_sync_findings_describe_their_own_target() -> None:
    model = build(
        {"e": CLIENT, "s": {}, "w": {"kind": "worker"}, "m": {"latency_ms": 1500}},
        ["e>s", "s>w", "s>m"],
    )
    out = {f.components[1]: f for f in fired(model, "ASY-SLOW-SYNC")}
    tail = "while serving a request."
    assert out["w"].message == f"s waits synchronously on w (a batch worker) {tail}"
    assert out["m"].message == f"s waits synchronously on m (p95 1,500 ms) {tail}"
    assert out["w"].evidence == {"latency_ms": None, "kind": "worker"}
    assert out["m"].evidence == {"latency_ms": 1500, "kind": "service"}


def test_required_cache_ways_around_it() -> None:
    cache = {"kind": "cache"}
    db = {"kind": "database"}
    model = build(
        {
            "read_through": cache,  # fronts db1: a caller that also links to db1 gets around it
            "aside": cache,  # fronts nothing: a caller with a datastore of its own gets around
            "db1": db,
            "db2": db,
            "s1": {},
            "s2": {},
            "s3": {},
            "s4": {},
        },
        [
            "read_through>db1",
            "s1>read_through",
            "s1>db1",
            "s2>read_through",  # no way around it
            "s3>aside",
            "s3>db2",
            "s4>aside",
            "s4>read_through",  # another cache is no way around a cache-aside one
        ],
    )
    out = {f.components[0]: f for f in fired(model, "CCH-REQUIRED")}
    assert out["read_through"].components == ("read_through", "s2", "s4")
    assert out["read_through"].evidence == {"callers": ["s2", "s4"], "fronts": ["db1"]}
    assert out["aside"].components == ("aside", "s4")
    assert out["aside"].message == (
        "aside is a cache, but s4 requires it with no way around it: "
        "losing the cache fails their requests."
    )


def test_read_heavy_store_fronted_by_a_cache_its_callers_use() -> None:
    store = {"kind": "database", "read_ratio": 0.9}
    model = build(
        {"s": {}, "t": {}, "c": {"kind": "cache"}, "db1": store, "db2": store},
        ["s>c", "s>db1", "t>db2"],
    )
    (f,) = fired(model, "CCH-READ-HEAVY")
    assert f.components == ("db2",)
    assert f.message == (
        "db2 serves 90 % reads and no cache sits in front of it: every read is a query."
    )
    assert f.evidence == {"read_ratio": 0.9, "callers": ["t"]}
