"""The facts of an architecture: a system, its components and the links between them.

These pydantic types are the one vocabulary shared by the model files, the workspace, the
rules and the app. Field names are the ones an architect writes in a model file.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
_ID_RE = re.compile(ID_PATTERN)


class Kind(StrEnum):
    CLIENT = "client"
    GATEWAY = "gateway"
    LOAD_BALANCER = "load_balancer"
    SERVICE = "service"
    WORKER = "worker"
    FUNCTION = "function"
    DATABASE = "database"
    CACHE = "cache"
    QUEUE = "queue"
    STREAM = "stream"
    OBJECT_STORE = "object_store"
    SEARCH = "search"
    ML_MODEL = "ml_model"
    EXTERNAL = "external"
    CDN = "cdn"
    OTHER = "other"


# Kinds that keep data: they are stateful unless the model says otherwise.
STATEFUL_KINDS = frozenset(
    {Kind.DATABASE, Kind.CACHE, Kind.QUEUE, Kind.STREAM, Kind.OBJECT_STORE, Kind.SEARCH}
)
# Kinds that hold data other components read and write (shared persistence, backups).
DATASTORE_KINDS = frozenset({Kind.DATABASE, Kind.CACHE, Kind.OBJECT_STORE, Kind.SEARCH})
MESSAGING_KINDS = frozenset({Kind.QUEUE, Kind.STREAM})


# A client tagged so sends test traffic (a load generator): it is drawn and linked like any
# client but is not where real users enter, so the analysis does not start from it.
TEST_TRAFFIC_TAG = "test-traffic"


class Tier(StrEnum):
    CRITICAL = "critical"
    STANDARD = "standard"
    NON_CRITICAL = "non_critical"


class Failover(StrEnum):
    NONE = "none"
    MANUAL = "manual"
    AUTOMATIC = "automatic"


class Mode(StrEnum):
    SYNC = "sync"
    ASYNC = "async"


# Upper bounds of numeric fields. They sit far above any real system, so they only refuse
# typos and nonsense (`peak_rps: 1e308`), which would otherwise overflow the forecasts to
# inf/nan and put `Infinity` into the JSON and SARIF reports.
MAX_RPS = 1_000_000_000  # requests per second (peak_rps, capacity_rps)
# A batch job's latency may be hours (samples/ai-platform.yaml: a 4-hour training run).
MAX_LATENCY_MS = 100_000_000  # milliseconds, about 28 hours (latency_ms, latency_slo_ms)
MAX_TIMEOUT_MS = 100_000_000  # milliseconds, about 28 hours (timeout_ms)
MAX_COST_PER_MONTH = 1_000_000_000_000  # cost_per_month, in any currency
MAX_REPLICAS = 100_000  # replicas, autoscaling min and max

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
Growth = Annotated[float, Field(gt=-1.0, le=100.0)]


class _Strict(BaseModel):
    # Unknown keys are errors (a typo must not silently become a default).
    # No inf/nan: ".inf" replicas or capacity is a typo, and nan never compares equal.
    model_config = ConfigDict(
        extra="forbid", use_enum_values=False, validate_default=False, allow_inf_nan=False
    )


class System(_Strict):
    id: str = Field(pattern=ID_PATTERN, description="Short stable identifier (a slug).")
    name: str = Field("", description="Display name; defaults to the id.")
    description: str = ""
    growth_per_year: Growth = Field(
        0.0, description="Expected traffic growth per year as a fraction: 0.4 means +40 %/year."
    )
    horizon_quarters: int = Field(12, ge=1, le=40, description="How far ahead to forecast.")
    peak_to_average: float = Field(
        1.0, ge=1.0, le=1000.0, description="Peak traffic divided by average traffic."
    )
    latency_slo_ms: float | None = Field(
        None,
        gt=0,
        le=MAX_LATENCY_MS,
        description="End-to-end latency objective for a request, p95, milliseconds.",
    )

    @property
    def display_name(self) -> str:
        return self.name or self.id


class Autoscaling(_Strict):
    min: int = Field(1, ge=0, le=MAX_REPLICAS, description="Fewest replicas the autoscaler keeps.")
    max: int | None = Field(
        None, ge=1, le=MAX_REPLICAS, description="Most replicas; none means unbounded."
    )
    metric: str = Field("cpu", description="What the autoscaler scales on.")

    @model_validator(mode="after")
    def _max_not_below_min(self) -> Autoscaling:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"autoscaling max ({self.max}) is below min ({self.min})")
        return self


class Monitoring(_Strict):
    metrics: bool = False
    alerts: bool = False
    tracing: bool = False
    cost_tags: bool = False


class Component(_Strict):
    id: str = Field(pattern=ID_PATTERN, description="Unique in its system; used by links.")
    name: str = Field("", description="Display name; defaults to the id.")
    kind: Kind = Kind.SERVICE
    technology: str = ""
    owner: str = ""
    tier: Tier = Tier.STANDARD
    group: str = ""
    tags: list[str] = Field(default_factory=list)
    notes: str = ""
    # deployment
    replicas: int = Field(1, ge=0, le=MAX_REPLICAS)
    zones: int = Field(1, ge=1, le=100)
    autoscaling: Autoscaling | None = None
    stateful: bool | None = Field(
        None, description="Keeps data; defaults to true for datastores, queues and streams."
    )
    failover: Failover = Failover.NONE
    read_replicas: int = Field(0, ge=0, le=1000)
    sharded: bool = False
    backups: bool = False
    spot: bool = False
    serverless: bool = False
    # load
    peak_rps: float | None = Field(
        None,
        ge=0,
        le=MAX_RPS,
        description="Demand entering the system here, requests per second at peak.",
    )
    capacity_rps: float | None = Field(
        None, gt=0, le=MAX_RPS, description="Requests per second one replica can serve."
    )
    latency_ms: float | None = Field(
        None, ge=0, le=MAX_LATENCY_MS, description="p95 latency of one call, milliseconds."
    )
    read_ratio: Fraction | None = None
    hit_ratio: Fraction | None = Field(None, description="Caches: share of reads served.")
    growth_per_year: Growth | None = Field(None, description="Overrides the system's growth.")
    # operations
    monitoring: Monitoring = Field(default_factory=Monitoring)
    cost_per_month: float | None = Field(None, ge=0, le=MAX_COST_PER_MONTH)
    utilization: Fraction | None = Field(None, description="Measured average utilization.")
    # debt
    workaround: bool = False
    review_by: date | None = None
    deprecated: bool = False

    @field_validator("tags")
    @classmethod
    def _tags_unique(cls, tags: list[str]) -> list[str]:
        seen: dict[str, None] = {}
        for tag in tags:
            seen.setdefault(tag, None)
        return list(seen)

    @property
    def display_name(self) -> str:
        return self.name or self.id

    @property
    def is_stateful(self) -> bool:
        if self.stateful is not None:
            return self.stateful
        return self.kind in STATEFUL_KINDS

    @property
    def is_datastore(self) -> bool:
        return self.kind in DATASTORE_KINDS

    @property
    def is_messaging(self) -> bool:
        return self.kind in MESSAGING_KINDS

    @property
    def instances(self) -> int:
        """Replicas that are always running: the autoscaler's floor when it has one."""
        if self.autoscaling is not None:
            return max(self.replicas, self.autoscaling.min)
        return self.replicas

    @property
    def single_instance(self) -> bool:
        """One replica and no autoscaler that keeps at least two."""
        if self.replicas > 1:
            return False
        return not (self.autoscaling is not None and self.autoscaling.min >= 2)

    @property
    def max_instances(self) -> int | None:
        """Replicas the component can reach; None when autoscaling is unbounded."""
        if self.autoscaling is not None:
            return self.autoscaling.max
        return self.replicas

    @property
    def capacity_total(self) -> float | None:
        """Requests per second the whole component can carry; None when unknown or unbounded."""
        if self.capacity_rps is None:
            return None
        most = self.max_instances
        return None if most is None else self.capacity_rps * most


