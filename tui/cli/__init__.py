"""The `archrev` command line: a thin layer over the same functions the app calls.

Each group of commands lives in its own module with a `register(subparsers)` function.
Those modules import heavy libraries inside their handlers, so that `archrev check` or
`archrev validate` never pays for Textual, and `archrev --help` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Modules that add subcommands, in the order they appear in --help.
COMMAND_MODULES = [
    "archrev.tui.cli.model_commands",
    "archrev.tui.cli.import_commands",
    "archrev.tui.cli.check_commands",
    "archrev.tui.cli.app_commands",
    "archrev.tui.cli.review_commands",
]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("archrev")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, like bad input
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="archrev",
        description="Architecture review in the terminal: find what breaks as the system grows.",
        epilog="Run `archrev COMMAND --help` for the options of one command.",
    )
    parser.add_argument("--version", action="version", version=f"archrev {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        module.register(sub)
        # A module may also claim `archrev` with no command (the app does).
        top_level = getattr(module, "register_top_level", None)
        if top_level is not None:
            top_level(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import sqlite3

    from archrev.model.errors import ArchrevError

    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        default = getattr(args, "default_handler", None)
        if default is None:
            parser.print_help()
            return 0
        handler = default
    try:
        return int(handler(args) or 0)
    except ArchrevError as exc:
        print(f"archrev: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("archrev: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `archrev export ... | head` is not an error
        return 0
    except sqlite3.Error as exc:  # e.g. a workspace locked by another process for too long
        print(f"archrev: the workspace could not be used: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file that cannot be written: permissions, a full disk
        print(f"archrev: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 2


def run() -> None:
    sys.exit(main())
