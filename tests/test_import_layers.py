"""The import and export path stays in its layer: model never imports rules or textual."""

from __future__ import annotations

import subprocess
import sys


def test_format_modules_import_neither_rules_nor_textual() -> None:
    code = (
        "import sys\n"
        "import archrev.model.formats.detect, archrev.model.formats.compose\n"
        "import archrev.model.formats.k8s, archrev.model.formats.backstage\n"
        "import archrev.model.formats.structurizr, archrev.model.formats.mermaid\n"
        "import archrev.model.formats.dot, archrev.model.reimport\n"
        "bad = [m for m in sys.modules if m.startswith(('archrev.rules', 'archrev.tui', "
        "'textual'))]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_import_command_does_not_load_textual(tmp_path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  a: {image: redis}\n", encoding="utf-8")
    code = (
        "import sys\n"
        "from archrev.tui.cli import main\n"
        f"rc = main(['import', {str(compose)!r}, '--db', {str(tmp_path / 'w.db')!r}, '-q'])\n"
        "sys.exit(rc or (3 if 'textual' in sys.modules else 0))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
