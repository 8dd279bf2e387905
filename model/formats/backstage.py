"""Backstage software catalog (`catalog-info.yaml`, several entities per file) -> a model.

Components and Resources become components; an API is the contract between them, so
`consumesApis: [X]` becomes a link from the consumer to every component that provides X
(`providesApis` on the component or `apiProvidedBy` on the API). `dependsOn` and
`dependencyOf` become links. The owner, the lifecycle (as a tag; `deprecated` marks the
component deprecated) and the system (as the group) come along. Entity references follow
the catalog's form `[kind:][namespace/]name`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archrev.model.errors import InputFileError
from archrev.model.formats import ImportNote, ImportResult, Origin
from archrev.model.formats.kinds import infer_kind
from archrev.model.located_yaml import YamlMap, load_all_located, read_text
from archrev.model.types import Component, Kind, Link, System, SystemModel, is_valid_id, slugify

# Resource `spec.type` -> kind; anything else goes through the image/name table.
RESOURCE_TYPES: dict[str, Kind] = {
    "database": Kind.DATABASE,
    "db": Kind.DATABASE,
    "cache": Kind.CACHE,
    "queue": Kind.QUEUE,
    "topic": Kind.STREAM,
    "stream": Kind.STREAM,
    "kafka-topic": Kind.STREAM,
    "s3-bucket": Kind.OBJECT_STORE,
    "bucket": Kind.OBJECT_STORE,
    "storage": Kind.OBJECT_STORE,
    "search": Kind.SEARCH,
    "cdn": Kind.CDN,
    "load-balancer": Kind.LOAD_BALANCER,
}
COMPONENT_TYPES: dict[str, Kind] = {
    "service": Kind.SERVICE,
    "website": Kind.SERVICE,
    "backend": Kind.SERVICE,
    "frontend": Kind.SERVICE,
    "worker": Kind.WORKER,
    "function": Kind.FUNCTION,
    "lambda": Kind.FUNCTION,
    "gateway": Kind.GATEWAY,
    "api-gateway": Kind.GATEWAY,
    "ml-model": Kind.ML_MODEL,
    "batch": Kind.WORKER,
    "job": Kind.WORKER,
}
GRAPH_KINDS = frozenset({"component", "resource"})
QUIET_KINDS = frozenset({"system", "domain", "group", "user", "location", "template", "api"})


@dataclass
class _Entity:
    body: YamlMap
    file: str

    @property
    def kind(self) -> str:
        return str(self.body.get("kind", "")).lower()

    @property
    def meta(self) -> Mapping[str, Any]:
        meta = self.body.get("metadata")
        return meta if isinstance(meta, Mapping) else {}

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.body.get("spec")
        return spec if isinstance(spec, Mapping) else {}

    @property
    def name(self) -> str:
        return str(self.meta.get("name", ""))

    @property
    def namespace(self) -> str:
        return str(self.meta.get("namespace") or "default")

    @property
    def ref(self) -> tuple[str, str, str]:
        return (self.kind, self.namespace, self.name.lower())

    def origin(self, key: str | None = None) -> Origin:
        meta = self.body.get("metadata")
        if key is None and isinstance(meta, YamlMap) and "name" in meta:
            return Origin(self.file, meta.key_mark("name")[0])
        spec = self.body.get("spec")
        if key and isinstance(spec, YamlMap) and key in spec:
            return Origin(self.file, spec.key_mark(key)[0])
        return Origin(self.file, self.body.mark[0])


def parse_ref(ref: str, default_kind: str, namespace: str) -> tuple[str, str, str]:
    """`[kind:][namespace/]name` -> (kind, namespace, name), lower-cased as the catalog does."""
    kind, sep, rest = ref.partition(":")
    if not sep:
        kind, rest = default_kind, ref
    ns, sep, name = rest.partition("/")
    if not sep:
        ns, name = namespace, rest
    return (kind.lower(), ns or "default", name.lower())


def read_backstage(paths: Sequence[str | Path], *, system_id: str | None = None) -> ImportResult:
    files = [Path(p) for p in paths]
    entities: list[_Entity] = []
    notes: list[ImportNote] = []
    seen: set[Path] = set()
    queue = list(files)
    while queue:
        path = queue.pop(0)
        if path.resolve() in seen:
            continue
        seen.add(path.resolve())
        for body in load_all_located(read_text(path), str(path)):
            if body is None:
                continue
            if not isinstance(body, YamlMap) or "kind" not in body:
                raise InputFileError.single(
                    path,
                    "a catalog entity is a mapping with apiVersion, kind and metadata",
                    *getattr(body, "mark", (0, 0)),
                )
            entity = _Entity(body, str(path))
            entities.append(entity)
            if entity.kind == "location":
                queue.extend(_location_targets(entity, path, notes))
    by_ref: dict[tuple[str, str, str], _Entity] = {}
    for entity in entities:
        if not entity.name:
            raise InputFileError.single(
                entity.file,
                f"a {entity.body.get('kind')} entity without metadata.name",
                entity.body.mark[0],
            )
        if entity.ref in by_ref:
            first = by_ref[entity.ref]
            raise InputFileError.single(
                entity.file,
                f"{entity.body.get('kind')} '{entity.name}' is defined twice "
                f"(first at {first.origin()})",
                entity.origin().line,
            )
        by_ref[entity.ref] = entity

    graph = [e for e in entities if e.kind in GRAPH_KINDS]
    if not graph:
        raise InputFileError.single(
            files[0] if files else "catalog",
            "the catalog holds no Component or Resource entity; nothing to import",
        )
    skipped = [e for e in entities if e.kind not in GRAPH_KINDS | QUIET_KINDS]
    if skipped:
        notes.append(
            ImportNote(
                "skipped",
                f"{len(skipped)} entit(ies) of kind "
                f"{', '.join(sorted({str(e.body.get('kind')) for e in skipped}))} skipped",
                skipped[0].origin(),
            )
        )

    ids: dict[tuple[str, str, str], str] = {}
    names = [e.name for e in graph]
    for entity in graph:
        base = entity.name if is_valid_id(entity.name) else slugify(entity.name)
        if names.count(entity.name) > 1:
            base = (
                f"{base}.{entity.kind}"
                if entity.namespace == "default"
                else (f"{base}.{entity.namespace}")
            )
        candidate, n = base, 2
        while candidate in ids.values():
            candidate, n = f"{base}-{n}", n + 1
        ids[entity.ref] = candidate

    components: list[Component] = []
    origins: dict[str, Origin] = {}
    for entity in graph:
        cid = ids[entity.ref]
        spec = entity.spec
        kind_type = str(spec.get("type", "")).lower()
        table = RESOURCE_TYPES if entity.kind == "resource" else COMPONENT_TYPES
        kind = table.get(kind_type)
        technology = ""
        if kind is None:
            kind, technology, known = infer_kind("", f"{kind_type} {entity.name}".strip())
            if entity.kind == "component" and kind not in (Kind.SERVICE, Kind.WORKER):
                known = known and kind_type == ""
            if not known:
                notes.append(
                    ImportNote(
                        "unknown",
                        f"{entity.body.get('kind')} '{entity.name}' of type "
                        f"'{kind_type or '(none)'}': kind not inferred; imported as a service",
                        entity.origin(),
                    )
                )
                kind = Kind.SERVICE
        tags = [str(t) for t in entity.meta.get("tags") or []]
        lifecycle = str(spec.get("lifecycle", ""))
        if lifecycle:
            tags.append(f"lifecycle:{lifecycle}")
        if kind_type == "website":
            tags.append("entry-point")
        parent = spec.get("subcomponentOf")
        if parent:
            tags.append(f"part-of:{parent}")
        data: dict[str, Any] = {"id": cid, "kind": kind, "tags": tags}
        title = entity.meta.get("title")
        if title or cid != entity.name:
            data["name"] = str(title or entity.name)
        if technology or (kind_type and entity.kind == "resource"):
            data["technology"] = technology or kind_type
        if spec.get("owner"):
            data["owner"] = str(spec["owner"])
        if spec.get("system"):
            data["group"] = str(spec["system"])
        if lifecycle == "deprecated":
            data["deprecated"] = True
        components.append(Component.model_validate(data))
        origins[cid] = entity.origin()

    providers: dict[tuple[str, str, str], list[str]] = {}
    for entity in graph:
        for ref in entity.spec.get("providesApis") or []:
            api = parse_ref(str(ref), "api", entity.namespace)
            providers.setdefault(api, []).append(ids[entity.ref])
    for entity in entities:
        if entity.kind == "api":
            for ref in entity.spec.get("apiProvidedBy") or []:
                target = parse_ref(str(ref), "component", entity.namespace)
                if target in ids:
                    providers.setdefault(entity.ref, []).append(ids[target])

    links: dict[tuple[str, str], Link] = {}
    link_origins: dict[tuple[str, str], Origin] = {}

    def add(source: str, target: str, origin: Origin, description: str = "") -> None:
        if source != target and (source, target) not in links:
            links[(source, target)] = Link(source=source, target=target, description=description)
            link_origins[(source, target)] = origin

    def resolve(ref: str, default_kind: str, entity: _Entity) -> str | None:
        parsed = parse_ref(ref, default_kind, entity.namespace)
        if parsed in ids:
            return ids[parsed]
        if ":" not in ref:  # dependsOn without a kind: try a Resource, as the catalog would
            for kind in ("component", "resource"):
                alt = (kind, parsed[1], parsed[2])
                if alt in ids:
                    return ids[alt]
        return None

    for entity in graph:
        me = ids[entity.ref]
        for field_name in ("dependsOn", "dependencyOf"):
            for ref in entity.spec.get(field_name) or []:
                other = resolve(str(ref), "component", entity)
                if other is None:
                    notes.append(
                        ImportNote(
                            "unresolved",
                            f"'{entity.name}' {field_name} '{ref}', which is not in the catalog",
                            entity.origin(field_name),
                        )
                    )
                    continue
                if field_name == "dependsOn":
                    add(me, other, entity.origin(field_name))
                else:
                    add(other, me, entity.origin(field_name))
        for ref in entity.spec.get("consumesApis") or []:
            api = parse_ref(str(ref), "api", entity.namespace)
            targets = providers.get(api, [])
            if not targets and api in ids:  # a component named where an API belongs
                targets = [ids[api]]
            if not targets:
                known = api in by_ref
                notes.append(
                    ImportNote(
                        "unresolved",
                        f"'{entity.name}' consumes the API '{ref}', "
                        + (
                            "which no component in the catalog provides"
                            if known
                            else "which is not in the catalog"
                        ),
                        entity.origin("consumesApis"),
                    )
                )
                continue
            for target in targets:
                add(me, target, entity.origin("consumesApis"), f"API {api[2]}")

    sid_source = system_id or _system_name(entities, files)
    model = SystemModel(
        system=System(
            id=slugify(sid_source) if not is_valid_id(sid_source) else sid_source, name=sid_source
        ),
        components=components,
        links=list(links.values()),
    )
    return ImportResult(model, "backstage", origins, link_origins, notes)


def _location_targets(entity: _Entity, path: Path, notes: list[ImportNote]) -> list[Path]:
    """The local files a Location entity points at (remote ones are reported, not fetched)."""
    spec = entity.spec
    targets = [spec["target"]] if isinstance(spec.get("target"), str) else []
    targets += [t for t in spec.get("targets") or [] if isinstance(t, str)]
    found: list[Path] = []
    for target in targets:
        if "://" in target or (spec.get("type") == "url" and not target.startswith(".")):
            notes.append(
                ImportNote(
                    "skipped",
                    f"Location '{entity.name}' points at {target}, which is not a local file; "
                    "download it and import it too",
                    entity.origin(),
                )
            )
            continue
        matches = (
            sorted(path.parent.glob(target))
            if any(c in target for c in "*?[")
            else [path.parent / target]
        )
        for match in matches:
            if not match.is_file():
                notes.append(
                    ImportNote(
                        "unresolved",
                        f"Location '{entity.name}' points at {target}, which does not exist",
                        entity.origin(),
                    )
                )
                continue
            found.append(match)
    return found


def _system_name(entities: list[_Entity], files: list[Path]) -> str:
    systems = [e.name for e in entities if e.kind == "system"]
    if len(systems) == 1:
        return systems[0]
    domains = [e.name for e in entities if e.kind == "domain"]
    if len(domains) == 1:
        return domains[0]
    folder = Path(os.path.commonpath([f.resolve().parent for f in files])) if files else Path()
    return folder.name or "catalog"
