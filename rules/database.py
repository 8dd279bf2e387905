"""Database scaling: read replicas, sharding and backups."""

from __future__ import annotations

from collections.abc import Iterator

from archrev.model.types import Kind
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, pct, rule

CATEGORY = "database scaling"

# Stores whose data would be lost; caches refill and queues hold messages in flight.
_NOT_BACKED_UP = frozenset({Kind.CACHE, Kind.QUEUE, Kind.STREAM, Kind.CLIENT, Kind.EXTERNAL})


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
    for cid in ctx.facts.of_kind(Kind.DATABASE):
        comp = ctx.components[cid]
        if comp.read_replicas > 0:
            continue
        if comp.read_ratio is None or comp.read_ratio < limit:
            continue
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} serves {pct(comp.read_ratio)} reads and has no read "
                "replicas: the primary carries every read."
            ),
            evidence={"read_ratio": comp.read_ratio, "read_replicas": 0},
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
    for cid in facts.of_kind(Kind.DATABASE):
        comp = facts.components[cid]
        if comp.sharded:
            continue
        util = facts.utilization(comp.id)
        if util is None or util[-1] < limit:
            continue
        quarter = next(q for q, u in enumerate(util) if u >= limit)
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} is not sharded and its projected load reaches "
                f"{pct(util[quarter])} of capacity "
                + ("now." if quarter == 0 else f"in quarter {quarter} of {facts.horizon}.")
            ),
            evidence={
                "quarter": quarter,
                "utilization_per_quarter": [round(u, 3) for u in util],
            },
        )


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
    for comp in ctx.model.components:
        if not comp.is_stateful or comp.backups:
            continue
        if comp.kind in _NOT_BACKED_UP and comp.stateful is not True:
            continue
        if comp.kind in (Kind.CLIENT, Kind.EXTERNAL):
            continue
        yield Hit(
            components=(comp.id,),
            message=(
                f"{ctx.name(comp.id)} keeps state ({comp.kind.value}) and has no backups: "
                "a bad write or a deleted volume cannot be undone."
            ),
            evidence={"backups": False, "kind": comp.kind.value},
        )
