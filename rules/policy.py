"""Policies: how a team tunes the catalogue to its own standards.

A policy is YAML, either a file (`archrev check --policy FILE`) or the `policy:` section of
a model file; when both are given, the file's settings win over the model's:

    disable: [CST-SPOT, OBS-COST]          # rules that do not run
    rules:
      SCL-UTIL: {severity: critical, thresholds: {utilization: 0.7}}
      CPL-FANOUT: {thresholds: {max_sync_targets: 8}}
      DEBT-WORKAROUND: {enabled: false}
    custom:                                # rules of the team's own
      - id: ORG-OWNER
        title: Busy component without an owner
        severity: medium
        when: fan_in >= 3 and owner == ''
        message: "{name} is called by {fan_in} components but has no owner"
        remediation: Name the team that answers for it.

Every problem is reported as `file:line:col: message`, all at once. See docs/policy.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrev.model.errors import InputFileError, Problem
from archrev.model.located_yaml import Mark, YamlMap, YamlSeq, load_located, mark_of, read_text
from archrev.model.types import SystemModel
from archrev.rules.findings import Severity
from archrev.rules.predicate import (
    ExpressionError,
    MessageTemplate,
    Predicate,
    compile_message,
    compile_predicate,
)
from archrev.rules.rulebook import Hit, Principle, Rule, RuleContext

POLICY_KEYS = ("disable", "rules", "custom")
RULE_KEYS = ("enabled", "severity", "thresholds")
CUSTOM_KEYS = (
    "id",
    "title",
    "severity",
    "when",
    "message",
    "remediation",
    "rationale",
    "category",
    "principle",
)
CUSTOM_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


@dataclass
class Policy:
    """Disabled rules, severity and threshold overrides, and custom rules, with where each
    setting was written (so a wrong rule id is reported at its line)."""

    disabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)
    thresholds: dict[str, dict[str, float]] = field(default_factory=dict)
    custom_rules: list[Rule] = field(default_factory=list)
    # rule id -> where it was named; (rule id, threshold) -> where the threshold was set
    rule_marks: dict[str, Problem] = field(default_factory=dict)
    threshold_marks: dict[tuple[str, str], Problem] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def merged(self, over: Policy) -> Policy:
        """This policy with `over`'s settings on top (the more specific one wins)."""
        thresholds = {k: dict(v) for k, v in self.thresholds.items()}
        for rule_id, values in over.thresholds.items():
            thresholds.setdefault(rule_id, {}).update(values)
        custom = {r.id: r for r in self.custom_rules}
        custom.update({r.id: r for r in over.custom_rules})
        return Policy(
            disabled=self.disabled | over.disabled,
            severities={**self.severities, **over.severities},
            thresholds=thresholds,
            custom_rules=list(custom.values()),
            rule_marks={**self.rule_marks, **over.rule_marks},
            threshold_marks={**self.threshold_marks, **over.threshold_marks},
            sources=[*self.sources, *over.sources],
        )

    def check_rule_ids(self, rules: Iterable[Rule]) -> None:
        """Refuse settings for rules or thresholds that do not exist: a typo must not
        silently leave a rule at its default."""
        problems = self.rule_id_problems(rules)
        if problems:
            raise InputFileError(problems)

    def rule_id_problems(
        self, rules: Iterable[Rule], also_known: Iterable[str] = ()
    ) -> list[Problem]:
        """Each setting for a rule or threshold that does not exist, located.
        `also_known`: custom rule ids declared in the same file but not compiled."""
        import difflib

        known = {r.id: r for r in rules}
        custom_ids = {r.id for r in self.custom_rules} | set(also_known)
        problems: list[Problem] = []
        for rule_id, where in self.rule_marks.items():
            if rule_id in known or rule_id in custom_ids:
                continue
            close = difflib.get_close_matches(rule_id, list(known), n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]}?" if close else "; see `archrev rules list`"
            problems.append(_at(where, f"no rule {rule_id}{hint}"))
        for custom in self.custom_rules:
            if custom.id in known:
                where = self.rule_marks.get(custom.id)
                message = f"custom rule {custom.id} reuses the id of a built-in rule; rename it"
                problems.append(_at(where, message) if where else Problem("policy", 0, 0, message))
        for (rule_id, name), where in self.threshold_marks.items():
            target = known.get(rule_id)
            if target is None:
                continue  # reported above
            names = [t.name for t in target.thresholds]
            if name not in names:
                listed = ", ".join(names) if names else "none"
                problems.append(
                    _at(where, f"{rule_id} has no threshold '{name}' (its thresholds: {listed})")
                )
        return problems


