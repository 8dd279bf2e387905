"""Every bad model file issue 2 lists is refused with `file:line:col: message`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from archrev.model import located_yaml
from archrev.model.errors import InputFileError
from archrev.model.modelfile import read_model

GOOD = """\
archrev: 1
system: {id: shop, name: Web shop, growth_per_year: 0.4}
components:
  web:
    kind: gateway
    peak_rps: 800
    links:
      - checkout
      - {to: events, mode: async}
  checkout: {kind: service, tier: critical}
  events: {kind: queue, links: [{to: mailer, mode: async}]}
  mailer: {kind: worker}
"""


def problems_of(tmp_path: Path, text: str | bytes) -> tuple[str, list[str]]:
    path = tmp_path / "model.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        read_model(path)
    return str(path), str(info.value).splitlines()


def assert_problem(tmp_path: Path, text: str | bytes, line: int, col: int, *words: str) -> str:
    """The file is refused with a problem at line:col whose message holds every word."""
    path, lines = problems_of(tmp_path, text)
    prefix = f"{path}:{line}:{col}: "
    matching = [ln for ln in lines if ln.startswith(prefix)]
    assert matching, f"no problem at {line}:{col} in {lines}"
    message = matching[0]
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


def test_the_good_model_loads(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_text(GOOD)
    model = read_model(path)
    assert [c.id for c in model.components] == ["web", "checkout", "events", "mailer"]
    assert [(ln.source, ln.target) for ln in model.links] == [
        ("web", "checkout"),
        ("web", "events"),
        ("events", "mailer"),
    ]


def test_malformed_yaml(tmp_path: Path) -> None:
    text = "archrev: 1\nsystem: {id: shop\ncomponents: {}\n"
    path, lines = problems_of(tmp_path, text)
    assert len(lines) == 1
    assert re.match(rf"{re.escape(path)}:\d+:\d+: this is not valid YAML", lines[0])


def test_bad_indentation(tmp_path: Path) -> None:
    text = "archrev: 1\nsystem:\n  id: shop\n   name: x\n"
    assert_problem(tmp_path, text, 4, 8, "not valid YAML")


def test_unknown_top_level_key_with_suggestion(tmp_path: Path) -> None:
    text = GOOD + "layuot: {}\n"
    assert_problem(tmp_path, text, 13, 1, "unknown top-level key 'layuot'", "did you mean 'layout'")


def test_unknown_component_key_with_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("    peak_rps: 800\n", "    peak_rsp: 800\n")
    assert_problem(
        tmp_path, text, 6, 5, "components.web", "unknown key 'peak_rsp'", "did you mean 'peak_rps'"
    )


def test_unknown_nested_key_with_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("{kind: service, tier: critical}", "{autoscaling: {min: 2, maxx: 4}}")
    assert_problem(tmp_path, text, 10, 36, "autoscaling.maxx", "did you mean 'max'")


def test_unknown_link_key_with_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("{to: events, mode: async}", "{to: events, mdoe: async}")
    assert_problem(tmp_path, text, 9, 22, "links[1]", "unknown key 'mdoe'", "did you mean 'mode'")


def test_unknown_system_key(tmp_path: Path) -> None:
    text = GOOD.replace("growth_per_year: 0.4", "growth: 0.4")
    assert_problem(tmp_path, text, 2, 36, "system", "unknown key 'growth'", "growth_per_year")


def test_wrong_enum_with_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("kind: gateway", "kind: gatewy")
    assert_problem(
        tmp_path, text, 5, 11, "components.web.kind", "'gatewy'", "did you mean 'gateway'"
    )


def test_wrong_type(tmp_path: Path) -> None:
    text = GOOD.replace("peak_rps: 800", "peak_rps: lots")
    assert_problem(tmp_path, text, 6, 15, "components.web.peak_rps", "number", "'lots'")


def test_wrong_type_of_component_entry(tmp_path: Path) -> None:
    text = GOOD.replace("  mailer: {kind: worker}", "  mailer: [worker]")
    assert_problem(tmp_path, text, 12, 11, "components.mailer", "expected a mapping")


@pytest.mark.parametrize(
    ("old", "new", "line", "col", "field"),
    [
        ("growth_per_year: 0.4", "growth_per_year: -2", 2, 53, "growth_per_year"),
        ("peak_rps: 800", "peak_rps: -1", 6, 15, "peak_rps"),
        ("{kind: worker}", "{kind: worker, read_ratio: 1.5}", 12, 38, "read_ratio"),
        ("{kind: worker}", "{kind: worker, replicas: 0.5}", 12, 36, "replicas"),
        ("{kind: worker}", "{kind: worker, capacity_rps: .inf}", 12, 40, "capacity_rps"),
        ("{kind: worker}", "{kind: worker, review_by: 2025-13-45}", 12, 37, "review_by"),
    ],
)
def test_values_out_of_range(
    tmp_path: Path, old: str, new: str, line: int, col: int, field: str
) -> None:
    assert_problem(tmp_path, GOOD.replace(old, new), line, col, field)


def test_nonsense_magnitudes_are_refused_each_at_its_place(tmp_path: Path) -> None:
    """QA item 2: `peak_rps: 1.0e308` validated, then overflowed the forecasts to Infinity."""
    text = (
        "archrev: 1\n"
        "system: {id: s, latency_slo_ms: 1e9}\n"
        "components:\n"
        "  u: {kind: client, peak_rps: 1.0e308, links: [a]}\n"
        "  a: {capacity_rps: 2e9, latency_ms: 1.5e8, cost_per_month: 1e13,"
        " autoscaling: {max: 1000000}, links: [{to: b, timeout_ms: 1e300}]}\n"
        "  b: {capacity_rps: 1e9, latency_ms: 1e8, cost_per_month: 1e12, replicas: 100000}\n"
    )
    path, lines = problems_of(tmp_path, text)
    bound = "input should be less than or equal to"
    assert lines == [
        f"{path}:2:33: system.latency_slo_ms: {bound} 100000000 (got 1e9)",
        f"{path}:4:31: components.u.peak_rps: {bound} 1000000000 (got 1.0e308)",
        f"{path}:5:21: components.a.capacity_rps: {bound} 1000000000 (got 2e9)",
        f"{path}:5:38: components.a.latency_ms: {bound} 100000000 (got 1.5e8)",
        f"{path}:5:61: components.a.cost_per_month: {bound} 1000000000000 (got 1e13)",
        f"{path}:5:86: components.a.autoscaling.max: {bound} 100000 (got 1000000)",
        f"{path}:5:124: components.a.links[0].timeout_ms: {bound} 100000000 (got 1e300)",
    ]


def test_autoscaling_max_below_min(tmp_path: Path) -> None:
    text = GOOD.replace("{kind: service, tier: critical}", "{autoscaling: {min: 4, max: 2}}")
    assert_problem(tmp_path, text, 10, 27, "autoscaling", "max (2) is below min (4)")


def test_missing_link_target_with_suggestion(tmp_path: Path) -> None:
    text = GOOD.replace("      - checkout\n", "      - chekout\n")
    assert_problem(tmp_path, text, 8, 9, "no component 'chekout'", "did you mean 'checkout'")


def test_link_mapping_without_target(tmp_path: Path) -> None:
    text = GOOD.replace("{to: events, mode: async}", "{mode: async}")
    assert_problem(tmp_path, text, 9, 9, "needs `to:")


def test_duplicate_keys(tmp_path: Path) -> None:
    text = GOOD.replace("    peak_rps: 800\n", "    peak_rps: 800\n    peak_rps: 900\n")
    assert_problem(tmp_path, text, 7, 5, "duplicate key 'peak_rps'", "first at line 6")


def test_duplicate_component(tmp_path: Path) -> None:
    text = GOOD + "  checkout: {kind: service}\n"
    assert_problem(tmp_path, text, 13, 3, "duplicate key 'checkout'", "first at line 10")


def test_self_link(tmp_path: Path) -> None:
    text = GOOD.replace("  mailer: {kind: worker}", "  mailer: {kind: worker, links: [mailer]}")
    assert_problem(tmp_path, text, 12, 34, "'mailer' links to itself")


def test_duplicate_link(tmp_path: Path) -> None:
    text = GOOD.replace("      - checkout\n", "      - checkout\n      - {to: checkout}\n")
    assert_problem(tmp_path, text, 9, 14, "second link to 'checkout'", "line 8")


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        GOOD.replace("kind: gateway", "kind: gatewy")
        .replace("      - checkout\n", "      - nowhere\n")
        .replace("{kind: worker}", "{kind: worker, replicas: -1}")
    )
    _, lines = problems_of(tmp_path, text)
    assert len(lines) == 3
    assert [int(ln.split(":")[1]) for ln in lines] == [5, 8, 12]  # in file order


def test_file_over_20_mb(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    with path.open("w") as out:
        out.write("archrev: 1\n")
        out.write("#" * (located_yaml.MAX_FILE_BYTES + 10))
    with pytest.raises(InputFileError) as info:
        read_model(path)
    assert str(info.value).startswith(f"{path}:1:1: the file is 21.0 MB")
    assert "up to 20 MB" in str(info.value)


def test_text_over_20_mb_is_refused_before_parsing() -> None:
    with pytest.raises(InputFileError, match="larger than 20 MB"):
        located_yaml.load_located("a: " + "x" * located_yaml.MAX_FILE_BYTES, "big.yaml")


def test_alias_bomb(tmp_path: Path) -> None:
    lines = ["archrev: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = "\n".join(lines) + "\n"
    message = assert_problem(tmp_path, text, 8, 25, "alias bomb")
    assert "refused" in message


def test_alias_bomb_inside_a_component_does_not_exhaust_memory(tmp_path: Path) -> None:
    lines = ["archrev: 1", "system: {id: s}", "components:", "  web:", "    tags: &t0 [a, a]"]
    for i in range(1, 30):
        lines.append(f"    t{i}: &t{i} [*t{i - 1}, *t{i - 1}]")
    _, problems = problems_of(tmp_path, "\n".join(lines) + "\n")
    assert any("alias bomb" in p for p in problems)


def test_binary_file(tmp_path: Path) -> None:
    assert_problem(tmp_path, b"archrev: 1\nsys\x00tem: {}\n", 2, 4, "binary file")


def test_non_utf8_file(tmp_path: Path) -> None:
    text = GOOD.replace("Web shop", "Caf\xe9").encode("latin-1")
    assert_problem(tmp_path, text, 2, 29, "not UTF-8", "0xe9", "save it as UTF-8")


def test_utf16_file(tmp_path: Path) -> None:
    assert_problem(tmp_path, GOOD.encode("utf-16"), 1, 1, "UTF-16", "save it as UTF-8")


def test_utf8_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "model.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert read_model(path).system.id == "shop"


def test_newer_format_version(tmp_path: Path) -> None:
    text = GOOD.replace("archrev: 1", "archrev: 2")
    assert_problem(tmp_path, text, 1, 10, "format version 2", "newer archrev", "Upgrade archrev")


@pytest.mark.parametrize("version", ["'1'", "0", "true", "[1]"])
def test_wrong_format_version(tmp_path: Path, version: str) -> None:
    text = GOOD.replace("archrev: 1", f"archrev: {version}")
    assert_problem(tmp_path, text, 1, 10, "archrev: expected 1")


def test_missing_format_version(tmp_path: Path) -> None:
    text = GOOD.replace("archrev: 1\n", "")
    assert_problem(tmp_path, text, 1, 1, "add `archrev: 1`")


def test_missing_system(tmp_path: Path) -> None:
    text = "archrev: 1\ncomponents: {}\n"
    assert_problem(tmp_path, text, 1, 1, "system: expected a mapping")


def test_system_without_id(tmp_path: Path) -> None:
    text = "archrev: 1\nsystem: {name: Shop}\n"
    assert_problem(tmp_path, text, 2, 9, "system.id", "required")


def test_not_a_mapping(tmp_path: Path) -> None:
    assert_problem(tmp_path, "- archrev: 1\n", 1, 1, "a model file is a mapping")


def test_empty_file(tmp_path: Path) -> None:
    path, lines = problems_of(tmp_path, "")
    assert lines == [
        f"{path}: a model file is a mapping that starts with `archrev: 1`; this file holds nothing"
    ]


def test_two_documents(tmp_path: Path) -> None:
    assert_problem(tmp_path, GOOD + "---\narchrev: 1\n", 14, 1, "2 YAML documents")


@pytest.mark.parametrize(
    ("layout", "line", "col", "words"),
    [
        ("layout: [web]", 13, 9, ("layout: expected a mapping",)),
        ("layout: {wbe: [1, 2]}", 13, 10, ("no component 'wbe'", "did you mean 'web'")),
        ("layout: {web: [1]}", 13, 15, ("layout.web", "two whole numbers")),
        ("layout: {web: [1, -2]}", 13, 15, ("layout.web",)),
        ("layout: {web: [1.5, 2]}", 13, 15, ("layout.web",)),
        ("layout: {web: 3}", 13, 15, ("layout.web",)),
    ],
)
def test_layout_errors(
    tmp_path: Path, layout: str, line: int, col: int, words: tuple[str, ...]
) -> None:
    assert_problem(tmp_path, GOOD + layout + "\n", line, col, *words)


@pytest.mark.parametrize(
    ("old", "new", "line", "col", "words"),
    [
        (
            "  mailer: {kind: worker}",
            "  123: {kind: worker}",
            12,
            3,
            ("component id 123", "the number 123", "in quotes"),
        ),
        ("      - checkout\n", "      - 404\n", 8, 9, ("links[0]", "the number 404")),
        ("{to: events, mode: async}", "{to: yes}", 9, 14, ("links[1]", "the boolean True")),
    ],
)
def test_ids_that_yaml_reads_as_other_values(
    tmp_path: Path, old: str, new: str, line: int, col: int, words: tuple[str, ...]
) -> None:
    assert_problem(tmp_path, GOOD.replace(old, new), line, col, *words)


def test_bad_component_id(tmp_path: Path) -> None:
    text = GOOD + "  'bad id!': {}\n"
    assert_problem(tmp_path, text, 13, 3, "component id 'bad id!'")


def test_unsupported_tag(tmp_path: Path) -> None:
    text = GOOD.replace("peak_rps: 800", "peak_rps: !!python/object 800")
    assert_problem(tmp_path, text, 6, 15, "tag", "not supported")


def test_nesting_too_deep(tmp_path: Path) -> None:
    text = "archrev: 1\nx: " + "[" * 300 + "]" * 300 + "\n"
    assert_problem(tmp_path, text, 2, 203, "nests more than")


def test_nesting_beyond_the_parser_limit(tmp_path: Path) -> None:
    text = "archrev: 1\nx: " + "[" * 5000 + "]" * 5000 + "\n"
    _, lines = problems_of(tmp_path, text)
    assert len(lines) == 1
    assert re.search(r":2:\d+: (this is not valid YAML|the file nests)", lines[0])


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        read_model(tmp_path / "absent.yaml")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="directory"):
        read_model(tmp_path)
