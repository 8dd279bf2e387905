"""Find the host names a configuration value points at.

Compose files and Kubernetes manifests wire services together through strings: a bare host
name (`REDIS_HOST: redis`), `host:port` (`kafka:9092`), a URL (`postgres://u:p@db:5432/x`),
a list of either (`kafka-1:9092,kafka-2:9092`) or a connection string
(`Server=db;Database=x`). This module pulls the host names out of such a string; each format
then decides which of them name one of its services.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# scheme://[user[:password]@]host[:port][/...]; the host may be a bracketed IPv6 address.
_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/\s,;]*@)?(?P<host>\[[0-9A-Fa-f:]+\]|[A-Za-z0-9_.-]+)"
    r"(?::(?P<port>\d{1,5}))?"
)
_HOST_PORT = re.compile(r"(?<![\w./@:-])(?P<host>[A-Za-z_][A-Za-z0-9_.-]*):(?P<port>\d{1,5})\b")
_CONNECTION_PART = re.compile(
    r"(?i)(?:^|;)\s*(?:server|host|hostname|data source|address|addr)\s*=\s*"
    r"(?:tcp:)?(?P<host>[A-Za-z0-9_.-]+)"
)
_TOKEN_SPLIT = re.compile(r"[\s,;=]+")
_BARE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

# Schemes whose traffic is asynchronous messaging rather than a request and a reply.
ASYNC_SCHEMES = frozenset({"amqp", "amqps", "kafka", "nats", "mqtt", "mqtts", "stomp", "sqs"})
LOCAL_HOSTS = frozenset(
    {"localhost", "127.0.0.1", "0.0.0.0", "::1", "[::1]", "host.docker.internal"}
)


@dataclass(frozen=True, slots=True)
class HostReference:
    """A host name found in a value, how it was written, and the URL scheme if any."""

    host: str
    form: str  # "url", "host:port", "connection string" or "name"
    scheme: str = ""
    port: int | None = None


def find_hosts(value: str, *, bare_words: bool = True) -> list[HostReference]:
    """Every host a string mentions, in order, without repeats.

    `bare_words` also offers every word of the value (split on spaces, commas, semicolons
    and `=`) as a bare host name: the caller keeps only the words that name a service.
    """
    found: dict[str, HostReference] = {}
    spans: list[tuple[int, int]] = []
    for m in _URL.finditer(value):
        host = m.group("host")
        port = int(m.group("port")) if m.group("port") else None
        found.setdefault(host, HostReference(host, "url", m.group("scheme").lower(), port))
        spans.append(m.span())
    for m in _CONNECTION_PART.finditer(value):
        found.setdefault(m.group("host"), HostReference(m.group("host"), "connection string"))
    for m in _HOST_PORT.finditer(value):
        if any(a <= m.start() < b for a, b in spans):
            continue
        host = m.group("host")
        found.setdefault(host, HostReference(host, "host:port", "", int(m.group("port"))))
    if bare_words:
        for word in _TOKEN_SPLIT.split(value):
            word = word.strip("'\"")
            if word and _BARE.match(word) and word not in found:
                found[word] = HostReference(word, "name")
    return list(found.values())


def is_local(host: str) -> bool:
    return host.lower() in LOCAL_HOSTS or bool(re.fullmatch(r"[\d.]+|\[[0-9a-fA-F:]+\]", host))


def looks_like_internal_host(host: str) -> bool:
    """A single-label name (no dots) that is not local: in a cluster it must be a service."""
    return "." not in host and not is_local(host) and not host.isdigit()