def _at(where: Problem, message: str) -> Problem:
    return Problem(where.file, where.line, where.col, message)


class _Reader:
    def __init__(self, filename: str) -> None:
        self.file = filename
        self.problems: list[Problem] = []
        self.custom_ids: set[str] = set()  # declared, whether or not they compiled

    def mark(self, mark: Mark) -> Problem:
        return Problem(self.file, mark[0], mark[1], "")

    def problem(self, mark: Mark, message: str) -> None:
        self.problems.append(Problem(self.file, mark[0], mark[1], message))


def policy_from_mapping(doc: Any, filename: str) -> Policy:
    """A policy from a located YAML mapping (a policy file or a model's `policy:` section)."""
    reader = _Reader(filename)
    policy = Policy(sources=[filename])
    if not isinstance(doc, YamlMap):
        line, col = mark_of(doc)
        raise InputFileError.single(
            filename,
            "a policy is a mapping with any of the keys disable, rules, custom",
            line,
            col,
        )
    for key in doc:
        if key not in POLICY_KEYS:
            reader.problem(
                doc.key_mark(key),
                f"unknown policy key '{key}'{_suggest(str(key), POLICY_KEYS)} "
                f"(use {', '.join(POLICY_KEYS)})",
            )
    _read_disable(doc, reader, policy)
    _read_rule_settings(doc, reader, policy)
    _read_custom(doc, reader, policy)
    if reader.problems:
        # Report the unknown rule ids and thresholds in the same run as the other problems,
        # so a user fixes the file once (without other problems they are checked when the
        # policy meets the rules it runs with: a custom rule may come from another file).
        from archrev.rules.rulebook import catalogue

        problems = reader.problems + policy.rule_id_problems(catalogue(), reader.custom_ids)
        raise InputFileError(sorted(problems, key=lambda p: (p.line, p.col)))
    return policy


def check_policy_section(model: SystemModel, source: Any = None) -> Policy | None:
    """The model's `policy:` section checked as `archrev check` would use it: every problem
    (syntax, values, unknown rules and thresholds) at once, located in the model file."""
    from archrev.rules.rulebook import catalogue

    policy = policy_from_model(model, source)
    if policy is not None:
        policy.check_rule_ids(catalogue())
    return policy


