"""Policies: disabling, re-grading, thresholds, custom rules, plugins and their errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from archrev.model.errors import ArchrevError, InputFileError
from archrev.model.modelfile import parse_model
from archrev.rules import rulebook
from archrev.rules.engine import analyze
from archrev.rules.findings import Severity
from archrev.rules.policy import load_policy, policy_from_model
from archrev.rules.predicate import ExpressionError, compile_message, compile_predicate
from archrev.rules.rulebook import Hit, Rule
from rules_models import build

TODAY = date(2026, 1, 1)
SHOP = build(
    {
        "web": {"kind": "client", "peak_rps": 90},
        "api": {"capacity_rps": 100, "owner": "", "tier": "critical"},
        "db": {"kind": "database"},
    },
    ["web>api", "api>db"],
)


def write(tmp_path: Path, text: str, name: str = "policy.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_ids(model, policy=None) -> set[str]:
    return {f.rule_id for f in analyze(model, policy, today=TODAY, plugins=False).findings}


def test_disable_and_enabled_false(tmp_path: Path) -> None:
    assert {"OBS-COST", "SCL-UTIL"} <= rule_ids(SHOP)
    policy = load_policy(
        write(tmp_path, "disable: [obs-cost]\nrules:\n  SCL-UTIL: {enabled: false}\n")
    )
    ids = rule_ids(SHOP, policy)
    assert "OBS-COST" not in ids and "SCL-UTIL" not in ids


def test_severity_and_threshold_overrides(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            "rules:\n  SCL-UTIL:\n    severity: critical\n  SPOF-STATE: {severity: low}\n"
            "  CPL-FANOUT: {thresholds: {max_sync_targets: 1}}\n",
        )
    )
    findings = analyze(SHOP, policy, today=TODAY, plugins=False).findings
    util = next(f for f in findings if f.rule_id == "SCL-UTIL")
    assert util.severity == Severity.CRITICAL
    assert next(f for f in findings if f.rule_id == "SPOF-STATE").severity == Severity.LOW
    assert {f.components[0] for f in findings if f.rule_id == "CPL-FANOUT"} == {"web", "api"}


def test_runway_threshold_reaches_the_facts(tmp_path: Path) -> None:
    model = build(
        {"e": {"kind": "client", "peak_rps": 50}, "s": {"capacity_rps": 100}},
        ["e>s"],
        growth_per_year=0.1,
    )
    assert "SCL-RUNWAY" not in rule_ids(model)
    policy = load_policy(
        write(tmp_path, "rules:\n  SCL-RUNWAY: {thresholds: {utilization: 0.55}}\n")
    )
    analysis = analyze(model, policy, today=TODAY, plugins=False)
    assert analysis.facts.runway("s") is not None
    assert "SCL-RUNWAY" in {f.rule_id for f in analysis.findings}


def test_custom_rule_fires_with_message(tmp_path: Path) -> None:
    policy = load_policy(
        write(
            tmp_path,
            """custom:
  - id: org-owner
    title: Busy component without an owner
    severity: high
    when: fan_in >= 1 and owner == '' and kind != 'client'
    message: "{name} has {fan_in} callers, utilization {utilization} and no owner"
    remediation: Name the owning team.
""",
        )
    )
    findings = [
        f
        for f in analyze(SHOP, policy, today=TODAY, plugins=False).findings
        if f.rule_id == "ORG-OWNER"
    ]
    assert [f.components for f in findings] == [("api",), ("db",)]
    api = findings[0]
    assert api.severity == Severity.HIGH
    assert api.message == "api has 1 callers, utilization 0.9 and no owner"
    assert api.evidence["fan_in"] == 1 and api.remediation == "Name the owning team."
    assert api.category == "custom"


def test_policy_errors_are_located(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """disable: [CST-SPOT]
rules:
  SCL-UTIL: {severity: urgent, thresholds: {utilization: high}}
  CPL-FANOUT: {treshold: 3}
custom:
  - id: X-1
    severity: low
    when: fan_in >= 3 and onwer == ''
    message: hi
  - id: X-2
    severity: sometimes
    when: "fan_in >="
    message: "{nmae}"
