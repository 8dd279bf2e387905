"""The importer defects the QA report found (items 3-7, 14, 15, 18, 20), one test each.

Every test here failed on the importers before the fix; the corpus-based ones skip when
/work/shared/corpus is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from archrev.model.errors import InputFileError
from archrev.model.formats.compose import read_compose
from archrev.model.formats.detect import ImportOptions, collect, read_sources
from archrev.model.formats.k8s import read_k8s
from archrev.model.formats.kinds import infer_kind
from archrev.model.formats.structurizr import read_structurizr
from archrev.model.types import Kind, Link, Mode
from archrev.model.workspace import Workspace
from archrev.rules.engine import analyze
from archrev.tui.cli import main

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus is not here)")
    return path


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def keys(result) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {ln.key for ln in result.model.links}


# -- item 3: consumers are fed by their queue ---------------------------------------------

BROKERS = """
services:
  api:
    image: corp/api
    depends_on: [kafka, rabbitmq]
  orders-consumer:
    image: corp/orders
    depends_on: [kafka]
  mailer:
    image: corp/mailer
    command: ["run", "consumer", "emails"]
    environment:
      BROKER_URL: amqp://rabbitmq:5672
  kafka: {image: "bitnami/kafka:3"}
  rabbitmq: {image: "rabbitmq:3"}
"""


def test_compose_consumers_are_fed_by_the_queue(tmp_path: Path) -> None:
    r = read_compose([write(tmp_path, "compose.yaml", BROKERS)], environ={})
    got = keys(r)
    # producers stay producer -> queue; consumers (by name or by command) become queue -> it
    assert {("api", "kafka"), ("api", "rabbitmq")} <= got
    assert ("kafka", "orders-consumer") in got and ("orders-consumer", "kafka") not in got
    assert ("rabbitmq", "mailer") in got and ("mailer", "rabbitmq") not in got
    by_key = {ln.key: ln for ln in r.model.links}
    assert by_key[("kafka", "orders-consumer")].mode == Mode.ASYNC
    assert by_key[("api", "kafka")].mode == Mode.ASYNC
    # the link keeps where it came from, and the guess is reported
    assert r.links[("kafka", "orders-consumer")].line > 0
    guesses = [n.message for n in r.notes if "direction of messages is guessed" in n.message]
    assert len(guesses) == 2 and any("orders-consumer" in g and "api" in g for g in guesses)
    # a worker named only by its command is a worker, not an unknown service
    assert r.model.component("mailer").kind == Kind.WORKER


def test_consumer_words() -> None:
    from archrev.model.formats.messaging import is_consumer

    assert is_consumer("snuba-errors-consumer")
    assert is_consumer("ingest run consumer ingest-events --consumer-group x")
    assert is_consumer("queue-master")
    assert is_consumer("payment-listener")
    assert not is_consumer("web run web")
    assert not is_consumer("taskbroker")


def test_k8s_queue_master_drains_rabbitmq(tmp_path: Path) -> None:
    manifest = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: queue-master}
spec:
  selector: {matchLabels: {name: queue-master}}
  template:
    metadata: {labels: {name: queue-master}}
    spec:
      containers:
        - name: queue-master
          image: weaveworksdemos/queue-master
          env: [{name: AMQP_HOST, value: rabbitmq}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shipping}
spec:
  selector: {matchLabels: {name: shipping}}
  template:
    metadata: {labels: {name: shipping}}
    spec:
      containers:
        - name: shipping
          image: weaveworksdemos/shipping
          env: [{name: AMQP_HOST, value: rabbitmq}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: rabbitmq}
spec:
  selector: {matchLabels: {name: rabbitmq}}
  template:
    metadata: {labels: {name: rabbitmq}}
    spec:
      containers: [{name: rabbitmq, image: "rabbitmq:3.6.8"}]
---
apiVersion: v1
kind: Service
metadata: {name: rabbitmq}
spec: {selector: {name: rabbitmq}, ports: [{port: 5672}]}
"""
    r = read_k8s([write(tmp_path, "shop.yaml", manifest)])
    assert keys(r) == {("shipping", "rabbitmq"), ("rabbitmq", "queue-master")}


def test_sentry_kafka_has_its_consumers() -> None:
    folder = corpus("sentry-self-hosted")
    r = read_compose(
        [folder / "docker-compose.yml"], env_files=[folder / "dot-env.txt"], environ={}
    )
    fed = {t for s, t in keys(r) if s == "kafka"}
    assert len(fed) >= 30 and "snuba-errors-consumer" in fed and "attachments-consumer" in fed
    findings = analyze(r.model).findings
    assert not [f for f in findings if f.rule_id == "ASY-QUEUE-ORPHAN"]
    idle = {f.components[0] for f in findings if f.rule_id == "CST-IDLE"}
    assert not {c for c in idle if "consumer" in c}


# -- item 4: named volumes and state ------------------------------------------------------


