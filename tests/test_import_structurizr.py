"""Structurizr import: the DSL subset, the JSON, and the corpus examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archrev.model.errors import InputFileError
from archrev.model.formats.detect import collect
from archrev.model.formats.structurizr import read_structurizr
from archrev.model.types import Kind

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

DSL = """
/* a block
   comment */
workspace "Shop" "An online shop" {
    !identifiers hierarchical
    model {
        !const DB_TECH "PostgreSQL"
        buyer = person "Buyer"
        group "Retail" {
            shop = softwareSystem "Shop" {
                web = container "Web" "Serves pages" "Nginx"
                api = container "API" "" "Go" {
                    orders = component "Orders" "" "Go package"
                    db = component "Database" "" "${DB_TECH}" "Database"
                    orders -> db "Reads and writes" "SQL"
                }
                web -> api.orders "Calls" "HTTPS"
            }
        }
        billing = softwareSystem "Billing" {
            db = container "Database" "" "${DB_TECH}" "Database"
            job = container "Invoicer" "" "Python" {
                -> db "Writes invoices"
                -> shop.api "Reads orders" "" "async"
            }
        }
        buyer -> shop.web "Browses"
        buyer -> shop "Buys from"
        !include extra.dsl
        deploymentEnvironment "Live" {
            deploymentNode "eu" "" "" "" 2 {
                deploymentNode "vm" "" "Linux" "" 3 {
                    containerInstance shop.web
                }
            }
            deploymentNode "us" "" "" "" {
                containerInstance shop.web
            }
        }
    }
    views {
        systemContext shop {
            include *
        }
    }
}
"""

EXTRA = """
mailer = softwareSystem "Mailer" "Sends mail" "External"
shop.api.orders -> mailer "Sends confirmations"
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "extra.dsl").write_text(EXTRA, encoding="utf-8")
    path = tmp_path / "workspace.dsl"
    path.write_text(DSL, encoding="utf-8")
    return path


def test_dsl_subset(workspace: Path) -> None:
    r = read_structurizr(workspace)
    m = r.model
    assert m.system.id == "shop" and m.system.description == "An online shop"
    ids = {c.id for c in m.components}
    # the two elements called "Database" stay two components
    assert ids == {
        "buyer",
        "web",
        "orders",
        "api.database",
        "billing.database",
        "invoicer",
        "mailer",
    }
    links = {ln.key: ln for ln in m.links}
    assert set(links) == {
        ("orders", "api.database"),
        ("web", "orders"),
        ("invoicer", "billing.database"),
        ("buyer", "web"),
        ("orders", "mailer"),
    }
    assert links[("web", "orders")].protocol == "HTTPS"
    assert links[("web", "orders")].description == "Calls"
    assert m.component("api.database").kind == Kind.DATABASE
    assert m.component("api.database").technology == "PostgreSQL"
    assert m.component("buyer").kind == Kind.CLIENT
    assert m.component("mailer").kind == Kind.EXTERNAL
    assert m.component("web").group == "Shop" and m.component("orders").group == "API"
    assert m.component("web").replicas == 7  # 2 x 3 in eu + 1 in us
    assert r.components["mailer"].file.endswith("extra.dsl")
    assert r.links[("orders", "mailer")].line == 3
    skipped = [n for n in r.notes if n.kind == "skipped"]
    # buyer -> shop, invoicer -> shop.api are drawn to parents shown by their parts
    assert skipped and skipped[0].message.startswith("2 relationship(s)")


def test_extends_and_ref(tmp_path: Path) -> None:
    (tmp_path / "base.dsl").write_text(
        'workspace {\n  model {\n    a = softwareSystem "A"\n    b = softwareSystem "B"\n'
        "    a -> b\n  }\n}\n",
        encoding="utf-8",
    )
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "workspace.dsl").write_text(
        'workspace extends ../base.dsl {\n  name "Extended"\n  model {\n    !ref A {\n'
        '      c = container "C" "" "Redis"\n    }\n    c -> b "uses"\n  }\n}\n',
        encoding="utf-8",
    )
    r = read_structurizr(sub / "workspace.dsl")
    assert r.model.system.name == "Extended"
    assert {c.id for c in r.model.components} == {"b", "c"}
    assert {ln.key for ln in r.model.links} == {("c", "b")}
    assert r.model.component("c").kind == Kind.CACHE


