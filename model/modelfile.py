"""The archrev model file, version 1: the YAML that teams keep in git next to their code.

`read_model` reports every problem in a file at once, each as `file:line:col: message`;
`write_model` writes deterministically (fixed key order, defaults left out) so that a
model kept in git changes only where the architect changed it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import yaml
from archrev.model.atomic_file import write_text_atomically
from archrev.model.bulk import building_many_objects
from archrev.model.errors import InputFileError, Problem
from archrev.model.located_yaml import (
    Mark,
    YamlMap,
    YamlSeq,
    load_located,
    mark_of,
    read_text,
    reads_as_text,
)
from archrev.model.types import (
    Autoscaling,
    Component,
    Link,
    Monitoring,
    System,
    SystemModel,
    is_valid_id,
)
from pydantic import BaseModel, ValidationError

FORMAT_VERSION = 1
TOP_KEYS = ("archrev", "system", "components", "layout", "policy")
LINK_KEYS = ("to", *[f for f in Link.model_fields if f not in ("source", "target")])
COMPONENT_KEYS = (*[f for f in Component.model_fields if f != "id"], "links")
NESTED_KEYS = {
    "autoscaling": tuple(Autoscaling.model_fields),
    "monitoring": tuple(Monitoring.model_fields),
}


@dataclass
class ModelSource:
    """Where each part of a model came from, for messages and SARIF locations."""

    file: str
    components: dict[str, Mark] = field(default_factory=dict)
    links: dict[tuple[str, str], Mark] = field(default_factory=dict)
    policy: YamlMap | None = None
    header: str = ""  # the leading comment block, kept when the file is written back


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    word = str(word)
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close and len(word) >= 3:
        # A shortened name ("growth" for growth_per_year) is too short for difflib's ratio.
        close = [c for c in choices if c.startswith(word)][:1]
    return f"; did you mean '{close[0]}'?" if close else ""


def _quote_hint(value: Any) -> str:
    """Why a YAML value that is meant as an id is not text, and what to do about it."""
    if isinstance(value, str | list | dict):
        return ""
    what = {bool: "the boolean", int: "the number", float: "the number"}.get(type(value), "")
    if value is None:
        return " (YAML reads it as empty; write the id)"
    return f" (YAML reads it as {what or 'the date'} {value}; write the id in quotes)"


_BOUND_ERRORS = frozenset({"less_than", "less_than_equal", "greater_than", "greater_than_equal"})


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{value!r}"


class _Reader:
    def __init__(self, filename: str) -> None:
        self.file = filename
        self.problems: list[Problem] = []

    def problem(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.file, mark[0], mark[1], message))

    def validate(
        self,
        cls: type[BaseModel],
        data: dict[str, Any],
        where: YamlMap,
        path: str,
        known: tuple[str, ...],
    ) -> Any:
        """`cls` built from `data`, or None with every validation error recorded."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                self._validation_problem(err, where, path, known)
            return None

    def _validation_problem(
        self, err: Any, where: YamlMap, path: str, known: tuple[str, ...]
    ) -> None:
        loc = [part for part in err["loc"] if not str(part).startswith("function-after")]
        node: Any = where
        mark = where.mark
        for i, part in enumerate(loc):
            if isinstance(node, YamlMap) and part in node:
                last = i == len(loc) - 1
                mark = (
                    node.key_mark(part)
                    if last and err["type"] == "extra_forbidden"
                    else node.value_mark(part)
                )
                node = node[part]
            elif isinstance(node, YamlSeq) and isinstance(part, int) and part < len(node):
                mark = node.item_mark(part)
                node = node[part]
            else:
                break
        dotted = ".".join(str(p) for p in (path, *loc) if p != "")
        if err["type"] == "extra_forbidden":
            names = known if len(loc) == 1 else NESTED_KEYS.get(str(loc[-2]), ())
            hint = _suggest(loc[-1], names) if names else ""
            self.problem(mark, f"{dotted}: unknown key '{loc[-1]}'{hint}")
            return
        message = str(err["msg"])
        message = message[0].lower() + message[1:]
        if err["type"] == "missing":
            self.problem(mark, f"{dotted}: this field is required")
        elif err["type"] == "enum":
            choices = re.findall(r"'([^']+)'", str(err.get("ctx", {}).get("expected", "")))
            got = err.get("input")
            hint = _suggest(str(got), choices)
            self.problem(mark, f"{dotted}: {got!r} is not one of {', '.join(choices)}{hint}")
        elif err["type"].startswith(("value_error", "assertion_error")):
            self.problem(mark, f"{dotted}: {message.removeprefix('value error, ')}")
        elif err["type"] in _BOUND_ERRORS and isinstance(err.get("input"), str):
            # YAML 1.1 reads `1e308` as text and pydantic converts it: show it as written,
            # not quoted as if it were a string.
            self.problem(mark, f"{dotted}: {message} (got {err['input']})")
        else:
            self.problem(mark, f"{dotted}: {message} (got {_type_name(err.get('input'))})")


