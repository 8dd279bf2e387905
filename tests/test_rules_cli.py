"""`archrev check`, `rules`, `capacity` and `blast` as a user runs them."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from archrev.tui.cli import main

DATA = Path(__file__).parent / "data"
BOUTIQUE = DATA / "online-boutique.yaml"
HOT = """archrev: 1
system: {id: hot, growth_per_year: 0.5}
components:
  web: {kind: client, peak_rps: 90, links: [api]}
  api: {capacity_rps: 100, replicas: 1, owner: team, monitoring: {metrics: true}}
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def hot(tmp_path: Path) -> Path:
    path = tmp_path / "hot.yaml"
    path.write_text(HOT, encoding="utf-8")
    return path


def test_check_text_groups_by_severity(capsys, hot: Path) -> None:
    code, out, _ = run(capsys, "check", str(hot))
    assert code == 0
    assert "HIGH (" in out and "SCL-UTIL" in out
    assert "api takes 90 rps at peak" in out
    assert (
        out.rstrip()
        .splitlines()[-1]
        .startswith(("3 findings", "4 findings", "5 findings", "6 findings"))
    )
    assert "Worst: high." in out
    assert "What to do" not in out
    code, out, _ = run(capsys, "check", str(hot), "--explain", "--min-severity", "high")
    assert "What to do: Add replicas or raise the autoscaling max" in out


def test_fail_on_exit_codes(capsys, hot: Path) -> None:
    code, _, err = run(capsys, "check", str(hot), "--fail-on", "high")
    assert code == 1 and "at or above high (--fail-on high)" in err
    assert run(capsys, "check", str(hot), "--fail-on", "critical")[0] == 0
    assert run(capsys, "check", str(hot), "--fail-on", "info")[0] == 1
    # --min-severity trims the report, not the verdict
    code, out, _ = run(capsys, "check", str(hot), "--min-severity", "critical", "--fail-on", "high")
    assert code == 1 and "0 findings; " in out and "left out (--min-severity)" in out


