"""Which components have the deployment traits that the scaling, cost, database and debt rules
filter on (an autoscaler, state, no replicas, no known capacity, a workaround, a deprecation),
collected in one pass over the model and kept for the rest of the analysis.

On a large model, reading one field of every component costs more than most of these rules'
own logic: each component is a separate object in memory. A dozen rules each looked at every
component for a trait that few have; `deployment(facts)` looks once, and each rule then reads
only the components it may flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from archrev.rules.facts import Facts


@dataclass(frozen=True, slots=True)
class Deployment:
    """Component ids by trait, shared by the rules of one analysis (hence tuples and sets);
    the tuples are in model order."""

    autoscaled: tuple[str, ...]  # with an autoscaler (bounded or not)
    no_replicas: frozenset[str]  # `replicas: 0` and no autoscaler
    stateful: tuple[str, ...]  # keeping state (`Component.is_stateful`)
    unknown_capacity: frozenset[str]  # without `capacity_rps`
    workarounds: tuple[str, ...]  # `workaround: true`
    deprecated: tuple[str, ...]  # `deprecated: true`


# One per analysis: the facts are computed once per analysis and live as long as it does.
_KEPT: WeakKeyDictionary[Facts, Deployment] = WeakKeyDictionary()


def deployment(facts: Facts) -> Deployment:
    """The deployment traits of the model behind `facts`, collected on first use."""
    found = _KEPT.get(facts)
    if found is None:
        found = _KEPT[facts] = _collect(facts)
    return found


def _collect(facts: Facts) -> Deployment:
    autoscaled: list[str] = []
    no_replicas: list[str] = []
    stateful: list[str] = []
    unknown_capacity: list[str] = []
    workarounds: list[str] = []
    deprecated: list[str] = []
    for cid, comp in facts.components.items():
        if comp.autoscaling is not None:
            autoscaled.append(cid)
        elif comp.replicas == 0:
            no_replicas.append(cid)
        if comp.is_stateful:
            stateful.append(cid)
        if comp.capacity_rps is None:
            unknown_capacity.append(cid)
        if comp.workaround:
            workarounds.append(cid)
        if comp.deprecated:
            deprecated.append(cid)
    return Deployment(
        autoscaled=tuple(autoscaled),
        no_replicas=frozenset(no_replicas),
        stateful=tuple(stateful),
        unknown_capacity=frozenset(unknown_capacity),
        workarounds=tuple(workarounds),
        deprecated=tuple(deprecated),
    )
