"""The model types, their derived facts, the graph for the rules, and the JSON Schema."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from archrev.model.graph import to_digraph
from archrev.model.located_yaml import YamlMap, load_file
from archrev.model.modelfile import COMPONENT_KEYS, LINK_KEYS, read_model
from archrev.model.schema import model_file_schema
from archrev.model.types import (
    MAX_COST_PER_MONTH,
    MAX_LATENCY_MS,
    MAX_REPLICAS,
    MAX_RPS,
    MAX_TIMEOUT_MS,
    Autoscaling,
    Component,
    Kind,
    Link,
    Mode,
    System,
    SystemModel,
    is_valid_id,
    slugify,
)
from pydantic import ValidationError

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_stateful_defaults_by_kind() -> None:
    for kind in (
        Kind.DATABASE,
        Kind.CACHE,
        Kind.QUEUE,
        Kind.STREAM,
        Kind.OBJECT_STORE,
        Kind.SEARCH,
    ):
        assert Component(id="x", kind=kind).is_stateful
    for kind in (Kind.SERVICE, Kind.WORKER, Kind.GATEWAY, Kind.ML_MODEL, Kind.EXTERNAL):
        assert not Component(id="x", kind=kind).is_stateful
    assert not Component(id="x", kind=Kind.CACHE, stateful=False).is_stateful
    assert Component(id="x", kind=Kind.SERVICE, stateful=True).is_stateful


def test_instances_and_capacity() -> None:
    single = Component(id="a", capacity_rps=100)
    assert single.single_instance and single.instances == 1 and single.capacity_total == 100
    pair = Component(id="a", replicas=2, capacity_rps=100)
    assert not pair.single_instance and pair.capacity_total == 200
    scaled = Component(id="a", autoscaling=Autoscaling(min=2, max=10), capacity_rps=50)
    assert not scaled.single_instance
    assert (scaled.instances, scaled.max_instances, scaled.capacity_total) == (2, 10, 500)
    weak_floor = Component(id="a", autoscaling=Autoscaling(min=1, max=4))
    assert weak_floor.single_instance
    unbounded = Component(id="a", autoscaling=Autoscaling(min=2), capacity_rps=50)
    assert unbounded.max_instances is None and unbounded.capacity_total is None
    assert Component(id="a").capacity_total is None


def test_display_names() -> None:
    assert Component(id="db").display_name == "db"
    assert Component(id="db", name="Orders DB").display_name == "Orders DB"
    assert System(id="s").display_name == "s"


def test_ids() -> None:
    assert is_valid_id("chat-service") and is_valid_id("v2.api_1")
    assert not is_valid_id("-x") and not is_valid_id("a b") and not is_valid_id("")
    assert not is_valid_id("x" * 101)
    assert slugify("  Orders DB (EU) ") == "orders-db-eu"
    assert slugify("!!!") == "component"
    assert is_valid_id(slugify("Ünïcode name / with: stuff"))


def test_model_consistency() -> None:
    comps = [Component(id="a"), Component(id="b")]
    with pytest.raises(ValidationError, match="links to itself"):
        SystemModel(system=System(id="s"), components=comps, links=[Link(source="a", target="a")])
    with pytest.raises(ValidationError, match="no component 'c'"):
        SystemModel(system=System(id="s"), components=comps, links=[Link(source="a", target="c")])
    with pytest.raises(ValidationError, match="listed twice"):
        SystemModel(
            system=System(id="s"),
            components=comps,
            links=[Link(source="a", target="b"), Link(source="a", target="b", calls=2)],
        )
    with pytest.raises(ValidationError, match="used twice"):
        SystemModel(system=System(id="s"), components=[Component(id="a"), Component(id="a")])
    with pytest.raises(ValidationError, match="layout names 'z'"):
        SystemModel(system=System(id="s"), components=comps, layout={"z": (1, 1)})


def test_ranges() -> None:
    with pytest.raises(ValidationError):
        Component(id="a", read_ratio=1.2)
    with pytest.raises(ValidationError):
        Component(id="a", capacity_rps=0)
    with pytest.raises(ValidationError):
        Component(id="a", latency_ms=float("nan"))
    with pytest.raises(ValidationError, match="below min"):
        Autoscaling(min=5, max=2)
    with pytest.raises(ValidationError):
        Link(source="a", target="b", calls=0)


# (type, field, largest value accepted): numbers beyond these overflow the forecasts.
UPPER_BOUNDS = [
    (Component, "peak_rps", MAX_RPS),
    (Component, "capacity_rps", MAX_RPS),
    (Component, "latency_ms", MAX_LATENCY_MS),
    (Component, "cost_per_month", MAX_COST_PER_MONTH),
    (Component, "replicas", MAX_REPLICAS),
    (Link, "timeout_ms", MAX_TIMEOUT_MS),
    (System, "latency_slo_ms", MAX_LATENCY_MS),
    (Autoscaling, "min", MAX_REPLICAS),
    (Autoscaling, "max", MAX_REPLICAS),
]


def _build(cls: type, field: str, value: float) -> object:
    base: dict[str, object] = {
        Link: {"source": "a", "target": "b"},
        Autoscaling: {},
    }.get(cls, {"id": "a"})
    return cls(**{**base, field: value})


@pytest.mark.parametrize(("cls", "field", "high"), UPPER_BOUNDS)
def test_numbers_have_sane_upper_bounds(cls: type, field: str, high: float) -> None:
    assert getattr(_build(cls, field, high), field) == high
    whole = field in ("replicas", "min", "max")
    for nonsense in (high + 1, 10**300 if whole else 1e308):
        with pytest.raises(ValidationError, match=f"{field}\n.*less than or equal to {high}"):
            _build(cls, field, nonsense)
    assert MAX_RPS == 1e9 and MAX_LATENCY_MS == 1e8
    assert MAX_COST_PER_MONTH == 1e12 and MAX_TIMEOUT_MS == 1e8


def test_the_schema_carries_the_upper_bounds() -> None:
    defs = model_file_schema()["$defs"]
    for cls, field, high in UPPER_BOUNDS:
        prop = defs[cls.__name__]["properties"][field]
        maxima = [prop.get("maximum")] + [alt.get("maximum") for alt in prop.get("anyOf", [])]
        assert high in maxima, (cls.__name__, field, prop)


def test_digraph_carries_the_attributes() -> None:
    model = read_model(SAMPLES / "online-shop.yaml")
    graph = to_digraph(model)
    assert isinstance(graph, nx.DiGraph)
    assert graph.number_of_nodes() == len(model.components)
    assert graph.number_of_edges() == len(model.links)
    assert graph.graph["system"] == model.system
    assert graph.nodes["cart-redis"]["component"].kind == Kind.CACHE
    edge = graph.edges["storefront", "recommendations"]
    assert edge["required"] is False and edge["mode"] == Mode.SYNC and edge["calls"] == 0.5
    assert graph.edges["checkout", "order-events"]["mode"] == Mode.ASYNC
    assert graph.edges["checkout", "order-events"]["link"].key == ("checkout", "order-events")
    assert model.to_graph().edges == graph.edges


def test_schema_matches_the_types() -> None:
    schema = model_file_schema()
    defs = schema["$defs"]
    assert set(defs["Component"]["properties"]) == set(COMPONENT_KEYS)
    assert set(defs["Link"]["properties"]) == set(LINK_KEYS)
    assert defs["Link"]["required"] == ["to"]
    assert set(defs["System"]["properties"]) == set(System.model_fields)
    assert defs["System"]["required"] == ["id"]
    assert set(schema["properties"]) == {"archrev", "system", "components", "layout", "policy"}
    kinds = defs["Kind"]["enum"]
    assert kinds == [k.value for k in Kind]
    # every $ref points at a definition that exists
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert refs and all(ref.removeprefix("#/$defs/") in defs for ref in refs)


@pytest.mark.parametrize("name", ["ai-platform.yaml", "online-shop.yaml", "reference.yaml"])
def test_samples_use_only_keys_the_schema_knows(name: str) -> None:
    defs = model_file_schema()["$defs"]
    doc = load_file(SAMPLES / name)
    assert isinstance(doc, YamlMap)
    assert set(doc["system"]) <= set(defs["System"]["properties"])
    for entry in doc["components"].values():
        assert set(entry) <= set(defs["Component"]["properties"])
        for link in entry.get("links", []):
            if isinstance(link, dict):
                assert set(link) <= set(defs["Link"]["properties"])
