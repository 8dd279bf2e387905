"""Structurizr workspaces (the JSON and the DSL's common subset) -> a system model.

The C4 model nests: people and software systems hold containers, containers hold
components. archrev's graph is flat, so the elements that hold nothing (the leaves) become
components and the ones that hold others become the group of their children. A relationship
drawn to a parent (`customer -> internetBankingSystem`) is the summary of the relationships
to its children and is left out when the parent is shown by its children (the report says
so). Deployment environments give replicas: the instances of every deployment node around a
container instance multiply, the instances of one container in an environment add up, and
the largest environment counts.

DSL subset read: `workspace [extends FILE]`, `name`, `description`, `model`, `person`,
`softwareSystem`, `container`, `component`, `group`, archetypes, `enterprise`, nested
blocks, identifiers (`!identifiers flat|hierarchical`, case-insensitive), `this`, `!ref`
and `!extend`, `->` relationships (also with an implicit source inside an element) with
description, technology and tags, `description`/`technology`/`tag`/`tags` inside element
blocks, `!include` of local files and folders, `!const`/`!constant`/`!var` with `${NAME}`,
`deploymentEnvironment`, `deploymentNode` (with instances), `containerInstance`,
`softwareSystemInstance`. `views`, `styles`, `configuration`, documentation and the rest are
read past.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrev.model.errors import InputFileError
from archrev.model.formats import ImportNote, ImportResult, Origin
from archrev.model.formats.kinds import infer_kind
from archrev.model.located_yaml import read_text
from archrev.model.types import Component, Kind, Link, System, SystemModel, slugify

ELEMENT_TYPES = {
    "person": "person",
    "softwaresystem": "softwaresystem",
    "container": "container",
    "component": "component",
    "group": "group",
    "enterprise": "group",
}
# Blocks read past entirely.
_SKIPPED_BLOCKS = frozenset(
    {
        "views",
        "styles",
        "configuration",
        "themes",
        "branding",
        "terminology",
        "properties",
        "perspectives",
        "users",
        "animation",
        "!docs",
        "!adrs",
        "!elements",
        "!relationships",
        "healthcheck",
        "!plugin",
        "!script",
    }
)
_TAG_KINDS: list[tuple[tuple[str, ...], Kind]] = [
    (
        (
            "web browser",
            "single page application",
            "mobile app",
            "mobile",
            "browser",
            "desktop app",
        ),
        Kind.CLIENT,
    ),
    (("database", "datastore", "data store", "db"), Kind.DATABASE),
    (("queue", "message bus", "message broker"), Kind.QUEUE),
    (("topic", "stream", "event stream"), Kind.STREAM),
    (("cache",), Kind.CACHE),
    (("bucket", "object store", "file store", "blob store"), Kind.OBJECT_STORE),
    (("external", "external system"), Kind.EXTERNAL),
]
MAX_INCLUDE_DEPTH = 20


@dataclass
class Element:
    type: str
    name: str
    file: str
    line: int
    parent: Element | None = None
    description: str = ""
    technology: str = ""
    tags: list[str] = field(default_factory=list)
    children: list[Element] = field(default_factory=list)
    ident: str = ""  # full identifier, lower case
    replicas: int | None = None

    @property
    def element_parent(self) -> Element | None:
        """The enclosing element that is not a group (what hierarchical identifiers use)."""
        node = self.parent
        while node is not None and node.type == "group":
            node = node.parent
        return node

    @property
    def is_leaf(self) -> bool:
        return self.type != "group" and not any(
            c.type != "group" or c.children for c in self.children
        )


@dataclass
class Relation:
    source: Element
    target: Element
    description: str
    technology: str
    tags: list[str]
    file: str
    line: int


@dataclass
class _Archetype:
    base: str
    technology: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)


@dataclass
class Workspace:
    name: str = ""
    description: str = ""
    elements: list[Element] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    notes: list[ImportNote] = field(default_factory=list)
    # per environment: container element -> instance count
    deployments: dict[str, dict[int, int]] = field(default_factory=dict)


# -- the DSL tokenizer -----------------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<arrow>->)|(?P<brace>[{}])|(?P<eq>=)(?=\s|$)'
    r'|(?P<word>[^\s{}"=]+(?:=[^\s{}"]*)?|=))'
)


def _tokens(line: str) -> list[str]:
    """The words of one DSL line; strings keep their quotes so they are told from names."""
    out: list[str] = []
    pos = 0
    while pos < len(line):
        m = _TOKEN.match(line, pos)
        if m is None or m.end() == pos:
            break
        pos = m.end()
        token = m.group(m.lastgroup) if m.lastgroup else ""
        if token:
            out.append(token)
    return out


def _open_quote(line: str) -> int:
    """The 1-based position of a `"` that the line never closes, or 0 when all are closed."""
    start, escaped = 0, False
    for i, ch in enumerate(line, start=1):
        if start and escaped:
            escaped = False
        elif start and ch == "\\":
            escaped = True
        elif ch == '"':
            start = 0 if start else i
    return start


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return re.sub(r"\\(.)", r"\1", token[1:-1])
    return token


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines without comments, with their numbers; `\\` at the end joins the next line."""
    lines: list[tuple[int, str]] = []
    in_block = False
    pending = ""
    pending_no = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if in_block:
            end = line.find("*/")
            if end < 0:
                continue
            line = line[end + 2 :]
            in_block = False
        stripped = line.strip()
        if stripped.startswith("/*"):
            end = stripped.find("*/", 2)
            if end < 0:
                in_block = True
                continue
            stripped = stripped[end + 2 :].strip()
        if stripped.startswith(("#", "//")):
            continue
        if not stripped:
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            pending_no = pending_no or number
            continue
        if pending:
            stripped, number = pending + stripped, pending_no
            pending, pending_no = "", 0
        lines.append((number, stripped))
    return lines


