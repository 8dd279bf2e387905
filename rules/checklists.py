"""Review checklists: templates read from YAML, and the answers a review gives them.

A template is a YAML file of sections and items. Each item has a stable code, a question,
guidance, and optionally the ids of rules that answer it automatically: such an item
passes when none of those rules has an open finding, and fails with the findings as
evidence. A person can still override the automatic result, with a note saying why.

Templates ship in `rules/checklists/`; teams add their own in a folder named by
`$ARCHREV_CHECKLISTS` (several separated by the path separator) or pass one file with
`--template FILE`.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from archrev.model.errors import ArchrevError, InputFileError, Problem
from archrev.model.located_yaml import YamlMap, YamlSeq, load_located, mark_of, read_text
from archrev.model.reviews import Answer, AnswerValue
from archrev.rules.findings import Finding

BUILTIN_DIR = Path(__file__).resolve().parent / "checklists"
DEFAULT_TEMPLATE = "quarterly-scalability"
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
RULE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")

_TOP_KEYS = ("checklist", "title", "version", "description", "sections")
_SECTION_KEYS = ("title", "principle", "items")
_ITEM_KEYS = ("code", "question", "guidance", "rules")


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    question: str
    guidance: str = ""
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecklistSection:
    title: str
    principle: str = ""
    items: tuple[ChecklistItem, ...] = ()


@dataclass(frozen=True)
class Checklist:
    name: str
    title: str
    version: int = 1
    description: str = ""
    sections: tuple[ChecklistSection, ...] = ()
    source: str = ""

    def items(self) -> list[ChecklistItem]:
        return [item for section in self.sections for item in section.items]

    def item(self, code: str) -> ChecklistItem:
        for item in self.items():
            if item.code == code:
                return item
        codes = [i.code for i in self.items()]
        close = difflib.get_close_matches(code, codes, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        raise ArchrevError(
            f"the checklist '{self.name}' has no item '{code}'{hint} "
            f"(items: {', '.join(codes[:8])}{', ...' if len(codes) > 8 else ''})"
        )

    def to_dict(self) -> dict[str, Any]:
        """The form stored with a review, so the review keeps the questions it asked."""
        return {
            "checklist": self.name,
            "title": self.title,
            "version": self.version,
            "description": self.description,
            "source": self.source,
            "sections": [
                {
                    "title": s.title,
                    "principle": s.principle,
                    "items": [
                        {
                            "code": i.code,
                            "question": i.question,
                            "guidance": i.guidance,
                            "rules": list(i.rules),
                        }
                        for i in s.items
                    ],
                }
                for s in self.sections
            ],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Checklist:
        return cls(
            name=data["checklist"],
            title=data.get("title", data["checklist"]),
            version=int(data.get("version", 1)),
            description=data.get("description", ""),
            source=data.get("source", ""),
            sections=tuple(
                ChecklistSection(
                    s["title"],
                    s.get("principle", ""),
                    tuple(
                        ChecklistItem(
                            i["code"],
                            i["question"],
                            i.get("guidance", ""),
                            tuple(i.get("rules", ())),
                        )
                        for i in s["items"]
                    ),
                )
                for s in data["sections"]
            ),
        )


# -- reading templates -------------------------------------------------------------------


class _Problems:
    def __init__(self, filename: str) -> None:
        self.file = filename
        self.list: list[Problem] = []

    def add(self, mark: tuple[int, int], message: str) -> None:
        self.list.append(Problem(self.file, mark[0], mark[1], message))


def _unknown_keys(node: YamlMap, known: tuple[str, ...], where: str, out: _Problems) -> None:
    for key in node:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known: {', '.join(known)})"
            out.add(node.key_mark(key), f"{where}: unknown key '{key}'{hint}")


def _text(node: YamlMap, key: str, where: str, out: _Problems, *, required: bool) -> str:
    if key not in node or node[key] is None:
        if required:
            out.add(node.mark, f"{where}: '{key}' is required")
        return ""
    value = node[key]
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        out.add(node.value_mark(key), f"{where}.{key}: expected text")
        return ""
    text = str(value).strip()
    if required and not text:
        out.add(node.value_mark(key), f"{where}.{key}: cannot be empty")
    return text


def parse_checklist(
    text: str, filename: str, *, known_rules: Iterable[str] | None = None
) -> Checklist:
    """A checklist from the text of a template; every problem reported as file:line:col."""
    doc = load_located(text, filename)
    out = _Problems(filename)
    if not isinstance(doc, YamlMap):
        raise InputFileError.single(
            filename,
            "a checklist template is a mapping with 'checklist', 'title' and 'sections'",
            *mark_of(doc),
        )
    _unknown_keys(doc, _TOP_KEYS, "checklist", out)
    name = _text(doc, "checklist", "checklist", out, required=True)
    if name and not CODE_PATTERN.match(name):
        out.add(
            doc.value_mark("checklist"),
            f"checklist: '{name}' is not a valid name (letters, digits, '-', '_' and '.')",
        )
    title = _text(doc, "title", "checklist", out, required=False) or name
    version = doc.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        out.add(doc.value_mark("version"), "version: expected a whole number from 1")
        version = 1
    description = _text(doc, "description", "checklist", out, required=False)
    known = set(known_rules) if known_rules is not None else None
    sections: list[ChecklistSection] = []
    codes: dict[str, tuple[int, int]] = {}
    raw_sections = doc.get("sections")
    if not isinstance(raw_sections, YamlSeq) or not raw_sections:
        out.add(
            doc.value_mark("sections") if "sections" in doc else doc.mark,
            "sections: expected a non-empty list of sections, each with a title and items",
        )
        raw_sections = YamlSeq()
    for si, raw in enumerate(raw_sections):
        where = f"sections[{si}]"
        if not isinstance(raw, YamlMap):
            out.add(raw_sections.item_mark(si), f"{where}: expected a mapping with title and items")
            continue
        _unknown_keys(raw, _SECTION_KEYS, where, out)
        stitle = _text(raw, "title", where, out, required=True)
        principle = _text(raw, "principle", where, out, required=False)
        raw_items = raw.get("items")
        if not isinstance(raw_items, YamlSeq) or not raw_items:
            out.add(
                raw.value_mark("items") if "items" in raw else raw.mark,
                f"{where}.items: expected a non-empty list of items",
            )
            raw_items = YamlSeq()
        items: list[ChecklistItem] = []
        for ii, item in enumerate(raw_items):
            iwhere = f"{where}.items[{ii}]"
            if not isinstance(item, YamlMap):
                out.add(
                    raw_items.item_mark(ii), f"{iwhere}: expected a mapping with code and question"
                )
                continue
            _unknown_keys(item, _ITEM_KEYS, iwhere, out)
            code = _text(item, "code", iwhere, out, required=True)
            if code:
                if not CODE_PATTERN.match(code):
                    out.add(
                        item.value_mark("code"),
                        f"{iwhere}.code: '{code}' is not a valid code "
                        "(up to 40 letters, digits, '-', '_' and '.')",
                    )
                elif code in codes:
                    line, _ = codes[code]
                    out.add(
                        item.value_mark("code"),
                        f"{iwhere}.code: '{code}' is already used "
                        f"on line {line}; codes must be unique",
                    )
                else:
                    codes[code] = item.value_mark("code")
            question = _text(item, "question", iwhere, out, required=True)
            guidance = _text(item, "guidance", iwhere, out, required=False)
            rules: list[str] = []
            raw_rules = item.get("rules")
            if raw_rules is not None:
                if isinstance(raw_rules, str):
                    raw_rules = YamlSeq(item.value_mark("rules"))
                    raw_rules.append(item["rules"])
                if not isinstance(raw_rules, YamlSeq):
                    out.add(
                        item.value_mark("rules"), f"{iwhere}.rules: expected a list of rule ids"
                    )
                else:
                    for ri, rule in enumerate(raw_rules):
                        mark = raw_rules.item_mark(ri) if raw_rules.item_marks else raw_rules.mark
                        if not isinstance(rule, str) or not RULE_PATTERN.match(rule):
                            out.add(
                                mark,
                                f"{iwhere}.rules[{ri}]: expected a rule id such as SPOF-SINGLE",
                            )
                        elif known is not None and rule not in known:
                            close = difflib.get_close_matches(rule, sorted(known), n=1, cutoff=0.6)
                            hint = f"; did you mean '{close[0]}'?" if close else ""
                            out.add(
                                mark,
                                f"{iwhere}.rules[{ri}]: no rule '{rule}'{hint} "
                                "(see `archrev rules list`)",
                            )
                        else:
                            rules.append(rule)
            items.append(ChecklistItem(code, question, guidance, tuple(rules)))
        sections.append(ChecklistSection(stitle, principle, tuple(items)))
    if out.list:
        raise InputFileError(out.list)
    return Checklist(name, title, version, description, tuple(sections), filename)


def template_dirs() -> list[Path]:
    """Where named templates are looked up: the team's folders first, then the shipped ones."""
    extra = os.environ.get("ARCHREV_CHECKLISTS", "")
    dirs = [Path(p) for p in extra.split(os.pathsep) if p.strip()]
    return [*dirs, BUILTIN_DIR]


