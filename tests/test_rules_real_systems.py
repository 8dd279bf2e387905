"""Truth on real systems: hand-written models of systems in the shared corpus, and the
findings an architect reviewing them would make.

The models in tests/data are written by hand from the corpus files; the tests at the end
check that they still match those files (skipped when the corpus is absent).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from archrev.model.modelfile import read_model
from archrev.rules.engine import Analysis, analyze
from archrev.rules.findings import Severity

DATA = Path(__file__).parent / "data"
CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"
TODAY = date(2026, 1, 1)


def run(name: str) -> Analysis:
    return analyze(read_model(DATA / f"{name}.yaml"), today=TODAY, plugins=False)


def about(analysis: Analysis, rule_id: str) -> dict[str, list]:
    """Findings of one rule by the component they are about (the first one listed)."""
    found: dict[str, list] = {}
    for f in analysis.findings:
        if f.rule_id == rule_id:
            found.setdefault(f.components[0], []).append(f)
    return found


# ----------------------------------------------------------------- Online Boutique
@pytest.fixture(scope="module")
def boutique() -> Analysis:
    return run("online-boutique")


def test_boutique_fan_out(boutique: Analysis) -> None:
    fanout = about(boutique, "CPL-FANOUT")
    assert set(fanout) == {"frontend", "checkoutservice"}
    (frontend,) = fanout["frontend"]
    assert frontend.evidence["count"] == 7
    assert frontend.message.startswith("frontend calls 7 components synchronously: ")
    (checkout,) = fanout["checkoutservice"]
    assert checkout.evidence["count"] == 6
    assert set(checkout.evidence["sync_targets"]) == {
        "productcatalogservice",
        "shippingservice",
        "paymentservice",
        "emailservice",
        "currencyservice",
        "cartservice",
    }


def test_boutique_redis_cart_single_stateful(boutique: Analysis) -> None:
    (state,) = about(boutique, "SPOF-STATE")["redis-cart"]
    assert state.severity == Severity.HIGH
    assert "single instance" in state.message and "redis" in state.message
    # the single instance is part of the same root cause: folded into SPOF-STATE
    assert "redis-cart" not in about(boutique, "SPOF-SINGLE")
    assert state.evidence["also"] == ["SPOF-SINGLE"]
    assert "runs as a single instance" in state.evidence["also_findings"]["SPOF-SINGLE"]["message"]
    assert "redis-cart" in about(boutique, "DB-BACKUP")
    assert set(about(boutique, "SPOF-STATE")) == {"redis-cart"}


def test_boutique_checkout_waits_on_email(boutique: Analysis) -> None:
    pairs = {f.components for f in boutique.findings if f.rule_id == "ASY-NONCRITICAL-SYNC"}
    assert ("checkoutservice", "emailservice") in pairs
    # the frontend's ads and recommendations are optional to a shop, but not in this wiring
    assert pairs == {
        ("checkoutservice", "emailservice"),
        ("frontend", "adservice"),
        ("frontend", "recommendationservice"),
    }


def test_boutique_frontend_is_the_chokepoint(boutique: Analysis) -> None:
    assert set(about(boutique, "SPOF-CHOKEPOINT")) == {"frontend"}
    blast = boutique.facts.blast_radius("redis-cart")
    assert blast.failed == {
        "redis-cart",
        "cartservice",
        "checkoutservice",
        "frontend",
        "loadgenerator",
    }


def test_boutique_no_false_alarms(boutique: Analysis) -> None:
    ids = {f.rule_id for f in boutique.findings}
    # no cycles, no shared database, no chain longer than 4 hops, no queues, no capacities
    for rule_id in ("CPL-CYCLE", "CPL-SHARED-DATA", "CPL-CHAIN", "ASY-QUEUE-ORPHAN", "SCL-UTIL"):
        assert rule_id not in ids
    # every service reached from the frontend gets its load: productcatalog is called by
    # the frontend, checkout and recommendations
    assert boutique.facts.load["productcatalogservice"] == 300


# ----------------------------------------------------------------- Sock Shop
@pytest.fixture(scope="module")
def sock_shop() -> Analysis:
    return run("sock-shop")


def test_sock_shop_every_store_is_a_single_stateful_instance(sock_shop: Analysis) -> None:
    assert set(about(sock_shop, "SPOF-STATE")) == {
        "session-db",
        "catalogue-db",
        "carts-db",
        "orders-db",
        "user-db",
        "rabbitmq",
    }


def test_sock_shop_hpa_with_min_one_is_still_single(sock_shop: Analysis) -> None:
    single = about(sock_shop, "SPOF-SINGLE")
    (orders,) = single["orders"]
    assert "autoscaling min 1" in orders.message and orders.severity == Severity.HIGH
    assert "queue-master" not in single  # behind the queue: not on the serving path
    assert "queue-master" not in sock_shop.facts.serving_path
    assert "rabbitmq" in sock_shop.facts.serving_path


def test_sock_shop_shipping_is_decoupled_by_the_queue(sock_shop: Analysis) -> None:
    facts = sock_shop.facts
    assert facts.load["rabbitmq"] == pytest.approx(25)  # 50 rps averaged over peak/average 2
    assert facts.blast_radius("queue-master").failed == {"queue-master"}
    ids = {f.rule_id for f in sock_shop.findings}
    assert "ASY-QUEUE-ORPHAN" not in ids and "CPL-FANOUT" not in ids
    assert "CPL-SHARED-DATA" not in ids  # every service owns its database


def test_sock_shop_session_store_is_required(sock_shop: Analysis) -> None:
    (cache,) = about(sock_shop, "CCH-REQUIRED")["session-db"]
    assert cache.components == ("session-db", "front-end")


# ----------------------------------------------------------------- Big Bank
@pytest.fixture(scope="module")
def big_bank() -> Analysis:
    return run("big-bank")


def test_big_bank_mainframe_and_email_are_external_dependencies(big_bank: Analysis) -> None:
    external = about(big_bank, "SPOF-EXTERNAL")
    assert set(external) == {"mainframe", "email"}
    assert external["mainframe"][0].components == ("mainframe", "api-application")
    pairs = {f.components for f in big_bank.findings if f.rule_id == "ASY-NONCRITICAL-SYNC"}
    assert pairs == {("api-application", "email")}


def test_big_bank_database_failover_is_manual(big_bank: Analysis) -> None:
    (state,) = about(big_bank, "SPOF-STATE")["database"]
    assert "only manual failover" in state.message
    blast = about(big_bank, "SPOF-BLAST")
    assert blast["database"][0].severity == Severity.HIGH  # single primary
    assert "api-application" not in blast  # eight stateless replicas do not fail as one
    assert blast["mainframe"][0].severity == Severity.MEDIUM  # external: outside our control
    assert blast["database"][0].evidence["entry_points_cut"] == [
        "single-page-application",
        "mobile-app",
    ]
    assert "api-application" not in about(big_bank, "SPOF-SINGLE")
    assert set(about(big_bank, "SPOF-ZONE")) == {"api-application", "database"}


# ----------------------------------------------------------------- the models match the corpus
def _corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"corpus not available: {path}")
    return path


def _links(name: str) -> set[tuple[str, str]]:
    return {link.key for link in read_model(DATA / f"{name}.yaml").links}


def test_boutique_links_match_the_manifests() -> None:
    import yaml

    folder = _corpus("online-boutique", "kubernetes-manifests")
    found: set[tuple[str, str]] = set()
    deployments: set[str] = set()
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if not doc or doc.get("kind") != "Deployment":
                continue
            name = doc["metadata"]["name"]
            deployments.add(name)
            for container in doc["spec"]["template"]["spec"].get("containers", []):
                for env in container.get("env", []) or []:
                    if env["name"].endswith("_ADDR") and "value" in env:
                        target = re.split(r"[:/]", str(env["value"]))[0]
                        found.add((name, target))
    # the optional shopping assistant is not deployed by these manifests
    found = {(s, t) for s, t in found if t in deployments}
    assert _links("online-boutique") == found
    model = read_model(DATA / "online-boutique.yaml")
    assert {c.id for c in model.components} == deployments


def test_sock_shop_links_match_the_network_policies() -> None:
    import yaml

    folder = _corpus("sock-shop", "manifests-policy")
    allowed: set[tuple[str, str]] = set()
    for path in sorted(folder.glob("netpol-*-access.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        target = ((doc["spec"].get("podSelector") or {}).get("matchLabels") or {}).get("name")
        for rule in doc["spec"].get("ingress", []) or []:
            for peer in rule.get("from", []) or []:
                source = ((peer.get("podSelector") or {}).get("matchLabels") or {}).get("name")
                if source and target:
                    allowed.add((source, target))
    # the policies call the carts service "cart"; the Deployment is "carts"
    allowed = {(s.replace("cart", "carts") if s == "cart" else s, t) for s, t in allowed}
    allowed = {(s, "carts" if t == "cart" else t) for s, t in allowed}
    ours = _links("sock-shop")
    # RabbitMQ is reached by shipping and by queue-master; our links point the way messages
    # travel, so queue-master appears as the queue's consumer
    expected = (allowed - {("queue-master", "rabbitmq")}) | {("rabbitmq", "queue-master")}
    # session-db and the browser have no policy of their own
    expected |= {("front-end", "session-db"), ("browser", "front-end")}
    assert ours == expected


def test_big_bank_relationships_match_the_dsl() -> None:
    text = _corpus("structurizr-bigbank", "internet-banking-system", "workspace.dsl").read_text()
    for phrase in (
        'mainframeBankingSystemFacade -> mainframe "Makes API calls to" "XML/HTTPS"',
        'emailComponent -> email "Sends e-mail using"',
        'securityComponent -> database "Reads from and writes to" "SQL/TCP"',
        'mobileApp -> signinController "Makes API calls to" "JSON/HTTPS"',
        '"bigbank-api***" "" "Ubuntu 16.04 LTS" "" 8',
        '"bigbank-web***" "" "Ubuntu 16.04 LTS" "" 4',
    ):
        assert phrase in text, phrase
    model = read_model(DATA / "big-bank.yaml")
    assert model.component("api-application").replicas == 8
    assert model.component("web-application").replicas == 4
    assert {("api-application", t) for t in ("database", "mainframe", "email")} <= _links(
        "big-bank"
    )


def test_boutique_replicas_match_the_manifests() -> None:
    import yaml

    folder = _corpus("online-boutique", "kubernetes-manifests")
    replicas: dict[str, int] = {}
    for path in sorted(folder.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc and doc.get("kind") == "Deployment":
                replicas[doc["metadata"]["name"]] = doc["spec"].get("replicas", 1)
    model = read_model(DATA / "online-boutique.yaml")
    for comp in model.components:
        assert comp.replicas == replicas[comp.id], comp.id


def test_sock_shop_autoscalers_match_the_hpas() -> None:
    import yaml

    folder = _corpus("sock-shop", "autoscaling")
    hpas: dict[str, tuple[int, int]] = {}
    for path in sorted(folder.glob("*-hsc.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        target = doc["spec"]["scaleTargetRef"]["name"]
        hpas["carts" if target == "cart" else target] = (
            doc["spec"]["minReplicas"],
            doc["spec"]["maxReplicas"],
        )
    model = read_model(DATA / "sock-shop.yaml")
    scaled = {
        c.id: (c.autoscaling.min, c.autoscaling.max) for c in model.components if c.autoscaling
    }
    assert scaled == hpas
