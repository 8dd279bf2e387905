"""docker-compose files -> a system model, resolved the way `docker compose config` does.

What is honoured (the Compose Specification):
- several files merged in order (a base plus overrides) with the specification's rules:
  mappings merge key by key, `environment`/`labels`/`depends_on`/`networks` merge by key
  whatever their list or mapping form, `ports`/`expose`/`dns` are unioned, `command`,
  `entrypoint` and `healthcheck.test` are replaced, `volumes` merge by mount target,
  `!reset` drops a value and `!override` replaces it instead of merging;
- interpolation of `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
  `${VAR?error}`, `${VAR:+alt}`, `${VAR+alt}` (nested) and `$$`, from the shell environment
  over the `.env` file next to the first compose file (or the `--env-file` files);
- YAML anchors, aliases and merge keys, `x-` extension fields, `include`;
- profiles (`--profile` or `COMPOSE_PROFILES`): services outside them are left out.

Links come from `depends_on`, `links`, `external_links` and from every reference to another
service (by name, `container_name`, `hostname` or network alias) in `environment`,
`command` and `entrypoint`: bare names, `host:port`, URLs and connection strings.
A Redis-family service (Redis, Valkey, KeyDB, Dragonfly) that every service refers to as a
message broker (CELERY_BROKER_URL, `--broker`, a Celery/RQ/Sidekiq process) is a queue,
not a cache (messaging.settle_brokers).

A service may carry `x-archrev:` with component fields (tier, capacity_rps, ...): they are
applied on top of what the importer infers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrev.model.errors import InputFileError, Problem
from archrev.model.formats import ImportNote, ImportResult, Origin
from archrev.model.formats.kinds import image_technology, infer_kind, is_redis_family
from archrev.model.formats.messaging import (
    StoreUse,
    broker_flag_hosts,
    is_consumer,
    job_queue_program,
    judge_use,
    orient_messaging,
    settle_brokers,
)
from archrev.model.formats.references import ASYNC_SCHEMES, find_hosts, looks_like_internal_host
from archrev.model.located_yaml import Tagged, YamlMap, YamlSeq, load_located, read_text
from archrev.model.types import (
    Component,
    Kind,
    Link,
    Mode,
    System,
    SystemModel,
    is_valid_id,
    slugify,
)
from pydantic import ValidationError

TOP_LEVEL_KEYS = frozenset(
    {
        "version",
        "name",
        "services",
        "networks",
        "volumes",
        "configs",
        "secrets",
        "include",
        "models",
    }
)
# Service keys whose list form is a set of unique values when files are merged.
_UNION_KEYS = frozenset(
    {
        "ports",
        "expose",
        "external_links",
        "dns",
        "dns_search",
        "tmpfs",
        "cap_add",
        "cap_drop",
        "devices",
        "security_opt",
        "profiles",
        "dns_opt",
        "env_file",
    }
)
# Service keys a later file replaces rather than merges.
_REPLACE_KEYS = frozenset({"command", "entrypoint"})
# Service keys with a list form of KEY=VALUE (or plain names) that merge by key.
_KEYED_KEYS = frozenset(
    {"environment", "labels", "depends_on", "networks", "extra_hosts", "annotations", "sysctls"}
)
# Environment keys whose values are names or secrets, not host names, even when they happen
# to equal a service name (DB_NAME: postgres, DB_USER: postgres).
_NOT_A_HOST_KEY = re.compile(
    r"(?i)(user|username|password|passwd|pass|name|database|db|secret|token|key|id|"
    r"group|topic|bucket|region|path|dir|file|level|mode|version|image)$"
)
_HOST_KEY = re.compile(
    r"(?i)(host|hostname|addr|address|server|servers|brokers?|endpoint|url|uri|dsn)$"
)
_VAR_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_EXPANSION = re.compile(r"(?s)^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>.*))?$")

# Kinds whose named volumes hold data that matters (docs/importing.md, "Stateful").
DATA_STORE_KINDS = frozenset(
    {Kind.DATABASE, Kind.CACHE, Kind.QUEUE, Kind.STREAM, Kind.OBJECT_STORE, Kind.SEARCH}
)

# Compose's merge tags: `!reset` drops what earlier files said, `!override` replaces it.
MERGE_TAGS = frozenset({"!reset", "!override"})
# A mark with the file it belongs to: (line, column, file index).
_Mark = tuple[int, int, int]


@dataclass
class _Reading:
    files: list[str] = field(default_factory=list)
    notes: list[ImportNote] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unset: dict[str, Origin] = field(default_factory=dict)

    def origin(self, mark: Any) -> Origin:
        if isinstance(mark, tuple) and len(mark) == 3:
            return Origin(self.files[mark[2]], mark[0])
        return Origin(self.files[0] if self.files else "", 0)

    def fail(self, mark: Any, message: str) -> None:
        origin = self.origin(mark)
        col = mark[1] if isinstance(mark, tuple) and len(mark) == 3 else 0
        self.problems.append(Problem(origin.file, origin.line, col, message))

    def note(self, kind: Any, message: str, mark: Any) -> None:
        self.notes.append(ImportNote(kind, message, self.origin(mark)))


# -- .env files ------------------------------------------------------------------------------


def read_env_file(path: str | Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """A `.env` file as compose reads it: KEY=VALUE, `export`, quotes, comments."""
    text = read_text(path)
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].lstrip()
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or not _VAR_NAME.fullmatch(key):
            raise InputFileError.single(
                path, f"expected KEY=VALUE, found {raw.strip()[:60]!r}", number, 1
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == "'":
            value = value[1:-1]
        elif len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace("\\n", "\n").replace('\\"', '"').replace("\\\\", "\\")
            value = _expand_env_value(value, {**values, **(environ or {})})
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
            value = _expand_env_value(value, {**values, **(environ or {})})
        values[key] = value
    return values


def _expand_env_value(value: str, env: Mapping[str, str]) -> str:
    reading = _Reading(files=["<env>"])
    try:
        return _interpolate(value, env, reading, (0, 0, 0))
    except _Required:
        return value


# -- interpolation ---------------------------------------------------------------------------


class _Required(Exception):
    pass


def _interpolate(text: str, env: Mapping[str, str], reading: _Reading, mark: _Mark) -> str:
    if "$" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt == "$":
            out.append("$")
            i += 2
            continue
        if nxt == "{":
            depth, j = 1, i + 2
            while j < n and depth:
                if text[j] == "}":
                    depth -= 1
                elif text[j] == "{" and text[j - 1] == "$":
                    depth += 1
                j += 1
            if depth:
                reading.fail(mark, f"unclosed '${{' in {text[:60]!r}: close it or write $$")
                raise _Required
            out.append(_expand(text[i + 2 : j - 1], env, reading, mark))
            i = j
            continue
        name = _VAR_NAME.match(text, i + 1)
        if name:
            out.append(_lookup(name.group(0), env, reading, mark))
            i = name.end()
            continue
        out.append("$")
        i += 1
    return "".join(out)


def _lookup(name: str, env: Mapping[str, str], reading: _Reading, mark: _Mark) -> str:
    if name in env:
        return env[name]
    reading.unset.setdefault(name, reading.origin(mark))
    return ""


def _expand(body: str, env: Mapping[str, str], reading: _Reading, mark: _Mark) -> str:
    m = _EXPANSION.match(body)
    if m is None:
        reading.fail(
            mark, f"invalid interpolation '${{{body}}}': write ${{NAME}} or escape $ as $$"
        )
        raise _Required
    name, op, arg = m.group("name"), m.group("op"), m.group("arg") or ""
    value = env.get(name)
    if op is None:
        return _lookup(name, env, reading, mark)
    empty_counts = op.startswith(":")
    missing = value is None or (empty_counts and value == "")
    if op.endswith("-"):
        return _interpolate(arg, env, reading, mark) if missing else str(value)
    if op.endswith("+"):
        return "" if missing else _interpolate(arg, env, reading, mark)
    # ? and :? : required
    if missing:
        detail = _interpolate(arg, env, reading, mark) if arg else ""
        what = "is not set" if value is None else "is empty"
        reading.fail(
            mark,
            f"required variable {name} {what}"
            + (f": {detail}" if detail else "")
            + "; set it in the environment, the .env file or an --env-file",
        )
        raise _Required
    return str(value)


def _located(
    value: Any, env: Mapping[str, str], reading: _Reading, index: int, mark: tuple[int, int]
) -> Any:
    """A copy of a loaded file with every string interpolated and marks that know their file."""
    if isinstance(value, Tagged):
        inner = _located(value.value, env, reading, index, value.mark)
        return Tagged(value.tag, inner, (*value.mark, index))  # type: ignore[arg-type]
    if isinstance(value, YamlMap):
        result = YamlMap((*value.mark, index))  # type: ignore[arg-type]
        for key, item in value.items():
            km, vm = value.key_mark(key), value.value_mark(key)
            result[key] = _located(item, env, reading, index, vm)
            result.key_marks[key] = (*km, index)  # type: ignore[assignment]
            result.value_marks[key] = (*vm, index)  # type: ignore[assignment]
        return result
    if isinstance(value, YamlSeq):
        seq = YamlSeq((*value.mark, index))  # type: ignore[arg-type]
        for i, item in enumerate(value):
            im = value.item_mark(i)
            seq.append(_located(item, env, reading, index, im))
            seq.item_marks.append((*im, index))  # type: ignore[arg-type]
        return seq
    if isinstance(value, str):
        try:
            return _interpolate(value, env, reading, (*mark, index))
        except _Required:
            return value
    return value


# -- merging ---------------------------------------------------------------------------------


def _keyed(value: Any, key: str) -> Any:
    """The mapping form of a list-or-mapping field (environment, labels, depends_on, ...)."""
    if not isinstance(value, YamlSeq):
        return value
    result = YamlMap(value.mark)
    for i, item in enumerate(value):
        mark = value.item_mark(i)
        if key == "depends_on" or key == "networks":
            name, val = str(item), None
        elif key == "extra_hosts":
            name, _, val = (
                str(item).partition(":") if "=" not in str(item) else str(item).partition("=")
            )
        else:
            name, sep, val = str(item).partition("=")
            val = val if sep else None
        result[name] = val
        result.key_marks[name] = mark
        result.value_marks[name] = mark
    return result


def _normalise_service(service: YamlMap) -> YamlMap:
    for key in _KEYED_KEYS:
        if key in service:
            value = service[key]
            if isinstance(value, Tagged):
                service[key] = Tagged(value.tag, _keyed(value.value, key), value.mark)
            else:
                service[key] = _keyed(value, key)
    return service


def _untag(value: Any) -> Any:
    """What is left once no later file can use the merge tags: `!reset` drops the value."""
    if isinstance(value, Tagged):
        return None if value.tag == "!reset" else _untag(value.value)
    if isinstance(value, YamlMap):
        for key in list(value):
            item = value[key]
            if isinstance(item, Tagged) and item.tag == "!reset":
                del value[key]
            else:
                value[key] = _untag(item)
        return value
    if isinstance(value, YamlSeq):
        for i, item in enumerate(value):
            value[i] = _untag(item)
    return value


def _volume_target(item: Any) -> str:
    if isinstance(item, Mapping):
        return str(item.get("target", ""))
    parts = str(item).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _merge(base: Any, over: Any, key: str = "") -> Any:
    if isinstance(base, YamlMap) and isinstance(over, YamlMap):
        result = YamlMap(base.mark)
        for k, v in base.items():
            result[k] = v
            result.key_marks[k] = base.key_mark(k)
            result.value_marks[k] = base.value_mark(k)
        for k, v in over.items():
            if (
                k in result
                and k not in _REPLACE_KEYS
                and not (key == "healthcheck" and k == "test")
            ):
                result[k] = _merge(result[k], v, str(k))
            else:
                result[k] = v
            result.key_marks[k] = over.key_mark(k)
            result.value_marks[k] = over.value_mark(k)
        return result
    if isinstance(base, YamlSeq) and isinstance(over, YamlSeq):
        if key in _REPLACE_KEYS:
            return over
        result_seq = YamlSeq(base.mark)
        if key == "volumes":
            targets = {_volume_target(item) for item in over}
            pairs = [
                (item, base.item_mark(i))
                for i, item in enumerate(base)
                if _volume_target(item) not in targets
            ]
            pairs += [(item, over.item_mark(i)) for i, item in enumerate(over)]
        else:
            pairs = [(item, base.item_mark(i)) for i, item in enumerate(base)]
            pairs += [(item, over.item_mark(i)) for i, item in enumerate(over)]
            if key in _UNION_KEYS:
                seen: set[str] = set()
                unique = []
                for item, mark in pairs:
                    if repr(item) not in seen:
                        seen.add(repr(item))
                        unique.append((item, mark))
                pairs = unique
        for item, mark in pairs:
            result_seq.append(item)
            result_seq.item_marks.append(mark)
        return result_seq
    return over


# -- reading the files -----------------------------------------------------------------------


@dataclass
class _Service:
    name: str
    body: YamlMap
    mark: Any  # where the service is first defined


def _load_files(
    paths: Sequence[Path], env: Mapping[str, str], reading: _Reading, seen: set[Path]
) -> list[YamlMap]:
    documents: list[YamlMap] = []
    for path in paths:
        resolved = path.resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        text = read_text(path)
        raw = load_located(text, str(path), keep_tags=MERGE_TAGS, what="a compose file")
        if raw is None:
            raw = YamlMap((1, 1))
        if not isinstance(raw, YamlMap):
            raise InputFileError.single(
                path, "a compose file is a mapping with a 'services' section", 1, 1
            )
        unknown = [k for k in raw if k not in TOP_LEVEL_KEYS and not str(k).startswith("x-")]
        if unknown:
            raise InputFileError(
                [
                    Problem(
                        str(path),
                        *raw.key_mark(k),
                        f"unknown top-level key '{k}' in a compose file; the specification "
                        f"allows {', '.join(sorted(TOP_LEVEL_KEYS))} and x- extensions",
                    )
                    for k in unknown
                ]
            )
        index = len(reading.files)
        reading.files.append(str(path))
        doc = _located(raw, env, reading, index, (1, 1))
        includes = doc.get("include")
        if isinstance(includes, YamlSeq):
            extra: list[Path] = []
            for item in includes:
                target = item.get("path") if isinstance(item, Mapping) else item
                for one in target if isinstance(target, list) else [target]:
                    if isinstance(one, str):
                        extra.append(path.parent / one)
            documents.extend(_load_files(extra, env, reading, seen))
        services = doc.get("services")
        if services is not None and not isinstance(services, YamlMap):
            reading.fail(doc.value_marks.get("services"), "'services' must be a mapping")
        elif services:
            for name, body in services.items():
                if body is None:
                    body = YamlMap(services.value_mark(name))
                    services[name] = body
                if not isinstance(body, YamlMap):
                    reading.fail(services.value_mark(name), f"service '{name}' must be a mapping")
                    continue
                _normalise_service(body)
        documents.append(doc)
    return documents


def _resolve_extends(
    services: dict[str, _Service], env: Mapping[str, str], reading: _Reading
) -> None:
    """`extends: {service, file}`: the base service's body under the service's own."""
    done: dict[str, YamlMap] = {}
    others: dict[str, dict[str, YamlMap]] = {}

    def base_of(name: str, chain: tuple[str, ...]) -> YamlMap:
        if name in done:
            return done[name]
        body = services[name].body
        ext = body.get("extends")
        if ext is None:
            done[name] = body
            return body
        mark = body.value_mark("extends")
        target = (
            ext
            if isinstance(ext, str)
            else ext.get("service")
            if isinstance(ext, Mapping)
            else None
        )
        file = ext.get("file") if isinstance(ext, Mapping) else None
        own = YamlMap(body.mark)
        for key, value in body.items():
            if key != "extends":
                own[key] = value
                own.key_marks[key] = body.key_mark(key)
                own.value_marks[key] = body.value_mark(key)
        base: YamlMap | None = None
        if not isinstance(target, str):
            reading.fail(mark, f"service '{name}': extends needs a service name")
        elif file:
            origin = reading.origin(mark)
            path = Path(origin.file).parent / str(file)
            if str(path) not in others:
                sub = _Reading(files=list(reading.files))
                loaded = _load_files([path], env, sub, set())
                reading.files = sub.files
                reading.problems.extend(sub.problems)
                others[str(path)] = {
                    str(k): _untag(v)
                    for doc in loaded
                    for k, v in (doc.get("services") or {}).items()
                    if isinstance(v, YamlMap)
                }
            base = others[str(path)].get(target)
            if base is None:
                reading.fail(mark, f"service '{name}' extends '{target}', which is not in {file}")
        elif target in chain:
            reading.fail(mark, f"service '{name}' extends itself through {' -> '.join(chain)}")
        elif target not in services:
            reading.fail(mark, f"service '{name}' extends '{target}', which is no service")
        else:
            base = base_of(target, (*chain, name))
        merged = _merge(base, own) if base is not None else own
        done[name] = merged
        return merged

    for name in list(services):
        services[name].body = base_of(name, ())


def _environment(
    paths: Sequence[Path], env_files: Sequence[Path] | None, environ: Mapping[str, str]
) -> dict[str, str]:
    values: dict[str, str] = {}
    if env_files:
        for path in env_files:
            values.update(read_env_file(path, environ))
    else:
        default = paths[0].parent / ".env"
        if default.is_file():
            values.update(read_env_file(default, environ))
    values.update(environ)  # the shell wins over .env files, as with compose
    return values


def read_compose(
    paths: Sequence[str | Path],
    *,
    env_files: Sequence[str | Path] | None = None,
    profiles: Sequence[str] | None = None,
    environ: Mapping[str, str] | None = None,
    system_id: str | None = None,
) -> ImportResult:
    """Compose files (merged in order) as a system model with an honest import report.

    `environ` stands for the shell environment (defaults to `os.environ`); `profiles` for
    `--profile` (defaults to COMPOSE_PROFILES from the environment or the .env file).
    """
    files = [Path(p) for p in paths]
    if not files:
        raise InputFileError.single("compose", "no compose file given")
    shell = dict(os.environ if environ is None else environ)
    env = _environment(files, [Path(p) for p in env_files] if env_files else None, shell)
    reading = _Reading()
    docs = _load_files(files, env, reading, set())
    if reading.problems:
        raise InputFileError(reading.problems)

    services: dict[str, _Service] = {}
    project = ""
    volumes_declared: set[str] = set()
    for doc in docs:
        if isinstance(doc.get("name"), str):
            project = doc["name"]
        if isinstance(doc.get("volumes"), Mapping):
            volumes_declared.update(str(v) for v in doc["volumes"])
        block = doc.get("services") or {}
        for name, body in block.items():
            if not isinstance(body, YamlMap):
                continue
            if name in services:
                services[name].body = _merge(services[name].body, body)
            else:
                services[name] = _Service(str(name), body, block.key_mark(name))
    _resolve_extends(services, env, reading)
    for service in services.values():
        service.body = _untag(service.body)
    if reading.problems:
        raise InputFileError(reading.problems)
    if not services:
        raise InputFileError.single(
            files[0], "the compose file defines no services; nothing to import", 1, 1
        )

    if profiles:
        active = {p for raw in profiles for p in raw.split(",") if p}
    else:
        active = {p.strip() for p in env.get("COMPOSE_PROFILES", "").split(",") if p.strip()}
    enabled: dict[str, _Service] = {}
    left_out: list[str] = []
    for name, service in services.items():
        wanted = service.body.get("profiles") or []
        if isinstance(wanted, str):
            wanted = [wanted]
        if not wanted or "*" in active or active.intersection(str(p) for p in wanted):
            enabled[name] = service
        else:
            left_out.append(name)
    if left_out:
        reading.note(
            "skipped",
            f"{len(left_out)} service(s) left out because their profiles are not active "
            f"({', '.join(sorted(left_out))}); choose profiles with --profile",
            services[left_out[0]].mark,
        )
    for var, origin in sorted(reading.unset.items()):
        reading.notes.append(
            ImportNote("info", f"variable {var} is not set; it was read as an empty string", origin)
        )

    system_name = project or env.get("COMPOSE_PROJECT_NAME") or files[0].resolve().parent.name
    sid = system_id or slugify(system_name)
    builder = _ModelBuilder(reading, enabled, services, volumes_declared)
    components, links = builder.build()
    model = SystemModel(system=System(id=sid, name=system_name), components=components, links=links)
    result = ImportResult(
        model=model,
        format="compose",
        components=builder.component_origins,
        links=builder.link_origins,
        notes=reading.notes,
    )
    settle_brokers(result, builder.stores, builder.uses)
    orient_messaging(result, builder.guess_texts())
    return result


# -- building the model ----------------------------------------------------------------------


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _words(value: Any) -> list[tuple[str, Any]]:
    """The strings of a command/entrypoint (string or list) with their marks."""
    if isinstance(value, str):
        return [(value, None)]
    if isinstance(value, YamlSeq):
        return [(str(v), value.item_mark(i)) for i, v in enumerate(value) if v is not None]
    return []


def _guess_text(service: _Service) -> str:
    """The service name, container name, command and entrypoint: what tells a consumer."""
    body = service.body
    words = [service.name, str(body.get("container_name") or "")]
    for key in ("command", "entrypoint"):
        words.extend(text for text, _ in _words(body.get(key)))
    return " ".join(words)


class _ModelBuilder:
    def __init__(
        self,
        reading: _Reading,
        enabled: dict[str, _Service],
        every: dict[str, _Service],
        volumes_declared: set[str],
    ) -> None:
        self.reading = reading
        self.enabled = enabled
        self.every = every
        self.volumes_declared = volumes_declared
        self.ids: dict[str, str] = {}
        self.component_origins: dict[str, Origin] = {}
        self.link_origins: dict[tuple[str, str], Origin] = {}
        self.links: dict[tuple[str, str], Link] = {}
        self.kinds: dict[str, Kind] = {}
        # Redis-family components and what each reference to them says of its use: a broker
        # or something else (messaging.settle_brokers).
        self.stores: set[str] = set()
        self.uses: list[StoreUse] = []
        # Every name a service answers to, for all services (enabled or not) so that a
        # reference to a service outside the active profiles is told apart from a typo.
        self.names: dict[str, str] = {}
        for name in every:
            self.names.setdefault(name, name)
        for name, service in every.items():
            body = service.body
            for key in ("container_name", "hostname"):
                if isinstance(body.get(key), str) and body[key]:
                    self.names.setdefault(body[key], name)
            networks = body.get("networks")
            if isinstance(networks, Mapping):
                for net in networks.values():
                    if isinstance(net, Mapping) and isinstance(net.get("aliases"), list):
                        for alias in net["aliases"]:
                            self.names.setdefault(str(alias), name)

    def _id(self, name: str) -> str:
        if name not in self.ids:
            base = name if is_valid_id(name) else slugify(name)
            candidate, n = base, 2
            while candidate in self.ids.values():
                candidate, n = f"{base}-{n}", n + 1
            self.ids[name] = candidate
        return self.ids[name]

    def guess_texts(self) -> dict[str, str]:
        """Per component, the words that tell a consumer from a producer: the service name,
        its container name, command and entrypoint."""
        return {self._id(name): _guess_text(s) for name, s in self.enabled.items()}

    def _program(self, name: str) -> str:
        """The job-queue program (celery, rq, sidekiq, ...) the service runs, or ""."""
        return job_queue_program(_guess_text(self.enabled[name]))

    def build(self) -> tuple[list[Component], list[Link]]:
        components = [self._component(s) for s in self.enabled.values()]
        for service in self.enabled.values():
            self._links(service)
        return components, list(self.links.values())

    def _component(self, service: _Service) -> Component:
        body = service.body
        cid = self._id(service.name)
        origin = self.reading.origin(service.mark)
        self.component_origins[cid] = origin
        image = body.get("image") if isinstance(body.get("image"), str) else ""
        kind, technology, known = infer_kind(image, service.name)
        if not known and is_consumer(_guess_text(service)):
            # `command: run consumer ingest-events`: a worker whatever its image is called.
            kind, known = Kind.WORKER, True
        if not known:
            self.reading.note(
                "unknown",
                f"service '{service.name}': the kind could not be inferred from the image "
                f"{image!r} or the name; it is imported as a service",
                service.mark,
            )
        if image:
            technology = image_technology(image)
        elif isinstance(body.get("build"), (str, Mapping)):
            technology = technology or "built locally"
        self.kinds[cid] = kind
        extra = body.get("x-archrev")
        if (
            kind == Kind.CACHE
            and is_redis_family(image, service.name)
            and not (isinstance(extra, Mapping) and "kind" in extra)
        ):
            # Whether it is a cache or a broker is known once every reference is read; a
            # kind the architect wrote in x-archrev is not second-guessed.
            self.stores.add(cid)
        data: dict[str, Any] = {"id": cid, "kind": kind, "technology": technology}
        if cid != service.name:
            data["name"] = service.name
        tags: list[str] = []
        deploy = body.get("deploy") if isinstance(body.get("deploy"), Mapping) else {}
        replicas = _as_int(deploy.get("replicas"))
        if replicas is None:
            replicas = _as_int(body.get("scale"))
        if replicas is not None:
            data["replicas"] = max(0, min(replicas, 100_000))
        resources = deploy.get("resources") if isinstance(deploy.get("resources"), Mapping) else {}
        limits = resources.get("limits") if isinstance(resources.get("limits"), Mapping) else {}
        for key in ("cpus", "memory"):
            if limits.get(key) not in (None, ""):
                tags.append(f"limit-{key}:{limits[key]}")
        # A named volume is state only where the kind keeps data: nginx's cache volume or a
        # worker sharing a data volume holds nothing a backup must restore. When the kind is
        # unknown the volume is the only evidence there is, so it counts.
        if self._named_volumes(body) and (kind in DATA_STORE_KINDS or not known):
            data["stateful"] = True
        healthcheck = body.get("healthcheck")
        if isinstance(healthcheck, Mapping) and not healthcheck.get("disable"):
            tags.append("healthcheck")
        published = self._published_ports(body.get("ports"))
        if published:
            tags.append("entry-point")
            tags.extend(f"port:{p}" for p in published)
        wanted = body.get("profiles")
        if isinstance(wanted, list):
            tags.extend(f"profile:{p}" for p in wanted)
        data["tags"] = tags
        if isinstance(extra, Mapping):
            data.update({k: v for k, v in extra.items() if k != "id"})
        try:
            return Component.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise InputFileError.single(
                origin.file,
                f"service '{service.name}': {where}: {first['msg']} (in x-archrev)",
                origin.line,
            ) from None

    def _named_volumes(self, body: Mapping[str, Any]) -> list[str]:
        named = []
        volumes = body.get("volumes")
        if not isinstance(volumes, list):
            return named
        for item in volumes:
            if isinstance(item, Mapping):
                if item.get("type", "volume") == "volume" and item.get("source"):
                    named.append(str(item["source"]))
                continue
            parts = str(item).split(":")
            if len(parts) >= 2:
                source = parts[0]
                if (
                    source
                    and not source.startswith((".", "/", "~", "$"))
                    and not re.match(r"^[A-Za-z]$", source)
                ):
                    named.append(source)
        return named

    @staticmethod
    def _published_ports(ports: Any) -> list[str]:
        result: list[str] = []
        if not isinstance(ports, list):
            return result
        for item in ports:
            if isinstance(item, Mapping):
                if item.get("published") not in (None, ""):
                    result.append(str(item["published"]))
                continue
            text = str(item).split("/", 1)[0]
            parts = text.rsplit(":", 2)
            if len(parts) >= 2 and parts[-2]:
                result.append(parts[-2])
            elif len(parts) == 1 and parts[0]:
                # "3000" alone publishes the container port on a port the engine picks
                result.append(parts[0])
        return result

    def _add_link(
        self,
        source: str,
        target_name: str,
        mark: Any,
        *,
        required: bool = True,
        scheme: str = "",
        why: str,
        use: tuple[bool | None, str] | None = None,
    ) -> None:
        src = self._id(source)
        if target_name == source:
            return
        if target_name not in self.enabled:
            if target_name in self.every:
                self.reading.note(
                    "unresolved",
                    f"service '{source}' {why} '{target_name}', which is outside the active "
                    "profiles",
                    mark,
                )
            return
        tgt = self._id(target_name)
        key = (src, tgt)
        if use is not None and tgt in self.stores:
            # Every reference counts, not only the first that makes the link: depends_on
            # says nothing, the CELERY_BROKER_URL after it says broker.
            self.uses.append(StoreUse(src, tgt, use[0], use[1], self.reading.origin(mark)))
        if key in self.links:
            return
        kind = self.kinds.get(tgt)
        mode = (
            Mode.ASYNC
            if scheme in ASYNC_SCHEMES or kind in (Kind.QUEUE, Kind.STREAM)
            else Mode.SYNC
        )
        self.links[key] = Link(
            source=src, target=tgt, mode=mode, protocol=scheme, required=required
        )
        self.link_origins[key] = self.reading.origin(mark)

    def _links(self, service: _Service) -> None:
        body = service.body
        name = service.name
        depends = body.get("depends_on")
        if isinstance(depends, YamlMap):
            for target, spec in depends.items():
                required = True
                if isinstance(spec, Mapping) and spec.get("required") is False:
                    required = False
                target = str(target)
                if target not in self.every:
                    self.reading.note(
                        "unresolved",
                        f"service '{name}' depends on '{target}', which is no service",
                        depends.key_mark(target),
                    )
                    continue
                self._add_link(
                    name,
                    target,
                    depends.key_mark(target),
                    required=required,
                    why="depends on",
                    use=judge_use("dependency", program=self._program(name)),
                )
        links = body.get("links")
        if isinstance(links, YamlSeq):
            for i, item in enumerate(links):
                target = str(item).split(":", 1)[0]
                if target not in self.every:
                    self.reading.note(
                        "unresolved",
                        f"service '{name}' links to '{target}', which is no service",
                        links.item_mark(i),
                    )
                    continue
                self._add_link(
                    name,
                    target,
                    links.item_mark(i),
                    why="links to",
                    use=judge_use("dependency", program=self._program(name)),
                )
        external = body.get("external_links")
        if isinstance(external, YamlSeq):
            for i, item in enumerate(external):
                container = str(item).split(":", 1)[0]
                target = self.names.get(container)
                if target is None:
                    self.reading.note(
                        "skipped",
                        f"service '{name}' links to the external container '{container}', "
                        "which is outside this project",
                        external.item_mark(i),
                    )
                    continue
                self._add_link(
                    name,
                    target,
                    external.item_mark(i),
                    why="links to",
                    use=judge_use("dependency", program=self._program(name)),
                )
        environment = body.get("environment")
        if isinstance(environment, YamlMap):
            for key, value in environment.items():
                if value is None:
                    continue
                self._references(name, str(value), environment.value_mark(key), env_key=str(key))
        # `--broker redis://...` spans two words of a list-form command: read them together.
        flag_hosts = broker_flag_hosts(
            [text for key in ("command", "entrypoint") for text, _ in _words(body.get(key))]
        )
        for field_name in ("command", "entrypoint"):
            value = body.get(field_name)
            for text, mark in _words(value):
                self._references(
                    name,
                    text,
                    mark or body.value_mark(field_name),
                    env_key=None,
                    flag_hosts=flag_hosts,
                )

    def _references(
        self,
        name: str,
        value: str,
        mark: Any,
        *,
        env_key: str | None,
        flag_hosts: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        bare_ok = env_key is None or not _NOT_A_HOST_KEY.search(env_key)
        program = self._program(name)
        for ref in find_hosts(value, bare_words=bare_ok):
            target = self.names.get(ref.host)
            if target is not None:
                where = f"environment {env_key}" if env_key else "command"
                use = (
                    judge_use("environment", variable=env_key, program=program)
                    if env_key is not None
                    else judge_use("command", broker_flag=ref.host in flag_hosts, program=program)
                )
                self._add_link(
                    name,
                    target,
                    mark,
                    scheme=ref.scheme,
                    why=f"refers (in {where}) to",
                    use=use,
                )
                continue
            explicit = ref.form != "name" or (
                env_key is not None and _HOST_KEY.search(env_key) and value.strip() == ref.host
            )
            if explicit and looks_like_internal_host(ref.host):
                where = f"environment {env_key}" if env_key else "command"
                self.reading.note(
                    "unresolved",
                    f"service '{name}' refers (in {where}) to the host '{ref.host}', "
                    "which is no service",
                    mark,
                )
