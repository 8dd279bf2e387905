"""Write a file so that readers see the old contents or the new, never half of either."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets what the umask allows."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_text_atomically(path: str | Path, text: str) -> None:
    path = Path(path)
    try:
        _write(path, text)
    except OSError as exc:
        # The temporary file is ours, not the user's: an error (a read-only folder, a full
        # disk) names the file they asked for, never `.NAME.xxxx.tmp`.
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None


def _write(path: Path, text: str) -> None:
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        # mkstemp creates the file readable by its owner only: a report or a model file
        # shared through git or a wiki must keep normal permissions.
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
