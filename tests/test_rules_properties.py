"""Properties of the analysis on arbitrary models: it never fails, its numbers stay sane,
fingerprints identify findings, and the reports serialise everything."""

from __future__ import annotations

import json
import math
from datetime import date

from archrev.model.types import Kind, SystemModel
from archrev.rules.engine import analyze
from archrev.rules.report_json import findings_document
from archrev.rules.report_markdown import findings_markdown
from archrev.rules.report_sarif import sarif_document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

KINDS = [k.value for k in Kind]


@st.composite
def models(draw: st.DrawFn) -> SystemModel:
    n = draw(st.integers(min_value=0, max_value=14))
    components = []
    for i in range(n):
        comp: dict[str, object] = {"id": f"c{i}", "kind": draw(st.sampled_from(KINDS))}
        if draw(st.booleans()):
            comp["peak_rps"] = draw(st.floats(min_value=0, max_value=5000))
        if draw(st.booleans()):
            comp["capacity_rps"] = draw(st.floats(min_value=0.5, max_value=5000))
        comp["replicas"] = draw(st.integers(min_value=0, max_value=4))
        if draw(st.booleans()):
            low = draw(st.integers(min_value=0, max_value=3))
            comp["autoscaling"] = {
                "min": low,
                "max": draw(st.one_of(st.none(), st.integers(min_value=max(low, 1), max_value=9))),
            }
        comp["tier"] = draw(st.sampled_from(["critical", "standard", "non_critical"]))
        if draw(st.booleans()):
            comp["hit_ratio"] = draw(st.floats(min_value=0, max_value=1))
            comp["read_ratio"] = draw(st.floats(min_value=0, max_value=1))
        if draw(st.booleans()):
            comp["latency_ms"] = draw(st.floats(min_value=0, max_value=5000))
        comp["deprecated"] = draw(st.booleans())
        comp["workaround"] = draw(st.booleans())
        if comp["workaround"]:
            comp["review_by"] = draw(
                st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1))
            )
        components.append(comp)
    links = []
    if n >= 2:
        pairs = draw(
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)),
                max_size=3 * n,
                unique=True,
            )
        )
        for a, b in pairs:
            if a == b:
                continue
            links.append(
                {
                    "source": f"c{a}",
                    "target": f"c{b}",
                    "mode": draw(st.sampled_from(["sync", "async"])),
                    "required": draw(st.booleans()),
                    "calls": draw(st.floats(min_value=0.1, max_value=20)),
                }
            )
    system = {
        "id": "prop",
        "growth_per_year": draw(st.floats(min_value=-0.5, max_value=3)),
        "horizon_quarters": draw(st.integers(min_value=1, max_value=16)),
        "peak_to_average": draw(st.floats(min_value=1, max_value=10)),
        "latency_slo_ms": draw(st.one_of(st.none(), st.floats(min_value=1, max_value=5000))),
    }
    return SystemModel.model_validate({"system": system, "components": components, "links": links})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models())
def test_analysis_is_total_and_sane(model: SystemModel) -> None:
    analysis = analyze(model, today=date(2026, 1, 1), plugins=False)
    facts = analysis.facts
    ids = {c.id for c in model.components}
    assert set(facts.load) == ids
    for cid in ids:
        assert math.isfinite(facts.load[cid]) and facts.load[cid] >= 0
        util = facts.utilization(cid)
        if util is not None:
            assert len(util) == facts.horizon + 1
            assert all(math.isfinite(u) and u >= 0 for u in util)
        radius = facts.blast_radius(cid)
        assert cid in radius.failed and radius.entry_points_cut <= facts.entry_points
    assert facts.entry_points <= facts.serving_path <= ids
    # every finding names real components and has a unique identity within its rule
    seen = set()
    for f in analysis.findings:
        assert set(f.components) <= ids and f.message and f.fingerprint.startswith(f.rule_id)
        assert f.fingerprint not in seen, f
        seen.add(f.fingerprint)
    ranks = [f.severity.rank for f in analysis.findings]
    assert ranks == sorted(ranks, reverse=True)
    json.dumps(findings_document(model, analysis.findings))
    json.dumps(sarif_document(model, analysis.findings, rules=analysis.rules))
    findings_markdown(model, analysis.findings)
