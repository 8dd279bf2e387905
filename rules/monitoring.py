"""Monitoring: metrics, alerts on the serving path, tracing across synchronous chains and
cost attribution."""

from __future__ import annotations

from collections.abc import Iterator

from archrev.rules.deployment import deployment
from archrev.rules.findings import Severity
from archrev.rules.rulebook import Hit, Principle, RuleContext, Threshold, rule

CATEGORY = "monitoring"

# Which components lack metrics, alerts, tracing or cost tags is read in the shared pass over
# the components (`deployment`), which also leaves out the kinds that are not ours to
# instrument (clients, external services) and those traced by their callers: on a large model
# most components lack one of them, and each rule here only makes the hits.


def _named(ctx: RuleContext, cid: str, text: str) -> str:
    """A message that is the component's name and a fixed text: built on first reading,
    as tens of thousands of components can lack their metrics, alerts or cost tags (and so
    are the names of all components: an analysis nobody reads never builds them)."""
    return ctx.name(cid) + text


@rule(
    id="OBS-METRICS",
    title="No metrics",
    category=CATEGORY,
    principle=Principle.MONITORING,
    severity=Severity.LOW,
    rationale="""Without metrics (rate, errors, duration, saturation) nobody sees a component
    approach its capacity, and its capacity_rps and utilization in the model are guesses.""",
    remediation="""Export RED/USE metrics (request rate, errors, latency; CPU, memory,
    connections, queue depth) and set `monitoring.metrics: true`.""",
)
def metrics(ctx: RuleContext) -> list[Hit]:
    suffix = " exports no metrics: its load and saturation are unseen."
    return [Hit((cid,), (_named, ctx, cid, suffix)) for cid in deployment(ctx.facts).no_metrics]


@rule(
    id="OBS-ALERTS",
    title="No alerts on the serving path",
    category=CATEGORY,
    principle=Principle.MONITORING,
    severity=Severity.MEDIUM,
    rationale="""A component that holds up requests and has no alert fails silently: users find
    out first.""",
    remediation="""Alert on its symptoms (error rate, latency against the objective, saturation)
    with an owner on call, and set `monitoring.alerts: true`.""",
)
def alerts(ctx: RuleContext) -> list[Hit]:
    facts = ctx.facts
    serving = facts.serving_path
    suffix = " holds up requests but has no alerts: when it fails, nobody is told."
    # both in model order: the serving path's order
    return [
        Hit((cid,), (_named, ctx, cid, suffix))
        for cid in deployment(facts).no_alerts
        if cid in serving
    ]


@rule(
    id="OBS-TRACING",
    title="No tracing on a long synchronous chain",
    category=CATEGORY,
    principle=Principle.MONITORING,
    severity=Severity.LOW,
    rationale="""On a synchronous chain of several hops, a slow or failing request can only be
    pinned to a component if every hop propagates the trace context; one component without
    tracing breaks the trace in two.""",
    remediation="""Instrument it with OpenTelemetry (or the tracer the rest of the chain uses),
    propagate the trace context, and set `monitoring.tracing: true`.""",
    thresholds=[
        Threshold("min_hops", 3, "hops of the chain through it at which tracing is needed")
    ],
)
def tracing(ctx: RuleContext) -> Iterator[Hit]:
    facts = ctx.facts
    limit = ctx.threshold("min_hops")
    through = facts.sync_chain_through
    reached = facts.sync_depth  # what a synchronous chain from an entry point reaches
    for cid in deployment(facts).no_tracing:
        if cid not in reached:
            continue
        hops = through(cid)
        if hops < limit:  # type: ignore[operator]  # reached: not None
            continue
        yield Hit((cid,), (_tracing_message, ctx, cid, hops), {"chain_hops": hops})


def _tracing_message(ctx: RuleContext, cid: str, hops: int) -> str:
    return (
        f"{ctx.name(cid)} is on a synchronous chain of {hops} hops from an entry point but "
        "does not propagate traces: slow requests through it cannot be followed end to end."
    )


@rule(
    id="OBS-COST",
    title="Costs cannot be attributed",
    category=CATEGORY,
    principle=Principle.COST_MANAGEMENT,
    severity=Severity.INFO,
    rationale="""Without cost tags and an owner, the bill for a component cannot be traced to a
    team or a feature, so nobody can weigh its growth against its value.""",
    remediation="""Tag its resources with owner, service and environment (and set
    `monitoring.cost_tags: true`), and name the owning team in `owner`.""",
)
def cost_attribution(ctx: RuleContext) -> list[Hit]:
    # Most components of a large model lack tags or an owner: one list, evidence built when
    # read.
    return [
        Hit(
            (cid,),
            (
                _named,
                ctx,
                cid,
                _NO_OWNER if tagged else _NO_COST_TAGS if owner else _NO_COST_TAGS_NOR_OWNER,
            ),
            (_cost_evidence, tagged, owner),
        )
        for cid, tagged, owner in deployment(ctx.facts).untracked_cost
    ]


def _cost_evidence(tagged: bool, owner: str) -> dict[str, object]:
    return {"cost_tags": tagged, "owner": owner}


# What the cost message says after the component's name.
_NO_COST_TAGS_NOR_OWNER = " has no cost tags and no owner: its cost cannot be traced to a team."
_NO_COST_TAGS = " has no cost tags: its cost cannot be traced to a team."
_NO_OWNER = " has no owner: its cost cannot be traced to a team."
