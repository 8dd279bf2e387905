"""What kind of component an image or a name is: the table documented in docs/importing.md.

An image's own name (`postgres:16`, `bitnami/redis`, `valkey/valkey:8`) is the best
evidence; the service name (`orders-db`, `cache`) is the fallback. The first row whose
word appears wins, so the specific rows come before the general ones.
"""

from __future__ import annotations

import re

from archrev.model.types import Kind

# The technology label of the Redis row: Redis and the servers that speak its protocol are
# caches by their image, but may be a message broker (messaging.settle_brokers decides).
REDIS_FAMILY = "Redis"

# (words, kind, technology label). A word matches a whole segment of the image or name,
# split on '/', '-', '_', '.' and ':' (so "redis" matches "bitnami/redis" and "redis-cache"
# but "predis" does not).
KIND_TABLE: list[tuple[tuple[str, ...], Kind, str]] = [
    # Connection poolers sit in front of a database but keep no data themselves.
    (("pgbouncer", "pgpool", "pgcat", "proxysql"), Kind.LOAD_BALANCER, "connection pooler"),
    (("postgres", "postgresql", "postgis", "timescaledb"), Kind.DATABASE, "PostgreSQL"),
    (("mysql", "percona"), Kind.DATABASE, "MySQL"),
    (("mariadb",), Kind.DATABASE, "MariaDB"),
    (("mongo", "mongodb"), Kind.DATABASE, "MongoDB"),
    (("cassandra", "scylla", "scylladb"), Kind.DATABASE, "Cassandra"),
    (("cockroach", "cockroachdb"), Kind.DATABASE, "CockroachDB"),
    (("mssql", "sqlserver"), Kind.DATABASE, "SQL Server"),
    (("oracle", "db2"), Kind.DATABASE, "Oracle"),
    (("couchdb", "couchbase"), Kind.DATABASE, "CouchDB"),
    (("neo4j",), Kind.DATABASE, "Neo4j"),
    (("influxdb", "prometheus", "victoriametrics"), Kind.DATABASE, "time series"),
    (("clickhouse",), Kind.DATABASE, "ClickHouse"),
    (("db", "database", "spanner", "alloydb", "dynamodb"), Kind.DATABASE, ""),
    (("redis", "valkey", "keydb", "dragonfly"), Kind.CACHE, REDIS_FAMILY),
    (("memcached", "memcache"), Kind.CACHE, "Memcached"),
    (("varnish",), Kind.CACHE, "Varnish"),
    (("cache",), Kind.CACHE, ""),
    (("rabbitmq", "rabbit"), Kind.QUEUE, "RabbitMQ"),
    (("activemq", "artemis"), Kind.QUEUE, "ActiveMQ"),
    (("sqs", "elasticmq"), Kind.QUEUE, "SQS"),
    (("nats",), Kind.QUEUE, "NATS"),
    (("queue", "mq"), Kind.QUEUE, ""),
    (("kafka", "redpanda", "pulsar"), Kind.STREAM, "Kafka"),
    (("zookeeper",), Kind.SERVICE, "ZooKeeper"),
    (("kinesis",), Kind.STREAM, "Kinesis"),
    (("elasticsearch", "elastic"), Kind.SEARCH, "Elasticsearch"),
    (("opensearch",), Kind.SEARCH, "OpenSearch"),
    (("solr",), Kind.SEARCH, "Solr"),
    (("meilisearch", "typesense"), Kind.SEARCH, ""),
    (("minio", "seaweedfs", "s3", "gcs", "azurite"), Kind.OBJECT_STORE, "object store"),
    (("nginx", "haproxy"), Kind.LOAD_BALANCER, ""),
    (
        (
            "envoy",
            "traefik",
            "kong",
            "tyk",
            "krakend",
            "apisix",
            "gateway",
            "ingress",
            "edge-router",
        ),
        Kind.GATEWAY,
        "",
    ),
    (("consul", "etcd", "vault"), Kind.SERVICE, ""),
    (("cdn", "cloudfront"), Kind.CDN, ""),
    (("worker", "consumer", "cron", "scheduler", "job", "celery", "sidekiq"), Kind.WORKER, ""),
    (("lambda", "function", "functions"), Kind.FUNCTION, ""),
    (
        ("loadgenerator", "load-generator", "load-test", "locust", "k6", "jmeter", "gatling"),
        Kind.CLIENT,
        "",
    ),
    (("user-sim",), Kind.CLIENT, ""),
]