def test_named_volume_is_state_only_for_data_stores(tmp_path: Path) -> None:
    text = """
services:
  nginx: {image: "nginx:1", volumes: ["nginx-cache:/var/cache/nginx"]}
  web: {image: "corp/web", volumes: ["data:/data"]}
  db: {image: "postgres:16", volumes: ["pgdata:/var/lib/postgresql/data"]}
  mystery: {image: "corp/thing", volumes: ["data:/data"]}
volumes: {nginx-cache: {}, data: {}, pgdata: {}}
"""
    m = read_compose([write(tmp_path, "compose.yaml", text)], environ={}).model
    assert m.component("nginx").stateful is None
    assert m.component("web").stateful is None
    assert m.component("db").stateful is True
    # the kind is unknown: the volume is the only evidence, so it counts
    assert m.component("mystery").stateful is True


# -- item 5: the same object twice ---------------------------------------------------------

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {{name: frontend{ns}}}
spec:
  selector: {{matchLabels: {{app: frontend}}}}
  template:
    metadata: {{labels: {{app: frontend}}}}
    spec:
      containers: [{{name: server, image: corp/frontend, env: [{{name: CART, value: "cart:80"}}]}}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: cart}}
spec:
  selector: {{matchLabels: {{app: cart}}}}
  template:
    metadata: {{labels: {{app: cart}}}}
    spec:
      containers: [{{name: server, image: corp/cart}}]
---
apiVersion: v1
kind: Service
metadata: {{name: cart}}
spec: {{selector: {{app: cart}}, ports: [{{port: 80}}]}}
"""


def test_object_defined_twice_is_one_component(tmp_path: Path) -> None:
    a = write(tmp_path, "all.yaml", DEPLOYMENT.format(ns=""))
    b = write(tmp_path, "frontend.yaml", DEPLOYMENT.format(ns=", namespace: default"))
    r = read_k8s([a, b])
    assert sorted(c.id for c in r.model.components) == ["cart", "frontend"]
    assert keys(r) == {("frontend", "cart")}
    twice = [n.message for n in r.notes if "defined twice" in n.message]
    assert any(
        m.startswith("Deployment 'frontend' (namespace default) is defined twice")
        and f"{a}:4" in m
        and f"{b}:4" in m
        for m in twice
    )


def test_online_boutique_folder_has_no_doubles() -> None:
    r = read_sources(collect([corpus("online-boutique")]), ImportOptions())[0]
    ids = [c.id for c in r.model.components]
    assert not [i for i in ids if i.endswith(".default")]
    assert ids.count("frontend") == 1
    assert ("cartservice", "redis-cart") in keys(r)


# -- items 6 and 7: Structurizr people and parts -------------------------------------------

WORKSPACE = """workspace {
  model {
    customer = person "Customer"
    mail = softwareSystem "Mail"
    shop = softwareSystem "Shop" {
      spa = container "SPA" "" "JavaScript" "Web Browser"
      api = container "API" {
        orders = component "Orders Controller"
        mailer = component "Mailer"
      }
      web = container "Web App"
    }
    customer -> spa "Uses"
    spa -> orders "Calls"
    orders -> mailer "Uses"
    mailer -> mail "Sends e-mail using"
    mail -> customer "Sends e-mails to"
    web -> spa "Delivers to the customer's web browser"
    customer -> web "Visits"
    live = deploymentEnvironment "Live" {
      deploymentNode "api-server" "" "Ubuntu" "" 8 {
        containerInstance api
      }
    }
  }
}
"""


def test_links_into_people_are_not_dependencies(tmp_path: Path) -> None:
    r = read_structurizr(write(tmp_path, "workspace.dsl", WORKSPACE))
    got = keys(r)
    assert ("mail", "customer") not in got and ("web-app", "spa") not in got
    assert ("customer", "spa") in got and ("mailer", "mail") in got
    skipped = [n for n in r.notes if "into a person" in n.message]
    assert len(skipped) == 1 and "Sends e-mails to" in skipped[0].message
    assert not [f for f in analyze(r.model).findings if f.rule_id == "CPL-CYCLE"]


def test_components_inherit_the_container_instances(tmp_path: Path) -> None:
    r = read_structurizr(write(tmp_path, "workspace.dsl", WORKSPACE))
    assert r.model.component("orders-controller").replicas == 8
    assert r.model.component("mailer").replicas == 8
    # never deployed: the importer says nothing about its replicas
    assert "replicas" not in r.model.component("web-app").model_fields_set


def test_big_bank_has_no_cycle_through_the_customer() -> None:
    r = read_structurizr(corpus("structurizr-bigbank", "workspace.dsl"))
    findings = analyze(r.model).findings
    assert not [f for f in findings if f.rule_id == "CPL-CYCLE"]
    single = {f.components[0] for f in findings if f.rule_id == "SPOF-SINGLE"}
    assert not single & {"sign-in-controller", "security-component", "e-mail-component"}


# -- item 14: the load generator ------------------------------------------------------------

BOUTIQUE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec:
      containers: [{name: server, image: corp/frontend}]
---
apiVersion: v1
kind: Service
metadata: {name: frontend-external}
spec: {type: LoadBalancer, selector: {app: frontend}, ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: frontend}
spec: {selector: {app: frontend}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: traffic}
spec:
  selector: {matchLabels: {app: traffic}}
  template:
    metadata: {labels: {app: traffic}}
    spec:
      containers:
        - name: main
          image: "locustio/locust:2"
          env: [{name: FRONTEND_ADDR, value: "frontend:80"}]
"""


