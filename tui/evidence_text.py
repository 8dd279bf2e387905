"""A finding's evidence worded for people: the `?` dialog is read out in review meetings.

The rules keep evidence as data (numbers, id lists, nested dicts) for the JSON and SARIF
reports; here it becomes what a reader expects: per-quarter utilization as percentages,
numbers with thousands separators, component ids as names, lists joined, folded findings as
"also reported as: <title> (<rule id>)". Numbers are worded by the rules' own `num` and
`pct`, so the dialog agrees with the findings' messages and the reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from archrev.rules.rulebook import num, pct

# Units of evidence keys, where the key says it: "latency_ms: 1,200" reads "1,200 ms".
_UNITS = {"_ms": " ms", "_rps": " rps", "_days": " days"}
# Keys whose fractions are shares of something, shown as percentages.
_FRACTION_KEYS = ("utilization", "ratio", "share", "growth")
# Keys that only repeat what the dialog shows elsewhere or what a person cannot use.
_HIDDEN = frozenset({"fingerprint"})


def evidence_lines(
    evidence: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    rule_titles: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(label, text) per evidence entry, in the rule's order."""
    names = names or {}
    rule_titles = rule_titles or {}
    lines: list[tuple[str, str]] = []
    folded = evidence.get("also_findings")
    for key, value in evidence.items():
        if key in _HIDDEN:
            continue
        if key == "also" and isinstance(folded, Mapping):
            continue  # `also_findings` below says the same, with titles
        if key in ("also", "also_findings"):
            ids = list(value) if not isinstance(value, str) else [value]
            for rule_id in ids:
                title = rule_titles.get(str(rule_id))
                shown = f"{title} ({rule_id})" if title else str(rule_id)
                lines.append(("also reported as", shown))
            continue
        lines.append((_label(key), format_value(key, value, names)))
    return lines


def format_value(key: str, value: Any, names: Mapping[str, str]) -> str:
    """One evidence value as text, judged by its key and its type."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _number(key, value)
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, Mapping):
        return "; ".join(
            f"{_label(str(k))} {format_value(str(k), v, names)}"
            for k, v in value.items()
            if k not in _HIDDEN
        )
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        if key.endswith("_per_quarter") and all(isinstance(v, (int, float)) for v in items):
            return ", ".join(f"Q{q} {_number(key, v)}" for q, v in enumerate(items))
        return ", ".join(format_value(key, v, names) for v in items) or "none"
    return str(value)


def _number(key: str, value: float) -> str:
    if any(word in key for word in _FRACTION_KEYS) and isinstance(value, float):
        return pct(value)
    if key == "quarter" or key.endswith("_quarter"):
        return f"Q{num(value)}"
    for suffix, unit in _UNITS.items():
        if key.endswith(suffix):
            return f"{num(value)}{unit}"
    return num(value)


def _label(key: str) -> str:
    for suffix in _UNITS:
        if key.endswith(suffix):
            key = key[: -len(suffix)]
    return key.replace("_", " ") or key