def _suggest(word: str, choices: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _rule_id(value: Any) -> str | None:
    return value.strip().upper() if isinstance(value, str) and value.strip() else None


def _read_disable(doc: YamlMap, reader: _Reader, policy: Policy) -> None:
    if "disable" not in doc:
        return
    raw = doc["disable"]
    if raw is None:
        return
    if not isinstance(raw, YamlSeq):
        reader.problem(doc.value_mark("disable"), "disable: expected a list of rule ids")
        return
    for i, item in enumerate(raw):
        rule_id = _rule_id(item)
        if rule_id is None:
            reader.problem(raw.item_mark(i), f"disable: expected a rule id, got {item!r}")
            continue
        policy.disabled.add(rule_id)
        policy.rule_marks[rule_id] = reader.mark(raw.item_mark(i))


def _read_rule_settings(doc: YamlMap, reader: _Reader, policy: Policy) -> None:
    raw = doc.get("rules")
    if raw is None:
        return
    if not isinstance(raw, YamlMap):
        reader.problem(doc.value_mark("rules"), "rules: expected a mapping of rule id -> settings")
        return
    for key, settings in raw.items():
        rule_id = _rule_id(key)
        if rule_id is None:
            reader.problem(raw.key_mark(key), f"rules: expected a rule id, got {key!r}")
            continue
        policy.rule_marks[rule_id] = reader.mark(raw.key_mark(key))
        where = f"rules.{rule_id}"
        if not isinstance(settings, YamlMap):
            reader.problem(
                raw.value_mark(key),
                f"{where}: expected a mapping with enabled, severity or thresholds",
            )
            continue
        for k in settings:
            if k not in RULE_KEYS:
                reader.problem(
                    settings.key_mark(k),
                    f"{where}: unknown key '{k}'{_suggest(str(k), RULE_KEYS)}",
                )
        if "enabled" in settings:
            enabled = settings["enabled"]
            if not isinstance(enabled, bool):
                reader.problem(
                    settings.value_mark("enabled"), f"{where}.enabled: expected true or false"
                )
            elif not enabled:
                policy.disabled.add(rule_id)
        if "severity" in settings:
            severity = _severity(settings["severity"])
            if severity is None:
                reader.problem(
                    settings.value_mark("severity"),
                    f"{where}.severity: {settings['severity']!r} is not one of "
                    + ", ".join(s.value for s in Severity),
                )
            else:
                policy.severities[rule_id] = severity
        if "thresholds" in settings:
            _read_thresholds(settings, where, rule_id, reader, policy)


def _read_thresholds(
    settings: YamlMap, where: str, rule_id: str, reader: _Reader, policy: Policy
) -> None:
    values = settings["thresholds"]
    if not isinstance(values, YamlMap):
        reader.problem(
            settings.value_mark("thresholds"),
            f"{where}.thresholds: expected a mapping name -> number",
        )
        return
    for name, value in values.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            reader.problem(
                values.value_mark(name),
                f"{where}.thresholds.{name}: expected a number, got {value!r}",
            )
            continue
        if value < 0:
            reader.problem(
                values.value_mark(name), f"{where}.thresholds.{name}: must not be negative"
            )
            continue
        policy.thresholds.setdefault(rule_id, {})[str(name)] = float(value)
        policy.threshold_marks[(rule_id, str(name))] = reader.mark(values.key_mark(name))


def _severity(value: Any) -> Severity | None:
    try:
        return Severity(str(value).strip().lower())
    except ValueError:
        return None


def _read_custom(doc: YamlMap, reader: _Reader, policy: Policy) -> None:
    raw = doc.get("custom")
    if raw is None:
        return
    if not isinstance(raw, YamlSeq):
        reader.problem(doc.value_mark("custom"), "custom: expected a list of rules")
        return
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        if not isinstance(entry, YamlMap):
            reader.problem(
                raw.item_mark(i), "custom: each rule is a mapping with id, severity, when, message"
            )
            continue
        built = _custom_rule(entry, reader)
        if built is None:
            continue
        if built.id in seen:
            reader.problem(entry.value_mark("id"), f"custom rule {built.id} is declared twice")
            continue
        seen.add(built.id)
        policy.custom_rules.append(built)
        policy.rule_marks[built.id] = reader.mark(entry.value_mark("id"))


def _expression_mark(entry: YamlMap, key: str, offset: int, text: str, filename: str) -> Mark:
    """Where inside the YAML value the expression went wrong, when the value is one line."""
    line, col = entry.value_mark(key)
    if "\n" in text:
        return (line, col)
    lines = _source_lines(filename)
    raw = lines[line - 1] if lines and 0 < line <= len(lines) else None
    if raw is None or col > len(raw):
        return (line, col + offset)
    if raw[col - 1] in ">|":
        return _folded_mark(lines, line, offset)
    if raw[col - 1] not in "'\"":
        return (line, col + offset)
    # A quoted scalar: its text starts after the quote, and escapes ('' in single quotes,
    # \" or \u00e9 in double quotes) take more columns in the file than in the text.
    return (line, col + 1 + _raw_width(raw[col:], raw[col - 1], offset))


def _source_lines(filename: str) -> list[str] | None:
    """The lines of the file a policy came from (read only to place an error)."""
    try:
        return Path(filename).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        return None  # a workspace's policy has no file


def _folded_mark(lines: list[str], line: int, offset: int) -> Mark:
    """Where character `offset` of a folded block scalar (`>-` then indented lines, joined
    with single spaces) is in the file."""
    for number in range(line + 1, len(lines) + 1):
        content = lines[number - 1]
        stripped = content.lstrip()
        if not stripped:
            continue
        if offset <= len(stripped):
            return (number, len(content) - len(stripped) + 1 + offset)
        offset -= len(stripped) + 1
    return (line, 1)


_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}


def _raw_width(raw: str, quote: str, chars: int) -> int:
    """How many columns of the quoted text in the file hold its first `chars` characters."""
    i = 0
    for _ in range(chars):
        if i >= len(raw):
            break
        if quote == "'" and raw.startswith("''", i):
            i += 2
        elif quote == '"' and raw[i] == "\\" and i + 1 < len(raw):
            i += _ESCAPE_WIDTH.get(raw[i + 1], 2)
        else:
            i += 1
    return i


def _excerpt(text: str, most: int = 80) -> str:
    """An expression quoted in an error: whole when short, else its start."""
    return text if len(text) <= most else text[: most - 1] + "…"


