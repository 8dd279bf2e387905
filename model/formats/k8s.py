"""Kubernetes manifests -> a system model.

Every workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod) becomes a
component; an Ingress becomes a gateway component in front of the workloads it routes to.
Services are not components: they are the names workloads call each other by, so a Service
maps to the workloads its selector picks (by labels), and a reference to the Service in any
DNS form (`svc`, `svc:port`, `svc.ns`, `svc.ns.svc.cluster.local`, a URL) becomes a link to
those workloads. Environment values are read from `env` (also `valueFrom.configMapKeyRef`),
`envFrom` ConfigMaps, `command` and `args`.
A Redis-family workload that every workload refers to as a message broker is a queue, not a
cache (messaging.settle_brokers).

Replicas come from the workload, autoscaling from HorizontalPodAutoscalers (autoscaling/v1
and v2), zones from topology spread constraints and zone anti-affinity, stateful from
StatefulSets and persistent volume claims. LoadBalancer and NodePort Services and Ingresses
are entry points. NetworkPolicy ingress rules add links only when asked (`netpol=True`):
they say who may call, which is not always who does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrev.model.errors import InputFileError
from archrev.model.formats import ImportNote, ImportResult, Origin
from archrev.model.formats.kinds import image_technology, infer_kind, is_redis_family
from archrev.model.formats.messaging import (
    StoreUse,
    broker_flag_hosts,
    job_queue_program,
    judge_use,
    orient_messaging,
    settle_brokers,
)
from archrev.model.formats.references import ASYNC_SCHEMES, find_hosts, is_local
from archrev.model.located_yaml import YamlMap, load_all_located, read_text
from archrev.model.types import (
    Autoscaling,
    Component,
    Kind,
    Link,
    Mode,
    System,
    SystemModel,
    is_valid_id,
    slugify,
)

WORKLOAD_KINDS = frozenset(
    {
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "Pod",
        "DeploymentConfig",
    }
)
HANDLED_KINDS = WORKLOAD_KINDS | {
    "Service",
    "Ingress",
    "HorizontalPodAutoscaler",
    "PodDisruptionBudget",
    "NetworkPolicy",
    "ConfigMap",
}
# Kinds that say nothing about the component graph; read and passed over without a note.
QUIET_KINDS = frozenset(
    {
        "Namespace",
        "ServiceAccount",
        "Role",
        "RoleBinding",
        "ClusterRole",
        "ClusterRoleBinding",
        "Secret",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "StorageClass",
        "CustomResourceDefinition",
        "LimitRange",
        "ResourceQuota",
        "PriorityClass",
        "Endpoints",
        "EndpointSlice",
    }
)
_GENERIC_FOLDERS = frozenset(
    {
        "kubernetes-manifests",
        "manifests",
        "k8s",
        "kubernetes",
        "deploy",
        "deployment",
        "base",
        "release",
        "kube",
        "yaml",
    }
)
ZONE_KEYS = frozenset({"topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"})
# Environment keys whose values are names or secrets, never a host.
_NOT_HOST_SUFFIXES = (
    "USER",
    "USERNAME",
    "PASSWORD",
    "NAME",
    "DATABASE",
    "SECRET",
    "TOKEN",
    "KEY",
    "ID",
    "TOPIC",
    "PATH",
    "LEVEL",
    "MODE",
    "VERSION",
)


@dataclass
class _Doc:
    body: YamlMap
    file: str

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", ""))

    @property
    def meta(self) -> Mapping[str, Any]:
        meta = self.body.get("metadata")
        return meta if isinstance(meta, Mapping) else {}

    @property
    def name(self) -> str:
        return str(self.meta.get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.meta.get("namespace") or "default")

    def origin(self, value: Any = None) -> Origin:
        mark = getattr(value, "mark", None) or self.body.mark
        return Origin(self.file, mark[0])

    def name_origin(self) -> Origin:
        meta = self.body.get("metadata")
        if isinstance(meta, YamlMap) and "name" in meta:
            return Origin(self.file, meta.key_mark("name")[0])
        return self.origin()


@dataclass
class _Workload:
    doc: _Doc
    cid: str
    labels: dict[str, str]
    pod: Mapping[str, Any]
    pod_node: Any
    data: dict[str, Any] = field(default_factory=dict)


def _get(value: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _selects(selector: Any, labels: Mapping[str, str]) -> bool:
    """A label selector (plain map or matchLabels/matchExpressions) against pod labels."""
    if not isinstance(selector, Mapping):
        return False
    if "matchLabels" in selector or "matchExpressions" in selector:
        match = selector.get("matchLabels") or {}
        exprs = selector.get("matchExpressions") or []
    else:
        match, exprs = selector, []
    if not match and not exprs:
        return True  # an empty selector selects everything
    for key, value in match.items():
        if str(labels.get(str(key))) != str(value) or str(key) not in labels:
            return False
    for expr in exprs:
        if not isinstance(expr, Mapping):
            continue
        key, op = str(expr.get("key")), str(expr.get("operator"))
        values = {str(v) for v in expr.get("values") or []}
        present = key in labels
        if op == "In" and (not present or labels[key] not in values):
            return False
        if op == "NotIn" and present and labels[key] in values:
            return False
        if op == "Exists" and not present:
            return False
        if op == "DoesNotExist" and present:
            return False
    return True


def load_documents(paths: Sequence[Path]) -> list[_Doc]:
    docs: list[_Doc] = []
    for path in paths:
        for body in load_all_located(read_text(path), str(path)):
            if body is None:
                continue
            if isinstance(body, YamlMap) and body.get("kind") == "List":
                for item in body.get("items") or []:
                    if isinstance(item, YamlMap):
                        docs.append(_Doc(item, str(path)))
                continue
            if not isinstance(body, YamlMap):
                raise InputFileError.single(
                    path,
                    "a Kubernetes manifest is a mapping with apiVersion and kind",
                    *getattr(body, "mark", (0, 0)),
                )
            docs.append(_Doc(body, str(path)))
    return docs


def read_k8s(
    paths: Sequence[str | Path], *, netpol: bool = False, system_id: str | None = None
) -> ImportResult:
    """Manifests (multi-document files) as a system model with an import report."""
    files = [Path(p) for p in paths]
    if not files:
        raise InputFileError.single("manifests", "no manifest file given")
    docs = load_documents(files)
    builder = _Builder(docs, netpol)
    builder.build()
    if not builder.workloads and not builder.ingresses:
        raise InputFileError.single(
            files[0],
            "no workload (Deployment, StatefulSet, DaemonSet, Job, ...) found; nothing to import",
        )
    namespaces = sorted({w.doc.namespace for w in builder.workloads.values()})
    if len(namespaces) == 1 and namespaces[0] != "default":
        default_name = namespaces[0]
    else:
        folder = Path(os.path.commonpath([f.resolve().parent for f in files]))
        # "online-boutique/kubernetes-manifests/*.yaml" is the online-boutique system.
        while folder.name in _GENERIC_FOLDERS and folder.parent != folder:
            folder = folder.parent
        default_name = folder.name or "kubernetes"
    sid = system_id or slugify(default_name)
    model = SystemModel(
        system=System(id=sid, name=default_name),
        components=builder.components,
        links=list(builder.links.values()),
    )
    result = ImportResult(
        model=model,
        format="k8s",
        components=builder.component_origins,
        links=builder.link_origins,
        notes=builder.notes,
    )
    settle_brokers(result, builder.stores, builder.uses)
    orient_messaging(result, builder.guess_texts())
    return result


class _Builder:
    def __init__(self, docs: list[_Doc], netpol: bool) -> None:
        self.docs = docs
        self.netpol = netpol
        self.notes: list[ImportNote] = []
        self.workloads: dict[str, _Workload] = {}
        self.ingresses: list[str] = []
        self.components: list[Component] = []
        self.component_origins: dict[str, Origin] = {}
        self.links: dict[tuple[str, str], Link] = {}
        self.link_origins: dict[tuple[str, str], Origin] = {}
        self.services: dict[tuple[str, str], list[str]] = {}  # (ns, name) -> component ids
        self.service_docs: dict[tuple[str, str], _Doc] = {}
        self.configmaps: dict[tuple[str, str], Mapping[str, Any]] = {}
        self.namespaces: set[str] = set()
        self.kinds: dict[str, Kind] = {}
        # Redis-family workloads and what each reference to them says of its use: a broker
        # or something else (messaging.settle_brokers).
        self.stores: set[str] = set()
        self.uses: list[StoreUse] = []

    def note(self, kind: Any, message: str, origin: Origin) -> None:
        self.notes.append(ImportNote(kind, message, origin))

    def guess_texts(self) -> dict[str, str]:
        """Per workload, the words that tell a consumer from a producer: its name and its
        containers' names, commands and arguments."""
        return {cid: self._guess_text(w) for cid, w in self.workloads.items()}

    def _guess_text(self, workload: _Workload) -> str:
        words = [workload.doc.name]
        for container in self._containers(workload):
            words.append(str(container.get("name", "")))
            words.extend(self._command_words(container))
        return " ".join(words)

    @staticmethod
    def _command_words(container: Mapping[str, Any]) -> list[str]:
        words: list[str] = []
        for key in ("command", "args"):
            items = container.get(key)
            if isinstance(items, list):
                words.extend(v for v in items if isinstance(v, str))
        return words

    def _unique_id(self, name: str, namespace: str) -> str:
        base = name if is_valid_id(name) else slugify(name)
        taken = {w.cid for w in self.workloads.values()} | set(self.ingresses)
        if base in taken:
            base = f"{base}.{namespace}"
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        return candidate

    def _drop_duplicates(self) -> None:
        """One object per (apiVersion group, kind, namespace, name), as `kubectl apply` keeps
        it: a folder holding both the all-in-one file and the per-service files defines
        every object twice, which is one object, not two components."""
        first: dict[tuple[str, str, str], _Doc] = {}
        again: dict[tuple[str, str, str], list[_Doc]] = {}
        kept: list[_Doc] = []
        for doc in self.docs:
            if not doc.kind or not doc.name or "apiVersion" not in doc.body:
                kept.append(doc)
                continue
            key = (doc.kind, doc.namespace, doc.name)
            if key in first:
                again.setdefault(key, []).append(doc)
                continue
            first[key] = doc
            kept.append(doc)
        self.docs = kept
        for key, docs in again.items():
            original = first[key]
            where = ", ".join(str(d.name_origin()) for d in [original, *docs])
            times = "twice" if len(docs) == 1 else f"{len(docs) + 1} times"
            self.note(
                "info",
                f"{key[0]} '{key[2]}' (namespace {key[1]}) is defined {times} ({where}); "
                "it is one object: the first was kept",
                docs[0].name_origin(),
            )

    def build(self) -> None:
        self._drop_duplicates()
        skipped: dict[str, list[_Doc]] = {}
        for doc in self.docs:
            kind = doc.kind
            if not kind or "apiVersion" not in doc.body:
                self.note(
                    "skipped",
                    "a document without apiVersion and kind is not a Kubernetes object; "
                    "it was skipped",
                    doc.origin(),
                )
                continue
            self.namespaces.add(doc.namespace)
            if kind in WORKLOAD_KINDS:
                self._workload(doc)
            elif kind == "ConfigMap":
                data = doc.body.get("data")
                self.configmaps[(doc.namespace, doc.name)] = (
                    data if isinstance(data, Mapping) else {}
                )
            elif kind not in HANDLED_KINDS and kind not in QUIET_KINDS:
                skipped.setdefault(kind, []).append(doc)
        for kind, group in sorted(skipped.items()):
            self.note(
                "skipped",
                f"{len(group)} {kind} object(s) are not part of the component graph and were "
                "skipped",
                group[0].origin(),
            )
        for doc in self.docs:
            if doc.kind == "Service":
                self._service(doc)
        for doc in self.docs:
            if doc.kind == "HorizontalPodAutoscaler":
                self._hpa(doc)
            elif doc.kind == "PodDisruptionBudget":
                self._pdb(doc)
        for workload in self.workloads.values():
            component = self._component(workload)
            self.components.append(component)
            self.kinds[workload.cid] = component.kind
        for doc in self.docs:
            if doc.kind == "Ingress":
                self._ingress(doc)
        for workload in self.workloads.values():
            self._references(workload)
        if self.netpol:
            for doc in self.docs:
                if doc.kind == "NetworkPolicy":
                    self._network_policy(doc)

    # -- workloads ---------------------------------------------------------------------

    def _workload(self, doc: _Doc) -> None:
        spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), Mapping) else {}
        if doc.kind == "CronJob":
            template = _get(spec, "jobTemplate", "spec", "template")
        elif doc.kind == "Pod":
            template = {"metadata": doc.meta, "spec": spec}
        else:
            template = spec.get("template")
        pod = _get(template, "spec") or {}
        labels = {str(k): str(v) for k, v in (_get(template, "metadata", "labels") or {}).items()}
        cid = self._unique_id(doc.name, doc.namespace)
        workload = _Workload(doc, cid, labels, pod, _get(template, "spec"))
        self.workloads[cid] = workload
        data = workload.data
        replicas = spec.get("replicas")
        if doc.kind in ("Deployment", "StatefulSet", "ReplicaSet", "DeploymentConfig"):
            data["replicas"] = replicas if isinstance(replicas, int) and replicas >= 0 else 1
        elif doc.kind == "Job":
            parallel = spec.get("parallelism")
            data["replicas"] = parallel if isinstance(parallel, int) and parallel >= 0 else 1
        tags: list[str] = [doc.kind.lower()]
        if doc.namespace != "default":
            tags.append(f"namespace:{doc.namespace}")
        data["tags"] = tags
        stateful = doc.kind == "StatefulSet"
        volumes = pod.get("volumes") if isinstance(pod, Mapping) else None
        if isinstance(volumes, list) and any(
            isinstance(v, Mapping) and "persistentVolumeClaim" in v for v in volumes
        ):
            stateful = True
        if spec.get("volumeClaimTemplates"):
            stateful = True
        if stateful:
            data["stateful"] = True
        zones = self._zones(pod)
        if zones:
            data["zones"] = zones

    @staticmethod
    def _zones(pod: Any) -> int:
        """Zones the pods are spread over: 3 when a spread constraint or anti-affinity asks
        for zones (the usual region has three), else 0 (unknown)."""
        if not isinstance(pod, Mapping):
            return 0
        for constraint in pod.get("topologySpreadConstraints") or []:
            if isinstance(constraint, Mapping) and constraint.get("topologyKey") in ZONE_KEYS:
                return 3
        anti = _get(pod, "affinity", "podAntiAffinity") or {}
        for rule_set in anti.values() if isinstance(anti, Mapping) else []:
            for rule in rule_set or []:
                term = rule.get("podAffinityTerm", rule) if isinstance(rule, Mapping) else {}
                if isinstance(term, Mapping) and term.get("topologyKey") in ZONE_KEYS:
                    return 3
        return 0

    def _containers(self, workload: _Workload) -> list[Mapping[str, Any]]:
        pod = workload.pod if isinstance(workload.pod, Mapping) else {}
        result = []
        for key in ("initContainers", "containers"):
            for container in pod.get(key) or []:
                if isinstance(container, Mapping):
                    result.append(container)
        return result

    def _component(self, workload: _Workload) -> Component:
        doc = workload.doc
        containers = (
            [c for c in (workload.pod.get("containers") or []) if isinstance(c, Mapping)]
            if isinstance(workload.pod, Mapping)
            else []
        )
        image = str(containers[0].get("image", "")) if containers else ""
        kind, technology, known = infer_kind(image, doc.name)
        if doc.kind in ("Job", "CronJob") and kind == Kind.SERVICE:
            kind, known = Kind.WORKER, True
        if kind == Kind.CACHE and is_redis_family(image, doc.name):
            self.stores.add(workload.cid)  # a cache or a broker: the references will tell
        if not known:
            self.note(
                "unknown",
                f"{doc.kind} '{doc.name}': the kind could not be inferred from the image "
                f"{image!r} or the name; it is imported as a service",
                doc.name_origin(),
            )
        data = dict(workload.data)
        data.update(id=workload.cid, kind=kind, technology=image_technology(image) or technology)
        if workload.cid != doc.name:
            data["name"] = doc.name
        probes = any(c.get("readinessProbe") or c.get("livenessProbe") for c in containers)
        if probes:
            data["tags"] = [*data["tags"], "healthcheck"]
        self.component_origins[workload.cid] = doc.name_origin()
        return Component.model_validate(data)

    # -- services, autoscalers, budgets ------------------------------------------------

    def _service(self, doc: _Doc) -> None:
        spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), Mapping) else {}
        key = (doc.namespace, doc.name)
        self.service_docs[key] = doc
        selector = spec.get("selector")
        if spec.get("type") == "ExternalName":
            self.services[key] = []
            return
        if not isinstance(selector, Mapping) or not selector:
            self.services[key] = []
            self.note(
                "unresolved",
                f"Service '{doc.name}' has no selector (its endpoints are managed by hand); "
                "calls to it cannot be traced to a workload",
                doc.name_origin(),
            )
            return
        targets = [
            w.cid
            for w in self.workloads.values()
            if w.doc.namespace == doc.namespace and _selects(selector, w.labels)
        ]
        self.services[key] = targets
        if not targets:
            self.note(
                "unresolved",
                f"Service '{doc.name}' selects no workload (selector "
                f"{dict(selector)}); nothing answers on it",
                doc.origin(selector),
            )
            return
        if spec.get("type") in ("LoadBalancer", "NodePort"):
            for cid in targets:
                tags = self.workloads[cid].data["tags"]
                if "entry-point" not in tags:
                    tags.append("entry-point")

    def _target(self, doc: _Doc, ref: Any) -> _Workload | None:
        if not isinstance(ref, Mapping):
            return None
        name, kind = str(ref.get("name", "")), str(ref.get("kind", ""))
        for workload in self.workloads.values():
            if (
                workload.doc.name == name
                and workload.doc.kind == kind
                and workload.doc.namespace == doc.namespace
            ):
                return workload
        return None

    def _hpa(self, doc: _Doc) -> None:
        spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), Mapping) else {}
        ref = spec.get("scaleTargetRef")
        workload = self._target(doc, ref)
        if workload is None:
            what = (
                f"{_get(ref, 'kind')} '{_get(ref, 'name')}'"
                if isinstance(ref, Mapping)
                else ("nothing")
            )
            self.note(
                "unresolved",
                f"HorizontalPodAutoscaler '{doc.name}' targets {what}, which does not exist",
                doc.origin(ref),
            )
            return
        low = spec.get("minReplicas", 1)
        high = spec.get("maxReplicas")
        metric = "cpu"
        metrics = spec.get("metrics")
        if isinstance(metrics, list) and metrics and isinstance(metrics[0], Mapping):
            first = metrics[0]
            kind = str(first.get("type", "Resource"))
            inner = first.get(kind[0].lower() + kind[1:]) if kind else None
            name = _get(inner, "name") or _get(inner, "metric", "name")
            metric = str(name or kind).lower()
        try:
            workload.data["autoscaling"] = Autoscaling(
                min=low if isinstance(low, int) else 1,
                max=high if isinstance(high, int) else None,
                metric=metric,
            )
        except ValueError as exc:
            self.note("unresolved", f"HorizontalPodAutoscaler '{doc.name}': {exc}", doc.origin())

    def _pdb(self, doc: _Doc) -> None:
        spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), Mapping) else {}
        selected = [
            w
            for w in self.workloads.values()
            if w.doc.namespace == doc.namespace and _selects(spec.get("selector"), w.labels)
        ]
        if not selected:
            self.note(
                "unresolved",
                f"PodDisruptionBudget '{doc.name}' selects no workload",
                doc.origin(),
            )
        for workload in selected:
            for key in ("minAvailable", "maxUnavailable"):
                if key in spec:
                    workload.data["tags"].append(f"pdb-{key}:{spec[key]}")

    # -- links -------------------------------------------------------------------------

    def _add_link(
        self,
        source: str,
        target: str,
        origin: Origin,
        scheme: str = "",
        use: tuple[bool | None, str] | None = None,
    ) -> None:
        if source == target:
            return
        if use is not None and target in self.stores:
            # Every reference counts, not only the first that makes the link.
            self.uses.append(StoreUse(source, target, use[0], use[1], origin))
        if (source, target) in self.links:
            return
        async_ = scheme in ASYNC_SCHEMES or self.kinds.get(target) in (Kind.QUEUE, Kind.STREAM)
        self.links[(source, target)] = Link(
            source=source,
            target=target,
            mode=Mode.ASYNC if async_ else Mode.SYNC,
            protocol=scheme,
        )
        self.link_origins[(source, target)] = origin

    def _service_for(self, host: str, namespace: str) -> tuple[str, str] | None:
        """The Service a host name means in `namespace`, in any of its DNS forms."""
        labels = host.lower().rstrip(".").split(".")
        if labels[-3:] == ["svc", "cluster", "local"]:
            labels = labels[:-3]
        elif labels[-1:] == ["svc"]:
            labels = labels[:-1]
        if len(labels) == 1:
            return (namespace, labels[0])
        if len(labels) == 2:
            return (labels[1], labels[0])
        return None

    def _looks_in_cluster(self, host: str) -> bool:
        if is_local(host):
            return False
        labels = host.lower().rstrip(".").split(".")
        if host.lower().endswith((".svc", ".svc.cluster.local")):
            return True
        return len(labels) == 1 or (len(labels) == 2 and labels[1] in self.namespaces)

    def _env_values(self, workload: _Workload) -> list[tuple[str, str, Origin]]:
        doc = workload.doc
        values: list[tuple[str, str, Origin]] = []
        for container in self._containers(workload):
            env = container.get("env")
            for item in env if isinstance(env, list) else []:
                if not isinstance(item, Mapping):
                    continue
                name = str(item.get("name", ""))
                if isinstance(item.get("value"), str):
                    values.append((name, item["value"], doc.origin(item)))
                ref = _get(item, "valueFrom", "configMapKeyRef")
                if isinstance(ref, Mapping):
                    data = self.configmaps.get((doc.namespace, str(ref.get("name"))))
                    if data is None:
                        if not ref.get("optional"):
                            self.note(
                                "unresolved",
                                f"{doc.kind} '{doc.name}' reads {name} from ConfigMap "
                                f"'{ref.get('name')}', which is not in the manifests",
                                doc.origin(item),
                            )
                    elif isinstance(data.get(str(ref.get("key"))), str):
                        values.append((name, data[str(ref.get("key"))], doc.origin(item)))
            for source in container.get("envFrom") or []:
                ref = _get(source, "configMapRef")
                if not isinstance(ref, Mapping):
                    continue
                data = self.configmaps.get((doc.namespace, str(ref.get("name"))))
                if data is None:
                    if not ref.get("optional"):
                        self.note(
                            "unresolved",
                            f"{doc.kind} '{doc.name}' reads its environment from ConfigMap "
                            f"'{ref.get('name')}', which is not in the manifests",
                            doc.origin(source),
                        )
                    continue
                for key, value in data.items():
                    if isinstance(value, str):
                        values.append((str(key), value, doc.origin(source)))
            for key in ("command", "args"):
                items = container.get(key)
                for value in items if isinstance(items, list) else []:
                    if isinstance(value, str):
                        values.append(("", value, doc.origin(items)))
        return values

    def _references(self, workload: _Workload) -> None:
        doc = workload.doc
        program = job_queue_program(self._guess_text(workload))
        # `args: ["--broker", "redis://redis:6379/0"]`: the option and its value are two items.
        flag_hosts = broker_flag_hosts(
            [w for c in self._containers(workload) for w in self._command_words(c)]
        )
        for key, value, origin in self._env_values(workload):
            bare = not key.upper().endswith(_NOT_HOST_SUFFIXES)
            for ref in find_hosts(value, bare_words=bare):
                service = self._service_for(ref.host, doc.namespace)
                if service is not None and service in self.services:
                    use = (
                        judge_use("environment", variable=key, program=program)
                        if key
                        else judge_use(
                            "command", broker_flag=ref.host in flag_hosts, program=program
                        )
                    )
                    for target in self.services[service]:
                        self._add_link(workload.cid, target, origin, ref.scheme, use)
                    continue
                if ref.form == "name" and value.strip() != ref.host:
                    continue  # a word in a longer value: only counts when it names a Service
                cluster_dns = ref.host.lower().endswith((".svc", ".svc.cluster.local"))
                if (
                    ref.form == "name"
                    and not cluster_dns
                    and not key.upper().endswith(
                        ("HOST", "ADDR", "ADDRESS", "SERVER", "URL", "ENDPOINT", "SERVICE")
                    )
                ):
                    continue
                if cluster_dns or self._looks_in_cluster(ref.host):
                    where = f"environment {key}" if key else "its command"
                    self.note(
                        "unresolved",
                        f"{doc.kind} '{doc.name}' refers (in {where}) to '{ref.host}', "
                        "which is no Service in the manifests",
                        origin,
                    )

    def _ingress(self, doc: _Doc) -> None:
        spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), Mapping) else {}
        backends: list[tuple[str, Any]] = []
        default = spec.get("defaultBackend") or spec.get("backend")
        if isinstance(default, Mapping):
            backends.append((self._backend_name(default), default))
        for rule in spec.get("rules") or []:
            for path in _get(rule, "http", "paths") or []:
                backend = _get(path, "backend")
                if isinstance(backend, Mapping):
                    backends.append((self._backend_name(backend), backend))
        cid = self._unique_id(doc.name, doc.namespace)
        self.ingresses.append(cid)
        hosts = [
            str(r.get("host"))
            for r in spec.get("rules") or []
            if isinstance(r, Mapping) and r.get("host")
        ]
        tags = ["ingress", "entry-point", *(f"host:{h}" for h in hosts)]
        fields: dict[str, Any] = {
            "id": cid,
            "kind": Kind.GATEWAY,
            "technology": str(spec.get("ingressClassName") or "Ingress"),
            "tags": tags,
        }
        if cid != doc.name:  # only set what the source says: a re-import keeps your name
            fields["name"] = doc.name
        component = Component.model_validate(fields)
        self.components.append(component)
        self.component_origins[cid] = doc.name_origin()
        self.kinds[cid] = Kind.GATEWAY
        for name, backend in backends:
            targets = self.services.get((doc.namespace, name))
            if not targets:
                self.note(
                    "unresolved",
                    f"Ingress '{doc.name}' routes to Service '{name}', which "
                    + ("selects no workload" if targets is not None else "is not in the manifests"),
                    doc.origin(backend),
                )
                continue
            for target in targets:
                self._add_link(cid, target, doc.origin(backend), "http")

    @staticmethod
    def _backend_name(backend: Mapping[str, Any]) -> str:
        return str(_get(backend, "service", "name") or backend.get("serviceName") or "")

    def _network_policy(self, doc: _Doc) -> None:
        spec = doc.body.get("spec") if isinstance(doc.body.get("spec"), Mapping) else {}
        pods = [
            w
            for w in self.workloads.values()
            if w.doc.namespace == doc.namespace and _selects(spec.get("podSelector"), w.labels)
        ]
        rules = spec.get("ingress") or []
        if not rules:
            return  # a default-deny policy: it allows nothing, so it adds no link
        if not pods:
            self.note(
                "unresolved",
                f"NetworkPolicy '{doc.name}' applies to no workload (podSelector "
                f"{dict(spec.get('podSelector') or {})})",
                doc.origin(spec.get("podSelector")),
            )
            return
        for rule in rules:
            for peer in _get(rule, "from") or []:
                selector = _get(peer, "podSelector")
                if not isinstance(selector, Mapping):
                    continue
                sources = [
                    w
                    for w in self.workloads.values()
                    if w.doc.namespace == doc.namespace and _selects(selector, w.labels)
                ]
                if not sources:
                    self.note(
                        "unresolved",
                        f"NetworkPolicy '{doc.name}' allows calls from pods matching "
                        f"{dict(selector)}, and no workload matches",
                        doc.origin(selector),
                    )
                for source in sources:
                    for target in pods:
                        self._add_link(source.cid, target.cid, doc.origin(selector))
