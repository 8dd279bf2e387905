"""Redis used as a message broker: a queue when every user says broker, a cache otherwise.

Compose files and manifests are written inline; the one corpus test (Sentry) skips when
/work/shared/corpus is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from archrev.model.formats import ImportResult
from archrev.model.formats.compose import read_compose
from archrev.model.formats.k8s import read_k8s
from archrev.model.formats.messaging import broker_flag_hosts, job_queue_program, judge_use
from archrev.model.types import Kind, Mode
from archrev.rules.engine import analyze

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def keys(result: ImportResult) -> set[tuple[str, str]]:
    return {(ln.source, ln.target) for ln in result.model.links}


def notes_about(result: ImportResult, component: str, words: str) -> list[str]:
    return [
        n.message
        for n in result.notes
        if n.message.startswith(f"{component}:") and words in n.message
    ]


# -- compose ---------------------------------------------------------------------------------

CELERY_ONLY = """
services:
  web:
    image: example/shop
    ports: ["8000:8000"]
    depends_on: [db, redis]
    environment:
      DATABASE_URL: postgres://shop:shop@db:5432/shop
      CELERY_BROKER_URL: redis://redis:6379/0
  tasks:
    image: example/shop
    command: celery -A shop worker --broker redis://redis:6379/0 -l info
    depends_on: [redis, db]
    environment:
      DATABASE_URL: postgres://shop:shop@db:5432/shop
  beat:
    image: example/shop
    command: ["celery", "-A", "shop", "beat"]
    depends_on: [redis]
  db: {image: "postgres:16"}
  redis:
    image: "redis:7"
    volumes: ["redis-data:/data"]
volumes:
  redis-data: {}
"""


def test_compose_redis_used_only_as_celery_broker_is_a_queue(tmp_path: Path) -> None:
    r = read_compose([write(tmp_path, "compose.yaml", CELERY_ONLY)], environ={})
    redis = r.model.component("redis")
    assert redis.kind == Kind.QUEUE
    assert redis.technology == "redis:7" and redis.stateful is True
    # producer -> queue -> consumer, by the existing direction guess: the worker (its
    # command says worker) consumes, the web app and celery beat publish
    got = keys(r)
    assert {("web", "redis"), ("beat", "redis"), ("redis", "tasks")} <= got
    assert ("tasks", "redis") not in got
    by_key = {ln.key: ln for ln in r.model.links}
    for key in (("web", "redis"), ("beat", "redis"), ("redis", "tasks")):
        assert by_key[key].mode == Mode.ASYNC, key
    assert by_key[("web", "db")].mode == Mode.SYNC
    # why it is a queue: each service and the reference that says broker, with its line
    (why,) = notes_about(r, "redis", "imported as a queue")
    where = tmp_path / "compose.yaml"
    assert f"web: environment CELERY_BROKER_URL at {where}:9" in why
    assert f"command --broker at {where}:12" in why.split("tasks: ")[1]
    assert "beat: depends_on (the service runs celery)" in why
    # and the usual note on which way the messages were guessed to flow
    (direction,) = notes_about(r, "redis", "direction of messages is guessed")
    assert "1 consumer(s) (tasks)" in direction and "2 producer(s) (web, beat)" in direction


def test_compose_broker_queue_gets_queue_rules_not_cache_rules(tmp_path: Path) -> None:
    r = read_compose([write(tmp_path, "compose.yaml", CELERY_ONLY)], environ={})
    on_redis = {f.rule_id for f in analyze(r.model).findings if "redis" in f.components}
    assert not {rule for rule in on_redis if rule.startswith("CCH-")}
    assert "ASY-QUEUE-ORPHAN" not in on_redis  # it has producers and a consumer


MIXED = """
services:
  api:
    image: example/api
    environment:
      REDIS_HOST: cache
      SESSION_STORE: redis://cache:6379/2
  jobs:
    image: example/api
    command: ["python", "-m", "jobs", "--broker", "redis://cache:6379/0"]
  reports:
    image: example/reports
    environment:
      CELERY_BROKER_URL: redis://cache:6379/0
      CELERY_RESULT_BACKEND: redis://cache:6379/1
  cache: {image: "valkey/valkey:8"}
"""


def test_compose_redis_used_as_broker_and_cache_stays_a_cache(tmp_path: Path) -> None:
    r = read_compose([write(tmp_path, "compose.yaml", MIXED)], environ={})
    assert r.model.component("cache").kind == Kind.CACHE
    # nothing is turned around and nothing becomes asynchronous
    assert keys(r) == {("api", "cache"), ("jobs", "cache"), ("reports", "cache")}
    assert all(ln.mode == Mode.SYNC for ln in r.model.links)
    (note,) = notes_about(r, "cache", "kept as a cache")
    assert "2 service(s) use it as a message broker" in note
    assert "jobs: command --broker at" in note
    assert "reports: environment CELERY_BROKER_URL at" in note
    # the other uses are named too: the variables that do not say broker, and Celery's
    # result backend, which is a store read by key
    assert "used otherwise by api: environment REDIS_HOST at" in note
    assert "reports: environment CELERY_RESULT_BACKEND at" in note
    assert "split it into a queue and a cache" in note
    assert not notes_about(r, "cache", "direction of messages")


def test_compose_plain_cache_has_no_broker_note(tmp_path: Path) -> None:
    text = """
