"""Commands that open the app: `archrev` (the workspace), `archrev open PATH`, `archrev demo`.

Everything that can go wrong before the first paint (no workspace, a broken model file, a
bad keymap) is checked here and reported like any other command error, so the app itself
starts only on something it can show.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from archrev.tui.cli.options import add_db, add_system

DEMO_SAMPLE = "ai-platform.yaml"
DEMO_PREFIX = "archrev-demo-"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "open",
        help="open a workspace or a model YAML file in the app (a file is edited in place)",
    )
    p.add_argument("path", type=Path, metavar="PATH", help="archrev.db workspace or model.yaml")
    add_system(p)
    p.set_defaults(handler=cmd_open)

    p = sub.add_parser("demo", help="open a fresh copy of the AI-platform sample in the app")
    p.set_defaults(handler=cmd_demo)

    p = sub.add_parser("keys", help="list the app's key bindings and their ids (for keymaps)")
    p.set_defaults(handler=cmd_keys)


def register_top_level(parser: argparse.ArgumentParser) -> None:
    """`archrev` with no command opens the workspace in the app."""
    add_db(parser)
    add_system(parser)
    parser.set_defaults(default_handler=cmd_app)


def _keymap() -> dict[str, str]:
    from archrev.tui.app import binding_defaults, binding_ids
    from archrev.tui.keymap import keymap_path, load_keymap

    path = keymap_path()
    if path is None:
        return {}
    return load_keymap(path, binding_ids(), binding_defaults())


def _run(app: Any) -> int:
    app.run()
    return 0


def open_workspace_app(path: Path, system: str | None) -> int:
    from archrev.model.document import WorkspaceDocument
    from archrev.model.errors import WorkspaceError
    from archrev.model.workspace import Workspace
    from archrev.tui.app import ArchrevApp

    if not path.exists():
        raise WorkspaceError(
            f"{path}: no workspace here. Try `archrev demo` for a sample, "
            f"`archrev open MODEL.yaml` to edit a model file, or "
            f"`archrev import MODEL.yaml --db {path}` to start a workspace"
        )
    keymap = _keymap()
    with Workspace(path, create=False) as ws:
        systems = ws.systems()
        if system is not None or len(systems) == 1:
            system_id = ws.resolve_system(system)
        elif not systems:
            raise WorkspaceError(
                f"{path}: the workspace holds no system yet; "
                f"add one with `archrev import MODEL.yaml --db {path}`"
            )
        else:
            system_id = None
    if system_id is None:
        return _run(ArchrevApp(workspace=path, keymap=keymap))
    return _run(ArchrevApp(WorkspaceDocument.open(path, system_id), keymap=keymap))


def cmd_app(args: argparse.Namespace) -> int:
    from archrev.model.workspace import default_path

    return open_workspace_app(args.db or default_path(), args.system)


def cmd_open(args: argparse.Namespace) -> int:
    from archrev.model.document import ModelFileDocument, is_model_file
    from archrev.model.errors import InputFileError
    from archrev.tui.app import ArchrevApp

    path: Path = args.path
    if is_model_file(path):
        if not path.exists():
            raise InputFileError.single(
                path, "no such model file; `archrev schema` describes the format"
            )
        keymap = _keymap()
        return _run(ArchrevApp(ModelFileDocument(path), keymap=keymap))
    return open_workspace_app(path, args.system)


def _remove_abandoned_demos(tmp: Path) -> None:
    """Demo folders whose process died with its terminal (no cleanup ran) are removed."""
    import shutil

    for folder in tmp.glob(f"{DEMO_PREFIX}*"):
        try:
            pid = int((folder / "pid").read_text())
        except (OSError, ValueError):
            continue  # not ours to judge: no pid file
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue  # alive, or another user's


def cmd_demo(args: argparse.Namespace) -> int:
    import tempfile
    from importlib.resources import files

    from archrev.model.document import WorkspaceDocument
    from archrev.model.modelfile import parse_model
    from archrev.model.workspace import Workspace
    from archrev.tui.app import ArchrevApp

    sample = files("archrev.samples").joinpath(DEMO_SAMPLE)
    model, source = parse_model(sample.read_text(encoding="utf-8"), DEMO_SAMPLE)
    keymap = _keymap()
    _remove_abandoned_demos(Path(tempfile.gettempdir()))
    with tempfile.TemporaryDirectory(prefix=DEMO_PREFIX) as folder:
        (Path(folder) / "pid").write_text(str(os.getpid()))
        path = Path(folder) / "demo.db"
        with Workspace(path) as ws:
            ws.import_model(model, header=source.header)
        doc = WorkspaceDocument.open(path, model.system.id, label="demo (temporary workspace)")
        _run(ArchrevApp(doc, keymap=keymap))
    print(
        "The demo ran in a temporary workspace, now removed. To keep a system, "
        "`archrev import MODEL.yaml` and run `archrev`, or edit a file with `archrev open`."
    )
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    from archrev.tui.app import bindings
    from archrev.tui.keymap import ENV_VAR, keymap_path

    keymap = _keymap()
    rows = [
        (binding.id or "", keymap.get(binding.id or "", binding.key), where, binding.description)
        for where, binding in bindings()
    ]
    width = max(len(r[0]) for r in rows)
    for binding_id, keys, where, description in rows:
        print(f"{binding_id:<{width}}  {keys:<26} {where:<14} {description}")
    where = keymap_path()
    default = "~/.config/archrev/keymap.yaml"
    print(f"\nkeymap file: {where or f'none (set ${ENV_VAR} or create {default})'}")
    return 0