extra: 1
""",
    )
    with pytest.raises(InputFileError) as err:
        load_policy(path)
    text = str(err.value)
    assert f"{path}:3:24: rules.SCL-UTIL.severity: 'urgent' is not one of" in text
    assert f"{path}:3:58: rules.SCL-UTIL.thresholds.utilization: expected a number" in text
    assert f"{path}:4:16: rules.CPL-FANOUT: unknown key 'treshold'" in text
    assert f"{path}:8:27: custom X-1.when: unknown name 'onwer'; did you mean 'owner'?" in text
    assert "custom X-2.when: expected a value, got the end of the expression" in text
    # every problem of one rule at once
    assert f"{path}:11:15: custom X-2.severity: 'sometimes' is not one of" in text
    assert "custom X-2.message: unknown name '{nmae}'; did you mean 'name'?" in text
    assert f"{path}:14:1: unknown policy key 'extra'" in text


def test_unknown_rule_and_threshold_names_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "disable: [SCL-UTILL]\nrules:\n  CPL-FANOUT: {thresholds: {max: 3}}\n")
    policy = load_policy(path)
    with pytest.raises(InputFileError) as err:
        analyze(SHOP, policy, plugins=False)
    text = str(err.value)
    assert f"{path}:1:11: no rule SCL-UTILL; did you mean SCL-UTIL?" in text
    assert (
        f"{path}:3:29: CPL-FANOUT has no threshold 'max' (its thresholds: max_sync_targets)" in text
    )


def test_custom_rule_may_not_shadow_a_built_in(tmp_path: Path) -> None:
    path = write(tmp_path, "custom:\n  - {id: SCL-UTIL, severity: low, when: 'true', message: m}\n")
    with pytest.raises(InputFileError, match="reuses the id of a built-in rule"):
        analyze(SHOP, load_policy(path), plugins=False)


def test_policy_section_of_a_model_file_and_merge(tmp_path: Path) -> None:
    text = """archrev: 1
system: {id: shop}
components:
  api: {owner: a}
policy:
  disable: [OBS-METRICS]
  rules:
    OBS-COST: {severity: high}
