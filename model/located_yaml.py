"""Read YAML and remember where every value came from.

PyYAML's loaders forget line numbers and silently keep the last of two equal keys. Every
format archrev reads (model files, policies, compose files, manifests, checklists) wants
both: an error must name `file:line:col`, and a duplicated key is a mistake to report.

`load_located` composes the node tree with the C parser when available, then builds plain
dicts and lists (subclasses that carry positions) itself, resolving merge keys and aliases
with a budget so that an alias bomb is refused instead of exhausting memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from archrev.model.errors import InputFileError, Problem

MAX_FILE_BYTES = 20 * 1024 * 1024
# Values built from one file, counting every use of an alias again; generous for real files
# (a 10,000-component model builds about 300,000) and far below what an alias bomb asks for.
MAX_BUILT_VALUES = 5_000_000

try:  # the C parser is ten times faster; fall back quietly where libyaml is missing
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

Mark = tuple[int, int]  # 1-based line and column


class YamlMap(dict):
    """A mapping from a YAML file, with the position of itself, each key and each value."""

    __slots__ = ("key_marks", "mark", "value_marks")

    def __init__(self, mark: Mark = (0, 0)) -> None:
        super().__init__()
        self.mark = mark
        self.key_marks: dict[Any, Mark] = {}
        self.value_marks: dict[Any, Mark] = {}

    def key_mark(self, key: Any) -> Mark:
        return self.key_marks.get(key, self.mark)

    def value_mark(self, key: Any) -> Mark:
        return self.value_marks.get(key, self.key_mark(key))


class YamlSeq(list):
    """A sequence from a YAML file, with the position of itself and of each item."""

    __slots__ = ("item_marks", "mark")

    def __init__(self, mark: Mark = (0, 0)) -> None:
        super().__init__()
        self.mark = mark
        self.item_marks: list[Mark] = []

    def item_mark(self, index: int) -> Mark:
        if 0 <= index < len(self.item_marks):
            return self.item_marks[index]
        return self.mark


def mark_of(value: Any) -> Mark:
    return getattr(value, "mark", (0, 0))


def _mark(node: yaml.Node) -> Mark:
    m = node.start_mark
    return (m.line + 1, m.column + 1)


class _Builder:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []
        self.built = 0
        self._scalars = yaml.SafeLoader("")  # only its scalar constructors are used
        self._constructors = self._scalars.yaml_constructors

    def problem(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.filename, mark[0], mark[1], message))

    def build(self, node: yaml.Node) -> Any:
        self.built += 1
        if self.built > MAX_BUILT_VALUES:
            raise InputFileError.single(
                self.filename,
                "the file expands to more than "
                f"{MAX_BUILT_VALUES:,} values through aliases; this looks like an alias bomb "
                "and is refused. Remove the nested aliases.",
                *_mark(node),
            )
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if isinstance(node, yaml.SequenceNode):
            seq = YamlSeq(_mark(node))
            for item in node.value:
                seq.append(self.build(item))
                seq.item_marks.append(_mark(item))
            return seq
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node)
        raise InputFileError.single(self.filename, "unsupported YAML node", *_mark(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        construct = self._constructors.get(node.tag)
        if construct is None:
            if node.tag.startswith("tag:yaml.org,2002:"):
                construct = self._constructors[None]
            else:
                self.problem(
                    _mark(node),
                    f"the tag {node.tag} is not supported here; write a plain value",
                )
                return node.value
        try:
            return construct(self._scalars, node)
        except (yaml.YAMLError, ValueError) as exc:
            self.problem(_mark(node), f"cannot read the value {node.value!r}: {exc}")
            return node.value

    def _mapping(self, node: yaml.MappingNode) -> YamlMap:
        result = YamlMap(_mark(node))
        merged: list[YamlMap] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                merged.extend(self._merge_sources(value_node))
                continue
            key = self.build(key_node)
            if isinstance(key, list | dict):
                self.problem(_mark(key_node), "a mapping key must be a plain value")
                continue
            if key in result:
                first = result.key_marks[key]
                self.problem(
                    _mark(key_node),
                    f"duplicate key '{key}' (first at line {first[0]}); "
                    "YAML would silently keep only the last one: remove or rename one",
                )
                continue
            result[key] = self.build(value_node)
            result.key_marks[key] = _mark(key_node)
            result.value_marks[key] = _mark(value_node)
        # Merge keys fill in what the mapping does not say itself, earlier sources first.
        for source in merged:
            for key, value in source.items():
                if key not in result:
                    result[key] = value
                    result.key_marks[key] = source.key_marks.get(key, source.mark)
                    result.value_marks[key] = source.value_marks.get(key, source.mark)
        return result

    def _merge_sources(self, node: yaml.Node) -> list[YamlMap]:
        nodes = node.value if isinstance(node, yaml.SequenceNode) else [node]
        sources: list[YamlMap] = []
        for item in nodes:
            value = self.build(item)
            if isinstance(value, YamlMap):
                sources.append(value)
            else:
                self.problem(_mark(item), "a merge key (<<) needs a mapping or a list of them")
        return sources


def _compose_all(text: str, filename: str) -> Iterator[yaml.Node]:
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = exc.problem or str(exc)
        if exc.context:
            what = f"{exc.context}, {what}"
        raise InputFileError.single(
            filename, f"this is not valid YAML: {what}", line, col
        ) from None
    except yaml.YAMLError as exc:
        raise InputFileError.single(filename, f"this is not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def read_text(path: str | Path) -> str:
    """A text file's contents, refusing what is too large, binary or not UTF-8."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputFileError.single(path, "no such file; check the path") from None
    except OSError as exc:
        raise InputFileError.single(path, f"cannot read the file: {exc.strerror}") from None
    if path.is_dir():
        raise InputFileError.single(path, "this is a directory; name a file")
    if size > MAX_FILE_BYTES:
        raise InputFileError.single(
            path,
            f"the file is {size / 1e6:.1f} MB; archrev reads files up to "
            f"{MAX_FILE_BYTES // (1024 * 1024)} MB. Split the system into smaller models.",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError.single(path, f"cannot read the file: {exc.strerror}") from None
    if b"\x00" in data[:8192]:
        raise InputFileError.single(path, "this is a binary file, not YAML text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError.single(
            path, "the file is not UTF-8 text; save it as UTF-8", line, 1
        ) from None


def load_located(text: str, filename: str) -> Any:
    """The single document in `text`, as YamlMap/YamlSeq/scalars; None when empty."""
    docs = load_all_located(text, filename)
    if len(docs) > 1:
        raise InputFileError.single(
            filename,
            f"the file holds {len(docs)} YAML documents; a model file holds one",
            *mark_of(docs[1]),
        )
    return docs[0] if docs else None


def load_all_located(text: str, filename: str) -> list[Any]:
    """Every document in `text` (a multi-document stream such as Kubernetes manifests)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise InputFileError.single(filename, "the text is larger than 20 MB; split it")
    builder = _Builder(filename)
    docs = [builder.build(node) for node in _compose_all(text, filename)]
    if builder.problems:
        raise InputFileError(builder.problems)
    return docs


def load_file(path: str | Path) -> Any:
    return load_located(read_text(path), str(path))
