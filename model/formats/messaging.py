"""Point links at a queue or stream the way messages flow: producer -> queue -> consumer.

Compose files and manifests only say that a service *uses* a broker (`depends_on: kafka`,
`KAFKA_BROKERS: kafka:9092`), never whether it publishes or consumes. The model format
draws "a producer to its queue, a queue to its consumers", and the rules read it so: a
queue that links to nothing "has no consumers", a consumer that nothing links to is
"unused". So the importer has to guess the direction, and says what it guessed.

The guess: a service whose name, command, entrypoint or arguments contain one of the
CONSUMER_WORDS (as a whole word: `snuba-errors-consumer`, `run consumer ingest-events`,
`--consumer-group`, `queue-master`) consumes from every queue and stream it uses; every
other service produces to them. `sidekiq` counts too: a Sidekiq process is the job runner
whatever it is called.

Redis and its kin (Valkey, KeyDB, Dragonfly) are caches by their image, but many
applications use them as the message broker of a job queue (Celery, RQ, Sidekiq, ...).
`settle_brokers` reads what each service's references say about the use (the variable's
name, a `--broker` flag, the program the service runs) and turns a Redis that is only ever
used as a broker into a queue, so that the queue rules apply to it and the cache rules do
not; one also used otherwise stays a cache, with a note naming the broker users.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from archrev.model.formats import ImportNote, ImportResult, Origin
from archrev.model.formats.references import find_hosts
from archrev.model.types import Kind, Link, Mode, SystemModel

CONSUMER_WORDS = frozenset(
    {
        "consumer",
        "consumers",
        "worker",
        "workers",
        "subscriber",
        "subscribers",
        "listener",
        "listeners",
        "queue-master",
        "queuemaster",
        "sidekiq",
    }
)
MESSAGING_KINDS = frozenset({Kind.QUEUE, Kind.STREAM})
_SPLIT = re.compile(r"[^a-z0-9]+")


def is_consumer(text: str) -> bool:
    """Whether a service's name and command say that it consumes messages."""
    lower = text.lower()
    words = set(_SPLIT.split(lower))
    return any(w in words if "-" not in w else w in lower for w in CONSUMER_WORDS)


def orient_messaging(result: ImportResult, texts: Mapping[str, str]) -> None:
    """Turn `consumer -> queue` into `queue -> consumer`; every link to or from a queue or
    stream becomes asynchronous. `texts` holds, per component id, the words the guess
    reads (name, command, entrypoint, arguments)."""
    model = result.model
    kinds = {c.id: c.kind for c in model.components}
    links: dict[tuple[str, str], Link] = {}
    origins: dict[tuple[str, str], Origin] = {}
    consumers: dict[str, list[str]] = {}
    producers: dict[str, list[str]] = {}
    for link in model.links:
        key = link.key
        origin = result.links.get(key)
        if kinds.get(link.target) in MESSAGING_KINDS and kinds.get(link.source) not in (
            MESSAGING_KINDS
        ):
            queue, user = link.target, link.source
            if is_consumer(texts.get(user, user)):
                consumers.setdefault(queue, []).append(user)
                link = link.model_copy(update={"source": queue, "target": user, "mode": Mode.ASYNC})
                link.model_fields_set.add("mode")
                key = link.key
            else:
                producers.setdefault(queue, []).append(user)
                if link.mode != Mode.ASYNC:
                    link = link.model_copy(update={"mode": Mode.ASYNC})
                    link.model_fields_set.add("mode")
        if key in links:
            continue
        links[key] = link
        if origin is not None:
            origins[key] = origin
    if not consumers and not producers:
        return
    result.model = SystemModel.model_construct(
        system=model.system,
        components=model.components,
        links=list(links.values()),
        layout=model.layout,
        policy=model.policy,
    )
    result.links = origins
    for queue in sorted(set(consumers) | set(producers)):
        eaters, feeders = consumers.get(queue, []), producers.get(queue, [])
        parts = []
        if eaters:
            parts.append(f"{len(eaters)} consumer(s) ({_names(eaters)}), linked {queue} -> each")
        if feeders:
            parts.append(f"{len(feeders)} producer(s) ({_names(feeders)}), linked each -> {queue}")
        result.notes.append(
            ImportNote(
                "info",
                f"{queue}: the direction of messages is guessed: {'; '.join(parts)}. A service "
                "counts as a consumer when its name or command has the word consumer, worker, "
                "subscriber, listener, queue-master or sidekiq; correct the links where the guess "
                "is wrong",
                result.components.get(queue) or Origin("", 0),
            )
        )


