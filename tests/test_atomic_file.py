"""Files archrev writes (model files, reports) keep normal permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from archrev.model.atomic_file import write_text_atomically


def test_a_new_file_gets_the_umask_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = tmp_path / "report.md"
        write_text_atomically(target, "hello\n")
    finally:
        os.umask(old)
    assert target.read_text() == "hello\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"], "no temporary file left"


def test_an_existing_file_keeps_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "model.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_text_atomically(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
