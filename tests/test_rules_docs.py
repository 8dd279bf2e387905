"""The examples in docs/policy.md work as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from archrev.model.located_yaml import load_located
from archrev.model.types import SystemModel
from archrev.rules.engine import analyze
from archrev.rules.policy import policy_from_mapping

DOC = Path(__file__).resolve().parents[1] / "docs" / "policy.md"
MODEL = SystemModel.model_validate(
    {
        "system": {"id": "docs"},
        "components": [
            {"id": "web", "kind": "client", "peak_rps": 10},
            {"id": "big", "replicas": 80, "capacity_rps": 1},
        ],
        "links": [{"source": "web", "target": "big"}],
    }
)


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_policy_example() -> None:
    policy = policy_from_mapping(load_located(blocks("yaml")[0], "policy.md"), "policy.md")
    assert policy.disabled == {"CST-SPOT", "OBS-COST", "DEBT-WORKAROUND"}
    assert policy.thresholds["SCL-UTIL"] == {"utilization": 0.7}
    findings = analyze(MODEL, policy, plugins=False).findings
    assert not {"CST-SPOT", "OBS-COST", "DEBT-WORKAROUND"} & {f.rule_id for f in findings}


def test_predicate_examples_compile() -> None:
    from archrev.rules.predicate import compile_predicate

    text = DOC.read_text(encoding="utf-8")
    section = text.split("### The predicate language", 1)[1]
    examples = re.findall(r"```\n(.*?)```", section, re.S)[0].strip().splitlines()
    assert len(examples) >= 4
    for line in examples:
        compile_predicate(line)


def test_plugin_example(monkeypatch: pytest.MonkeyPatch) -> None:
    namespace: dict[str, object] = {}
    exec(blocks("python")[0], namespace)  # the documentation's own code, run as written

    class EntryPoint:
        name = "acme"
        value = "acme_archrev:rules"

        def load(self) -> object:
            return namespace["rules"]

    monkeypatch.setattr("importlib.metadata.entry_points", lambda group: [EntryPoint()])
    found = [f for f in analyze(MODEL).findings if f.rule_id == "ACME-REPLICAS"]
    assert [f.message for f in found] == ["big runs 80 replicas"]
