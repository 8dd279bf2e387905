"""Hypothesis strategies for whole models, shared by the model file and workspace tests."""

from __future__ import annotations

from archrev.model.types import (
    MAX_COST_PER_MONTH,
    MAX_LATENCY_MS,
    MAX_REPLICAS,
    MAX_RPS,
    MAX_TIMEOUT_MS,
    Autoscaling,
    Component,
    Failover,
    Kind,
    Link,
    Mode,
    Monitoring,
    System,
    SystemModel,
    Tier,
)
from hypothesis import strategies as st

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,15}", fullmatch=True)
texts = st.text(max_size=40)
small_floats = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
fractions = st.floats(min_value=0, max_value=1, allow_nan=False)
growths = st.floats(min_value=-0.99, max_value=100, allow_nan=False)


def up_to(high: float, *, positive: bool = False) -> st.SearchStrategy[float]:
    """Numbers over a field's whole valid range, its upper bound included."""
    return st.floats(min_value=1e-6 if positive else 0, max_value=high, allow_nan=False)


@st.composite
def components(draw: st.DrawFn, comp_id: str) -> Component:
    def maybe(strategy: st.SearchStrategy) -> object:
        return draw(st.one_of(st.none(), strategy))

    autoscaling = None
    if draw(st.booleans()):
        low = draw(st.integers(0, MAX_REPLICAS))
        high = draw(st.one_of(st.none(), st.integers(max(low, 1), MAX_REPLICAS)))
        autoscaling = Autoscaling(min=low, max=high, metric=draw(texts))
    return Component(
        id=comp_id,
        name=draw(texts),
        kind=draw(st.sampled_from(Kind)),
        technology=draw(texts),
        owner=draw(texts),
        tier=draw(st.sampled_from(Tier)),
        group=draw(texts),
        tags=draw(st.lists(texts, max_size=3)),
        notes=draw(st.text(max_size=200)),
        replicas=draw(st.integers(0, MAX_REPLICAS)),
        zones=draw(st.integers(1, 100)),
        autoscaling=autoscaling,
        stateful=maybe(st.booleans()),
        failover=draw(st.sampled_from(Failover)),
        read_replicas=draw(st.integers(0, 1000)),
        sharded=draw(st.booleans()),
        backups=draw(st.booleans()),
        spot=draw(st.booleans()),
        serverless=draw(st.booleans()),
        peak_rps=maybe(up_to(MAX_RPS)),
        capacity_rps=maybe(up_to(MAX_RPS, positive=True)),
        latency_ms=maybe(up_to(MAX_LATENCY_MS)),
        read_ratio=maybe(fractions),
        hit_ratio=maybe(fractions),
        growth_per_year=maybe(growths),
        monitoring=Monitoring(
            **draw(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "metrics": st.booleans(),
                        "alerts": st.booleans(),
                        "tracing": st.booleans(),
                        "cost_tags": st.booleans(),
                    },
                )
            )
        ),
        cost_per_month=maybe(up_to(MAX_COST_PER_MONTH)),
        utilization=maybe(fractions),
        workaround=draw(st.booleans()),
        review_by=maybe(st.dates()),
        deprecated=draw(st.booleans()),
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | small_floats | texts | st.dates(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(texts | st.integers(), inner, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def system_models(draw: st.DrawFn) -> SystemModel:
    comp_ids = draw(st.lists(ids, min_size=0, max_size=6, unique=True))
    comps = [draw(components(cid)) for cid in comp_ids]
    links: list[Link] = []
    if len(comp_ids) >= 2:
        pairs = draw(
            st.lists(
                st.tuples(st.sampled_from(comp_ids), st.sampled_from(comp_ids)).filter(
                    lambda p: p[0] != p[1]
                ),
                max_size=8,
                unique=True,
            )
        )
        order = {cid: i for i, cid in enumerate(comp_ids)}
        pairs.sort(key=lambda p: order[p[0]])  # a file lists links under their source
        for source, target in pairs:
            links.append(
                Link(
                    source=source,
                    target=target,
                    mode=draw(st.sampled_from(Mode)),
                    protocol=draw(texts),
                    calls=draw(st.floats(min_value=1e-3, max_value=10_000, allow_nan=False)),
                    required=draw(st.booleans()),
                    timeout_ms=draw(st.one_of(st.none(), up_to(MAX_TIMEOUT_MS, positive=True))),
                    retries=draw(st.one_of(st.none(), st.integers(0, 100))),
                    description=draw(texts),
                )
            )
    layout = {
        cid: (draw(st.integers(0, 10_000)), draw(st.integers(0, 10_000)))
        for cid in comp_ids
        if draw(st.booleans())
    }
    system = System(
        id=draw(ids),
        name=draw(texts),
        description=draw(st.text(max_size=100)),
        growth_per_year=draw(growths),
        horizon_quarters=draw(st.integers(1, 40)),
        peak_to_average=draw(st.floats(min_value=1, max_value=1000, allow_nan=False)),
        latency_slo_ms=draw(st.one_of(st.none(), up_to(MAX_LATENCY_MS, positive=True))),
    )
    policy = draw(st.one_of(st.none(), st.dictionaries(texts, json_values, max_size=3)))
    return SystemModel(system=system, components=comps, links=links, layout=layout, policy=policy)