def test_bad_input_exits_2_with_location(capsys, tmp_path: Path, hot: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("archrev: 1\nsystem: {id: x}\ncomponents:\n  a: {replicas: many}\n")
    code, _, err = run(capsys, "check", str(bad))
    assert code == 2 and f"{bad}:4:" in err and "Traceback" not in err
    policy = tmp_path / "policy.yaml"
    policy.write_text("rules:\n  SCL-UTIL: {severity: urgent}\n")
    out_file = tmp_path / "report.json"
    code, _, err = run(capsys, "check", str(hot), "--policy", str(policy), "-o", str(out_file))
    assert code == 2 and f"{policy}:2:24:" in err
    assert not out_file.exists()  # nothing written on bad input
    code, _, err = run(capsys, "check", str(tmp_path / "missing.yaml"))
    assert code == 2


def test_check_json_to_file(capsys, hot: Path, tmp_path: Path) -> None:
    target = tmp_path / "findings.json"
    code, out, _ = run(capsys, "check", str(hot), "--format", "json", "-o", str(target))
    assert code == 0 and out == ""
    doc = json.loads(target.read_text())
    assert doc["archrev"] == 1 and doc["system"]["id"] == "hot"
    assert any(f["rule_id"] == "SCL-UTIL" for f in doc["findings"])


def test_check_sarif_and_markdown(capsys, hot: Path) -> None:
    code, out, _ = run(capsys, "check", str(hot), "--format", "sarif")
    doc = json.loads(out)
    result = next(r for r in doc["runs"][0]["results"] if r["ruleId"] == "SCL-UTIL")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    code, out, _ = run(capsys, "check", str(hot), "--format", "markdown", "--min-severity", "high")
    assert code == 0
    assert out.startswith("# Findings for hot") and "SCL-UTIL" in out and "OBS-" not in out


def test_policy_option_and_model_section(capsys, hot: Path, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text("disable: [SCL-UTIL, SCL-RUNWAY]\n")
    code, out, _ = run(capsys, "check", str(hot), "--policy", str(policy), "--fail-on", "high")
    assert code == 0 and "SCL-UTIL" not in out
    in_model = tmp_path / "in-model.yaml"
    in_model.write_text(HOT + "policy:\n  rules:\n    SCL-UTIL: {severity: info}\n")
    code, out, _ = run(capsys, "check", str(in_model), "--format", "json", "--fail-on", "high")
    util = next(f for f in json.loads(out)["findings"] if f["rule_id"] == "SCL-UTIL")
    assert util["severity"] == "info" and code == 0


def test_check_from_workspace(capsys, hot: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    assert run(capsys, "import", str(hot), "--db", str(db))[0] == 0
    code, out, _ = run(capsys, "check", "--db", str(db), "--format", "json")
    assert code == 0 and json.loads(out)["system"]["id"] == "hot"
    code, _, err = run(capsys, "check", str(hot), "--db", str(db))
    assert code == 2 and "not both" in err


def test_rules_list_and_explain(capsys) -> None:
    code, out, _ = run(capsys, "rules", "list")
    assert code == 0 and "CPL-CYCLE" in out and "DEBT-DEPRECATED" in out
    code, out, _ = run(capsys, "rules", "list", "--format", "json")
    rules = json.loads(out)["rules"]
    assert len(rules) == 39
    code, out, _ = run(capsys, "rules", "explain", "cpl-fanout")
    assert code == 0 and "max_sync_targets = 6" in out and "What to do" in out
    code, _, err = run(capsys, "rules", "explain", "CPL-FANOUTT")
    assert code == 2 and "did you mean CPL-FANOUT" in err


def test_rules_list_and_explain_under_a_policy(capsys, tmp_path: Path) -> None:
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "disable: [cst-spot]\nrules:\n"
        "  SCL-UTIL: {severity: critical, thresholds: {utilization: 0.7}}\n"
        "custom:\n  - {id: ORG-X, severity: low, when: 'fan_in > 2', message: '{name} busy'}\n"
    )
    code, out, _ = run(capsys, "rules", "list", "--policy", str(policy), "--format", "json")
    rules = {r["id"]: r for r in json.loads(out)["rules"]}
    assert rules["CST-SPOT"]["policy"] == "policy: disabled"
    assert rules["SCL-UTIL"]["policy"] == "policy: severity critical, utilization = 0.7"
    assert rules["ORG-X"]["source"] == f"policy {policy}"
    code, out, _ = run(capsys, "rules", "explain", "org-x", "--policy", str(policy))
    assert code == 0 and "ORG-X" in out
    code, out, _ = run(capsys, "rules", "explain", "SCL-UTIL", "--policy", str(policy))
    assert "Policy:    severity critical, utilization = 0.7" in out


def test_capacity(capsys, hot: Path) -> None:
    code, out, _ = run(capsys, "capacity", str(hot))
    assert code == 0 and "api" in out and "90%" in out and "now" in out
    assert "First to run out of headroom: api (now)." in out
    code, out, _ = run(capsys, "capacity", str(hot), "--format", "json")
    api = next(c for c in json.loads(out)["components"] if c["component"] == "api")
    assert api["utilization"][0] == 0.9 and api["runway_quarter"] == 0
    assert len(api["utilization"]) == 13
    code, out, _ = run(capsys, "capacity", str(hot), "--every-quarter")
    assert code == 0 and "Q11" in out and "Q12" in out


def test_blast(capsys) -> None:
    code, out, _ = run(capsys, "blast", "redis-cart", str(BOUTIQUE))
    assert code == 0
    flat = " ".join(out.split())
    assert (
        "If redis-cart fails, 3 other components fail with it (they require it, directly or "
        "through others) and 1 of 1 entry point is cut off: 5 of 12 components down in all, "
        "counting redis-cart and the entry points." in flat
    )
    assert (
        "loadgenerator is cut off from redis-cart: loadgenerator -> frontend -> cartservice "
        "-> redis-cart, every link required" in flat
    )
    assert "cartservice" in out and "checkoutservice" in out
    code, out, _ = run(capsys, "blast", "emailservice", str(BOUTIQUE), "--format", "json")
    doc = json.loads(out)
    assert set(doc["failed"]) == {"emailservice", "checkoutservice", "frontend", "loadgenerator"}
    assert doc["counts"] == {
        "failed_total": 4,
        "others_failed": 2,
        "entry_points_cut": 1,
        "entry_points_total": 1,
        "components_total": 12,
        "critical_failed": len(doc["critical_failed"]),
    }
    assert doc["entry_point_paths"] == {
        "loadgenerator": ["loadgenerator", "frontend", "checkoutservice", "emailservice"]
    }
    code, _, err = run(capsys, "blast", "redis", str(BOUTIQUE))
    assert code == 2 and "did you mean 'redis-cart'" in err


def test_output_to_a_device_keeps_the_device(capsys, hot: Path) -> None:
    device = Path("/dev/null")
    if not device.exists():
        pytest.skip("no /dev/null here")
    assert run(capsys, "check", str(hot), "-o", str(device))[0] == 0
    assert stat.S_ISCHR(device.stat().st_mode)


def test_a_long_severity_is_listed_one_finding_per_line(
    capsys, tmp_path: Path, monkeypatch
) -> None:
    """Past TABLE_ROWS rows a severity is listed as lines (a 64,000-finding table took rich
    13 s to lay out); every finding is still there, names are still data, not markup."""
    from archrev.tui.cli import check_commands

    names = "\n".join(
        f"  s{i}: {{name: '[bold]S{i}[/bold]', capacity_rps: 10, links: [db]}}" for i in range(5)
    )
    path = tmp_path / "many.yaml"
    path.write_text(
        "archrev: 1\nsystem: {id: many}\ncomponents:\n"
        "  web: {kind: client, peak_rps: 100, links: [s0, s1, s2, s3, s4]}\n"
        f"{names}\n  db: {{kind: database}}\n",
        encoding="utf-8",
    )
    code, table, _ = run(capsys, "check", str(path), "--explain")
    monkeypatch.setattr(check_commands, "TABLE_ROWS", 2)
    code, listed, _ = run(capsys, "check", str(path), "--explain")
    assert code == 0
    critical = listed.split("CRITICAL (5)", 1)[1].split("HIGH (", 1)[0]
    assert "│" in table and "│" not in critical  # a table, then lines
    hot = [line for line in listed.splitlines() if line.startswith("SCL-UTIL")]
    assert len(hot) == 5
    assert hot[0].split()[:2] == ["SCL-UTIL", "s0"]
    assert "[bold]S0[/bold] (s0) takes 100 rps at peak" in hot[0]  # markup printed as typed
    assert "What to do: Add replicas" in listed
    assert listed.splitlines()[-1] == table.splitlines()[-1]  # the same summary
