"""The defects QA found in the rule engine, each pinned as the user hit it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from archrev.model.errors import InputFileError
from archrev.model.modelfile import parse_model
from archrev.rules.engine import analyze
from archrev.rules.policy import load_policy
from archrev.rules.predicate import ExpressionError, compile_predicate
from archrev.rules.report_json import dumps, findings_document
from archrev.rules.report_sarif import sarif_document
from archrev.rules.rulebook import kind_noun, with_article
from archrev.tui.cli import main
from rules_models import build

TODAY = date(2026, 1, 1)
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ 1. nesting
@pytest.mark.parametrize(
    "text",
    ["(" * 300 + "1" + ")" * 300, "not " * 300 + "true", "-" * 300 + "1", "[" * 300 + "]" * 300],
)
def test_deep_predicate_is_refused_with_its_position(text: str) -> None:
    with pytest.raises(ExpressionError, match="nested too deeply") as err:
        compile_predicate(text)
    assert err.value.offset < len(text)


def test_long_flat_chains_still_evaluate() -> None:
    # a thousand `+` must not become a thousand nested calls at evaluation
    predicate = compile_predicate("1" + " + 1" * 5000 + " > 5000 and fan_in >= 0")
    model = build({"a": {}})
    facts = analyze(model, today=TODAY, plugins=False).facts
    assert predicate(facts, model.components[0]) is True
    assert compile_predicate("((1 + 2) * 3) > 8 and not not true")(facts, model.components[0])


def test_deep_policy_predicate_on_the_command_line(capsys, tmp_path: Path) -> None:
    deep = "(" * 300 + "1" + ")" * 300
    policy = write(
        tmp_path,
        "badpol9.yaml",
        f'custom:\n  - id: X-3\n    severity: medium\n    when: "{deep}"\n    message: "x"\n',
    )
    code, _, err = run(capsys, "check", str(SAMPLES / "ai-platform.yaml"), "--policy", str(policy))
    assert code == 2
    assert f"{policy}:4:44: custom X-3.when: expression nested too deeply" in err
    assert "Traceback" not in err and len(err) < 400


def test_workspace_policy_of_any_depth_is_read_without_recursion() -> None:
    from archrev.rules.policy import policy_from_model

    deep: dict = {"x": 1}
    for _ in range(5000):
        deep = {"n": deep}
    model = build({"a": {}})
    model = model.model_copy(update={"policy": {"disable": ["OBS-COST"], "custom": [deep]}})
    with pytest.raises(InputFileError, match="custom: unknown key 'n'"):
        policy_from_model(model, None)


# ------------------------------------------------------------------ 2. inf / nan
# Every field within the model's bounds, but 10,000 calls per request over 80 hops multiply
# the load past what a float holds: the engine must bound it, not print inf or nan.
HUGE = (
    "\n".join(
        [
            "archrev: 1",
            "system: {id: s}",
            "components:",
            "  u: {kind: client, peak_rps: 1000000000, links: [s0]}",
            *(
                f"  s{i}: {{capacity_rps: 1000000000, replicas: 100000, latency_ms: 100000000, "
                f"links: [{{to: s{i + 1}, calls: 10000}}]}}"
                for i in range(80)
            ),
            "  s80: {kind: service, capacity_rps: 100}",
        ]
    )
    + "\n"
)


def _strict(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


def test_huge_numbers_never_give_inf_or_nan(capsys, tmp_path: Path) -> None:
    model, _ = parse_model(HUGE, "inf.yaml")
    analysis = analyze(model, today=TODAY, plugins=False)
    doc = findings_document(model, analysis.findings)
    _strict(dumps(doc))
    assert {"s79", "s80"} <= analysis.facts.overflowed
    (hot,) = [f for f in analysis.findings if f.rule_id == "SCL-UTIL" and f.components == ("s80",)]
    assert "s80 takes more than 1,000,000,000,000,000 rps at peak" in hot.message
    assert hot.evidence["load_bounded_at"] == 1e15
    _strict(json.dumps(sarif_document(model, analysis.findings), allow_nan=False))
    for finding in analysis.findings:
        assert "inf" not in finding.message.split() and "nan" not in finding.message
    path = write(tmp_path, "inf.yaml", HUGE)
    for fmt in ("json", "sarif"):
        code, out, _ = run(capsys, "check", str(path), "--format", fmt)
        assert code == 0
        _strict(out)
    _, out, _ = run(capsys, "check", str(path))
    assert "inf %" not in out and "nan %" not in out and "inf rps" not in out
    _, out, _ = run(capsys, "capacity", str(path), "--format", "json")
    _strict(out)


# ------------------------------------------------------------------ 9. replicas 0
ZERO = """archrev: 1
system: {id: s, name: S}
components:
  u: {kind: client, peak_rps: 100, links: [a]}
  a: {kind: service, replicas: 0, capacity_rps: 100, links: [db]}
  db: {kind: database, replicas: 0}