def test_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.dsl"
    bad.write_text("workspace {\n  model {\n    !ref nothing {\n    }\n  }\n}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"bad.dsl:3:1: !ref nothing"):
        read_structurizr(bad)
    unclosed = tmp_path / "unclosed.dsl"
    unclosed.write_text('workspace {\n  model {\n    a = person "A"\n', encoding="utf-8")
    with pytest.raises(InputFileError, match="not closed"):
        read_structurizr(unclosed)
    missing = tmp_path / "inc.dsl"
    missing.write_text("workspace {\n  model {\n    !include nope.dsl\n  }\n}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"inc.dsl:3:1: !include nope.dsl"):
        read_structurizr(missing)


def test_json_workspace(tmp_path: Path) -> None:
    data = {
        "name": "J",
        "model": {
            "people": [
                {
                    "id": "1",
                    "name": "User",
                    "relationships": [
                        {"id": "10", "sourceId": "1", "destinationId": "3", "description": "Uses"}
                    ],
                }
            ],
            "softwareSystems": [
                {
                    "id": "2",
                    "name": "Sys",
                    "containers": [
                        {
                            "id": "3",
                            "name": "App",
                            "technology": "Java",
                            "relationships": [
                                {
                                    "id": "11",
                                    "sourceId": "3",
                                    "destinationId": "4",
                                    "technology": "JDBC",
                                }
                            ],
                        },
                        {"id": "4", "name": "Store", "technology": "MySQL", "tags": "Database"},
                    ],
                },
                {
                    "id": "5",
                    "name": "Other",
                    "containers": [{"id": "6", "name": "Store", "technology": "Redis"}],
                },
            ],
            "deploymentNodes": [
                {
                    "id": "20",
                    "name": "n",
                    "environment": "Live",
                    "instances": 3,
                    "containerInstances": [{"id": "21", "containerId": "3"}],
                }
            ],
        },
    }
    path = tmp_path / "workspace.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    assert collect([path]).format == "structurizr"
    r = read_structurizr(path)
    assert {c.id for c in r.model.components} == {"user", "app", "sys.store", "other.store"}
    assert {ln.key for ln in r.model.links} == {("user", "app"), ("app", "sys.store")}
    assert r.model.component("app").replicas == 3
    assert r.components["app"].line > 1


def corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus is not here)")
    return path


def test_big_bank_combined_and_extended_agree() -> None:
    combined = read_structurizr(corpus("structurizr-bigbank", "workspace.dsl"))
    extended = read_structurizr(
        corpus("structurizr-bigbank", "internet-banking-system", "workspace.dsl")
    )
    for r in (combined, extended):
        # 3 people, 3 leaf systems, 4 leaf containers, 6 components; the Internet Banking
        # System and the API Application are shown by their parts
        assert len(r.model.components) == 16
        # 26 relationships in the model, 3 of them drawn to the Internet Banking System and
        # 3 into a person or a browser client (e-mails to the customer, the customer asking
        # the staff, the web application delivering the SPA): those are no request
        # dependencies and used to close a false all-synchronous cycle (QA item 6)
        assert len(r.model.links) == 20
        to_person = ("e-mail-system", "personal-banking-customer")
        assert to_person not in {ln.key for ln in r.model.links}
        m = r.model
        assert m.component("database").kind == Kind.DATABASE
        assert m.component("web-application").replicas == 4  # bigbank-web*** x4
        assert m.component("database").replicas == 2  # primary and failover
        assert m.component("sign-in-controller").group == "API Application"
        # a component runs in its container's 8 API servers (bigbank-api*** x8, QA item 7)
        assert m.component("sign-in-controller").replicas == 8
        assert ("security-component", "database") in {ln.key for ln in m.links}
    assert {c.id for c in combined.model.components} == {c.id for c in extended.model.components}


def test_big_bank_landscape() -> None:
    r = read_structurizr(corpus("structurizr-bigbank", "system-landscape", "workspace.dsl"))
    assert r.model.system.name == "Big Bank plc - System Landscape"
    # 9 relationships, less "E-mail System -> customer" and "customer -> staff": nothing
    # waits on a person (QA item 6)
    assert len(r.model.components) == 7 and len(r.model.links) == 7


def test_microservices_example() -> None:
    r = read_structurizr(corpus("structurizr-microservices-example", "workspace.dsl"))
    m = r.model
    # 1 person, 2 external systems, web server, UI, 8 APIs and 8 data stores
    assert len(m.components) == 21
    # 8 API -> store, 2 to external systems, 3 user/web/ui, 5 from the UI, 8 between APIs,
    # less "Web Server -> UI (Delivers)": serving the UI's code is no dependency on the
    # browser client (QA item 6)
    assert len(m.links) == 25
    assert m.component("software-system-b").kind == Kind.EXTERNAL
    assert m.component("service-3-database").kind == Kind.DATABASE
    assert m.component("service-3-api").group == "Service 3"
    assert ("service-5-api", "software-system-b") in {ln.key for ln in m.links}
    assert not [n for n in r.notes if n.kind == "unresolved"]