# -- the DSL parser --------------------------------------------------------------------------


class _Parser:
    def __init__(self, root: Path) -> None:
        self.ws = Workspace()
        self.hierarchical = False
        self.ids: dict[str, Element] = {}
        self.archetypes: dict[str, _Archetype] = {}
        self.constants: dict[str, str] = {}
        self.root = root
        self.pending_relations: list[tuple[str, str, list[str], str, int, Element | None]] = []

    def fail(self, file: str, line: int, message: str) -> None:
        raise InputFileError.single(file, message, line, 1)

    def note(self, kind: Any, message: str, file: str, line: int) -> None:
        self.ws.notes.append(ImportNote(kind, message, Origin(file, line)))

    # lines come in as (file, number, tokens) through _lines, which expands !include
    def _lines(self, path: Path, depth: int = 0) -> list[tuple[str, int, list[str]]]:
        if depth > MAX_INCLUDE_DEPTH:
            self.fail(str(path), 0, "!include nests too deep (a file including itself?)")
        text = read_text(path)
        result: list[tuple[str, int, list[str]]] = []
        for number, line in _logical_lines(text):
            for name, value in self.constants.items():
                line = line.replace("${" + name + "}", value)
            quote = _open_quote(line)
            if quote:
                # Without this the tokenizer stops at the quote and a later check blames
                # whatever is missing ("a person needs a name").
                where = line[quote - 1 : quote + 29]
                self.fail(
                    str(path),
                    number,
                    f"unterminated string: the quote in `{where}` is not closed on its line; "
                    'add the closing `"` (a string cannot span lines)',
                )
            tokens = _tokens(line)
            if not tokens:
                continue
            head = tokens[0].lower()
            if head in ("!const", "!constant", "!var") and len(tokens) >= 3:
                self.constants[_unquote(tokens[1])] = _unquote(tokens[2])
                continue
            if head == "!include" and len(tokens) >= 2:
                target = _unquote(tokens[1])
                if re.match(r"^[a-z]+://", target):
                    self.note(
                        "skipped",
                        f"!include of {target} skipped: only local files are read",
                        str(path),
                        number,
                    )
                    continue
                included = (path.parent / target).resolve()
                if not included.exists():
                    self.fail(str(path), number, f"!include {target}: no such file or folder")
                files = sorted(included.rglob("*.dsl")) if included.is_dir() else [included]
                for file in files:
                    result.extend(self._lines(file, depth + 1))
                continue
            result.append((str(path), number, tokens))
        return result

    def parse_file(self, path: Path, depth: int = 0) -> None:
        lines = self._lines(path)
        if not lines:
            self.fail(
                str(path), 0, "the file is empty; a Structurizr workspace starts with `workspace {`"
            )
        file, number, tokens = lines[0]
        if tokens[0].lower() != "workspace":
            self.fail(file, number, f"expected `workspace`, found `{tokens[0]}`")
        if len(tokens) >= 3 and tokens[1].lower() == "extends":
            base = _unquote(tokens[2])
            if re.match(r"^[a-z]+://", base):
                self.fail(file, number, f"workspace extends {base}: only local files are read")
            base_path = (path.parent / base).resolve()
            if not base_path.exists():
                self.fail(file, number, f"workspace extends {base}: no such file")
            if depth > MAX_INCLUDE_DEPTH:
                self.fail(file, number, "workspace extends nests too deep")
            self.parse_file(base_path, depth + 1)
        else:
            strings = [_unquote(t) for t in tokens[1:] if t.startswith('"')]
            if strings and not self.ws.name:
                self.ws.name = strings[0]
            if len(strings) > 1 and not self.ws.description:
                self.ws.description = strings[1]
        if tokens[-1] != "{":
            self.fail(file, number, "expected `{` after workspace")
        index = self._workspace_block(lines, 1)
        if index < len(lines):
            file, number, tokens = lines[index]
            self.fail(file, number, f"unexpected `{' '.join(tokens)}` after the workspace ended")

    def _skip_block(self, lines: list[tuple[str, int, list[str]]], index: int) -> int:
        """Index after the block whose opening `{` ended the line before `index`."""
        depth = 1
        while index < len(lines):
            tokens = lines[index][2]
            depth += tokens.count("{") - tokens.count("}")
            index += 1
            if depth <= 0:
                return index
        file, number, _ = lines[-1]
        self.fail(file, number, "a block is not closed: a `}` is missing")
        return index

    def _workspace_block(self, lines: list[tuple[str, int, list[str]]], index: int) -> int:
        while index < len(lines):
            file, number, tokens = lines[index]
            head = tokens[0].lower()
            index += 1
            if head == "}":
                return index
            if head == "name" and len(tokens) >= 2:
                self.ws.name = _unquote(tokens[1])
            elif head == "description" and len(tokens) >= 2:
                self.ws.description = _unquote(tokens[1])
            elif head == "!identifiers" and len(tokens) >= 2:
                self.hierarchical = tokens[1].lower() == "hierarchical"
            elif head == "model" and tokens[-1] == "{":
                index = self._model_block(lines, index, None)
            elif tokens[-1] == "{":
                index = self._skip_block(lines, index)
        file, number, _ = lines[-1]
        self.fail(file, number, "the workspace block is not closed: a `}` is missing")
        return index

    # -- model ---------------------------------------------------------------------------

    def _register(self, ident: str, element: Element, file: str, number: int) -> None:
        key = ident.lower()
        if self.hierarchical:
            holder = element.element_parent if element.type != "group" else element.parent
            while holder is not None and holder.type == "group":
                holder = holder.parent
            if holder is not None and holder.ident:
                key = f"{holder.ident}.{key}"
        if key in self.ids and self.ids[key] is not element:
            self.fail(
                file,
                number,
                f"the identifier '{ident}' is already used "
                f"(line {self.ids[key].line} of {self.ids[key].file})",
            )
        element.ident = key
        self.ids[key] = element

    def resolve(self, ref: str, scope: Element | None) -> Element | None:
        key = ref.lower()
        if key == "this":
            return scope
        if self.hierarchical:
            node = scope
            while node is not None:
                if node.ident and f"{node.ident}.{key}" in self.ids:
                    return self.ids[f"{node.ident}.{key}"]
                # a sibling in the same parent (identifiers are relative to the parent)
                holder = node.element_parent
                if holder is not None and holder.ident and f"{holder.ident}.{key}" in self.ids:
                    return self.ids[f"{holder.ident}.{key}"]
                node = node.parent
        return self.ids.get(key)

    def _element_type(self, word: str) -> tuple[str, _Archetype | None] | None:
        lower = word.lower()
        if lower in ELEMENT_TYPES:
            return ELEMENT_TYPES[lower], None
        if lower in self.archetypes:
            archetype = self.archetypes[lower]
            return archetype.base, archetype
        return None

    def _model_block(
        self, lines: list[tuple[str, int, list[str]]], index: int, scope: Element | None
    ) -> int:
        while index < len(lines):
            file, number, tokens = lines[index]
            index += 1
            head = tokens[0].lower()
            if head == "}":
                return index
            opens = tokens[-1] == "{"
            body = tokens[:-1] if opens else tokens
            if head == "archetypes" and opens:
                index = self._archetypes(lines, index)
                continue
            if head in ("!ref", "!extend") and len(body) >= 2:
                target = self.resolve(_unquote(body[1]), scope)
                if target is None:
                    self.fail(file, number, f"{head} {body[1]}: no element with that identifier")
                if opens:
                    index = self._model_block(lines, index, target)
                continue
            if len(body) >= 3 and body[1] == "=" and body[2].lower() == "deploymentenvironment":
                # `live = deploymentEnvironment "Live" {`: the identifier names nothing we use
                body, head = body[2:], "deploymentenvironment"
            if head == "deploymentenvironment" and opens:
                env = _unquote(body[1]) if len(body) > 1 else f"environment {number}"
                counts = self.ws.deployments.setdefault(env, {})
                index = self._deployment_block(lines, index, 1, counts)
                continue
            if head in ("description", "technology", "url", "tag", "tags") and scope is not None:
                values = [_unquote(t) for t in body[1:]]
                if head == "description" and values:
                    scope.description = values[0]
                elif head == "technology" and values:
                    scope.technology = values[0]
                elif head in ("tag", "tags"):
                    for value in values:
                        scope.tags.extend(t.strip() for t in value.split(",") if t.strip())
                if opens:
                    index = self._skip_block(lines, index)
                continue
            ident = ""
            if len(body) >= 3 and body[1] == "=":
                ident, body = body[0], body[2:]
                head = body[0].lower()
            if "->" in body:
                index = self._relation(lines, index, body, file, number, scope, opens)
                continue
            kind = self._element_type(body[0])
            if kind is not None:
                element = self._element(kind[0], kind[1], body[1:], file, number, scope)
                if ident:
                    self._register(ident, element, file, number)
                if opens:
                    index = self._model_block(lines, index, element)
                continue
            if head in _SKIPPED_BLOCKS or head.startswith("!"):
                if opens:
                    index = self._skip_block(lines, index)
                continue
            self.note("skipped", f"`{' '.join(tokens)[:60]}` is not read by archrev", file, number)
            if opens:
                index = self._skip_block(lines, index)
        file, number, _ = lines[-1]
        self.fail(file, number, "the model block is not closed: a `}` is missing")
        return index

    def _element(
        self,
        type_: str,
        archetype: _Archetype | None,
        args: list[str],
        file: str,
        number: int,
        scope: Element | None,
    ) -> Element:
        values = [_unquote(a) for a in args]
        name = values[0] if values else ""
        if not name:
            self.fail(file, number, f"a {type_} needs a name")
        element = Element(type_, name, file, number, parent=scope)
        if archetype is not None:
            element.technology = archetype.technology
            element.description = archetype.description
            element.tags = list(archetype.tags)
        rest = values[1:]
        if type_ in ("person", "softwaresystem"):
            padded = [*rest, "", ""]
            description, technology, tags = padded[0], "", padded[1]
        elif type_ == "group":
            description, technology, tags = "", "", ""
        else:
            description, technology, tags = [*rest, "", "", ""][:3]
        element.description = description or element.description
        element.technology = technology or element.technology
        element.tags.extend(t.strip() for t in tags.split(",") if t.strip())
        if scope is not None:
            scope.children.append(element)
        self.ws.elements.append(element)
        return element

    def _archetypes(self, lines: list[tuple[str, int, list[str]]], index: int) -> int:
        while index < len(lines):
            file, number, tokens = lines[index]
            index += 1
            if tokens[0] == "}":
                return index
            opens = tokens[-1] == "{"
            body = tokens[:-1] if opens else tokens
            if len(body) >= 3 and body[1] == "=":
                base = self._element_type(body[2])
                archetype = _Archetype(base[0] if base else body[2].lower())
                if base and base[1] is not None:
                    parent = base[1]
                    archetype.technology, archetype.description = (
                        parent.technology,
                        (parent.description),
                    )
                    archetype.tags = list(parent.tags)
                self.archetypes[body[0].lower()] = archetype
                if opens:
                    index = self._archetype_body(lines, index, archetype)
            elif opens:
                index = self._skip_block(lines, index)
        file, number, _ = lines[-1]
        self.fail(file, number, "the archetypes block is not closed")
        return index

    def _archetype_body(
        self, lines: list[tuple[str, int, list[str]]], index: int, archetype: _Archetype
    ) -> int:
        while index < len(lines):
            _, _, tokens = lines[index]
            index += 1
            head = tokens[0].lower()
            if head == "}":
                return index
            values = [_unquote(t) for t in tokens[1:] if t != "{"]
            if head == "technology" and values:
                archetype.technology = values[0]
            elif head == "description" and values:
                archetype.description = values[0]
            elif head in ("tag", "tags"):
                for value in values:
                    archetype.tags.extend(t.strip() for t in value.split(",") if t.strip())
            if tokens[-1] == "{":
                index = self._skip_block(lines, index)
        return index

    def _relation(
        self,
        lines: list[tuple[str, int, list[str]]],
        index: int,
        body: list[str],
        file: str,
        number: int,
        scope: Element | None,
        opens: bool,
    ) -> int:
        arrow = body.index("->")
        if arrow == 0:
            source_ref = "this"
        elif arrow == 1:
            source_ref = body[0]
        else:
            self.fail(file, number, f"cannot read the relationship `{' '.join(body)}`")
        if arrow + 1 >= len(body):
            self.fail(file, number, "a relationship needs a destination after `->`")
        target_ref = body[arrow + 1]
        values = [_unquote(t) for t in body[arrow + 2 :]]
        self.pending_relations.append((source_ref, target_ref, values, file, number, scope))
        if opens:
            index = self._skip_block(lines, index)
        return index

    def _deployment_block(
        self,
        lines: list[tuple[str, int, list[str]]],
        index: int,
        multiplier: int,
        counts: dict[int, int],
    ) -> int:
        while index < len(lines):
            file, number, tokens = lines[index]
            index += 1
            if tokens[0] == "}":
                return index
            opens = tokens[-1] == "{"
            body = tokens[:-1] if opens else tokens
            if len(body) >= 3 and body[1] == "=":
                body = body[2:]
            head = body[0].lower()
            if head == "deploymentnode" and opens:
                values = [_unquote(t) for t in body[1:]]
                instances = 1
                if len(values) >= 5:
                    match = re.match(r"^\s*(?:\d+\s*\.\.\s*)?(\d+)\s*$", values[4])
                    if match:
                        instances = int(match.group(1))
                index = self._deployment_block(lines, index, multiplier * instances, counts)
                continue
            if head in ("containerinstance", "softwaresysteminstance") and len(body) >= 2:
                element = self.resolve(body[1], None)
                if element is None:
                    self.note("unresolved", f"{body[0]} {body[1]}: no such element", file, number)
                else:
                    counts[id(element)] = counts.get(id(element), 0) + multiplier
                if opens:
                    index = self._skip_block(lines, index)
                continue
            if opens:
                index = self._skip_block(lines, index)
        file, number, _ = lines[-1]
        self.fail(file, number, "the deploymentEnvironment block is not closed")
        return index

    def finish(self) -> Workspace:
        for source_ref, target_ref, values, file, number, scope in self.pending_relations:
            source = self.resolve(source_ref, scope)
            target = self.resolve(target_ref, scope)
            missing = [r for r, e in ((source_ref, source), (target_ref, target)) if e is None]
            if missing:
                self.note(
                    "unresolved",
                    f"relationship {source_ref} -> {target_ref}: no element '{missing[0]}'",
                    file,
                    number,
                )
                continue
            assert source is not None and target is not None
            description = values[0] if values else ""
            technology = values[1] if len(values) > 1 else ""
            tags = [
                t.strip() for t in (values[2] if len(values) > 2 else "").split(",") if t.strip()
            ]
            self.ws.relations.append(
                Relation(source, target, description, technology, tags, file, number)
            )
        by_id = {id(e): e for e in self.ws.elements}
        for counts in self.ws.deployments.values():
            for key, count in counts.items():
                element = by_id.get(key)
                if element is not None:
                    element.replicas = max(element.replicas or 0, count)
        return self.ws