"""


def test_zero_replicas_with_traffic_is_critical_not_a_single_instance() -> None:
    model, _ = parse_model(ZERO, "zero.yaml")
    findings = analyze(model, today=TODAY, plugins=False).findings
    outage = {f.components[0]: f for f in findings if f.rule_id == "SCL-UTIL"}
    assert set(outage) == {"a", "db"}
    assert outage["a"].severity == "critical"
    assert "a has no running instance (replicas: 0, no autoscaling)" in outage["a"].message
    assert "100 rps" in outage["a"].message
    assert outage["a"].evidence["no_running_instance"] is True
    for f in findings:
        assert "single instance" not in f.message, f.message
    # a parked component nobody calls is not an outage
    idle = build({"spare": {"replicas": 0, "capacity_rps": 10}})
    assert not [
        f for f in analyze(idle, today=TODAY, plugins=False).findings if f.rule_id == "SCL-UTIL"
    ]


def test_capacity_shows_zero_replicas_as_out_of_headroom_now(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "zero.yaml", ZERO)
    _, out, _ = run(capsys, "capacity", str(path))
    flat = " ".join(out.replace("│", " ").split())
    assert "a 100 0 (replicas: 0) - - - - now: no instance" in flat
    assert "First to run out of headroom: a (now), db (now)." in flat
    _, js, _ = run(capsys, "capacity", str(path), "--format", "json")
    rows = {r["component"]: r for r in json.loads(js)["components"]}
    assert rows["a"]["no_running_instance"] is True and rows["a"]["runway_quarter"] == 0


# ------------------------------------------------------------------ 10. validate/import
BAD_POLICY_MODEL = """archrev: 1
system: {id: shop}
components:
  web: {kind: gateway, peak_rps: 200}
policy:
  disable: [NOPE]
  rules: {SCL-UTIL: {severity: bogus}}