def _names(ids: list[str]) -> str:
    return ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")


# -- Redis as a message broker ------------------------------------------------------------

# Words of a variable's name that say the value is a message broker or a job queue:
# CELERY_BROKER_URL, BROKER_URL, broker_url, JOB_QUEUE_URL, RQ_REDIS_URL, SIDEKIQ_REDIS_URL.
BROKER_VARIABLE_WORDS = frozenset(
    {"broker", "brokers", "queue", "queues", "rq", "sidekiq", "resque", "bullmq", "dramatiq"}
)
# Words of a variable's name that say the value serves another purpose than a broker:
# CACHE_URL, SESSION_REDIS_HOST, CELERY_RESULT_BACKEND (Celery keeps task results in it,
# which is a store read by key, not a queue), LOCK_REDIS_URL.
OTHER_USE_VARIABLE_WORDS = frozenset(
    {"cache", "caches", "caching", "session", "sessions", "result", "results", "lock", "locks"}
)
# Programs that run a job queue on Redis: every process of theirs talks to the broker, so a
# reference to Redis in their configuration that says nothing else is the broker (Sidekiq
# reads plain REDIS_URL; `celery -A app worker` gets its broker from the app's settings).
JOB_QUEUE_PROGRAMS = frozenset(
    {"celery", "rq", "rqworker", "sidekiq", "resque", "dramatiq", "huey", "arq", "bullmq"}
)
# Command-line options whose value is the broker: `celery --broker redis://...`,
# `--broker-url=...`; Celery's short `-b` only when the command runs Celery.
_BROKER_FLAGS = frozenset({"--broker", "--broker-url", "--broker_url"})
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _variable_words(name: str) -> set[str]:
    """`CELERY_BROKER_URL`, `celery.brokerUrl` -> {"celery", "broker", "url"}."""
    return set(_SPLIT.split(_CAMEL.sub("_", name).lower())) - {""}


def job_queue_program(text: str) -> str:
    """The job-queue program a service's name and command run (`celery`, `rq`, ...), or ""."""
    words = _SPLIT.split(text.lower())
    return next((w for w in words if w in JOB_QUEUE_PROGRAMS), "")


def broker_flag_hosts(words: Sequence[str]) -> set[str]:
    """The hosts given as the value of a broker option in a command, whether the command is
    one string or a list (`["--broker", "redis://redis:6379/0"]` or `--broker=...`)."""
    tokens = [t.strip("'\"") for word in words for t in word.split()]
    celery = any(_SPLIT.split(t.lower())[-1:] == ["celery"] for t in tokens)
    flags = _BROKER_FLAGS | ({"-b"} if celery else set())
    hosts: set[str] = set()
    for i, token in enumerate(tokens):
        flag, sep, value = token.partition("=")
        if flag not in flags:
            continue
        if not sep:
            value = tokens[i + 1] if i + 1 < len(tokens) else ""
        hosts.update(ref.host for ref in find_hosts(value, bare_words=True))
    return hosts


def judge_use(
    via: Literal["environment", "command", "dependency"],
    *,
    variable: str = "",
    broker_flag: bool = False,
    program: str = "",
) -> tuple[bool | None, str]:
    """What one reference to a Redis-family component says of its use, and the words for the
    import note.

    `variable` names the environment variable the reference is in, `broker_flag` says that a
    command gives it as a broker option, `program` is the job-queue program the referring
    service runs. The answer is True (a broker), False (another use: a cache, sessions,
    results, or a variable whose name does not say broker) or None (a dependency alone, which
    says nothing)."""
    of_program = f" (the service runs {program})" if program else ""
    if via == "environment":
        words = _variable_words(variable)
        if words & BROKER_VARIABLE_WORDS:
            return True, f"environment {variable}"
        if words & OTHER_USE_VARIABLE_WORDS or not program:
            return False, f"environment {variable}"
        return True, f"environment {variable}{of_program}"
    if via == "command":
        if broker_flag:
            return True, "command --broker"
        return (True, f"command{of_program}") if program else (False, "command")
    return (True, f"depends_on{of_program}") if program else (None, "depends_on")


