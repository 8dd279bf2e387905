"""Read YAML and remember where every value came from.

PyYAML's loaders forget line numbers and silently keep the last of two equal keys. Every
format archrev reads (model files, policies, compose files, manifests, checklists) wants
both: an error must name `file:line:col`, and a duplicated key is a mistake to report.

`load_located` reads the event stream of the C parser when available and builds plain dicts
and lists (subclasses that carry positions) itself, resolving merge keys and aliases with
a budget so that an alias bomb is refused instead of exhausting memory.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from archrev.model.bulk import building_many_objects
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
        # dict.__init__ is not called: with no arguments it does nothing, and a model file
        # creates one of these per component and per link.
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
        self.mark = mark  # list.__init__ skipped, as for YamlMap
        self.item_marks: list[Mark] = []

    def item_mark(self, index: int) -> Mark:
        if 0 <= index < len(self.item_marks):
            return self.item_marks[index]
        return self.mark


@dataclass(frozen=True, slots=True)
class Tagged:
    """A value written with a local tag the caller asked to keep: `!reset []` -> ("!reset", [])."""

    tag: str
    value: Any
    mark: Mark


def mark_of(value: Any) -> Mark:
    return getattr(value, "mark", (0, 0))


_TAG = "tag:yaml.org,2002:"
_STR, _NULL, _BOOL, _INT, _FLOAT, _MERGE_TAG = (
    f"{_TAG}{name}" for name in ("str", "null", "bool", "int", "float", "merge")
)
# Tags PyYAML resolves but cannot construct ("=", "!", "&", "*" as plain text): kept as text.
_TEXT_TAGS = frozenset({_STR, f"{_TAG}value", f"{_TAG}yaml"})
_IMPLICIT = yaml.SafeLoader.yaml_implicit_resolvers
_BOOLS = yaml.constructor.SafeConstructor.bool_values
MAX_DEPTH = 200


class _MergeKey:
    """The `<<` key: what follows is merged into the mapping, not stored under a key."""


_MERGE = _MergeKey()
_NO_KEY = object()


def _resolve_plain(value: str) -> str:
    """The tag YAML 1.1 gives a plain scalar (the rules of PyYAML's resolver)."""
    for tag, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            return tag
    return _STR


def reads_as_text(value: str) -> bool:
    """True when YAML reads `value`, written without quotes, as text (not 12, yes, ~...)."""
    return _resolve_plain(value) == _STR


class _Frame:
    """A mapping or sequence being built, with what it still waits for."""

    __slots__ = ("anchor", "container", "key", "key_mark", "merges", "start", "tag")

    def __init__(
        self, container: YamlMap | YamlSeq, anchor: str | None, start: int, tag: str | None = None
    ) -> None:
        self.container = container
        self.anchor = anchor
        self.tag = tag  # a local tag the caller asked to keep (compose's !reset, !override)
        self.start = start  # the value count when it opened: its size is the difference
        self.key: Any = _NO_KEY
        self.key_mark: Mark = (0, 0)
        self.merges: list[tuple[Any, Mark]] = []


class _Builder:
    """Plain values from the parser's event stream, without composing a node tree.

    Composing nodes (what `yaml.compose` and every PyYAML loader do) costs a Python object
    and a regular-expression resolution per scalar; building straight from the C parser's
    events, with resolved scalars cached by their text, is about three times faster on
    large model files. The builder is iterative, so deep nesting cannot overflow the stack.
    """

    def __init__(self, filename: str, keep_tags: frozenset[str] = frozenset()) -> None:
        self.filename = filename
        self.keep_tags = keep_tags
        self.problems: list[Problem] = []
        self.built = 0
        self._constructor = yaml.SafeLoader("")  # only its scalar constructors are used
        self._plain_cache: dict[str, Any] = {}

    def problem(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.filename, mark[0], mark[1], message))

    def _too_many(self, mark: Mark) -> InputFileError:
        return InputFileError.single(
            self.filename,
            "the file expands to more than "
            f"{MAX_BUILT_VALUES:,} values through aliases; this looks like an alias bomb "
            "and is refused. Remove the nested aliases.",
            *mark,
        )

    def documents(self, loader: Any) -> list[Any]:
        # The hot loop of every model load: one pass per parser event (about 20 per
        # component), so it keeps to local names and handles the common cases inline.
        docs: list[Any] = []
        anchors: dict[str, tuple[Any, int] | None] = {}  # None: still being built
        stack: list[_Frame] = []
        scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
        map_start, seq_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
        ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        plain_cache = self._plain_cache
        get_event = loader.get_event
        built = 0
        while True:
            event = get_event()
            kind = type(event)
            anchor = None
            if kind is scalar_event:
                built += 1
                m = event.start_mark
                mark = (m.line + 1, m.column + 1)
                anchor = event.anchor
                tag = event.tag
                if tag is None and event.implicit[0]:
                    text = event.value
                    try:
                        value = plain_cache[text]
                    except KeyError:
                        value = plain_cache[text] = self._plain(text, mark)
                elif tag is None or tag == "!":
                    value = event.value
                elif tag in self.keep_tags:
                    text = event.value
                    plain = None if text in ("", "~", "null") else text
                    value = Tagged(tag, plain, mark)
                else:
                    value = self._scalar(event.value, tag, mark)
                size = 1
            elif kind is alias_event:
                m = event.start_mark
                mark = (m.line + 1, m.column + 1)
                entry = anchors.get(event.anchor, False)
                if entry is False:
                    self.problem(mark, f"the alias *{event.anchor} names no anchor (&) above it")
                    value, size = None, 1
                elif entry is None:
                    self.problem(mark, f"the alias *{event.anchor} refers to itself")
                    value, size = None, 1
                else:
                    value, size = entry
                built += size
            elif kind is map_start or kind is seq_start:
                built += 1
                m = event.start_mark
                mark = (m.line + 1, m.column + 1)
                tag = event.tag
                kept = tag if tag in self.keep_tags else None
                if tag is not None and tag != "!" and not tag.startswith(_TAG) and not kept:
                    self.problem(mark, f"the tag {tag} is not supported here; remove it")
                if len(stack) >= MAX_DEPTH:
                    raise InputFileError.single(
                        self.filename,
                        f"the file nests more than {MAX_DEPTH} levels deep; "
                        "no archrev file needs that many",
                        *mark,
                    )
                container = YamlMap(mark) if kind is map_start else YamlSeq(mark)
                if event.anchor is not None:
                    anchors[event.anchor] = None
                stack.append(_Frame(container, event.anchor, built, kept))
                continue
            elif kind in ends:
                frame = stack.pop()
                value = frame.container
                if frame.merges:
                    self._merge(value, frame.merges)
                size = built - frame.start + 1
                anchor = frame.anchor
                mark = value.mark
                if frame.tag is not None:
                    value = Tagged(frame.tag, value, mark)
            elif kind is yaml.StreamEndEvent:
                self.built = built
                return docs
            else:  # stream and document start and end
                continue
            if built > MAX_BUILT_VALUES:
                raise self._too_many(mark)
            if value is _MERGE and (
                not stack or type(stack[-1].container) is YamlSeq or stack[-1].key is not _NO_KEY
            ):
                self.problem(mark, "'<<' merges a mapping into another; it cannot be a value")
                value = "<<"
            if anchor is not None:
                anchors[anchor] = (value, size)
            if not stack:
                docs.append(value)
                continue
            frame = stack[-1]
            parent = frame.container
            if type(parent) is YamlSeq:
                parent.append(value)
                parent.item_marks.append(mark)
                continue
            key = frame.key
            if key is _NO_KEY:
                frame.key = value
                frame.key_mark = mark
            elif type(key) is str and key not in parent:  # the common case, inline
                frame.key = _NO_KEY
                parent[key] = value
                parent.key_marks[key] = frame.key_mark  # type: ignore[union-attr]
                parent.value_marks[key] = mark  # type: ignore[union-attr]
            else:
                self._put(frame, value, mark)

    def _put(self, frame: _Frame, value: Any, mark: Mark) -> None:
        key, key_mark = frame.key, frame.key_mark
        frame.key = _NO_KEY
        result: YamlMap = frame.container  # type: ignore[assignment]
        if key is _MERGE:
            frame.merges.append((value, mark))
        elif isinstance(key, list | dict):
            self.problem(key_mark, "a mapping key must be a plain value")
        elif key in result:
            first = result.key_marks[key]
            self.problem(
                key_mark,
                f"duplicate key '{key}' (first at line {first[0]}); "
                "YAML would silently keep only the last one: remove or rename one",
            )
        else:
            result[key] = value
            result.key_marks[key] = key_mark
            result.value_marks[key] = mark

    def _merge(self, result: YamlMap, merges: list[tuple[Any, Mark]]) -> None:
        """Merge keys fill in what the mapping does not say itself, earlier sources first."""
        sources: list[YamlMap] = []
        for value, mark in merges:
            items = value if isinstance(value, YamlSeq) else [value]
            for i, item in enumerate(items):
                if isinstance(item, YamlMap):
                    sources.append(item)
                else:
                    where = value.item_mark(i) if isinstance(value, YamlSeq) else mark
                    self.problem(where, "a merge key (<<) needs a mapping or a list of them")
        for source in sources:
            for key, val in source.items():
                if key not in result:
                    result[key] = val
                    result.key_marks[key] = source.key_marks.get(key, source.mark)
                    result.value_marks[key] = source.value_marks.get(key, source.mark)

    def _plain(self, text: str, mark: Mark) -> Any:
        tag = _resolve_plain(text)
        if tag == _STR:
            return text
        try:
            return self._scalar(text, tag, mark, quiet=True)
        except (ValueError, TypeError, OverflowError):
            # Looks like a date or number but is none (2025-13-45): leave it as text, so that
            # the field's own check says what is wrong with it, naming the field.
            return text

    def _scalar(self, text: str, tag: str, mark: Mark, *, quiet: bool = False) -> Any:
        if tag in _TEXT_TAGS:
            return text
        if tag == _MERGE_TAG:
            return _MERGE
        if tag == _NULL:
            return None
        if tag == _BOOL and text.lower() in _BOOLS:
            return _BOOLS[text.lower()]
        if tag == _INT and text.isdigit() and (text == "0" or text[0] != "0"):
            return int(text)
        construct = self._constructor.yaml_constructors.get(tag)
        if construct is None or not tag.startswith(_TAG):
            self.problem(mark, f"the tag {tag} is not supported here; write a plain value")
            return text
        try:
            return construct(self._constructor, yaml.ScalarNode(tag, text))
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            if quiet:
                raise ValueError(text) from exc
            self.problem(mark, f"cannot read the value {text!r}: {exc}")
            return text