"""


def test_validate_and_import_check_the_policy_section(capsys, tmp_path: Path) -> None:
    path = write(tmp_path, "bp.yaml", BAD_POLICY_MODEL)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2 and "ok" not in out
    assert f"{path}:6:13: no rule NOPE" in err
    assert f"{path}:7:32: rules.SCL-UTIL.severity: 'bogus' is not one of" in err
    db = tmp_path / "bp.db"
    code, _, err = run(capsys, "import", str(path), "--db", str(db), "-q")
    assert code == 2 and f"{path}:6:13: no rule NOPE" in err and f"{path}:7:32:" in err
    assert not db.exists()
    good = write(
        tmp_path, "ok.yaml", BAD_POLICY_MODEL.replace("NOPE", "OBS-COST").replace("bogus", "low")
    )
    code, out, _ = run(capsys, "validate", str(good))
    assert code == 0 and "1 component, 0 links" in out


# ------------------------------------------------------------------ 11. all at once
def test_every_policy_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "badpol4.yaml",
        "disable: [SCL-UTILL]\nrules:\n  CPL-FANOUT: {thresholds: {max: 3}}\n"
        "  SCL-UTIL: {severity: huge}\n  X-1: {severity: low}\n"
        "custom:\n  - {id: X-1, severity: low, when: 'fan_in >', message: m}\n",
    )
    with pytest.raises(InputFileError) as err:
        load_policy(path)
    lines = str(err.value).splitlines()
    assert lines[0] == f"{path}:1:11: no rule SCL-UTILL; did you mean SCL-UTIL?"
    assert lines[1].startswith(f"{path}:3:29: CPL-FANOUT has no threshold 'max'")
    assert lines[2].startswith(f"{path}:4:24: rules.SCL-UTIL.severity: 'huge'")
    assert "custom X-1.when" in lines[3]
    # X-1 is declared (if broken): its settings are not called an unknown rule
    assert len(lines) == 4


# ------------------------------------------------------------------ 20. wording
def test_articles_and_plurals() -> None:
    assert with_article(kind_noun("object_store")) == "an object store"
    assert with_article(kind_noun("search")) == "a search index"
    assert with_article(kind_noun("ml_model")) == "an ML model"
    assert with_article(kind_noun("external")) == "an external service"
    assert with_article(kind_noun("database")) == "a database"
    model = build(
        {
            "a": {"kind": "service"},
            "b": {"kind": "service"},
            "s3": {"kind": "object_store"},
            "lone": {"kind": "worker"},
        },
        ["a>s3", "b>s3", "lone>a"],
    )
    messages = [f.message for f in analyze(model, today=TODAY, plugins=False).findings]
    assert any("s3, an object store, is used directly by 2 components" in m for m in messages)
    assert any("(it links to 1 other)" in m for m in messages), messages


# ------------------------------------------------------------------ 12. one per root cause
def test_restating_findings_fold_into_their_primary(tmp_path: Path) -> None:
    model = build(
        {
            "e": {"kind": "client", "peak_rps": 150},
            "db": {"kind": "database", "capacity_rps": 100},
        },
        ["e>db"],
    )
    findings = analyze(model, today=TODAY, plugins=False).findings
    about_db = {f.rule_id: f for f in findings if f.components[0] == "db"}
    assert "SPOF-SINGLE" not in about_db and "SCL-STATEFUL" not in about_db
    assert about_db["SPOF-STATE"].evidence["also"] == ["SPOF-SINGLE"]
    folded = about_db["SPOF-STATE"].evidence["also_findings"]["SPOF-SINGLE"]
    assert folded["fingerprint"].startswith("SPOF-SINGLE:") and folded["replicas"] == 1
    assert about_db["DB-SHARD"].evidence["also"] == ["SCL-STATEFUL"]
    # with the primary disabled, the restating rule speaks for itself again
    policy = load_policy(write(tmp_path, "p.yaml", "disable: [SPOF-STATE, DB-SHARD]\n"))
    again = {f.rule_id for f in analyze(model, policy, today=TODAY, plugins=False).findings}
    assert {"SPOF-SINGLE", "SCL-STATEFUL"} <= again


# ------------------------------------------------------------------ 13. grouped rows
def test_per_component_gaps_are_one_row_in_text_and_markdown(capsys, tmp_path: Path) -> None:
    names = [f"svc{i}" for i in range(12)]
    lines = ["archrev: 1", "system: {id: s}", "components:"]
    lines.append(f"  users: {{kind: client, peak_rps: 10, links: [{', '.join(names)}]}}")
    lines += [f"  {n}: {{kind: service, capacity_rps: 100, replicas: 2}}" for n in names]
    path = write(tmp_path, "many.yaml", "\n".join(lines) + "\n")
    _, out, _ = run(capsys, "check", str(path))
    flat = " ".join(out.replace("│", " ").split())
    assert (
        "OBS-METRICS 12 components OBS-METRICS: 12 of 13 components have no metrics: svc0" in flat
    )
    assert out.count("exports no metrics") == 0
    _, md, _ = run(capsys, "check", str(path), "--format", "markdown")
    assert "OBS\\-METRICS: 12 of 13 components have no metrics" in md
    assert md.count("exports no metrics") == 0
    _, js, _ = run(capsys, "check", str(path), "--format", "json")
    metrics = [f for f in json.loads(js)["findings"] if f["rule_id"] == "OBS-METRICS"]
    assert len(metrics) == 12 and len({f["fingerprint"] for f in metrics}) == 12


# ------------------------------------------------------------------ 16. blast counts
def test_blast_counts_say_what_they_include() -> None:
    model = build(
        {
            "users": {"kind": "client", "peak_rps": 10},
            "partners": {"kind": "client", "peak_rps": 5},
            "gw": {"tier": "critical"},
            "api": {},
            "email": {"tier": "critical"},
        },
        ["users>gw", "gw>api", "api>email", "partners>email"],
    )
    analysis = analyze(model, today=TODAY, plugins=False)
    facts = analysis.facts
    counts = facts.blast_counts("email")
    radius = facts.blast_radius("email")
    assert counts.failed_total == len(radius.failed) == 5
    assert counts.others_failed == 2  # gw and api: not email itself, not the entry points
    assert counts.entry_points_cut == 2 and counts.entry_points_total == 2
    assert counts.components_total == 5 and counts.critical_failed == 2
    # the finding counts the way `archrev blast` and the app do
    (spof,) = [
        f for f in analysis.findings if f.rule_id == "SPOF-BLAST" and "email" in f.components
    ]
    assert "; 2 other components fail with it; 2 critical components down in all." in (spof.message)
    assert spof.evidence["others_failed"] == counts.others_failed
    assert spof.evidence["failed_count"] == counts.failed_total
    assert counts.failed_total == 1 + counts.others_failed + counts.entry_points_cut
    assert counts.summary("Email") == (
        "If Email fails, 2 other components fail with it (they require it, directly or "
        "through others) and 2 of 2 entry points are cut off: 5 of 5 components down in all, "
        "counting Email and the entry points."
    )
    gw = facts.blast_counts("gw")
    assert (gw.others_failed, gw.entry_points_cut) == (0, 1)
    assert gw.summary().startswith("If gw fails, no other component fails with it and 1 of 2")
    assert facts.failure_path("users", "email") == ["users", "gw", "api", "email"]
    assert facts.failure_path("partners", "email") == ["partners", "email"]
    assert facts.failure_path("partners", "gw") == []


# ------------------------------------------------------------------ found in session 2

TINY_CAPACITY = """archrev: 1
system: {id: tiny, name: Tiny}
components:
  web: {kind: client, peak_rps: 100, links: [{to: api}]}
  api: {kind: service, capacity_rps: 1e-320, replicas: 2, links: [{to: db}]}
  db: {kind: database, replicas: 3, capacity_rps: 5000}
  idle: {kind: service, replicas: 0, capacity_rps: 10}
