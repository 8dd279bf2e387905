"""Options several commands share, so that they read the same everywhere."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        help="workspace file (default: $ARCHREV_DB or ./archrev.db)",
    )


def add_system(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--system",
        metavar="ID",
        help="system to use; may be left out when the workspace holds exactly one",
    )


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help="write to FILE instead of stdout"
    )


def write_output(text: str, output: Path | None) -> None:
    """Print, or write the file atomically so a failed run leaves no half file behind."""
    if output is None:
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    from archrev.model.atomic_file import write_text_atomically
    from archrev.model.errors import ArchrevError

    if output.exists() and not output.is_file():
        # A device or a pipe (-o /dev/stdout, /dev/null): write through it; replacing it
        # with a temporary file would destroy the device node.
        with open(output, "w", encoding="utf-8") as out:
            out.write(text)
        return
    if not output.parent.exists():
        raise ArchrevError(f"{output}: the folder {output.parent} does not exist")
    write_text_atomically(output, text)
