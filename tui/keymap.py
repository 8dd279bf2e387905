"""The user's keymap: a YAML file mapping binding ids to keys.

    # ~/.config/archrev/keymap.yaml (or the file named by $ARCHREV_KEYMAP)
    canvas.add: n
    canvas.connect: ctrl+k,c

Every binding of the app has an id (see `archrev keys`, or the command palette); the file
may rebind any of them. A file with a typo is refused whole, with the line and a
suggestion, rather than silently ignored.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from archrev.model.errors import InputFileError, Problem
from archrev.model.located_yaml import YamlMap, load_located, mark_of, read_text

ENV_VAR = "ARCHREV_KEYMAP"
# One key: letters, digits, names like "ctrl+shift+up", "f5", "question_mark", or a symbol.
_KEY = re.compile(r"^([a-z]+\+)*([a-z0-9_]+|[!-~])$")


def keymap_path() -> Path | None:
    """The keymap file in use, if there is one."""
    named = os.environ.get(ENV_VAR)
    if named:
        return Path(named)
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    default = base / "archrev" / "keymap.yaml"
    return default if default.exists() else None


def canonical_key(key: str) -> str:
    """A key as Textual names it: `?` and `question_mark` are the same key."""
    from textual.keys import _character_to_key

    return _character_to_key(key) if len(key) == 1 else key


def load_keymap(
    path: Path,
    known_ids: Iterable[str],
    defaults: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, str]:
    """Binding id -> keys from the file; every problem in it reported at once.

    `defaults` maps each binding id to (scope, its default keys). With it, a key the file
    gives to one binding while another binding of the same scope still holds it is refused:
    one of the two could never be reached. Rebinding that other one too makes it fine.
    """
    known = sorted(set(known_ids))
    name = str(path)
    if not path.exists():
        raise InputFileError.single(name, f"no keymap file here; create it or unset ${ENV_VAR}")
    doc = load_located(read_text(path), name)
    if doc is None:
        return {}
    if not isinstance(doc, YamlMap):
        raise InputFileError.single(
            name,
            "a keymap is a mapping of binding id to keys, e.g. `canvas.add: n`",
            *mark_of(doc),
        )
    problems: list[Problem] = []
    keymap: dict[str, str] = {}
    for binding_id, keys in doc.items():
        line, col = doc.key_mark(binding_id)
        if binding_id not in known:
            close = difflib.get_close_matches(str(binding_id), known, n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known ids: {', '.join(known)}"
            problems.append(Problem(name, line, col, f"unknown binding id '{binding_id}'{hint}"))
            continue
        vline, vcol = doc.value_mark(binding_id)
        if not isinstance(keys, str) or not keys.strip():
            problems.append(
                Problem(name, vline, vcol, f"{binding_id}: expected keys such as 'n' or 'ctrl+n'")
            )
            continue
        bad = [k for k in (p.strip() for p in keys.split(",")) if not _KEY.match(k)]
        if bad:
            problems.append(
                Problem(
                    name,
                    vline,
                    vcol,
                    f"{binding_id}: '{bad[0]}' is not a key; write keys like 'n', 'ctrl+n', "
                    "'shift+up' or 'f5', several separated by commas",
                )
            )
            continue
        keymap[str(binding_id)] = ",".join(p.strip() for p in keys.split(","))
    if not problems and defaults:
        problems = _shadowed(doc, name, keymap, defaults)
    if problems:
        raise InputFileError(problems)
    return keymap


def _shadowed(
    doc: YamlMap,
    name: str,
    keymap: Mapping[str, str],
    defaults: Mapping[str, tuple[str, str]],
) -> list[Problem]:
    """Keys the file binds that another binding of the same scope holds too."""
    holders: dict[tuple[str, str], list[str]] = {}
    for binding_id, (scope, keys) in defaults.items():
        for key in keymap.get(binding_id, keys).split(","):
            holders.setdefault((scope, canonical_key(key.strip())), []).append(binding_id)
    problems: list[Problem] = []
    for binding_id, keys in keymap.items():
        if binding_id not in defaults:
            continue
        scope = defaults[binding_id][0]
        for key in keys.split(","):
            others = [
                other
                for other in holders.get((scope, canonical_key(key)), [])
                if other != binding_id
            ]
            if not others:
                continue
            line, col = doc.value_mark(binding_id)
            other = others[0]
            fix = (
                f"rebind {other} too, or choose another key"
                if other not in keymap
                else "give one of them another key"
            )
            problems.append(Problem(name, line, col, f"'{key}' is already bound to {other}; {fix}"))
    return problems
