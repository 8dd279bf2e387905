"""Point links at a queue or stream the way messages flow: producer -> queue -> consumer.

Compose files and manifests only say that a service *uses* a broker (`depends_on: kafka`,
`KAFKA_BROKERS: kafka:9092`), never whether it publishes or consumes. The model format
draws "a producer to its queue, a queue to its consumers", and the rules read it so: a
queue that links to nothing "has no consumers", a consumer that nothing links to is
"unused". So the importer has to guess the direction, and says what it guessed.

The guess: a service whose name, command, entrypoint or arguments contain one of the
CONSUMER_WORDS (as a whole word: `snuba-errors-consumer`, `run consumer ingest-events`,
`--consumer-group`, `queue-master`) consumes from every queue and stream it uses; every
other service produces to them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from archrev.model.formats import ImportNote, ImportResult, Origin
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
                "subscriber, listener or queue-master; correct the links where the guess is "
                "wrong",
                result.components.get(queue) or Origin("", 0),
            )
        )


def _names(ids: list[str]) -> str:
    return ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")
