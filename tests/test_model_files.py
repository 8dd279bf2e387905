"""Model files: samples, lossless and deterministic writing, positions, the YAML reader."""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path

import pytest
import yaml
from archrev.model import located_yaml
from archrev.model.errors import InputFileError
from archrev.model.located_yaml import YamlMap, YamlSeq, load_all_located, load_located
from archrev.model.modelfile import (
    parse_model,
    read_model,
    read_model_with_source,
    save_model,
    write_model,
)
from archrev.model.types import (
    Component,
    Failover,
    Kind,
    Link,
    Mode,
    Monitoring,
    System,
    SystemModel,
)
from hypothesis import HealthCheck, given, settings
from model_strategies import system_models

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SAMPLE_NAMES = ["ai-platform.yaml", "online-shop.yaml", "reference.yaml"]


# -- samples -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_are_valid_and_documented(name: str) -> None:
    path = SAMPLES / name
    model, source = read_model_with_source(path)
    assert source.header.startswith("# "), "each sample starts with a comment saying what it is"
    assert "What" in source.header
    assert len(model.components) >= 12
    assert all(c.owner or c.kind == Kind.CLIENT for c in model.components[:3])


# A link's protocol that names a product, and the word its target's technology must hold.
PRODUCT_PROTOCOLS = {
    "postgres": "postgres",
    "mysql": "mysql",
    "redis": "redis",
    "kafka": "kafka",
    "amqp": "rabbitmq",
}


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_protocols_agree_with_the_technology_they_reach(name: str) -> None:
    """QA item 20: orders-db ran MySQL 8 while checkout spoke `postgres` to it."""
    model = read_model(SAMPLES / name)
    comps = model.component_map()
    checked = 0
    for link in model.links:
        word = PRODUCT_PROTOCOLS.get(link.protocol)
        technology = comps[link.target].technology.lower()
        if word is None or not technology:
            continue
        assert word in technology, (
            f"{name}: {link.source} -> {link.target} speaks {link.protocol} "
            f"to {comps[link.target].technology}"
        )
        checked += 1
    assert checked >= 3


def test_samples_are_installed_with_the_package() -> None:
    names = {p.name for p in resources.files("archrev.samples").iterdir()}
    assert set(SAMPLE_NAMES) <= names


def test_ai_platform_has_the_problems_it_promises() -> None:
    model = read_model(SAMPLES / "ai-platform.yaml")
    comps = model.component_map()
    kinds = {c.kind for c in model.components}
    assert {Kind.GATEWAY, Kind.ML_MODEL, Kind.DATABASE, Kind.CACHE, Kind.STREAM} <= kinds
    assert {Kind.EXTERNAL, Kind.OBJECT_STORE, Kind.SEARCH, Kind.WORKER} <= kinds
    assert 20 <= len(model.components) <= 30
    # a single-instance stateful store that every chat request needs
    cache = comps["session-cache"]
    assert cache.is_stateful and cache.single_instance and cache.failover == Failover.NONE
    # a synchronous, required call to a slow model
    slow = [
        ln
        for ln in model.links
        if ln.mode == Mode.SYNC and ln.required and (comps[ln.target].latency_ms or 0) >= 1000
    ]
    assert {ln.target for ln in slow} >= {"llm-inference", "external-llm-api"}
    # fan-out of six or more synchronous targets
    sync_targets = {ln.target for ln in model.links if ln.source == "chat-service"}
    assert len(sync_targets) >= 6
    # one database shared by several services
    users = {ln.source for ln in model.links if ln.target == "postgres-main"}
    assert len(users) >= 3
    # an autoscaler without a maximum, a workaround past its review date
    assert any(c.autoscaling and c.autoscaling.max is None for c in model.components)
    assert any(
        c.workaround and c.review_by and c.review_by < date(2026, 1, 1) for c in comps.values()
    )
    # missing monitoring and cost tags somewhere
    assert any(not c.monitoring.cost_tags for c in model.components if c.kind != Kind.CLIENT)
    assert 0.6 <= model.system.growth_per_year <= 1.0


def test_reference_keeps_its_promises() -> None:
    model = read_model(SAMPLES / "reference.yaml")
    for comp in model.components:
        if comp.kind == Kind.EXTERNAL:
            continue
        assert comp.instances >= 2, comp.id
        assert comp.zones >= 2, comp.id
        assert comp.monitoring == Monitoring(
            metrics=True, alerts=True, tracing=True, cost_tags=True
        )
        assert comp.owner
        if comp.is_stateful:
            assert comp.backups, comp.id
        if comp.autoscaling is not None:
            assert comp.autoscaling.max is not None, comp.id
    comps = model.component_map()
    for link in model.links:
        if comps[link.target].kind == Kind.EXTERNAL:
            assert comps[link.source].kind != Kind.SERVICE  # external work goes via queues
    assert model.layout and set(model.layout) == set(comps)