def parse_model(text: str, filename: str) -> tuple[SystemModel, ModelSource]:
    """A model and where its parts are, from the text of a model file."""
    with building_many_objects():
        return _parse_model(text, filename)


def _parse_model(text: str, filename: str) -> tuple[SystemModel, ModelSource]:
    reader = _Reader(filename)
    doc = load_located(text, filename, reader.problems)
    source = ModelSource(filename, header=_leading_comments(text))
    if not isinstance(doc, YamlMap):
        line, col = mark_of(doc)
        message = (
            "a model file is a mapping that starts with `archrev: 1`; "
            f"this file holds {_type_name(doc)}"
        )
        raise InputFileError([*reader.problems, Problem(filename, line, col, message)])
    for key in doc:
        if key not in TOP_KEYS:
            reader.problem(
                doc.key_mark(key), f"unknown top-level key '{key}'{_suggest(key, TOP_KEYS)}"
            )
    _check_version(doc, reader)

    system = _read_system(doc, reader)
    components, raw_links = _read_components(doc, reader, source)
    ids = set(source.components)  # every declared id, even one whose fields had errors
    links = _read_links(raw_links, ids, reader, source)
    layout = _read_layout(doc, ids, reader)
    policy = doc.get("policy")
    if policy is not None and not isinstance(policy, YamlMap):
        reader.problem(doc.value_mark("policy"), "policy: expected a mapping")
        policy = None
    source.policy = policy

    if reader.problems or system is None:
        raise InputFileError(reader.problems)
    model = SystemModel.model_construct(
        system=system,
        components=components,
        links=links,
        layout=layout,
        policy=_plain(policy) if policy is not None else None,
    )
    return model, source


def _check_version(doc: YamlMap, reader: _Reader) -> None:
    if "archrev" not in doc:
        reader.problem(doc.mark, "add `archrev: 1` as the first line: it marks an archrev model")
        return
    version = doc["archrev"]
    if version == FORMAT_VERSION and not isinstance(version, bool):
        return
    if isinstance(version, int) and not isinstance(version, bool) and version > FORMAT_VERSION:
        reader.problem(
            doc.value_mark("archrev"),
            f"this model is format version {version}, written by a newer archrev; "
            f"this archrev reads version {FORMAT_VERSION}. Upgrade archrev.",
        )
    else:
        reader.problem(
            doc.value_mark("archrev"), f"archrev: expected 1 (the format version), got {version!r}"
        )


def _read_system(doc: YamlMap, reader: _Reader) -> System | None:
    raw = doc.get("system")
    if not isinstance(raw, YamlMap):
        where = doc.value_mark("system") if "system" in doc else doc.mark
        reader.problem(where, "system: expected a mapping with at least an id, e.g. {id: shop}")
        return None
    return reader.validate(System, raw, raw, "system", tuple(System.model_fields))