# -- JSON ------------------------------------------------------------------------------------


def _json_workspace(path: Path) -> Workspace:
    text = read_text(path)
    try:
        data = json.loads(text)
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        raise InputFileError.single(path, f"this is not valid JSON: {exc}", line, 1) from None
    model = data.get("model") if isinstance(data, dict) else None
    if not isinstance(model, dict):
        raise InputFileError.single(path, "a Structurizr workspace JSON has a `model` object")
    lines: dict[str, int] = {}
    for m in re.finditer(r'"id"\s*:\s*"([^"]+)"', text):
        lines.setdefault(m.group(1), text.count("\n", 0, m.start()) + 1)
    ws = Workspace(name=str(data.get("name", "")), description=str(data.get("description", "")))
    by_id: dict[str, Element] = {}
    pending: list[dict[str, Any]] = []

    def add(item: dict[str, Any], type_: str, parent: Element | None) -> Element:
        eid = str(item.get("id", ""))
        element = Element(
            type_,
            str(item.get("name", eid)),
            str(path),
            lines.get(eid, 0),
            parent=parent,
            description=str(item.get("description", "")),
            technology=str(item.get("technology", "")),
            tags=[t.strip() for t in str(item.get("tags", "")).split(",") if t.strip()],
        )
        group = item.get("group")
        if group:
            # The group is only the element's group name here: it holds no identifier.
            element.parent = Element("group", str(group), str(path), element.line, parent=parent)
        if parent is not None:
            parent.children.append(element)
        ws.elements.append(element)
        by_id[eid] = element
        pending.extend(r for r in item.get("relationships") or [] if isinstance(r, dict))
        for child_key, child_type in (("containers", "container"), ("components", "component")):
            for child in item.get(child_key) or []:
                if isinstance(child, dict):
                    add(child, child_type, element)
        return element

    for item in model.get("people") or []:
        add(item, "person", None)
    for item in model.get("softwareSystems") or []:
        add(item, "softwaresystem", None)
    for rel in pending:
        source, target = (
            by_id.get(str(rel.get("sourceId"))),
            by_id.get(str(rel.get("destinationId"))),
        )
        line = lines.get(str(rel.get("id", "")), 0)
        if source is None or target is None:
            continue  # relationships of deployment nodes and instances
        ws.relations.append(
            Relation(
                source,
                target,
                str(rel.get("description", "")),
                str(rel.get("technology", "")),
                [t for t in str(rel.get("tags", "")).split(",") if t],
                str(path),
                line,
            )
        )

    def walk(nodes: list[Any], env: str, multiplier: int) -> None:
        for node in nodes:
            if not isinstance(node, dict):
                continue
            instances = node.get("instances", 1)
            count = multiplier * (int(instances) if str(instances).isdigit() else 1)
            counts = ws.deployments.setdefault(str(node.get("environment", env)), {})
            for inst in node.get("containerInstances") or []:
                element = by_id.get(str(inst.get("containerId")))
                if element is not None:
                    counts[id(element)] = counts.get(id(element), 0) + count
            walk(node.get("children") or [], env, count)

    walk(model.get("deploymentNodes") or [], "Default", 1)
    by_key = {id(e): e for e in ws.elements}
    for counts in ws.deployments.values():
        for key, count in counts.items():
            if key in by_key:
                by_key[key].replicas = max(by_key[key].replicas or 0, count)
    return ws