def test_load_generator_does_not_replace_the_users(tmp_path: Path) -> None:
    write(tmp_path, "shop.yaml", BOUTIQUE)
    r = read_sources(collect([tmp_path / "shop.yaml"]), ImportOptions())[0]
    assert ("users", "frontend") in keys(r)
    traffic = r.model.component("traffic")
    assert traffic.kind == Kind.CLIENT and "test-traffic" in traffic.tags
    assert traffic.peak_rps is None
    assert any("test traffic" in n.message for n in r.notes)
    facts = analyze(r.model).facts
    assert "users" in facts.entry_points


# -- item 15: product words beat generic words ---------------------------------------------


def test_sql_server_image_is_a_database(tmp_path: Path) -> None:
    assert infer_kind("mcr.microsoft.com/mssql/server", "db1")[:2] == (
        Kind.DATABASE,
        "SQL Server",
    )
    assert infer_kind("corp/server", "mssql")[0] == Kind.DATABASE
    assert infer_kind("corp/api", "orders-app")[0] == Kind.SERVICE
    text = """
services:
  mssql: {image: mcr.microsoft.com/mssql/server}
  api:
    image: corp/api
    environment: {CONN: "Server=mssql;Database=x"}
"""
    r = read_compose([write(tmp_path, "ms.yml", text)], environ={})
    assert r.model.component("mssql").kind == Kind.DATABASE


# -- item 18: the import summary -------------------------------------------------------------

MODEL_A = (
    "archrev: 1\nsystem: {id: a}\ncomponents:\n"
    "  x: {kind: service, links: [y]}\n  y: {kind: database}\n"
)
MODEL_B = "archrev: 1\nsystem: {id: b}\ncomponents:\n  p: {kind: service}\n"


def test_each_system_names_its_own_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a, b = write(tmp_path, "a.yaml", MODEL_A), write(tmp_path, "b.yaml", MODEL_B)
    db = tmp_path / "w.db"
    assert main(["import", str(a), str(b), "--db", str(db), "-q"]) == 0
    out = capsys.readouterr().out.splitlines()
    heads = [line for line in out if "into a new system" in line]
    assert f"imported {a} into a new system 'a'" in heads[0] and str(b) not in heads[0]
    assert f"imported {b} into a new system 'b'" in heads[1] and str(a) not in heads[1]
    with Workspace(db) as ws:
        row = ws.conn.execute("SELECT sources FROM import_reports WHERE system_id = 'b'").fetchone()
    assert json.loads(row[0]) == [str(b)]


def test_unchanged_replace_reports_no_change(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    a = write(tmp_path, "a.yaml", MODEL_A)
    db = tmp_path / "w.db"
    assert main(["import", str(a), "--db", str(db), "-q"]) == 0
    capsys.readouterr()
    assert main(["import", str(a), "--db", str(db), "--replace", "-q"]) == 0
    out = capsys.readouterr().out
    assert "components: 0 added, 0 changed, 0 removed" in out
    assert "links: 0 added, 0 changed, 0 removed" in out
    assert "  + " not in out


def test_links_of_a_pruned_component_are_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    before = write(
        tmp_path,
        "c.yml",
        "services:\n  web: {image: nginx, depends_on: [api]}\n  api:\n    image: corp/api\n"
        "    environment: {CONN: 'Server=mssql;Database=x'}\n"
        "  mssql: {image: mcr.microsoft.com/mssql/server}\n",
    )
    db = tmp_path / "w.db"
    assert main(["import", str(before), "--db", str(db), "--system", "shop", "-q"]) == 0
    with Workspace(db) as ws:
        ws.add_link("shop", Link(source="web", target="mssql"))  # drawn by hand
    write(
        tmp_path,
        "c.yml",
        "services:\n  web: {image: nginx, depends_on: [api]}\n  api: {image: corp/api}\n",
    )
    capsys.readouterr()
    assert main(["import", str(before), "--db", str(db), "--system", "shop", "--prune", "-q"]) == 0
    out = capsys.readouterr().out
    assert "links: 0 added, 0 changed, 2 removed" in out
    assert "  - api -> mssql" in out and "  - web -> mssql" in out
    assert "  - mssql" in out


# -- item 20: messages ----------------------------------------------------------------------


def test_unterminated_dsl_string_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "w.dsl", 'workspace {\n  model {\n    u = person "User\n  }\n}\n')
    with pytest.raises(InputFileError) as err:
        read_structurizr(path)
    problem = err.value.problems[0]
    assert problem.line == 3 and "unterminated string" in problem.message
    assert "needs a name" not in problem.message


def test_compose_multi_document_wording(tmp_path: Path) -> None:
    path = write(tmp_path, "c.yml", "services: {a: {image: x}}\n---\nservices: {b: {image: y}}\n")
    with pytest.raises(InputFileError) as err:
        read_compose([path], environ={})
    message = err.value.problems[0].message
    assert "a compose file holds one" in message and "model file" not in message