def _read_components(
    doc: YamlMap, reader: _Reader, source: ModelSource
) -> tuple[list[Component], list[tuple[str, int, Any, Mark]]]:
    raw = doc.get("components")
    if raw is None:
        return [], []
    if not isinstance(raw, YamlMap):
        reader.problem(
            doc.value_mark("components"), "components: expected a mapping of id -> fields"
        )
        return [], []
    components: list[Component] = []
    raw_links: list[tuple[str, int, Any, Mark]] = []
    for comp_id, entry in raw.items():
        key_mark = raw.key_mark(comp_id)
        if not isinstance(comp_id, str):
            reader.problem(key_mark, f"component id {comp_id!r}{_quote_hint(comp_id)}")
            continue
        if not is_valid_id(comp_id):
            reader.problem(
                key_mark,
                f"component id {comp_id!r}: use letters, digits, '-', '_' or '.', "
                "starting with a letter or digit (at most 100 characters)",
            )
            continue
        source.components[comp_id] = key_mark
        if entry is None:
            entry = YamlMap(raw.value_mark(comp_id))
        if not isinstance(entry, YamlMap):
            reader.problem(
                raw.value_mark(comp_id),
                f"components.{comp_id}: expected a mapping of fields, got {_type_name(entry)}",
            )
            continue
        fields = {k: v for k, v in entry.items() if k != "links"}
        fields["id"] = comp_id
        comp = reader.validate(Component, fields, entry, f"components.{comp_id}", COMPONENT_KEYS)
        if comp is not None:
            components.append(comp)
        if "links" in entry:
            links = entry["links"]
            if links is None:
                continue
            if not isinstance(links, YamlSeq):
                reader.problem(
                    entry.value_mark("links"),
                    f"components.{comp_id}.links: expected a list of component ids or "
                    "{to: id, ...} mappings",
                )
                continue
            for i, item in enumerate(links):
                raw_links.append((comp_id, i, item, links.item_mark(i)))
    return components, raw_links


def _read_links(
    raw_links: list[tuple[str, int, Any, Mark]],
    ids: set[str],
    reader: _Reader,
    source: ModelSource,
) -> list[Link]:
    links: list[Link] = []
    for comp_id, index, item, mark in raw_links:
        where = f"components.{comp_id}.links[{index}]"
        if isinstance(item, str):
            target, fields, item_map = item, {}, YamlMap(mark)
            target_mark = mark
        elif isinstance(item, YamlMap):
            if "to" not in item:
                reader.problem(mark, f"{where}: a link mapping needs `to: <component id>`")
                continue
            target = item["to"]
            target_mark = item.value_mark("to")
            fields = {k: v for k, v in item.items() if k != "to"}
            item_map = item
        else:
            reader.problem(
                mark,
                f"{where}: expected a component id or a mapping, got {item!r}{_quote_hint(item)}",
            )
            continue
        if not isinstance(target, str):
            reader.problem(
                target_mark,
                f"{where}: the target must be a component id, got {target!r}{_quote_hint(target)}",
            )
            continue
        if target == comp_id:
            reader.problem(target_mark, f"{where}: '{comp_id}' links to itself; remove the link")
            continue
        if target not in ids:
            hint = _suggest(target, sorted(ids))
            reader.problem(target_mark, f"{where}: no component '{target}'{hint}")
            continue
        if (comp_id, target) in source.links:
            first = source.links[(comp_id, target)]
            reader.problem(
                target_mark,
                f"{where}: a second link to '{target}' (the first is at line {first[0]}); keep one",
            )
            continue
        source.links[(comp_id, target)] = mark
        link = reader.validate(
            Link, {**fields, "source": comp_id, "target": target}, item_map, where, LINK_KEYS
        )
        if link is not None:
            links.append(link)
    return links


