"""The rooms import only downwards: model knows nothing of rules or tui, and the command
line for validate/import/export (and every command module) never loads Textual."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "online-shop.yaml"

PROBE = """
import importlib, json, pkgutil, sys, tempfile, os
import archrev.model, archrev.rules
for package in (archrev.model, archrev.rules):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        importlib.import_module(info.name)
from archrev.tui.cli import build_parser, main
build_parser()  # imports every registered command module
sample = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    db = os.path.join(tmp, "w.db")
    codes = [
        main(["validate", sample]),
        main(["import", sample, "--db", db]),
        main(["export", "--db", db, "-o", os.path.join(tmp, "out.yaml")]),
        main(["systems", "--db", db]),
        main(["schema", "-o", os.path.join(tmp, "schema.json")]),
    ]
print(json.dumps({"codes": codes, "modules": sorted(sys.modules)}))
"""


def test_command_line_and_lower_rooms_never_import_textual() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(SAMPLE)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["codes"] == [0, 0, 0, 0, 0]
    modules = set(result["modules"])
    assert "archrev.model.workspace" in modules  # the probe did exercise the store
    leaked = sorted(m for m in modules if m == "textual" or m.startswith("textual."))
    assert not leaked, f"textual was imported: {leaked[:5]}"


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports (absolute names), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the installed package name
                parts = ["archrev", path.parent.relative_to(ROOT).parts[0]]
                parts += list(path.parent.relative_to(ROOT).parts[1:])
                base = parts[: len(parts) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _violations(room: str, forbidden: tuple[str, ...]) -> list[str]:
    out = []
    for path in sorted((ROOT / room).rglob("*.py")):
        for line, name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                out.append(f"{path.relative_to(ROOT)}:{line}: imports {name}")
    return out


def test_model_never_imports_rules_or_tui() -> None:
    assert _violations("model", ("archrev.rules", "archrev.tui", "textual", "rich")) == []


def test_rules_never_import_tui_or_textual() -> None:
    assert _violations("rules", ("archrev.tui", "textual")) == []


def test_the_scan_sees_imports() -> None:
    # guard against a scanner that finds nothing: model does import its own modules
    names = {name for _, name in _imports(ROOT / "model" / "modelfile.py")}
    assert "archrev.model.located_yaml" in names and "yaml" in names