def _parse_all(
    text: str,
    filename: str,
    problems: list[Problem] | None,
    keep_tags: frozenset[str] = frozenset(),
) -> list[Any]:
    loader = _Loader(text)
    builder = _Builder(filename, keep_tags)
    try:
        with building_many_objects():
            docs = builder.documents(loader)
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
    if builder.problems:
        if problems is None:
            raise InputFileError(builder.problems)
        problems.extend(builder.problems)
    return docs


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
            1,
            1,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError.single(path, f"cannot read the file: {exc.strerror}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputFileError.single(path, "the file is UTF-16 text; save it as UTF-8", 1, 1)
    nul = data.find(b"\x00", 0, 8192)
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        col = nul - (data.rfind(b"\n", 0, nul) + 1) + 1
        raise InputFileError.single(
            path, "this is a binary file (it holds NUL bytes), not YAML text", line, col
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputFileError.single(
            path,
            f"the file is not UTF-8 text (byte 0x{data[exc.start]:02x} here); save it as UTF-8",
            line,
            col,
        ) from None


def load_located(
    text: str,
    filename: str,
    problems: list[Problem] | None = None,
    *,
    keep_tags: frozenset[str] = frozenset(),
    what: str = "a model file",
) -> Any:
    """The single document in `text`, as YamlMap/YamlSeq/scalars; None when empty.

    `what` names the kind of file in the message for a multi-document file ("a compose
    file holds one").

    Broken YAML raises `InputFileError`. Mistakes that leave the document readable
    (duplicate keys, unsupported tags) raise too, unless a `problems` list is given: they
    are added to it, so that a caller can report them together with its own findings.
    `keep_tags` names local tags (such as compose's `!reset`) to keep as `Tagged` values
    instead of refusing them.
    """
    docs = load_all_located(text, filename, problems, keep_tags=keep_tags)
    if len(docs) > 1:
        raise InputFileError.single(
            filename,
            f"the file holds {len(docs)} YAML documents; {what} holds one",
            *mark_of(docs[1]),
        )
    return docs[0] if docs else None


def load_all_located(
    text: str,
    filename: str,
    problems: list[Problem] | None = None,
    *,
    keep_tags: frozenset[str] = frozenset(),
) -> list[Any]:
    """Every document in `text` (a multi-document stream such as Kubernetes manifests)."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise InputFileError.single(filename, "the text is larger than 20 MB; split it")
    return _parse_all(text, filename, problems, keep_tags)


def load_file(path: str | Path) -> Any:
    return load_located(read_text(path), str(path))