class Link(_Strict):
    source: str = Field(pattern=ID_PATTERN)
    target: str = Field(pattern=ID_PATTERN)
    mode: Mode = Mode.SYNC
    protocol: str = ""
    calls: float = Field(1.0, gt=0, le=10_000, description="Calls per request of the source.")
    required: bool = Field(True, description="False: the source degrades gracefully without it.")
    timeout_ms: float | None = Field(None, gt=0, le=MAX_TIMEOUT_MS)
    retries: int | None = Field(None, ge=0, le=100)
    description: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.target)


Position = tuple[int, int]


class SystemModel(_Strict):
    """A whole system: what a model file holds and what the workspace stores per system."""

    system: System
    components: list[Component] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    layout: dict[str, Position] = Field(default_factory=dict)
    # The model file's own `policy:` section, kept as written; the rules validate it.
    policy: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SystemModel:
        problems = consistency_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def component(self, component_id: str) -> Component:
        for comp in self.components:
            if comp.id == component_id:
                return comp
        raise KeyError(component_id)

    def component_map(self) -> dict[str, Component]:
        return {c.id: c for c in self.components}

    def to_graph(self) -> Any:
        from archrev.model.graph import to_digraph

        return to_digraph(self)


def consistency_problems(model: SystemModel) -> list[str]:
    """What makes a set of components and links not a graph: checked on every model."""
    problems: list[str] = []
    ids: set[str] = set()
    for comp in model.components:
        if comp.id in ids:
            problems.append(f"component id '{comp.id}' is used twice")
        ids.add(comp.id)
    seen_links: set[tuple[str, str]] = set()
    for link in model.links:
        if link.source == link.target:
            problems.append(f"component '{link.source}' links to itself")
        for end in (link.source, link.target):
            if end not in ids:
                problems.append(f"link {link.source} -> {link.target}: no component '{end}'")
        if link.key in seen_links:
            problems.append(f"link {link.source} -> {link.target} is listed twice")
        seen_links.add(link.key)
    for comp_id in model.layout:
        if comp_id not in ids:
            problems.append(f"layout names '{comp_id}', which is not a component")
    return problems


def is_valid_id(value: str) -> bool:
    return bool(_ID_RE.match(value))


ID_MAX = 100  # the longest id `_ID_RE` accepts


def slugify(text: str, limit: int = ID_MAX) -> str:
    """A component id from a name: lower case, runs of other characters become '-'.

    A name longer than `limit` is cut at a word boundary, never mid-word nor leaving a
    trailing '-' (a half word reads like a typo in every report that names the id).
    """
    slug = re.sub(r"[^A-Za-z0-9_.]+", "-", text.strip().lower()).strip("-._")
    if len(slug) > limit:
        cut = slug[:limit]
        if slug[limit] not in "-._":
            boundary = max(cut.rfind(sep) for sep in "-._")
            # One very long word has no boundary worth keeping: cut it at the limit.
            if boundary > limit // 2:
                cut = cut[:boundary]
        slug = cut.rstrip("-._")
    return slug or "component"