def _read_layout(doc: YamlMap, ids: set[str], reader: _Reader) -> dict[str, tuple[int, int]]:
    raw = doc.get("layout")
    layout: dict[str, tuple[int, int]] = {}
    if raw is None:
        return layout
    if not isinstance(raw, YamlMap):
        reader.problem(doc.value_mark("layout"), "layout: expected a mapping of id -> [x, y]")
        return layout
    for comp_id, pos in raw.items():
        if comp_id not in ids:
            reader.problem(
                raw.key_mark(comp_id),
                f"layout: no component '{comp_id}'{_suggest(str(comp_id), sorted(ids))}"
                f"{_quote_hint(comp_id)}",
            )
            continue
        if (
            not isinstance(pos, list)
            or len(pos) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in pos)
        ):
            reader.problem(
                raw.value_mark(comp_id),
                f"layout.{comp_id}: expected [x, y], two whole numbers >= 0",
            )
            continue
        layout[comp_id] = (pos[0], pos[1])
    return layout


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if line.startswith("#"):
            lines.append(line)
        elif line.strip() == "" and lines:
            lines.append("")
        else:
            break
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def read_model(path: str | Path) -> SystemModel:
    return read_model_with_source(path)[0]


def read_model_with_source(path: str | Path) -> tuple[SystemModel, ModelSource]:
    return parse_model(read_text(path), str(path))


# -- writing --------------------------------------------------------------------------------


class _Flow(dict):
    """A mapping written on one line: a link, a position, the monitoring flags."""


class _FlowList(list):
    pass


# The C emitter writes the same text as the Python one, several times faster.
class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    # Equal values read from a file may be one shared object (dates, say): never write
    # anchors and aliases for them, a model file says every value where it applies.
    def ignore_aliases(self, data: Any) -> bool:
        return True


_Dumper.add_representer(
    _Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)
)
_Dumper.add_representer(
    _FlowList, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)
)


def _simple(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dict):
        return _Flow({k: _simple(v) for k, v in value.items()})
    if isinstance(value, list):
        return _FlowList(_simple(v) for v in value)
    return value


def _fields(obj: BaseModel, skip: set[str] | None = None) -> dict[str, Any]:
    """The fields of `obj` that differ from their defaults, in declaration order."""
    # model_dump does the default comparison in Rust: ten times faster than per field here.
    data = obj.model_dump(exclude_defaults=True, exclude=skip)
    return {name: _simple(value) for name, value in data.items()}


def model_document(model: SystemModel) -> dict[str, Any]:
    """The model as the plain data written to a file."""
    by_source: dict[str, list[Link]] = {}
    for link in model.links:
        by_source.setdefault(link.source, []).append(link)
    components: dict[str, Any] = {}
    for comp in model.components:
        entry = _fields(comp, skip={"id"})
        links = []
        for link in by_source.get(comp.id, []):
            extra = _fields(link, skip={"source", "target"})
            links.append(link.target if not extra else _Flow({"to": link.target, **extra}))
        if links:
            entry["links"] = links
        components[comp.id] = entry
    system = _fields(model.system)
    system = {"id": model.system.id, **{k: v for k, v in system.items() if k != "id"}}
    doc: dict[str, Any] = {"archrev": FORMAT_VERSION, "system": system, "components": components}
    if model.layout:
        doc["layout"] = {cid: _FlowList(model.layout[cid]) for cid in sorted(model.layout, key=str)}
    if model.policy is not None:
        doc["policy"] = model.policy
    return doc


def write_model(model: SystemModel, header: str = "") -> str:
    """The model file's text: deterministic, defaults left out, one link per line.

    The shape is fixed (mappings of scalars, short flow lists and flow mappings), so it is
    written directly, in the layout PyYAML would choose; going through PyYAML's
    representer costs five times as much on a large model. The free-form `policy:` section
    is still written by PyYAML.
    """
    with building_many_objects():
        return _write_model(model, header)