def test_pure_python_parser_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (SAMPLES / "ai-platform.yaml").read_text()
    fast, fast_source = parse_model(text, "ai.yaml")
    monkeypatch.setattr(located_yaml, "_Loader", yaml.SafeLoader)
    slow, slow_source = parse_model(text, "ai.yaml")
    assert fast == slow
    assert fast_source.components == slow_source.components
    assert fast_source.links == slow_source.links


# -- writing -------------------------------------------------------------------------------


def test_write_is_deterministic_and_omits_defaults() -> None:
    model = SystemModel(
        system=System(id="s", growth_per_year=0.5),
        components=[
            Component(id="b", kind=Kind.DATABASE, replicas=2, backups=True),
            Component(id="a", name="A service", latency_ms=12.0),
        ],
        links=[Link(source="a", target="b", required=False)],
        layout={"b": (10, 2), "a": (0, 0)},
    )
    text = write_model(model)
    assert text == (
        "archrev: 1\n"
        "system:\n"
        "  id: s\n"
        "  growth_per_year: 0.5\n"
        "components:\n"
        "  b:\n"
        "    kind: database\n"
        "    replicas: 2\n"
        "    backups: true\n"
        "  a:\n"
        "    name: A service\n"
        "    latency_ms: 12\n"
        "    links:\n"
        "    - {to: b, required: false}\n"
        "layout:\n"
        "  a: [0, 0]\n"
        "  b: [10, 2]\n"
    )
    assert write_model(parse_model(text, "s.yaml")[0]) == text


def test_header_is_kept(tmp_path: Path) -> None:
    source = SAMPLES / "online-shop.yaml"
    model, src = read_model_with_source(source)
    out = tmp_path / "shop.yaml"
    save_model(model, out, header=src.header)
    again, again_src = read_model_with_source(out)
    assert again == model
    assert again_src.header == src.header
    assert list(tmp_path.iterdir()) == [out], "no temporary file is left behind"


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_samples_round_trip(name: str) -> None:
    model = read_model(SAMPLES / name)
    text = write_model(model)
    again = parse_model(text, name)[0]
    assert again == model
    assert write_model(again) == text


TRICKY_TEXT = [
    "",
    " a",
    "a ",
    "a: b",
    "a #b",
    "a#b",
    "#x",
    "- x",
    "-x",
    "? x",
    "yes",
    "No",
    "on",
    "1.5",
    "12",
    "012",
    "0x1F",
    "1_000",
    "1e5",
    "1.0e+5",
    ".inf",
    ".NaN",
    "2025-01-01",
    "2025-01-01 10:00:00",
    "null",
    "~",
    "x\ny",
    "x\r\ny",
    "tab\there",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\x00",
    "\x7f",
    "\x9f",
    "\ufffe",
    "é",
    "日本語",
    "emoji 🎉",
    "a,b",
    "[x]",
    "{x}",
    "'q'",
    '"dq"',
    "\\",
    "%x",
    "@x",
    "`x",
    "<<",
    "=",
    "!tag",
    "&a",
    "*a",
    "key:",
    "a:b",
    "C#",
    "x | y",
    "> quote",
    "a  b",
    "  ",
    "...",
    "---",
]


@pytest.mark.parametrize("text", TRICKY_TEXT)
def test_any_text_survives_writing(text: str) -> None:
    comp = Component(id="web", name=text, tags=[text, "x"], notes=text, technology=text)
    other = Component(id="db", kind=Kind.DATABASE)
    model = SystemModel(
        system=System(id="s", name=text, description=text),
        components=[comp, other],
        links=[Link(source="web", target="db", protocol=text, description=text)],
        policy={text: [text, {"k": text}]} if text else None,
    )
    written = write_model(model)
    assert parse_model(written, "s.yaml")[0] == model, written


def test_name_equal_to_id_survives() -> None:
    model = SystemModel(system=System(id="s"), components=[Component(id="web", name="web")])
    assert parse_model(write_model(model), "s.yaml")[0] == model


# -- the property: load -> write -> load is lossless --------------------------------------


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(system_models())
def test_load_write_load_is_lossless(model: SystemModel) -> None:
    first_text = write_model(model)
    loaded, _ = parse_model(first_text, "generated.yaml")
    assert loaded == model
    second_text = write_model(loaded)
    assert second_text == first_text, "writing is deterministic"
    assert parse_model(second_text, "generated.yaml")[0] == loaded


# -- the located YAML reader ---------------------------------------------------------------