def available_templates() -> dict[str, Path]:
    """Template name -> file; a team's template shadows a shipped one with the same name."""
    found: dict[str, Path] = {}
    for folder in reversed(template_dirs()):
        if folder.is_dir():
            for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
                found[path.stem] = path
    return found


def load_checklist(
    name_or_file: str | Path | None = None, *, known_rules: Iterable[str] | None = None
) -> Checklist:
    """A template by name (see `available_templates`) or by path to a YAML file."""
    ref = str(name_or_file) if name_or_file is not None else DEFAULT_TEMPLATE
    path = Path(ref)
    if not (path.suffix in (".yaml", ".yml") or os.sep in ref or path.exists()):
        templates = available_templates()
        if ref not in templates:
            close = difflib.get_close_matches(ref, list(templates), n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ArchrevError(
                f"no checklist template '{ref}'; {hint}templates: {', '.join(templates) or 'none'}"
                " (or pass a file with --template FILE)"
            )
        path = templates[ref]
    return parse_checklist(read_text(path), str(path), known_rules=known_rules)


# -- answering ---------------------------------------------------------------------------


class Outcome(StrEnum):
    YES = "yes"
    NO = "no"
    NOT_APPLICABLE = "n/a"
    UNANSWERED = "unanswered"


@dataclass(frozen=True)
class ItemResult:
    """One checklist item as a review sees it: the automatic result and the person's answer."""

    section: str
    item: ChecklistItem
    auto: bool | None  # True pass, False fail, None when no rule answers the item
    evidence: tuple[str, ...] = ()
    answer: Answer | None = None

    @property
    def outcome(self) -> Outcome:
        if self.answer is not None:
            return Outcome(self.answer.value.value)
        if self.auto is None:
            return Outcome.UNANSWERED
        return Outcome.YES if self.auto else Outcome.NO

    @property
    def overridden(self) -> bool:
        """A person answered differently from the rules."""
        if self.answer is None or self.auto is None:
            return False
        return self.answer.value is not (AnswerValue.YES if self.auto else AnswerValue.NO)

    @property
    def auto_label(self) -> str:
        return "" if self.auto is None else ("pass" if self.auto else "fail")

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "code": self.item.code,
            "question": self.item.question,
            "guidance": self.item.guidance,
            "rules": list(self.item.rules),
            "auto": self.auto_label or None,
            "evidence": list(self.evidence),
            "answer": self.answer.value.value if self.answer else None,
            "note": self.answer.note if self.answer else "",
            "overridden": self.overridden,
            "outcome": self.outcome.value,
        }


