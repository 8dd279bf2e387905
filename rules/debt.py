"""Technical debt: workarounds past their review date and deprecated components still on
the path of critical ones."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from archrev.model.types import Tier
from archrev.rules.deployment import deployment
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, plural, rule

CATEGORY = "technical debt"

# Messages that take real formatting are handed to the engine as small functions with their
# arguments, `(describe, ctx, comp)`: it renders them only for the findings someone reads.


@rule(
    id="DEBT-WORKAROUND",
    title="Workaround past its review date",
    category=CATEGORY,
    principle=Principle.TECHNICAL_DEBT,
    severity=Severity.MEDIUM,
    rationale="""A workaround is accepted on the promise of a review; past that date it has become
    architecture nobody chose, and the reasons it was safe may no longer hold.""",
    remediation="""Review it now: replace it with the intended design, or record why it stays and
    set a new `review_by` date.""",
)
def workaround(ctx: RuleContext) -> Iterator[Hit]:
    comps = ctx.components
    for cid in deployment(ctx.facts).workarounds:
        comp = comps[cid]
        if comp.review_by is None or comp.review_by >= ctx.today:
            continue
        days = (ctx.today - comp.review_by).days
        yield Hit(
            components=(comp.id,),
            message=(_workaround_message, ctx, comp.id, comp.review_by, days),
            evidence={"review_by": comp.review_by.isoformat(), "days_overdue": days},
        )


def _workaround_message(ctx: RuleContext, cid: str, review_by: date, days: int) -> str:
    return (
        f"{ctx.name(cid)} is a workaround that was due for review on "
        f"{review_by.isoformat()}, {plural(days, 'day')} ago."
    )


@rule(
    id="DEBT-DEPRECATED",
    title="Deprecated component on a critical path",
    category=CATEGORY,
    principle=Principle.TECHNICAL_DEBT,
    severity=Severity.HIGH,
    rationale="""A deprecated component gets less care (fewer fixes, fewer people who know it),
    yet a critical component still cannot serve without it. Low when critical components
    still call it but can do without it (optional links only).""",
    remediation="""Move the critical callers to its replacement first, then retire it; until
    then keep it patched and monitored like the critical path it is on.""",
)
def deprecated(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    using = facts.critical_using
    for cid in deployment(facts).deprecated:
        comp = facts.components[cid]
        critical = [c for c in facts.critical_in(using.get(comp.id, 0)) if c != comp.id]
        if not critical:
            callers = [
                c
                for c in facts.in_order(facts.pred[comp.id])
                if facts.components[c].tier == Tier.CRITICAL
            ]
            if callers:
                yield Hit(
                    components=(comp.id, *callers),
                    key=(comp.id,),
                    message=(_called_message, ctx, comp.id, callers),
                    evidence={"critical_callers": callers, "required": False},
                    severity=Severity.LOW,
                )
            continue
        yield Hit(
            components=(comp.id, *critical),
            key=(comp.id,),
            message=(_required_message, ctx, comp.id, critical),
            evidence={"critical_dependents": critical},
        )


def _called_message(ctx: RuleContext, cid: str, callers: list[str]) -> str:
    return (
        f"{ctx.name(cid)} is deprecated but still called by "
        f"{ctx.names(callers, 6)} (critical), though not required."
    )


def _required_message(ctx: RuleContext, cid: str, critical: list[str]) -> str:
    return (
        f"{ctx.name(cid)} is deprecated but "
        f"{plural(len(critical), 'critical component')} still require it: "
        f"{ctx.names(critical, 6)}."
    )