def test_marks_of_keys_values_and_items() -> None:
    doc = load_located("a: 1\nb:\n  - x\n  - {c: 2}\n", "t.yaml")
    assert isinstance(doc, YamlMap)
    assert doc.mark == (1, 1)
    assert doc.key_mark("b") == (2, 1)
    assert doc.value_mark("a") == (1, 4)
    seq = doc["b"]
    assert isinstance(seq, YamlSeq)
    assert seq.item_mark(0) == (3, 5)
    assert seq.item_mark(1) == (4, 5)
    assert seq[1].value_mark("c") == (4, 9)


def test_scalars_are_typed_like_yaml_1_1() -> None:
    doc = load_located(
        "a: 12\nb: 0x1F\nc: 1_000\nd: 1.5\ne: yes\nf: ~\ng: 2025-06-30\nh: '12'\ni: !!str 7\n"
        "j: .inf\nk: 012\nl: =\n",
        "t.yaml",
    )
    assert doc == {
        "a": 12,
        "b": 31,
        "c": 1000,
        "d": 1.5,
        "e": True,
        "f": None,
        "g": date(2025, 6, 30),
        "h": "12",
        "i": "7",
        "j": float("inf"),
        "k": 10,
        "l": "=",
    }


def test_merge_keys_and_aliases() -> None:
    doc = load_located("base: &b {replicas: 2, zones: 3}\nweb:\n  <<: *b\n  zones: 1\n", "t.yaml")
    assert doc["web"] == {"replicas": 2, "zones": 1}
    assert doc["web"].key_mark("replicas") == (1, 11)


def test_merge_of_a_list_prefers_earlier_sources() -> None:
    doc = load_located("a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n", "t.yaml")
    assert doc["c"] == {"x": 1, "y": 2}


def test_merge_of_a_scalar_is_a_problem() -> None:
    with pytest.raises(InputFileError, match=r"t.yaml:1:9: a merge key"):
        load_located("a: {<<: 3}\n", "t.yaml")


@pytest.mark.parametrize("text", ["a: <<\n", "a: [<<]\n", "<<\n"])
def test_merge_key_as_a_value_is_a_problem(text: str) -> None:
    with pytest.raises(InputFileError, match="'<<' merges a mapping"):
        load_located(text, "t.yaml")


def test_readable_problems_can_be_collected_instead_of_raised() -> None:
    problems: list = []
    doc = load_located("a: 1\na: 2\nb: !!int x\n", "t.yaml", problems)
    assert doc == {"a": 1, "b": "x"}
    assert [(p.line, p.col) for p in problems] == [(2, 1), (3, 4)]
    assert "duplicate key 'a'" in problems[0].message


def test_recursive_alias_is_a_problem() -> None:
    with pytest.raises(InputFileError, match="refers to itself"):
        load_located("a: &x [1, *x]\n", "t.yaml")


def test_undefined_alias_is_a_problem() -> None:
    with pytest.raises(InputFileError, match=r"t.yaml:1:\d+: "):
        load_located("a: *nothing\n", "t.yaml")


def test_mapping_keys_must_be_plain() -> None:
    with pytest.raises(InputFileError, match=r"t.yaml:1:3: a mapping key must be a plain value"):
        load_located("? [a, b]\n: 1\n", "t.yaml")


def test_custom_tag_on_a_mapping_is_a_problem() -> None:
    with pytest.raises(InputFileError, match=r"t.yaml:1:4: the tag !thing is not supported"):
        load_located("a: !thing {b: 1}\n", "t.yaml")


def test_several_documents() -> None:
    docs = load_all_located("a: 1\n---\nb: 2\n", "k.yaml")
    assert docs == [{"a": 1}, {"b": 2}]
    assert docs[1].mark == (3, 1)


def test_empty_document() -> None:
    assert load_located("# nothing\n", "t.yaml") is None


def test_an_alias_shared_many_times_within_budget_is_fine() -> None:
    lines = ["x: &x [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"]
    lines += [f"k{i}: *x" for i in range(1000)]
    doc = load_located("\n".join(lines), "t.yaml")
    assert doc["k999"] == list(range(1, 11))


def test_garbage_collection_resumes_after_reading(tmp_path: Path) -> None:
    import gc

    from archrev.model.bulk import building_many_objects

    assert gc.isenabled()
    read_model(SAMPLES / "reference.yaml")
    assert gc.isenabled()
    bad = tmp_path / "bad.yaml"
    bad.write_text("archrev: 1\nsystem: {id: s}\ncomponents: {a: {kind: nope}}\n")
    with pytest.raises(InputFileError):
        read_model(bad)
    assert gc.isenabled(), "an error while reading must not leave the collector off"
    with building_many_objects():
        read_model(SAMPLES / "reference.yaml")
        assert not gc.isenabled(), "a nested use does not resume collection early"
    assert gc.isenabled()