"""
    model, source = parse_model(text, "shop.yaml")
    policy = policy_from_model(model, source)
    assert policy is not None and policy.disabled == {"OBS-METRICS"}
    ids = rule_ids(model, policy)
    assert "OBS-METRICS" not in ids
    override = load_policy(write(tmp_path, "rules:\n  OBS-COST: {severity: low}\n"))
    merged = policy.merged(override)
    assert merged.severities["OBS-COST"] == Severity.LOW and merged.disabled == {"OBS-METRICS"}
    # the workspace keeps the section as plain data; it is read the same way
    plain = policy_from_model(model, None)
    assert plain is not None and plain.disabled == {"OBS-METRICS"}


def test_model_policy_error_points_into_the_model_file() -> None:
    text = "archrev: 1\nsystem: {id: shop}\npolicy:\n  disable: CST-SPOT\n"
    model, source = parse_model(text, "shop.yaml")
    with pytest.raises(InputFileError, match=r"shop.yaml:4:12: disable: expected a list"):
        policy_from_model(model, source)


def test_empty_policy_file(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, "# nothing yet\n"))
    assert rule_ids(SHOP, policy) == rule_ids(SHOP)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fan_in >= 1", True),
        ("fan_in > 1", False),
        ("kind == 'service' and not stateful", True),
        ("kind in ['database', 'cache']", False),
        ("'x' in tags or replicas * 2 == 2", True),
        ("capacity / 2 == 50", True),
        ("-replicas < 0", True),
        ("runway <= 4", True),  # 90 % now: runway 0
        ("latency_ms <= 4", False),  # null: ordering comparisons with null are false
        ("latency_ms == null", True),
        ("utilization >= 0.9 and utilization < 1", True),
        ("tier != 'critical' or monitoring.alerts", False),
        ("autoscaling.max == null", True),
        ("name not in ['db']", True),
        ("tags > 3", False),  # a list is not comparable with a number: false, no error
    ],
)
def test_predicates(text: str, expected: bool) -> None:
    from archrev.rules.facts import Facts

    facts = Facts(SHOP)
    assert compile_predicate(text)(facts, facts.components["api"]) is expected


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("fan_in >= ", 10),
        ("__import__('os')", 0),
        ("fan_in.__class__ == 1", 0),
        ("fan_in >= 3 )", 12),
        ("fan_in ; 3", 7),
        ("not", 3),
        ("kind not 'x'", 5),
    ],
)
def test_bad_predicates(text: str, offset: int) -> None:
    with pytest.raises(ExpressionError) as err:
        compile_predicate(text)
    assert err.value.offset == offset


def test_message_names_checked() -> None:
    with pytest.raises(ExpressionError, match="did you mean 'fan_in'"):
        compile_message("{fan_inn} callers")
    assert compile_message("{ name } has {fan_out}").names == ("name", "fan_out")


def test_plugin_rules_from_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    def check(ctx):
        for cid in ctx.facts.components:
            if cid == "db":
                yield Hit((cid,), "db looked at by a plugin")

    plugin = Rule(
        id="ACME-DB",
        title="Plugin rule",
        category="acme",
        principle="database scaling",
        severity=Severity.INFO,
        rationale="r",
        remediation="x",
        check=check,
    )

    class EP:
        name = "acme"
        value = "acme_rules:RULES"

        def load(self):
            return lambda: [plugin]

    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [EP()])
    findings = analyze(SHOP, today=TODAY).findings
    (found,) = [f for f in findings if f.rule_id == "ACME-DB"]
    assert found.message == "db looked at by a plugin" and found.category == "acme"
    assert any(r.source == "plugin acme" for r in rulebook.catalogue())


def test_failing_plugin_rule_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def check(ctx):
        raise KeyError("oops")
        yield  # a generator, like real checks

    plugin = Rule(
        id="ACME-BAD",
        title="t",
        category="acme",
        principle="",
        severity=Severity.LOW,
        rationale="r",
        remediation="x",
        check=check,
    )

    class EP:
        name = "acme"
        value = "acme_rules:RULES"

        def load(self):
            return plugin

    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [EP()])
    with pytest.raises(ArchrevError, match=r"rule ACME-BAD \(plugin acme\) failed: KeyError"):
        analyze(SHOP)


def test_broken_plugin_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    class EP:
        name = "broken"
        value = "nowhere:RULES"

        def load(self):
            raise ImportError("No module named 'nowhere'")

    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [EP()])
    with pytest.raises(ArchrevError, match=r"rule plugin 'broken'.*failed to load"):
        analyze(SHOP)


# Every way YAML can write the expression: the column must point at the word itself.
WHEN_STYLES = {
    "plain": "    when: name == 'api' and fnn_in > 3",
    "single": "    when: 'name == \"api\" and fnn_in > 3'",
    "single-escaped": "    when: 'name == ''api'' and fnn_in > 3'",
    "double": "    when: \"name == 'api' and fnn_in > 3\"",
    "double-escaped": '    when: "name == \\"a\\\\\\"b\\u00e9\\" and fnn_in > 3"',
    "folded": "    when: >-\n      name == 'api'\n      and fnn_in > 3",
}


@pytest.mark.parametrize("style", sorted(WHEN_STYLES))
def test_expression_error_column_points_at_the_word(tmp_path: Path, style: str) -> None:
    text = (
        "custom:\n  - id: X-1\n    title: t\n    severity: low\n"
        + WHEN_STYLES[style]
        + '\n    message: "x"\n'
    )
    path = write(tmp_path, text)
    with pytest.raises(InputFileError) as caught:
        load_policy(path)
    lines = text.splitlines()
    line = next(n for n, content in enumerate(lines, 1) if "fnn_in" in content)
    col = lines[line - 1].index("fnn_in") + 1
    assert f"{path}:{line}:{col}: custom X-1.when: unknown name 'fnn_in'" in str(caught.value)
