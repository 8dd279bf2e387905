"""`pip install .` installs archrev.model/.rules/.tui/.samples and nothing with a generic
top-level name (`model`, `rules`, `tui`, `samples`) that could shadow another package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_installs_only_the_archrev_namespace(tmp_path: Path) -> None:
    # Build from a copy, so that the build leaves no build/ or egg-info in the checkout.
    source = tmp_path / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "*.db",
            "*.db-*",
            "__pycache__",
            "build",
            "dist",
            "*.egg-info",
            ".hypothesis",
            ".pytest_cache",
            ".ruff_cache",
        ),
    )
    out = tmp_path / "dist"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    [wheel] = out.glob("archrev-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"archrev", next(t for t in top if t.endswith(".dist-info"))}
    assert "archrev/__init__.py" not in names, "archrev is a namespace package"
    for module in (
        "archrev/model/types.py",
        "archrev/model/py.typed",
        "archrev/rules/__init__.py",
        "archrev/tui/cli/__init__.py",
        "archrev/samples/ai-platform.yaml",
        "archrev/samples/online-shop.yaml",
        "archrev/samples/reference.yaml",
    ):
        assert module in names
    entry = next(n for n in names if n.endswith("entry_points.txt"))
    assert "archrev = archrev.tui.cli:run" in zipfile.ZipFile(wheel).read(entry).decode()
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    text = metadata.decode()
    assert "Requires-Python: >=3.11" in text
    for dependency in ("textual", "networkx", "pydantic", "sqlite-utils", "rich", "pyyaml"):
        assert f"Requires-Dist: {dependency}" in text.replace("PyYAML", "pyyaml")
