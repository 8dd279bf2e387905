"""Commands over model files and the workspace: schema, validate, import, export, systems."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from archrev.tui.cli.options import add_db, add_output, add_system, write_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="print the JSON Schema of the model file format")
    add_output(p)
    p.set_defaults(handler=cmd_schema)

    p = sub.add_parser("validate", help="check model files and report every problem")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.set_defaults(handler=cmd_validate)

    p = sub.add_parser("import", help="store a model file as a system in the workspace")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_db(p)
    p.add_argument("--replace", action="store_true", help="overwrite a system with the same id")
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("export", help="write a system from the workspace as a model file")
    add_db(p)
    add_system(p)
    p.add_argument("--format", choices=["yaml"], default="yaml", help="output format")
    add_output(p)
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser("systems", help="list the systems in the workspace")
    add_db(p)
    p.set_defaults(handler=cmd_systems)


def cmd_schema(args: argparse.Namespace) -> int:
    import json

    from archrev.model.schema import model_file_schema

    write_output(json.dumps(model_file_schema(), indent=2) + "\n", args.output)
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from archrev.model.errors import ArchrevError
    from archrev.model.modelfile import read_model

    failed = False
    for path in args.files:
        try:
            model = read_model(path)
        except ArchrevError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        print(
            f"{path}: ok: system '{model.system.id}', {len(model.components)} components, "
            f"{len(model.links)} links"
        )
    return 2 if failed else 0


def cmd_import(args: argparse.Namespace) -> int:
    from archrev.model.modelfile import read_model_with_source
    from archrev.model.workspace import open_workspace

    # Read and check every file before touching the workspace: all or nothing.
    models = [read_model_with_source(path) for path in args.files]
    ids = [m.system.id for m, _ in models]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        from archrev.model.errors import ArchrevError

        raise ArchrevError(f"several files define the system {', '.join(sorted(dupes))}")
    with open_workspace(args.db) as ws, ws.transaction():
        for model, source in models:
            ws.import_model(model, replace=args.replace, header=source.header)
    for (model, _), path in zip(models, args.files, strict=True):
        print(
            f"{path}: imported system '{model.system.id}' ({len(model.components)} components, "
            f"{len(model.links)} links) into {args.db or 'the workspace'}"
        )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from archrev.model.modelfile import write_model
    from archrev.model.workspace import open_workspace

    with open_workspace(args.db, create=False) as ws:
        system_id = ws.resolve_system(args.system)
        model = ws.load(system_id)
        header = ws.header(system_id)
    write_output(write_model(model, header), args.output)
    return 0


def cmd_systems(args: argparse.Namespace) -> int:
    from archrev.model.workspace import open_workspace

    with open_workspace(args.db, create=False) as ws:
        systems = ws.systems()
    if not systems:
        print("no systems yet; add one with `archrev import MODEL.yaml`")
        return 0
    width = max(len(s.id) for s in systems)
    for s in systems:
        print(f"{s.id:<{width}}  {s.name}  ({s.components} components, {s.links} links)")
    return 0
