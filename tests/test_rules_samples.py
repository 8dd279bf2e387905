"""The samples say in their header what a review should find; the rules must find it, and
the well-architected reference must come out (nearly) clean."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from archrev.model.modelfile import read_model
from archrev.rules.engine import Analysis, analyze
from archrev.rules.findings import Severity

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TODAY = date(2026, 1, 1)


def run(name: str) -> Analysis:
    path = SAMPLES / f"{name}.yaml"
    if not path.exists():
        pytest.skip(f"sample {path.name} not present")
    return analyze(read_model(path), today=TODAY, plugins=False)


def ids_of(analysis: Analysis, rule_id: str) -> set[str]:
    return {f.components[0] for f in analysis.findings if f.rule_id == rule_id}


def pairs_of(analysis: Analysis, rule_id: str) -> set[tuple[str, ...]]:
    return {f.components for f in analysis.findings if f.rule_id == rule_id}


def test_online_shop() -> None:
    a = run("online-shop")
    (fanout,) = [
        f for f in a.findings if f.rule_id == "CPL-FANOUT" and f.components[0] == "storefront"
    ]
    assert fanout.evidence["count"] == 7
    assert "cart-redis" in ids_of(a, "SPOF-STATE") and "cart-redis" not in ids_of(a, "SPOF-SINGLE")
    (state,) = [f for f in a.findings if f.rule_id == "SPOF-STATE" and "cart-redis" in f.components]
    assert state.evidence["also"] == ["SPOF-SINGLE"]
    assert ("checkout", "email") in pairs_of(a, "ASY-NONCRITICAL-SYNC")
    assert "product-db" in ids_of(a, "CCH-READ-HEAVY")
    assert "product-db" in ids_of(a, "DB-REPLICAS")
    assert "product-db" in ids_of(a, "DB-SHARD")
    chain = next(f for f in a.findings if f.rule_id == "CPL-CHAIN" and f.components[0] == "browser")
    assert chain.evidence["hops"] == 5 and "payment-provider" in chain.evidence["beyond_limit"]
    assert "payment-provider" in ids_of(a, "SPOF-EXTERNAL")
    assert {"storefront", "checkout", "cart"} <= ids_of(a, "SCL-NO-AUTOSCALE")
    (ads,) = [f for f in a.findings if f.rule_id == "DEBT-DEPRECATED"]
    assert ads.components[0] == "ads" and ads.severity == Severity.LOW


def test_ai_platform() -> None:
    a = run("ai-platform")
    assert "session-cache" in ids_of(a, "SPOF-STATE")
    shared = next(
        f
        for f in a.findings
        if f.rule_id == "CPL-SHARED-DATA" and f.components[0] == "postgres-main"
    )
    assert set(shared.evidence["users"]) >= {
        "auth-service",
        "chat-service",
        "billing-service",
        "usage-aggregator",
        "model-registry",
    }
    assert "postgres-main" in ids_of(a, "DB-REPLICAS")
    # one decision per root cause: the single instance is SPOF-STATE's, the load DB-SHARD's
    primary = {
        f.rule_id: f for f in a.findings if f.components and f.components[0] == "postgres-main"
    }
    assert "SPOF-SINGLE" not in primary and "SCL-STATEFUL" not in primary
    assert primary["SPOF-STATE"].evidence["also"] == ["SPOF-SINGLE"]
    assert primary["DB-SHARD"].evidence["also"] == ["SCL-STATEFUL"]
    assert "quarter" in primary["DB-SHARD"].evidence["also_findings"]["SCL-STATEFUL"]["message"]
    slow = pairs_of(a, "ASY-SLOW-SYNC")
    assert {("chat-service", "llm-inference"), ("chat-service", "external-llm-api")} <= slow
    assert "chat-service" in ids_of(a, "CPL-FANOUT")
    runway = next(
        f for f in a.findings if f.rule_id == "SCL-RUNWAY" and f.components[0] == "llm-inference"
    )
    assert runway.evidence["runway_quarter"] <= 2 and runway.severity == Severity.HIGH
    assert "embedding-model" in ids_of(a, "CST-UNBOUNDED")
    assert "keyword-search" in ids_of(a, "DEBT-DEPRECATED")
    assert "pdf-parser" in ids_of(a, "DEBT-WORKAROUND")
    assert ids_of(a, "OBS-COST") and ids_of(a, "OBS-ALERTS")


def test_reference_is_clean() -> None:
    a = run("reference")
    serious = [f for f in a.findings if f.severity.rank >= Severity.MEDIUM.rank]
    assert serious == [], [f.message for f in serious]
