"""Caching: read-heavy stores without a cache, and caches their callers cannot lose."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from archrev.model.types import Kind
from archrev.rules.facts import STORE_KINDS, Facts
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
    comps, pred = facts.components, facts.pred
    caches = set(facts.of_kind(Kind.CACHE))
    # Components that link to a cache: a store one of them calls has a cache-aside cache.
    cache_users = {p for cache in caches for p in pred[cache]}
    for cid in facts.of_kind(*STORE_KINDS):
        ratio = comps[cid].read_ratio
        if ratio is None or ratio < limit:
            continue
        callers = pred[cid]
        # read-through: a cache links to the store; cache-aside: a caller also uses a cache
        if not caches.isdisjoint(callers) or not cache_users.isdisjoint(callers):
            continue
        yield Hit(
            components=(cid,),
            message=(_read_heavy_message, ctx, cid, ratio),
            evidence=(_read_heavy_evidence, facts, ratio, callers),
        )


def _read_heavy_message(ctx: RuleContext, cid: str, ratio: float) -> str:
    return (
        f"{ctx.name(cid)} serves {pct(ratio)} reads and no cache sits in "
        "front of it: every read is a query."
    )


def _read_heavy_evidence(facts: Facts, ratio: float, callers: Iterable[str]) -> dict[str, Any]:
    return {"read_ratio": ratio, "callers": facts.in_order(callers)}


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
    succ = facts.succ
    stores = set(facts.of_kind(*STORE_KINDS))
    for cid in facts.of_kind(Kind.CACHE):
        behind = succ[cid].keys()  # never the cache itself: the model refuses self-links
        stuck = []
        for caller, link in facts.pred[cid].items():
            if not link.required:  # type: ignore[attr-defined]
                continue
            # A caller that also links to what the cache fronts (read-through), or, for a
            # cache-aside cache, to a datastore of its own, has a way around it.
            own = succ[caller]
            if not behind.isdisjoint(own):
                continue
            if not behind and not stores.isdisjoint(own):
                continue
            stuck.append(caller)
        if stuck:
            stuck = facts.in_order(stuck)
            yield Hit(
                components=(cid, *stuck),
                key=(cid,),
                message=(_required_cache_message, ctx, cid, stuck),
                evidence=(_required_cache_evidence, facts, stuck, behind),
            )


def _required_cache_message(ctx: RuleContext, cid: str, stuck: list[str]) -> str:
    return (
        f"{ctx.name(cid)} is a cache, but {ctx.names(stuck, 6)} "
        f"{'requires' if len(stuck) == 1 else 'require'} it with no way around it: "
        "losing the cache fails their requests."
    )


def _required_cache_evidence(
    facts: Facts, stuck: list[str], behind: Iterable[str]
) -> dict[str, Any]:
    return {"callers": stuck, "fronts": facts.in_order(behind)}