# -- to the model ----------------------------------------------------------------------------


def _kind(element: Element) -> tuple[Kind, bool]:
    tags = " | ".join(t.lower() for t in element.tags)
    if element.type == "person":
        return Kind.CLIENT, True
    for words, kind in _TAG_KINDS:
        if any(w in tags for w in words):
            return kind, True
    if element.technology:
        kind, _, known = infer_kind("", element.technology)
        if known and kind != Kind.SERVICE:
            return kind, True
    kind, _, known = infer_kind("", element.name)
    if known:
        return kind, True
    if element.type in ("softwaresystem", "container", "component"):
        return Kind.SERVICE, element.type != "container" or bool(element.technology)
    return Kind.SERVICE, False


def _deployed_instances(element: Element) -> int | None:
    """The element's own instance count, else the nearest enclosing element's: a component
    runs inside its container's processes, so it has as many instances as the container
    (the API Application's controllers run on all 8 of its servers)."""
    node: Element | None = element
    while node is not None:
        if node.replicas is not None:
            return node.replicas
        node = node.parent
    return None


def to_model(ws: Workspace, default_name: str, system_id: str | None) -> ImportResult:
    notes = list(ws.notes)
    leaves = [e for e in ws.elements if e.type != "group" and e.is_leaf]
    if not leaves:
        raise InputFileError.single(
            default_name, "the workspace model has no element; nothing to import"
        )
    # Ids from names; same-named elements in different places get their parent's name too.
    base = {id(e): slugify(e.name) for e in leaves}
    counts: dict[str, int] = {}
    for slug in base.values():
        counts[slug] = counts.get(slug, 0) + 1
    ids: dict[int, str] = {}
    taken: set[str] = set()
    for element in leaves:
        slug = base[id(element)]
        if counts[slug] > 1:
            holder = element.element_parent
            prefix = slugify(holder.name) if holder is not None else element.type
            slug = f"{prefix}.{slug}"[:100]
        candidate, n = slug, 2
        while candidate in taken:
            candidate, n = f"{slug}-{n}", n + 1
        taken.add(candidate)
        ids[id(element)] = candidate

    components: list[Component] = []
    origins: dict[str, Origin] = {}
    for element in leaves:
        cid = ids[id(element)]
        kind, known = _kind(element)
        if not known:
            notes.append(
                ImportNote(
                    "unknown",
                    f"{element.type} '{element.name}': kind not inferred; imported as a service",
                    Origin(element.file, element.line),
                )
            )
        data: dict[str, Any] = {"id": cid, "name": element.name, "kind": kind}
        if element.technology:
            data["technology"] = element.technology
        tags = [
            t
            for t in element.tags
            if t.lower() not in ("element", "person", "software system", "container", "component")
        ]
        tags.append(element.type if element.type != "softwaresystem" else "software-system")
        data["tags"] = tags
        if element.parent is not None:
            data["group"] = element.parent.name
        replicas = _deployed_instances(element)
        if replicas is not None and replicas > 0:
            data["replicas"] = replicas
        components.append(Component.model_validate(data))
        origins[cid] = Origin(element.file, element.line)

    links: dict[tuple[str, str], Link] = {}
    link_origins: dict[tuple[str, str], Origin] = {}
    lifted = 0
    first_lifted: Relation | None = None
    kinds = {c.id: c.kind for c in components}
    to_clients: list[Relation] = []
    for rel in ws.relations:
        source, target = ids.get(id(rel.source)), ids.get(id(rel.target))
        if source is None or target is None:
            lifted += 1
            first_lifted = first_lifted or rel
            continue
        if source == target:
            continue
        if rel.target.type == "person" or (
            kinds[target] == Kind.CLIENT and kinds[source] != Kind.CLIENT
        ):
            # "Sends e-mails to" a person, "delivers to the customer's web browser": nothing
            # waits on a person or a browser, so such a relationship is no dependency. Kept,
            # it would close cycles through the user and count in instability. A person
            # using a client (the customer uses the single-page app) stays: that is where
            # requests start.
            to_clients.append(rel)
            continue
        key = (source, target)
        if key in links:
            continue
        async_ = any(t.lower() in ("async", "asynchronous", "event", "message") for t in rel.tags)
        links[key] = Link(
            source=source,
            target=target,
            description=rel.description[:500],
            protocol=rel.technology[:100],
            mode="async" if async_ else "sync",
        )
        link_origins[key] = Origin(rel.file, rel.line)
    if lifted and first_lifted is not None:
        notes.append(
            ImportNote(
                "skipped",
                f"{lifted} relationship(s) to or from an element shown by its parts (e.g. "
                f"{first_lifted.source.name} -> {first_lifted.target.name}) were left out: the "
                "relationships of the parts stand for them",
                Origin(first_lifted.file, first_lifted.line),
            )
        )
    if to_clients:
        shown = "; ".join(
            f"{r.source.name} -> {r.target.name}" + (f" ({r.description})" if r.description else "")
            for r in to_clients[:5]
        )
        more = f" and {len(to_clients) - 5} more" if len(to_clients) > 5 else ""
        notes.append(
            ImportNote(
                "skipped",
                f"{len(to_clients)} relationship(s) into a person, or from the system into a "
                f"client, were left out because no request waits on them: {shown}{more}",
                Origin(to_clients[0].file, to_clients[0].line),
            )
        )
    name = ws.name or default_name
    model = SystemModel(
        system=System(id=system_id or slugify(name), name=name, description=ws.description[:2000]),
        components=components,
        links=list(links.values()),
    )
    return ImportResult(model, "structurizr", origins, link_origins, notes)


def read_workspace(path: str | Path) -> Workspace:
    path = Path(path)
    if path.suffix == ".json":
        return _json_workspace(path)
    parser = _Parser(path.parent)
    parser.parse_file(path)
    return parser.finish()


def read_structurizr(path: str | Path, *, system_id: str | None = None) -> ImportResult:
    """A workspace (DSL or JSON) as a system model with an import report."""
    path = Path(path)
    ws = read_workspace(path)
    return to_model(ws, path.resolve().parent.name, system_id)


def read_structurizr_many(paths: Sequence[str | Path]) -> list[ImportResult]:
    return [read_structurizr(p) for p in paths]