def _custom_rule(entry: YamlMap, reader: _Reader) -> Rule | None:
    ok = True
    for k in entry:
        if k not in CUSTOM_KEYS:
            reader.problem(
                entry.key_mark(k), f"custom: unknown key '{k}'{_suggest(str(k), CUSTOM_KEYS)}"
            )
            ok = False
    for required in ("id", "severity", "when", "message"):
        if required not in entry:
            reader.problem(entry.mark, f"custom: a rule needs `{required}:`")
            ok = False
    if not ok:
        return None
    rule_id = entry["id"]
    if not isinstance(rule_id, str) or not CUSTOM_ID.match(rule_id):
        reader.problem(
            entry.value_mark("id"),
            f"custom: id {rule_id!r}: use letters, digits, '-', '_' or '.', e.g. ORG-OWNER",
        )
        return None
    rule_id = rule_id.upper()
    reader.custom_ids.add(rule_id)
    # From here on every field is checked, so that one run reports all of a rule's problems.
    severity = _severity(entry["severity"])
    if severity is None:
        reader.problem(
            entry.value_mark("severity"),
            f"custom {rule_id}.severity: {entry['severity']!r} is not one of "
            + ", ".join(s.value for s in Severity),
        )
    texts: dict[str, str] = {}
    for key in ("when", "message", "title", "remediation", "rationale", "category", "principle"):
        if key in entry:
            value = entry[key]
            if isinstance(value, bool) or value is None or isinstance(value, YamlMap | YamlSeq):
                reader.problem(entry.value_mark(key), f"custom {rule_id}.{key}: expected text")
                continue
            texts[key] = str(value)
    predicate = message = None
    if "when" in texts:
        try:
            predicate = compile_predicate(texts["when"])
        except ExpressionError as exc:
            reader.problem(
                _expression_mark(entry, "when", exc.offset, texts["when"], reader.file),
                f"custom {rule_id}.when: {exc} (in `{_excerpt(texts['when'])}`)",
            )
    if "message" in texts:
        try:
            message = compile_message(texts["message"])
        except ExpressionError as exc:
            reader.problem(entry.value_mark("message"), f"custom {rule_id}.message: {exc}")
    principle = texts.get("principle", "")
    if principle and principle not in {p.value for p in Principle}:
        reader.problem(
            entry.value_mark("principle"),
            f"custom {rule_id}.principle: use one of " + ", ".join(p.value for p in Principle),
        )
        principle = ""
    if severity is None or predicate is None or message is None:
        return None
    return Rule(
        id=rule_id,
        title=texts.get("title", rule_id),
        category=texts.get("category", "custom"),
        principle=principle,
        severity=severity,
        rationale=texts.get("rationale", "A rule of this team's policy."),
        remediation=texts.get("remediation", ""),
        check=_custom_check(predicate, message),
        source=f"policy {reader.file}",
    )


def _custom_check(predicate: Predicate, message: MessageTemplate) -> Any:
    def check(ctx: RuleContext) -> Iterator[Hit]:
        facts = ctx.facts
        for comp in ctx.model.components:
            if predicate(facts, comp):
                evidence = {
                    name: _plain_value(facts, comp, name)
                    for name in sorted(predicate.names | set(message.names))
                }
                yield Hit((comp.id,), message.render(facts, comp), evidence)

    return check


def _plain_value(facts: Any, comp: Any, name: str) -> Any:
    from archrev.rules.predicate import NAMES

    return NAMES[name][0](facts, comp)


def load_policy(path: str | Path) -> Policy:
    """A policy from a YAML file; every problem at once as `file:line:col: message`."""
    text = read_text(path)
    doc = load_located(text, str(path))
    if doc is None:
        return Policy(sources=[str(path)])
    # A file may wrap its settings in `policy:`, like the section of a model file.
    if isinstance(doc, YamlMap) and list(doc) == ["policy"]:
        doc = doc["policy"]
    return policy_from_mapping(doc, str(path))


def policy_from_model(model: SystemModel, source: Any = None) -> Policy | None:
    """The policy section of a model: located when read from a file (`ModelSource.policy`),
    else from the plain dict a workspace keeps."""
    located = getattr(source, "policy", None)
    if located is not None:
        return policy_from_mapping(located, getattr(source, "file", "model"))
    if model.policy is None:
        return None
    # A workspace keeps the section as plain data: give it positions-free maps.
    return policy_from_mapping(_locate(model.policy), f"system {model.system.id} policy")


def _locate(value: Any) -> Any:
    """Plain dicts and lists as position-free `YamlMap`/`YamlSeq`, iteratively: a workspace
    keeps the section as JSON, and no nesting depth of it may overflow the stack."""

    def copy(item: Any) -> Any:
        if isinstance(item, dict):
            out: Any = YamlMap()
        elif isinstance(item, list):
            out = YamlSeq()
        else:
            return item
        pending.append((item, out))
        return out

    pending: list[tuple[Any, Any]] = []
    root = copy(value)
    while pending:
        source, target = pending.pop()
        if isinstance(source, dict):
            for k, v in source.items():
                target[k] = copy(v)
        else:
            target.extend(copy(v) for v in source)
    return root