services:
  api:
    image: example/api
    depends_on: [redis]
    environment: {REDIS_URL: "redis://redis:6379/0", CACHE_TTL: "60"}
  redis: {image: "bitnami/redis:7.2"}
"""
    r = read_compose([write(tmp_path, "compose.yaml", text)], environ={})
    assert r.model.component("redis").kind == Kind.CACHE
    assert keys(r) == {("api", "redis")}
    assert not [n for n in r.notes if n.message.startswith("redis:")]


def test_compose_user_that_only_depends_on_it_keeps_it_a_cache(tmp_path: Path) -> None:
    # `depends_on` says nothing about the use: the web app may keep its cache there, so
    # the broker evidence of the other service is not enough to call it a queue.
    text = """
services:
  web:
    image: example/web
    depends_on: [redis]
  mailer:
    image: example/mailer
    environment: {BROKER_URL: "redis://redis:6379/0"}
  redis: {image: "redis:7"}
"""
    r = read_compose([write(tmp_path, "compose.yaml", text)], environ={})
    assert r.model.component("redis").kind == Kind.CACHE
    (note,) = notes_about(r, "redis", "kept as a cache")
    assert "1 service(s) use it as a message broker (mailer: environment BROKER_URL at" in note
    assert "depended on without saying how by web: depends_on at" in note


def test_compose_rq_and_sidekiq_on_valkey_and_keydb(tmp_path: Path) -> None:
    text = """
services:
  api:
    image: example/api
    environment: {RQ_REDIS_URL: "redis://jobs:6379/1"}
  mail-runner:
    image: example/api
    command: rq worker --url redis://jobs:6379/1 mail
  rails:
    image: example/rails
    environment: {SIDEKIQ_REDIS_URL: "redis://kq:6379/0"}
  sidekiq:
    image: example/rails
    command: bundle exec sidekiq -C config/sidekiq.yml
    environment: {REDIS_URL: "redis://kq:6379/0"}
  jobs: {image: "valkey/valkey:8"}
  kq: {image: "eqalpha/keydb"}
"""
    r = read_compose([write(tmp_path, "compose.yaml", text)], environ={})
    assert r.model.component("jobs").kind == Kind.QUEUE
    assert r.model.component("kq").kind == Kind.QUEUE
    assert {("api", "jobs"), ("jobs", "mail-runner"), ("rails", "kq"), ("kq", "sidekiq")} <= keys(r)
    (why,) = notes_about(r, "kq", "imported as a queue")
    # Sidekiq reads plain REDIS_URL: the program it runs says what the variable is for
    assert "sidekiq: environment REDIS_URL (the service runs sidekiq) at" in why
    assert "rails: environment SIDEKIQ_REDIS_URL at" in why


def test_compose_kind_written_in_x_archrev_is_not_second_guessed(tmp_path: Path) -> None:
    text = """
services:
  app:
    image: example/app
    environment: {CELERY_BROKER_URL: "redis://redis:6379/0"}
  redis:
    image: "redis:7"
    x-archrev: {kind: cache, hit_ratio: 0.9}
"""
    r = read_compose([write(tmp_path, "compose.yaml", text)], environ={})
    assert r.model.component("redis").kind == Kind.CACHE
    assert not notes_about(r, "redis", "broker")


def test_compose_replica_pointing_at_its_primary_is_not_a_user(tmp_path: Path) -> None:
    text = """
services:
  app:
    image: example/app
    environment: {BROKER_URL: "redis://redis:6379/0"}
  redis: {image: "redis:7"}
  redis-replica:
    image: "redis:7"
    command: ["redis-server", "--replicaof", "redis", "6379"]
"""
    r = read_compose([write(tmp_path, "compose.yaml", text)], environ={})
    assert r.model.component("redis").kind == Kind.QUEUE
    (why,) = notes_about(r, "redis", "imported as a queue")
    assert "redis-replica" not in why


# -- Kubernetes ------------------------------------------------------------------------------

REDIS_K8S = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: redis, namespace: shop}
spec:
  selector: {matchLabels: {app: redis}}
  template:
    metadata: {labels: {app: redis}}
    spec:
      containers: [{name: redis, image: "redis:7.2"}]
---
apiVersion: v1
kind: Service
metadata: {name: redis, namespace: shop}
spec: {selector: {app: redis}, ports: [{port: 6379}]}
"""


def deployment(name: str, container: str) -> str:
    """A Deployment in namespace shop running one container (`container`: its fields, as
    YAML indented for the container entry)."""
    return f"""
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}, namespace: shop}}
spec:
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
        - name: {name}
{container}"""


