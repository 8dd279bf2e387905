"""Run the catalogue over a system model: `analyze(model, policy)` -> findings and facts.

The shared facts are computed once; each enabled rule reads them with its thresholds (the
policy's overrides over the rule's defaults) and yields hits, which become findings with the
rule's metadata, the policy's severity and a stable fingerprint. Findings come worst first.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter

from archrev.model.errors import ArchrevError
from archrev.model.types import SystemModel
from archrev.rules.facts import DEFAULT_RUNWAY_THRESHOLD, Facts
from archrev.rules.findings import Finding, Severity, fingerprint
from archrev.rules.policy import Policy
from archrev.rules.rulebook import Hit, Rule, RuleContext, catalogue

_components = attrgetter("components")


@dataclass
class Analysis:
    """The result of one analysis: findings worst first, and the facts they came from."""

    model: SystemModel
    findings: list[Finding]
    facts: Facts
    rules: list[Rule] = field(default_factory=list)  # the rules that ran
    policy: Policy | None = None

    def worst_by_component(self) -> dict[str, Severity]:
        """The most severe finding touching each component (components without any absent)."""
        worst: dict[str, Severity] = {}
        for finding in self.findings:
            for cid in finding.components:
                seen = worst.get(cid)
                if seen is None or finding.severity.rank > seen.rank:
                    worst[cid] = finding.severity
        return worst

    def by_component(self, comp_id: str) -> list[Finding]:
        return [f for f in self.findings if comp_id in f.components]

    def counts(self) -> dict[Severity, int]:
        counts = {s: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts


def _hits(rule: Rule, ctx: RuleContext) -> list[Hit]:
    if rule.source == "built-in":
        return list(rule.check(ctx))  # a failure here is our bug: let it show
    try:
        return list(rule.check(ctx))
    except Exception as exc:  # someone else's rule: say whose, without a traceback
        raise ArchrevError(
            f"rule {rule.id} ({rule.source}) failed: {type(exc).__name__}: {exc}; "
            "fix the rule, or disable it in the policy"
        ) from exc


def active_rules(policy: Policy | None = None, *, plugins: bool = True) -> list[Rule]:
    """The rules an analysis runs: the catalogue and the policy's own, less the disabled."""
    rules = catalogue(plugins=plugins)
    if policy is not None:
        policy.check_rule_ids(rules)
        rules = [r for r in rules if r.id not in policy.disabled] + list(policy.custom_rules)
    return rules


def analyze(
    model: SystemModel,
    policy: Policy | None = None,
    *,
    today: date | None = None,
    plugins: bool = True,
) -> Analysis:
    """Every finding for `model` under `policy`, worst first, with the facts behind them."""
    # The analysis allocates many small objects (findings, evidence) and no reference
    # cycles: the cyclic collector's passes over them cost a third of the time on a
    # 10,000-component model, for nothing. It is switched back on however this ends.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _analyze(model, policy, today=today, plugins=plugins)
    finally:
        if collecting:
            gc.enable()


def _analyze(
    model: SystemModel, policy: Policy | None, *, today: date | None, plugins: bool
) -> Analysis:
    rules = active_rules(policy, plugins=plugins)
    runway_threshold = DEFAULT_RUNWAY_THRESHOLD
    if policy is not None:
        runway_threshold = policy.thresholds.get("SCL-RUNWAY", {}).get(
            "utilization", runway_threshold
        )
    facts = Facts(model, runway_threshold=runway_threshold)
    day = today or date.today()
    # Findings grouped by (severity, rule): sorting the groups, then each group by its
    # components, gives the order of `sort_key` without building a key tuple per finding
    # (a large model has tens of thousands of findings).
    groups: dict[tuple[Severity, str], list[Finding]] = {}
    for rule in rules:
        thresholds = rule.threshold_defaults()
        severity_override = None
        if policy is not None:
            thresholds.update(policy.thresholds.get(rule.id, {}))
            severity_override = policy.severities.get(rule.id)
        ctx = RuleContext(model=model, facts=facts, thresholds=thresholds, today=day)
        rule_id, title, remediation = rule.id, rule.title, rule.remediation
        category, principle, default = rule.category, rule.principle, rule.severity
        for hit in _hits(rule, ctx):
            severity = severity_override or hit.severity or default
            group = groups.get((severity, rule_id))
            if group is None:
                group = groups[(severity, rule_id)] = []
            # Positional, in the order of Finding's fields: a frozen dataclass's keyword
            # call costs noticeably more per finding.
            group.append(
                Finding(
                    rule_id,
                    severity,
                    title,
                    hit.message,
                    hit.components,
                    hit.evidence,
                    remediation,
                    category,
                    principle,
                    fingerprint(rule_id, hit.key or hit.components),
                )
            )
    findings: list[Finding] = []
    for severity, rule_id in sorted(groups, key=lambda g: (-g[0].rank, g[1])):
        group = groups[(severity, rule_id)]
        group.sort(key=_components)  # stable: equal components keep the rule's order
        findings.extend(group)
    return Analysis(model=model, findings=findings, facts=facts, rules=rules, policy=policy)
