"""Backstage catalog import: entity refs, APIs between components, the corpus examples."""

from __future__ import annotations

from pathlib import Path

import pytest
from archrev.model.errors import InputFileError
from archrev.model.formats.backstage import parse_ref, read_backstage
from archrev.model.formats.detect import collect
from archrev.model.types import Kind

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

CATALOG = """
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: payments}
spec: {owner: team-pay}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: checkout, title: Checkout, tags: [python]}
spec:
  type: service
  lifecycle: production
  owner: group:team-pay
  system: payments
  consumesApis: [ledger-api, fraud-api]
  dependsOn: ["resource:payments-db", "component:default/ghost"]
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: ledger}
spec:
  type: service
  lifecycle: deprecated
  owner: team-ledger
  providesApis: [ledger-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: ledger-api}
spec: {type: grpc, lifecycle: production, owner: team-ledger, definition: "x"}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata: {name: fraud-api}
spec: {type: openapi, lifecycle: production, owner: x, definition: "x"}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: payments-db}
spec: {type: database, owner: team-pay, system: payments, dependencyOf: [component:ledger]}
---
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata: {name: events}
spec: {type: kafka-topic, owner: team-pay}
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: {name: events, namespace: other}
spec: {type: worker, owner: team-x, dependsOn: [resource:default/events]}
"""


def test_catalog(tmp_path: Path) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(CATALOG, encoding="utf-8")
    assert collect([path]).format == "backstage"
    r = read_backstage([path])
    m = r.model
    assert m.system.id == "payments"
    ids = {c.id for c in m.components}
    # two entities called "events" stay two components
    assert ids == {"checkout", "ledger", "payments-db", "events.resource", "events.other"}
    assert {ln.key for ln in m.links} == {
        ("checkout", "ledger"),  # through ledger-api
        ("checkout", "payments-db"),
        ("ledger", "payments-db"),  # dependencyOf
        ("events.other", "events.resource"),
    }
    checkout = m.component("checkout")
    assert checkout.name == "Checkout" and checkout.group == "payments"
    assert checkout.owner == "group:team-pay" and "lifecycle:production" in checkout.tags
    assert m.component("ledger").deprecated is True
    assert m.component("payments-db").kind == Kind.DATABASE
    assert m.component("events.resource").kind == Kind.STREAM
    assert m.component("events.other").kind == Kind.WORKER
    unresolved = [n.message for n in r.notes if n.kind == "unresolved"]
    assert any("fraud-api" in msg and "no component" in msg for msg in unresolved)
    assert any("ghost" in msg for msg in unresolved)
    assert r.components["checkout"].line == 9


def test_refs() -> None:
    assert parse_ref("resource:payments-db", "component", "default") == (
        "resource",
        "default",
        "payments-db",
    )
    assert parse_ref("team/Thing", "api", "default") == ("api", "team", "thing")


def test_duplicate_entity_is_an_error(tmp_path: Path) -> None:
    one = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\nspec: {}\n"
    path = tmp_path / "c.yaml"
    path.write_text(one + "---\n" + one, encoding="utf-8")
    with pytest.raises(InputFileError, match="defined twice"):
        read_backstage([path])


def test_corpus_examples() -> None:
    folder = CORPUS / "backstage-examples"
    if not folder.exists():
        pytest.skip(f"{folder} is absent (the shared corpus is not here)")
    sources = collect([folder])
    assert sources.format == "backstage" and len(sources.files) == 12
    r = read_backstage(sources.files)
    # 11 Components and 1 Resource across the files; the API demo-graphql is no component
    assert len(r.model.components) == 12
    assert {ln.key for ln in r.model.links} == {
        ("artist-lookup", "artists-db"),  # dependsOn resource:artists-db
        ("wayback-search", "wayback-archive"),  # consumes the API wayback-archive provides
        ("www-artist", "artist-lookup"),  # consumesApis names the component directly
    }
    assert r.model.component("artists-db").kind == Kind.DATABASE
    assert r.model.component("artist-lookup").group == "artist-engagement-portal"
    unresolved = [n for n in r.notes if n.kind == "unresolved"]
    assert len(unresolved) == 1 and "demo-graphql" in unresolved[0].message


def test_locations_are_followed(tmp_path: Path) -> None:
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "a.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: a}\n"
        "spec: {type: service, dependsOn: [resource:b]}\n",
        encoding="utf-8",
    )
    (tmp_path / "b.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: b}\n"
        "spec: {type: database}\n",
        encoding="utf-8",
    )
    root = tmp_path / "all.yaml"
    root.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: all}\n"
        "spec:\n  targets: [./components/*.yaml, ./b.yaml, ./missing.yaml, "
        "https://example.com/x.yaml]\n",
        encoding="utf-8",
    )
    r = read_backstage([root])
    assert {c.id for c in r.model.components} == {"a", "b"}
    assert {ln.key for ln in r.model.links} == {("a", "b")}
    kinds = sorted(n.kind for n in r.notes)
    assert kinds == ["skipped", "unresolved"]