def test_k8s_broker_only_through_env_configmaps_and_args(tmp_path: Path) -> None:
    manifest = (
        REDIS_K8S
        + """
---
apiVersion: v1
kind: ConfigMap
metadata: {name: celery, namespace: shop}
data:
  BROKER_URL: redis://redis.shop.svc.cluster.local:6379/0
  broker: redis://redis:6379/0
"""
        + deployment(
            "web",
            """\
          image: example/shop:1
          env:
            - name: CELERY_BROKER_URL
              valueFrom: {configMapKeyRef: {name: celery, key: broker}}
""",
        )
        + deployment(
            "tasks",
            """\
          image: example/shop:1
          args: ["celery", "-A", "shop", "worker"]
          envFrom: [{configMapRef: {name: celery}}]
""",
        )
        + """
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: digest, namespace: shop}
spec:
  schedule: "0 6 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: digest
              image: example/digest:1
              args: ["--broker", "redis://redis:6379/0"]
"""
    )
    r = read_k8s([write(tmp_path, "shop.yaml", manifest)])
    assert r.model.component("redis").kind == Kind.QUEUE
    assert keys(r) == {("web", "redis"), ("redis", "tasks"), ("digest", "redis")}
    assert all(ln.mode == Mode.ASYNC for ln in r.model.links)
    (why,) = notes_about(r, "redis", "imported as a queue")
    assert "web: environment CELERY_BROKER_URL at" in why
    assert "tasks: environment BROKER_URL at" in why
    assert "digest: command --broker at" in why
    assert notes_about(r, "redis", "direction of messages is guessed")


def test_k8s_broker_and_cache_stays_a_cache(tmp_path: Path) -> None:
    manifest = REDIS_K8S + deployment(
        "web",
        """\
          image: example/shop:1
          env:
            - {name: REDIS_ADDR, value: "redis:6379"}
            - {name: QUEUE_URL, value: "redis://redis:6379/1"}
""",
    )
    r = read_k8s([write(tmp_path, "shop.yaml", manifest)])
    assert r.model.component("redis").kind == Kind.CACHE
    assert keys(r) == {("web", "redis")}
    (note,) = notes_about(r, "redis", "kept as a cache")
    assert "web: environment QUEUE_URL at" in note
    assert "used otherwise by web: environment REDIS_ADDR at" in note


def test_k8s_plain_cache_is_unchanged(tmp_path: Path) -> None:
    manifest = REDIS_K8S + deployment(
        "cart",
        """\
          image: example/cart:1
          env: [{name: REDIS_ADDR, value: "redis:6379"}]
""",
    )
    r = read_k8s([write(tmp_path, "shop.yaml", manifest)])
    assert r.model.component("redis").kind == Kind.CACHE
    assert keys(r) == {("cart", "redis")}
    assert not [n for n in r.notes if n.message.startswith("redis:")]


# -- the words -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "program", "broker"),
    [
        ("CELERY_BROKER_URL", "", True),
        ("broker_url", "", True),
        ("celery.brokerUrl", "", True),
        ("RQ_REDIS_URL", "", True),
        ("JOB_QUEUE_HOST", "", True),
        ("REDIS_URL", "", False),
        ("REDIS_URL", "sidekiq", True),
        ("CELERY_RESULT_BACKEND", "celery", False),
        ("CACHE_URL", "celery", False),
    ],
)
def test_what_a_variable_name_says(variable: str, program: str, broker: bool) -> None:
    assert judge_use("environment", variable=variable, program=program)[0] is broker


def test_dependency_alone_says_nothing_unless_a_job_runner_depends() -> None:
    assert judge_use("dependency") == (None, "depends_on")
    assert judge_use("dependency", program="celery")[0] is True
    assert judge_use("command")[0] is False


def test_broker_options_in_commands() -> None:
    assert broker_flag_hosts(["celery -A app worker --broker redis://redis:6379/0"]) == {"redis"}
    assert broker_flag_hosts(["celery", "-b", "redis://q:6379"]) == {"q"}
    assert broker_flag_hosts(["--broker-url=redis://a:6379/0"]) == {"a"}
    # `-b` is Celery's: elsewhere it means something else (a bind address, a batch size)
    assert broker_flag_hosts(["gunicorn", "-b", "web:8000"]) == set()
    assert broker_flag_hosts(["--broker"]) == set()
    assert job_queue_program("tasks celery -A shop worker") == "celery"
    assert job_queue_program("web gunicorn app:app") == ""


# -- the corpus ------------------------------------------------------------------------------


def test_sentry_redis_stays_a_cache() -> None:
    folder = CORPUS / "sentry-self-hosted"
    if not folder.exists():
        pytest.skip(f"{folder} is absent (the shared corpus is not here)")
    r = read_compose([folder / "docker-compose.yml"], env_files=[folder / "dot-env.txt"])
    # Nothing in Sentry's compose file says broker about redis: the snuba services read it
    # as REDIS_HOST, uptime-checker as UPTIME_CHECKER_REDIS_HOST, the rest only depend on
    # it; Sentry's own broker settings live in sentry.conf.py, which is not in the file,
    # and its task queue is taskbroker on Kafka. So it stays a cache, with no broker note.
    assert r.model.component("redis").kind == Kind.CACHE
    assert not [n for n in r.notes if n.message.startswith("redis:")]
