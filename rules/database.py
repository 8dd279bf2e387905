"""Database scaling: read replicas, sharding and backups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from archrev.model.types import Kind
from archrev.rules.deployment import deployment
from archrev.rules.facts import Facts
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, pct, rule
from archrev.rules.scaling import first_quarter_at, reaches_at_horizon, utilization_series

CATEGORY = "database scaling"

# Messages and evidence that take real formatting are handed to the engine as small functions
# with their arguments, `(describe, ctx, comp)`: it renders them only for the findings someone
# reads.


@rule(
    id="DB-REPLICAS",
    title="Read-heavy database without read replicas",
    category=CATEGORY,
    principle=Principle.DATABASE_SCALING,
    severity=Severity.MEDIUM,
    rationale="""Reads are the cheapest load to scale out: replicas take them off the primary,
    which keeps its capacity for writes. A read-heavy database without replicas scales only by
    a bigger primary.""",
    remediation="""Add read replicas and route read-only queries to them (accepting replication
    lag where the use case allows), or cache the hot reads.""",
    thresholds=[Threshold("read_ratio", 0.8, "share of reads at or above which it applies")],
)
def read_replicas(ctx: RuleContext) -> Iterator[Hit]:
    limit = ctx.threshold("read_ratio")
    comps = ctx.components
    for cid in ctx.facts.of_kind(Kind.DATABASE):
        comp = comps[cid]
        if comp.read_replicas > 0:
            continue
        read_ratio = comp.read_ratio
        if read_ratio is None or read_ratio < limit:
            continue
        yield Hit(
            components=(cid,),
            message=(_replicas_message, ctx, cid, read_ratio),
            evidence={"read_ratio": read_ratio, "read_replicas": 0},
        )


def _replicas_message(ctx: RuleContext, cid: str, read_ratio: float) -> str:
    return (
        f"{ctx.name(cid)} serves {pct(read_ratio)} reads and has no read "
        "replicas: the primary carries every read."
    )


@rule(
    id="DB-SHARD",
    title="Database outgrows one primary",
    category=CATEGORY,
    principle=Principle.DATABASE_SCALING,
    severity=Severity.HIGH,
    rationale="""A database that is not sharded has one primary for all writes; when the
    projected load passes its capacity within the horizon, it needs partitioning, which takes
    quarters to design and migrate.""",
    remediation="""Plan the partitioning (by tenant, by key range, by function) or a move to a
    horizontally scalable store now, and take read load off with replicas and caches meanwhile.""",
    thresholds=[Threshold("utilization", 1.0, "projected utilization that triggers")],
)
def shard(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("utilization")
    comps, capacity, load = facts.components, facts.capacity, facts.load
    seen: dict[float, list[float]] = {}
    for cid in facts.of_kind(Kind.DATABASE):
        cap = capacity[cid]
        if not cap:
            continue  # no utilization without a capacity
        if comps[cid].sharded:
            continue
        if not reaches_at_horizon(facts, cid, load[cid] / cap, limit, seen):
            continue
        yield Hit(
            components=(cid,),
            message=(_shard_message, ctx, cid, limit),
            evidence=(_shard_evidence, facts, cid, limit),
        )


def _shard_message(ctx: RuleContext, cid: str, limit: float) -> str:
    util = utilization_series(ctx.facts, cid)
    quarter = first_quarter_at(util, limit)
    return (
        f"{ctx.name(cid)} is not sharded and its projected load reaches "
        f"{pct(util[quarter])} of capacity "
        + ("now." if quarter == 0 else f"in quarter {quarter} of {ctx.facts.horizon}.")
    )


def _shard_evidence(facts: Facts, cid: str, limit: float) -> dict[str, Any]:
    util = utilization_series(facts, cid)
    return {
        "quarter": first_quarter_at(util, limit),
        "utilization_per_quarter": [round(u, 3) for u in util],
    }


@rule(
    id="DB-BACKUP",
    title="Stateful store without backups",
    category=CATEGORY,
    principle=Principle.DATABASE_SCALING,
    severity=Severity.HIGH,
    rationale="""Replicas protect against a lost node, not against a bad migration, a deleted
    table or ransomware: only a backup (tested by restoring it) brings the data back.""",
    remediation="""Enable automated backups or snapshots with point-in-time recovery, keep a
    copy in another account or region, and rehearse a restore.""",
)
def backups(ctx: RuleContext) -> Iterator[Hit]:
    # Stateful stores of ours without backups whose data would be lost (caches refill and
    # queues hold messages in flight, unless the model says they keep state), found in the
    # shared pass over the components.
    for cid, kind in deployment(ctx.facts).not_backed_up:
        yield Hit(
            components=(cid,),
            message=(_backups_message, ctx, cid, kind),
            evidence=(_backups_evidence, kind),
        )


def _backups_message(ctx: RuleContext, cid: str, kind: Kind) -> str:
    return (
        f"{ctx.name(cid)} keeps state ({kind.value}) and has no backups: "
        "a bad write or a deleted volume cannot be undone."
    )


def _backups_evidence(kind: Kind) -> dict[str, Any]:
    return {"backups": False, "kind": kind.value}
