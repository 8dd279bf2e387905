"""Kubernetes manifests import: selectors, DNS forms, autoscalers, policies, the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from archrev.model.errors import InputFileError
from archrev.model.formats.k8s import read_k8s
from archrev.model.types import Kind

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec:
      topologySpreadConstraints:
        - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}
      containers:
        - name: web
          image: example/web:1
          envFrom: [{configMapRef: {name: web-config}}]
          env:
            - {name: API, value: "http://api.shop.svc.cluster.local:8080/v1"}
            - name: CACHE_HOST
              valueFrom: {configMapKeyRef: {name: web-config, key: cache}}
            - {name: GHOST_ADDR, value: "ghost:9000"}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: shop}
data:
  cache: cache
  SEARCH_URL: "search.shop:9200"
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api-v2, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api, version: v2}}
    spec:
      containers:
        - {name: api, image: example/api, args: ["--db=postgres://db.shop.svc:5432/x"]}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}, ports: [{port: 8080}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: pg, image: "postgres:16"}]}
  volumeClaimTemplates: [{metadata: {name: data}}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: shop}
spec:
  selector:
    matchExpressions: [{key: app, operator: In, values: [db]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: shop}
spec:
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: r, image: redis:7}]
      volumes: [{name: d, persistentVolumeClaim: {claimName: c}}]
---
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: shop}
spec: {selector: {app: cache}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: search, namespace: shop}
spec:
  template:
    metadata: {labels: {app: search}}
    spec: {containers: [{name: s, image: opensearchproject/opensearch}]}
---
apiVersion: v1
kind: Service
metadata: {name: search, namespace: shop}
spec: {selector: {app: search}}
---
apiVersion: v1
kind: Service
metadata: {name: orphan, namespace: shop}
spec: {selector: {app: nothing-here}}
---
apiVersion: v1
kind: Service
metadata: {name: web-lb, namespace: shop}
spec: {type: LoadBalancer, selector: {app: web}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: edge, namespace: shop}
spec:
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /api
            pathType: Prefix
            backend: {service: {name: api, port: {number: 8080}}}
          - path: /x
            pathType: Prefix
            backend: {service: {name: missing, port: {number: 80}}}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api-v2}
  minReplicas: 2
  maxReplicas: 8
  metrics:
    - type: Resource
      resource: {name: memory, target: {type: Utilization, averageUtilization: 70}}
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: shop}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 3
  maxReplicas: 12
  targetCPUUtilizationPercentage: 60
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: nope, namespace: shop}
spec:
  scaleTargetRef: {kind: Deployment, name: not-there}
  maxReplicas: 3
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: shop}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: nightly}}
        spec: {containers: [{name: j, image: example/report, command: [run, --api, "api:8080"]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-access, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: api}}
        - podSelector: {matchLabels: {app: nightly}}
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    path = tmp_path / "all.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    return path


def link_set(result) -> set[tuple[str, str]]:
    return {ln.key for ln in result.model.links}


def test_workloads_services_and_dns_forms(manifest: Path) -> None:
    r = read_k8s([manifest])
    ids = {c.id for c in r.model.components}
    assert ids == {"web", "api-v2", "db", "cache", "search", "nightly", "edge"}
    assert link_set(r) == {
        ("web", "api-v2"),  # api.shop.svc.cluster.local through the Service selector
        ("web", "cache"),  # configMapKeyRef
        ("web", "search"),  # envFrom, svc.ns form
        ("api-v2", "db"),  # db.shop.svc in a URL in args, matchExpressions selector
        ("edge", "api-v2"),  # Ingress backend
        ("nightly", "api-v2"),  # CronJob command
    }
    m = r.model
    web = m.component("web")
    assert web.replicas == 3 and web.zones == 3 and "entry-point" in web.tags
    assert web.autoscaling is not None and (web.autoscaling.min, web.autoscaling.max) == (3, 12)
    api = m.component("api-v2")
    assert api.autoscaling is not None
    assert (api.autoscaling.min, api.autoscaling.max, api.autoscaling.metric) == (2, 8, "memory")
    assert m.component("db").stateful is True and m.component("db").replicas == 2
    assert m.component("cache").stateful is True and m.component("cache").kind == Kind.CACHE
    assert m.component("nightly").kind == Kind.WORKER
    assert m.component("edge").kind == Kind.GATEWAY and "entry-point" in m.component("edge").tags
    assert set(r.components) == {c.id for c in m.components}
    assert set(r.links) == link_set(r)
    messages = " | ".join(n.message for n in r.notes if n.kind == "unresolved")
    assert "'ghost'" in messages
    assert "Service 'orphan' selects no workload" in messages
    assert "targets Deployment 'not-there'" in messages
    assert "Service 'missing'" in messages


def test_network_policies_only_when_asked(manifest: Path) -> None:
    without = read_k8s([manifest])
    with_policies = read_k8s([manifest], netpol=True)
    assert link_set(with_policies) - link_set(without) == {("nightly", "db")}


def test_not_a_workload_anywhere(tmp_path: Path) -> None:
    path = tmp_path / "cm.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="no workload"):
        read_k8s([path])


def test_malformed_manifest(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: {name: x\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"bad.yaml:\d+"):
        read_k8s([path])


def corpus(*parts: str) -> Path:
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus is not here)")
    return path


# Read from the env values of each Deployment in Online Boutique's manifests.
BOUTIQUE_LINKS = (
    {
        ("frontend", t)
        for t in (
            "productcatalogservice",
            "currencyservice",
            "cartservice",
            "recommendationservice",
            "shippingservice",
            "checkoutservice",
            "adservice",
        )
    }
    | {
        ("checkoutservice", t)
        for t in (
            "productcatalogservice",
            "shippingservice",
            "paymentservice",
            "emailservice",
            "currencyservice",
            "cartservice",
        )
    }
    | {
        ("recommendationservice", "productcatalogservice"),
        ("cartservice", "redis-cart"),
        ("loadgenerator", "frontend"),
    }
)


@pytest.mark.parametrize("which", ["folder", "release"])
def test_online_boutique(which: str) -> None:
    if which == "folder":
        files = sorted(corpus("online-boutique", "kubernetes-manifests").glob("*.yaml"))
    else:
        files = [corpus("online-boutique", "kubernetes-manifests.yaml")]
    r = read_k8s(files)
    assert len(r.model.components) == 12
    assert link_set(r) == BOUTIQUE_LINKS
    assert "entry-point" in r.model.component("frontend").tags  # frontend-external LoadBalancer
    assert r.model.component("redis-cart").kind == Kind.CACHE
    dangling = [n for n in r.notes if n.kind == "unresolved"]
    assert len(dangling) == 1
    assert "frontend" in dangling[0].message and "shoppingassistantservice" in dangling[0].message
    line = dangling[0].origin.line
    text = Path(dangling[0].origin.file).read_text().splitlines()
    assert "SHOPPING_ASSISTANT_SERVICE_ADDR" in text[line - 1]


def test_sock_shop_hpa_targets_a_missing_deployment() -> None:
    folder = corpus("sock-shop")
    files = [folder / "complete-demo.yaml", *sorted((folder / "autoscaling").glob("*.yaml"))]
    r = read_k8s(files)
    assert len(r.model.components) == 14
    assert r.model.system.id == "sock-shop"
    hpa_notes = [n for n in r.notes if "HorizontalPodAutoscaler" in n.message]
    assert len(hpa_notes) == 1
    assert "'cart'" in hpa_notes[0].message and "does not exist" in hpa_notes[0].message
    assert hpa_notes[0].origin.file.endswith("cart-hsc.yaml")
    # the other seven autoscalers found their Deployments
    scaled = {c.id for c in r.model.components if c.autoscaling is not None}
    assert scaled == {
        "catalogue",
        "front-end",
        "orders",
        "payment",
        "queue-master",
        "shipping",
        "user",
    }
    assert link_set(r) == {("user", "user-db")}
    assert "entry-point" in r.model.component("front-end").tags  # NodePort


def test_sock_shop_network_policies() -> None:
    folder = corpus("sock-shop")
    files = [folder / "complete-demo.yaml", *sorted((folder / "manifests-policy").glob("*.yaml"))]
    r = read_k8s(files, netpol=True)
    assert link_set(r) == {
        ("user", "user-db"),
        ("front-end", "catalogue"),
        ("catalogue", "catalogue-db"),
        ("front-end", "orders"),
        ("orders", "orders-db"),
        ("orders", "payment"),
        ("shipping", "rabbitmq"),
        # queue-master drains the queue: messages flow rabbitmq -> queue-master (QA item 3)
        ("rabbitmq", "queue-master"),
        ("orders", "shipping"),
        ("front-end", "user"),
        ("orders", "user"),
    }
    # the cart policies select pods labelled name=cart, but the pods are name=carts
    assert any("cart-access" in n.message for n in r.notes)