@dataclass
class ChecklistSummary:
    yes: int = 0
    no: int = 0
    not_applicable: int = 0
    unanswered: int = 0
    overridden: int = 0
    failing_codes: list[str] = field(default_factory=list)


def evaluate(
    checklist: Checklist,
    findings: Sequence[Finding],
    answers: dict[str, Answer],
    dismissed: Iterable[str] = (),
) -> list[ItemResult]:
    """Each item with its automatic result from `findings` and the answer recorded for it.

    `dismissed` are fingerprints triaged as false positives: they do not fail an item.
    """
    skip = set(dismissed)
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fingerprint not in skip:
            by_rule.setdefault(finding.rule_id, []).append(finding)
    results: list[ItemResult] = []
    for section in checklist.sections:
        for item in section.items:
            auto: bool | None = None
            evidence: list[str] = []
            if item.rules:
                hits = [f for rule in item.rules for f in by_rule.get(rule, [])]
                auto = not hits
                evidence = [f"{f.rule_id} ({f.severity.value}): {f.title}" for f in hits[:20]] + (
                    [f"... and {len(hits) - 20} more"] if len(hits) > 20 else []
                )
                if not hits:
                    evidence = [f"no finding from {', '.join(item.rules)}"]
            results.append(
                ItemResult(section.title, item, auto, tuple(evidence), answers.get(item.code))
            )
    return results


def summarize(results: Sequence[ItemResult]) -> ChecklistSummary:
    summary = ChecklistSummary()
    for r in results:
        outcome = r.outcome
        if outcome is Outcome.YES:
            summary.yes += 1
        elif outcome is Outcome.NO:
            summary.no += 1
            summary.failing_codes.append(r.item.code)
        elif outcome is Outcome.NOT_APPLICABLE:
            summary.not_applicable += 1
        else:
            summary.unanswered += 1
        summary.overridden += r.overridden
    return summary


def check_answer(
    checklist: Checklist, code: str, value: AnswerValue, note: str, auto: bool | None
) -> ChecklistItem:
    """Refuse an answer that would not hold up: unknown item, n/a without a reason, or an
    automatic result overridden without a note."""
    item = checklist.item(code)
    if value is AnswerValue.NOT_APPLICABLE and not note.strip():
        raise ArchrevError(f"item {code}: 'not applicable' needs a reason: a note saying why")
    if auto is not None and not note.strip():
        expected = AnswerValue.YES if auto else AnswerValue.NO
        if value is not expected:
            raise ArchrevError(
                f"item {code}: the rules say {'pass' if auto else 'fail'}; to override that "
                "answer, give a note saying why"
            )
    return item


def parse_answer(text: str) -> AnswerValue:
    value = text.strip().lower()
    aliases = {
        "y": "yes",
        "n": "no",
        "na": "n/a",
        "n/a": "n/a",
        "not_applicable": "n/a",
        "not-applicable": "n/a",
        "yes": "yes",
        "no": "no",
    }
    if value not in aliases:
        raise ArchrevError(f"'{text}' is not an answer; use yes, no or na (not applicable)")
    return AnswerValue(aliases[value])