def _write_model(model: SystemModel, header: str) -> str:
    doc = model_document(model)
    out: list[str] = [f"archrev: {FORMAT_VERSION}", "system:"]
    out.extend(
        f"  {_scalar_text(k)}: {_value_text(v, flow=False)}" for k, v in doc["system"].items()
    )
    components = doc["components"]
    if not components:
        out.append("components: {}")
    else:
        out.append("components:")
        for comp_id, entry in components.items():
            if not entry:
                out.append(f"  {_scalar_text(comp_id)}: {{}}")
                continue
            out.append(f"  {_scalar_text(comp_id)}:")
            for key, value in entry.items():
                if key == "links":
                    out.append("    links:")
                    out.extend(f"    - {_value_text(link, flow=False)}" for link in value)
                else:
                    out.append(f"    {key}: {_value_text(value, flow=False)}")
    if "layout" in doc:
        out.append("layout:")
        out.extend(f"  {_scalar_text(k)}: {_value_text(v)}" for k, v in doc["layout"].items())
    text = "\n".join(out) + "\n"
    if "policy" in doc:
        text += yaml.dump(
            {"policy": doc["policy"]},
            Dumper=_Dumper,
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
            width=100,
            indent=2,
        )
    return f"{header}\n{text}" if header else text


# Text that can be written without quotes anywhere in a model file, flow collections
# included: no indicator characters, no leading or trailing space. `_scalar_text` also
# checks that YAML would not read it as something else (a number, a boolean, a date).
_PLAIN = re.compile(r"[A-Za-z0-9_/(][A-Za-z0-9 _./()+-]*(?<! )")
# Characters that may not start a plain scalar (YAML indicators and whitespace).
_BLOCK_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` \t")
_LINE_BREAKS = {"\n": "\\n", "\r": "\\r", "\x85": "\\N", "\u2028": "\\L", "\u2029": "\\P"}


def _printable(ch: str) -> bool:
    """Characters YAML lets a quoted scalar hold as they are (its `printable` set)."""
    code = ord(ch)
    return (
        0x20 <= code <= 0x7E
        or 0xA0 <= code <= 0xD7FF
        or (0xE000 <= code <= 0xFFFD and code != 0xFEFF)
        or 0x10000 <= code <= 0x10FFFF
    )


def _plain_in_block(text: str) -> bool:
    """Whether `text` reads back unchanged as a plain scalar outside flow collections."""
    return (
        text[:1] not in _BLOCK_FIRST
        and not text[-1].isspace()
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and all(_printable(ch) for ch in text)
        and not any(ch in text for ch in _LINE_BREAKS)
    )


def _string_text(text: str, flow: bool = True) -> str:
    if (_PLAIN.fullmatch(text) or (not flow and text and _plain_in_block(text))) and (
        reads_as_text(text)
    ):
        return text
    if all(_printable(ch) for ch in text):
        return "'" + text.replace("'", "''") + "'"
    parts = ['"']
    for ch in text:
        if ch == '"' or ch == "\\":
            parts.append("\\" + ch)
        elif ch in _LINE_BREAKS:
            parts.append(_LINE_BREAKS[ch])
        elif ch == "\t":
            parts.append("\\t")
        elif _printable(ch):
            parts.append(ch)
        elif ord(ch) <= 0xFF:
            parts.append(f"\\x{ord(ch):02X}")
        elif ord(ch) <= 0xFFFF:
            parts.append(f"\\u{ord(ch):04X}")
        else:
            parts.append(f"\\U{ord(ch):08X}")
    parts.append('"')
    return "".join(parts)


def _scalar_text(value: Any, flow: bool = True) -> str:
    if isinstance(value, str):
        return _string_text(value, flow)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # As PyYAML writes floats: an exponent needs a dot for YAML 1.1 to read a float.
        text = repr(value).lower()
        if "." not in text and "e" in text:
            text = text.replace("e", ".0e", 1)
        return text
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {value!r} in a model file")


def _value_text(value: Any, flow: bool = True) -> str:
    """A value written after `key: ` (flow=False) or inside a flow collection."""
    if isinstance(value, dict):
        inner = ", ".join(f"{_scalar_text(k)}: {_value_text(v)}" for k, v in value.items())
        return f"{{{inner}}}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return _scalar_text(value, flow)


def save_model(model: SystemModel, path: str | Path, header: str = "") -> None:
    """Write the model file atomically: readers see the old file or the new one, never half."""
    write_text_atomically(path, write_model(model, header))
