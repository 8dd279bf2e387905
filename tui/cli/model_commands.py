"""Commands over model files and the workspace: schema, validate, export, systems.

`import` lives in import_commands (every source format, merging on re-import)."""

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

    p = sub.add_parser(
        "export", help="write a system from the workspace as a model file or a diagram"
    )
    add_db(p)
    add_system(p)
    p.add_argument(
        "--format",
        choices=["yaml", "mermaid", "dot"],
        default="yaml",
        help="yaml (model file), mermaid (flowchart) or dot (Graphviz)",
    )
    p.add_argument(
        "--findings",
        action="store_true",
        help="diagrams: colour each component by its worst finding",
    )
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
    from archrev.model.modelfile import read_model_with_source
    from archrev.rules.policy import check_policy_section

    failed = False
    for path in args.files:
        try:
            model, source = read_model_with_source(path)
            # the `policy:` section is checked as `archrev check` will read it
            check_policy_section(model, source)
        except ArchrevError as exc:
            print(exc, file=sys.stderr)
            failed = True
            continue
        print(
            f"{path}: ok: system '{model.system.id}', "
            f"{_count(len(model.components), 'component')}, {_count(len(model.links), 'link')}"
        )
    return 2 if failed else 0


def cmd_export(args: argparse.Namespace) -> int:
    from archrev.model.modelfile import write_model
    from archrev.model.workspace import open_workspace

    with open_workspace(args.db, create=False, readonly=True) as ws:
        system_id = ws.resolve_system(args.system)
        model = ws.load(system_id)
        header = ws.header(system_id)
    if args.format != "yaml":
        from archrev.tui.cli.import_commands import diagram

        write_output(diagram(model, args.format, findings=args.findings), args.output)
        return 0
    write_output(write_model(model, header), args.output)
    return 0


def cmd_systems(args: argparse.Namespace) -> int:
    from archrev.model.workspace import open_workspace

    with open_workspace(args.db, create=False, readonly=True) as ws:
        systems = ws.systems()
    if not systems:
        print("no systems yet; add one with `archrev import MODEL.yaml`")
        return 0
    width = max(len(s.id) for s in systems)
    for s in systems:
        print(
            f"{s.id:<{width}}  {s.name}  "
            f"({_count(s.components, 'component')}, {_count(s.links, 'link')})"
        )
    return 0


def _count(n: int, word: str) -> str:
    """`1 component`, `2 components`, `0 links`."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