"""


def _strict_json(text: str) -> object:
    def refuse(constant: str) -> object:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_vanishing_capacity_gives_finite_figures(capsys, tmp_path: Path, fmt: str) -> None:
    model = write(tmp_path, "tiny.yaml", TINY_CAPACITY)
    code, out, err = run(capsys, "check", str(model), "--format", fmt)
    assert code == 0 and not err
    doc = _strict_json(out)
    if fmt == "json":
        hot = next(f for f in doc["findings"] if f["rule_id"] == "SCL-UTIL")
        assert hot["severity"] == "critical" and hot["evidence"]["utilization"] >= 1e6


def test_policy_min_replicas_zero_with_an_idle_fleet(capsys, tmp_path: Path) -> None:
    model = write(tmp_path, "tiny.yaml", TINY_CAPACITY)
    policy = write(
        tmp_path, "p.yaml", "rules:\n  CST-OVERSIZED:\n    thresholds: {min_replicas: 0}\n"
    )
    code, out, err = run(capsys, "check", str(model), "--policy", str(policy), "--format", "json")
    assert code == 0 and "Traceback" not in err
    oversized = [
        f["components"] for f in _strict_json(out)["findings"] if f["rule_id"] == "CST-OVERSIZED"
    ]
    assert ["idle"] not in oversized  # nothing runs: there is no fleet to trim
