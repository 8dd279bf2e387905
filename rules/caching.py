"""Caching: read-heavy stores without a cache, and caches their callers cannot lose."""

from __future__ import annotations

from collections.abc import Iterator

from archrev.model.types import Kind
from archrev.rules.facts import STORE_KINDS
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, pct, rule

CATEGORY = "caching"


@rule(
    id="CCH-READ-HEAVY",
    title="Read-heavy datastore without a cache",
    category=CATEGORY,
    principle=Principle.CACHING,
    severity=Severity.MEDIUM,
    rationale="""When most traffic to a datastore is reads and nothing caches them, every read
    costs a query: the store has to scale with the read traffic, which is the most expensive way
    to scale it.""",
    remediation="""Put a cache in front of the hot reads (read-through, or cache-aside in the
    callers) with an explicit expiry, or add read replicas.""",
    thresholds=[Threshold("read_ratio", 0.8, "share of reads at or above which it applies")],
)
def read_heavy(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("read_ratio")
    comps = facts.components
    for cid in facts.of_kind(*STORE_KINDS):
        comp = comps[cid]
        if comp.read_ratio is None or comp.read_ratio < limit:
            continue
        callers = facts.pred[comp.id]
        # read-through: a cache links to the store; cache-aside: a caller also uses a cache
        fronted = any(comps[c].kind == Kind.CACHE for c in callers) or any(
            comps[t].kind == Kind.CACHE for c in callers for t in facts.succ[c]
        )
        if fronted:
            continue
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} serves {pct(comp.read_ratio)} reads and no cache sits in "
                "front of it: every read is a query."
            ),
            evidence={"read_ratio": comp.read_ratio, "callers": facts.in_order(callers)},
        )


@rule(
    id="CCH-REQUIRED",
    title="Cache its callers cannot survive losing",
    category=CATEGORY,
    principle=Principle.CACHING,
    severity=Severity.MEDIUM,
    rationale="""A cache should make things faster, not be needed for them to work. When callers
    fail without it (a required link and no path around it to the data behind it), a cache
    restart or eviction storm becomes an outage, and a cold cache cannot be warmed under load.""",
    remediation="""Let callers fall back to the source of truth on a cache miss or error (with a
    circuit breaker so the fallback does not stampede the store) and mark the link
    `required: false`; or make the cache redundant.""",
)
def required_cache(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    for cid in facts.of_kind(Kind.CACHE):
        comp = facts.components[cid]
        behind = set(facts.succ[comp.id])
        stuck = []
        for caller, link in facts.pred[comp.id].items():
            if not link.required:  # type: ignore[attr-defined]
                continue
            # A caller that also links to what the cache fronts (read-through), or, for a
            # cache-aside cache, to a datastore of its own, has a way around it.
            own = set(facts.succ[caller]) - {comp.id}
            if behind & own:
                continue
            if not behind and any(
                facts.components[t].is_datastore and facts.components[t].kind != Kind.CACHE
                for t in own
            ):
                continue
            stuck.append(caller)
        if stuck:
            stuck = facts.in_order(stuck)
            yield Hit(
                components=(comp.id, *stuck),
                key=(comp.id,),
                message=(
                    f"{ctx.name(comp.id)} is a cache, but {ctx.names(stuck, 6)} "
                    f"{'requires' if len(stuck) == 1 else 'require'} it with no way around it: "
                    "losing the cache fails their requests."
                ),
                evidence={"callers": stuck, "fronts": facts.in_order(behind)},
            )