# Generic words: they say "some service" and nothing about the product. They are tried only
# after every specific word of the image and of the name ("mcr.microsoft.com/mssql/server"
# is SQL Server whatever its last segment says).
GENERIC_TABLE: list[tuple[tuple[str, ...], Kind, str]] = [
    (
        ("frontend", "front-end", "web", "ui", "www", "api", "server", "service", "app", "backend"),
        Kind.SERVICE,
        "",
    ),
]

# Words that mark a program generating test traffic rather than serving real users.
TEST_TRAFFIC_WORDS = frozenset(
    {
        "loadgenerator",
        "load-generator",
        "load-test",
        "locust",
        "k6",
        "jmeter",
        "gatling",
        "user-sim",
    }
)

# Generic words that name a datastore only as the last word ("orders-db", "job-queue"): a
# "queue-master" is the worker that drains the queue, not the queue.
_TRAILING_ONLY = frozenset({"db", "database", "cache", "queue", "mq"})

_SPLIT = re.compile(r"[\s/_.:@,()-]+")


def _segments(text: str) -> tuple[list[str], str]:
    lower = text.lower()
    return [s for s in _SPLIT.split(lower) if s], lower


def _image_name(image: str) -> str:
    """`registry:5000/org/redis:7@sha256:...` -> `org/redis` (registry, tag and digest dropped)."""
    name = image.split("@", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    last = parts[-1].split(":", 1)[0]
    return "/".join([*parts[:-1], last])


def _match(
    text: str, table: list[tuple[tuple[str, ...], Kind, str]] = KIND_TABLE
) -> tuple[Kind, str] | None:
    segments, lower = _segments(text)
    present = set(segments)
    last = segments[-1] if segments else ""
    for words, kind, technology in table:
        for word in words:
            if word in _TRAILING_ONLY:
                if word == last:
                    return kind, technology
            elif ("-" in word and word in lower) or word in present:
                return kind, technology
    return None


def infer_kind(image: str, name: str) -> tuple[Kind, str, bool]:
    """(kind, technology, known): `known` is False when neither image nor name told us.

    Specific words beat generic ones: the image's last segment, then the rest of its path
    (`mcr.microsoft.com/mssql/server` is SQL Server), then the service name are tried
    against the product table; only then the image's last segment and the name against
    the generic words (server, app, api, web, ...)."""
    path = _image_name(image) if image else ""
    last = path.rsplit("/", 1)[-1]
    specific = [t for t in (last, path if path != last else "", name) if t]
    generic = [t for t in (last, name) if t]
    for table, texts in ((KIND_TABLE, specific), (GENERIC_TABLE, generic)):
        for text in texts:
            hit = _match(text, table)
            if hit is not None:
                return hit[0], hit[1] or "", True
    return Kind.SERVICE, "", False


def is_redis_family(image: str, name: str) -> bool:
    """Redis, Valkey, KeyDB or Dragonfly by the same reading as `infer_kind`: a memcached
    image named `redis` is no Redis, a `valkey/valkey` image named `sessions` is one."""
    kind, technology, _ = infer_kind(image, name)
    return kind == Kind.CACHE and technology == REDIS_FAMILY


def is_test_traffic(image: str, name: str) -> bool:
    """A load generator (Locust, k6, JMeter, Gatling, ...) by its image or its name."""
    for text in (_image_name(image) if image else "", name):
        segments, lower = _segments(text)
        if any(w in segments or ("-" in w and w in lower) for w in TEST_TRAFFIC_WORDS):
            return True
    return False


def image_technology(image: str) -> str:
    """The image without registry and digest, with its tag: what an architect calls it."""
    name = image.split("@", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    return "/".join(parts)[:200]
