"""Make a workspace behave as on a read-only mount, also when the tests run as root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def simulate_read_only_folder(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Turn `path` (a WAL workspace) and its folder read-only for archrev and SQLite.

    SQLite must create `PATH-shm` to read a WAL file; on a read-only folder it cannot.
    A dangling `-shm` symlink into a missing folder fails that open the same way
    (SQLITE_CANTOPEN) whoever runs the test. The file is chmod 444 in a chmod 555 folder;
    root ignores those bits, so os.access is made to honour them as it would for a user.
    Undo with `restore_folder` before tmp_path is cleaned up.
    """
    Path(f"{path}-shm").symlink_to(path.parent / "no-such-folder" / "shm")
    path.chmod(0o444)
    path.parent.chmod(0o555)
    real_access = os.access

    def access(target: object, mode: int, **kwargs: object) -> bool:
        if mode & os.W_OK and not os.stat(target).st_mode & 0o222:  # type: ignore[arg-type]
            return False
        return real_access(target, mode, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", access)


def restore_folder(path: Path) -> None:
    path.parent.chmod(0o755)
    path.chmod(0o644)
