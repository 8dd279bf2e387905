"""Run the catalogue over a system model: `analyze(model, policy)` -> findings and facts.

The shared facts are computed once; each enabled rule reads them with its thresholds (the
policy's overrides over the rule's defaults) and yields hits, which become findings with the
rule's metadata, the policy's severity and a stable fingerprint. Findings come worst first.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from archrev.model.errors import ArchrevError
from archrev.model.types import SystemModel
from archrev.rules.facts import DEFAULT_RUNWAY_THRESHOLD, Facts
from archrev.rules.findings import About, Finding, Severity
from archrev.rules.policy import Policy
from archrev.rules.rulebook import Hit, Rule, RuleContext, catalogue

_components = attrgetter("_components")  # a slot: the property costs a call per hit


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
    # Hits grouped by (severity, rule): sorting the groups, then each group by its
    # components, gives the order of `sort_key` without building a key tuple per finding
    # (a large model has tens of thousands of findings).
    groups: dict[tuple[Severity, str], list[Hit]] = {}
    for rule in rules:
        thresholds = rule.threshold_defaults()
        severity_override = None
        if policy is not None:
            thresholds.update(policy.thresholds.get(rule.id, {}))
            severity_override = policy.severities.get(rule.id)
        ctx = RuleContext(model=model, facts=facts, thresholds=thresholds, today=day)
        about = About(rule.id, rule.title, rule.remediation, rule.category, rule.principle)
        default = rule.severity
        severity_now: Severity | None = None
        group: list[Hit] = []
        for hit in _hits(rule, ctx):
            # A hit is a finding the engine completes with its rule and final severity: two
            # stores instead of a second object (see `Hit`).
            hit._about = about
            severity = hit._severity = severity_override or hit._severity or default
            if severity is not severity_now:  # most rules give one severity: one lookup
                severity_now = severity
                group = groups.setdefault((severity, rule.id), [])
            group.append(hit)
    findings: list[Finding] = []
    folding: list[int] = []  # where the findings of rules that take part in a fold are
    for key in sorted(groups, key=lambda g: (-g[0].rank, g[1])):
        hits = groups[key]
        hits.sort(key=_components)  # stable: equal components keep the rule's order
        if key[1] in _FOLDING:
            folding.extend(range(len(findings), len(findings) + len(hits)))
        findings.extend(hits)
    # folding keeps the order: it only replaces primaries and drops what they absorb
    findings = merge_restatements(findings, folding)
    return Analysis(model=model, findings=findings, facts=facts, rules=rules, policy=policy)


# Rules that state the same fact as another about the same component: where the primary
# (first that fired) is present, the restating one is folded into it, so a review counts one
# decision per root cause. The primary keeps its own severity (a policy that re-grades it is
# obeyed; by default each primary is at least as severe as what it absorbs), and its evidence
# lists what it absorbed under "also" (rule ids) and "also_findings" (each one's message,
# fingerprint and evidence). The restating rule still fires alone where no primary does.
RESTATEMENTS: dict[str, tuple[str, ...]] = {
    # "runs as a single instance" is part of "keeps state on a single instance" and of
    # "every path passes through it, a single instance"
    "SPOF-SINGLE": ("SPOF-STATE", "SPOF-CHOKEPOINT"),
    # for a database, "not sharded and its load passes capacity" is DB-SHARD's fact
    "SCL-STATEFUL": ("DB-SHARD",),
}
_PRIMARIES = frozenset(p for primaries in RESTATEMENTS.values() for p in primaries)
_FOLDING = _PRIMARIES | frozenset(RESTATEMENTS)


def merge_restatements(
    findings: list[Finding], among: Iterable[int] | None = None
) -> list[Finding]:
    """Fold each restating finding into its primary about the same component (see
    `RESTATEMENTS`); findings of other rules are returned unchanged, in their order.
    `among` are the positions, ascending, of the findings of the rules that take part (the
    engine knows them; a large model has tens of thousands of others), by default all."""
    index: dict[tuple[str, str], int] = {}
    restating: list[int] = []
    for i in range(len(findings)) if among is None else among:
        f = findings[i]
        rule_id = f.rule_id
        if rule_id in _PRIMARIES and f.components:
            index.setdefault((rule_id, f.components[0]), i)
        if rule_id in RESTATEMENTS and len(f.components) == 1:
            restating.append(i)
    if not restating or not index:
        return findings
    absorbed: dict[int, list[Finding]] = {}  # primary's position -> what it absorbs, in order
    dropped: list[int] = []
    for i in restating:
        f = findings[i]
        cid = f.components[0]
        target = next((index[(p, cid)] for p in RESTATEMENTS[f.rule_id] if (p, cid) in index), None)
        if target is None:
            continue
        absorbed.setdefault(target, []).append(f)
        dropped.append(i)
    merged = list(findings)
    for target, restated in absorbed.items():
        primary = findings[target]
        # built on first reading, like the messages it quotes (a large model folds thousands)
        merged[target] = primary.with_evidence((_folded_evidence, primary, restated))
    kept: list[Finding] = []
    start = 0
    for i in sorted(dropped):
        kept.extend(merged[start:i])
        start = i + 1
    kept.extend(merged[start:])
    return kept


def _folded_evidence(primary: Finding, restated: list[Finding]) -> dict[str, Any]:
    """The primary's evidence with what it absorbed: "also" (rule ids) and "also_findings"
    (each one's message, fingerprint and evidence)."""
    evidence = dict(primary.evidence)
    for f in restated:
        evidence["also"] = [*evidence.get("also", ()), f.rule_id]
        evidence["also_findings"] = {
            **evidence.get("also_findings", {}),
            f.rule_id: {"message": f.message, "fingerprint": f.fingerprint, **f.evidence},
        }
    return evidence