@dataclass(frozen=True, slots=True)
class StoreUse:
    """One reference from a service to a Redis-family component, and what it says.

    `broker` is True when the reference says "message broker", False when it says another
    use, None when it says nothing (a bare `depends_on`)."""

    user: str
    store: str
    broker: bool | None
    why: str
    origin: Origin


def settle_brokers(result: ImportResult, stores: Iterable[str], uses: Iterable[StoreUse]) -> None:
    """Make each Redis-family component (`stores`, imported as caches) a queue when every
    service that refers to it uses it as a broker; note a mixed use on the cache.

    The image says cache, and only the word of every service that uses the component
    overrides it: a service that says both (CELERY_BROKER_URL and CACHE_URL), or whose only
    reference is a `depends_on` (which says nothing), keeps it a cache, and the note names
    the broker users so that the architect can split it. Run it before `orient_messaging`,
    which then points the links of a new queue from its producers to its consumers."""
    wanted = set(stores)
    seen: dict[str, dict[str, list[StoreUse]]] = {}
    for use in uses:
        # A replica or sentinel pointing at its primary is the store itself, not a user.
        if use.store in wanted and use.user not in wanted and use.user != use.store:
            seen.setdefault(use.store, {}).setdefault(use.user, []).append(use)
    queues: set[str] = set()
    for store in sorted(seen):
        brokers: list[str] = []
        others: list[str] = []
        silent: list[str] = []
        for user in sorted(seen[store]):
            said = seen[store][user]
            # A service may say both (CELERY_BROKER_URL and CACHE_URL on one Redis): it is
            # named on both sides, and the component stays a cache.
            as_broker = [u for u in said if u.broker]
            otherwise = [u for u in said if u.broker is False]
            if as_broker:
                brokers.append(_evidence(user, as_broker))
            if otherwise:
                others.append(_evidence(user, otherwise))
            if not as_broker and not otherwise:
                silent.append(_evidence(user, said))
        if not brokers:
            continue
        origin = result.components.get(store) or Origin("", 0)
        if not others and not silent:
            queues.add(store)
            result.notes.append(
                ImportNote(
                    "info",
                    f"{store}: imported as a queue, not a cache: every service that refers to "
                    f"it uses it as a message broker ({_listed(brokers)}). If it also caches, "
                    "a variable that says so (CACHE_URL, SESSION_REDIS_URL) or, in a compose "
                    "file, x-archrev: {kind: cache} keeps it a cache on the next import",
                    origin,
                )
            )
            continue
        rest = []
        if others:
            rest.append(f"used otherwise by {_listed(others)}")
        if silent:
            rest.append(f"depended on without saying how by {_listed(silent)}")
        result.notes.append(
            ImportNote(
                "info",
                f"{store}: kept as a cache, but {len(brokers)} service(s) use it as a message "
                f"broker ({_listed(brokers)}) and it is {' and '.join(rest)}. If the broker "
                "and the cache are separate databases or instances, split it into a queue and "
                "a cache so that the queue rules see the broker",
                origin,
            )
        )
    if not queues:
        return
    model = result.model
    result.model = SystemModel.model_construct(
        system=model.system,
        components=[
            c.model_copy(update={"kind": Kind.QUEUE}) if c.id in queues else c
            for c in model.components
        ],
        links=model.links,
        layout=model.layout,
        policy=model.policy,
    )


def _evidence(user: str, said: list[StoreUse]) -> str:
    """`worker: environment CELERY_BROKER_URL at compose.yaml:12`, each reason once."""
    reasons: dict[str, Origin] = {}
    for use in said:
        reasons.setdefault(use.why, use.origin)
    return f"{user}: " + ", ".join(f"{why} at {origin}" for why, origin in reasons.items())


def _listed(items: list[str]) -> str:
    return "; ".join(items[:6]) + (f"; and {len(items) - 6} more" if len(items) > 6 else "")
