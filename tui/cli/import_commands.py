"""`archrev import` (every source format, merge on re-import) and `archrev import-report`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from archrev.tui.cli.options import add_db, add_system

FORMAT_CHOICES = ["auto", "archrev", "compose", "k8s", "backstage", "structurizr"]


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="import compose files, Kubernetes manifests, Backstage catalogs, Structurizr "
        "workspaces or archrev models into the workspace",
        description="Import PATHs (files or folders) as one system (archrev model files: one "
        "system per file); re-importing merges: the topology follows the source and "
        "everything you added stays.",
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument(
        "--format",
        choices=FORMAT_CHOICES,
        default="auto",
        help="source format (default: recognised from the content)",
    )
    add_db(p)
    p.add_argument("--system", metavar="ID", help="system id to import into (default: derived)")
    p.add_argument(
        "--env-file",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="compose: read variables from FILE instead of .env (repeatable)",
    )
    p.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="P",
        help="compose: activate profile P (repeatable; default: COMPOSE_PROFILES)",
    )
    p.add_argument(
        "--netpol",
        action="store_true",
        help="k8s: also add links from NetworkPolicy ingress rules",
    )
    p.add_argument(
        "--prune",
        action="store_true",
        help="delete components that disappeared from the source (kept otherwise)",
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument(
        "--replace",
        action="store_true",
        help="overwrite the system entirely instead of merging (loses your additions)",
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the summary and the problems, not every component and link",
    )
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("import-report", help="show the last import report kept for a system")
    add_db(p)
    add_system(p)
    p.add_argument("--all", action="store_true", help="list every import, newest first")
    p.set_defaults(handler=cmd_import_report)


def cmd_import(args: argparse.Namespace) -> int:
    from archrev.model.errors import ArchrevError
    from archrev.model.formats.detect import ImportOptions, collect, read_sources
    from archrev.model.reimport import import_into_workspace, plan_merge
    from archrev.model.workspace import default_path, open_workspace

    # Read and check every input before the workspace is touched: bad input writes nothing.
    sources = collect(args.paths, args.format)
    options = ImportOptions(
        system_id=args.system,
        env_files=args.env_file,
        profiles=args.profile,
        netpol=args.netpol,
    )
    results = read_sources(sources, options)
    if sources.format == "archrev":
        _check_policy_sections(sources.files, results)
    ids = [r.model.system.id for r in results]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ArchrevError(f"several inputs define the system {', '.join(dupes)}")
    names = [str(p) for p in sources.files]
    db = args.db or default_path()
    if args.dry_run and not Path(db).exists():
        for result in results:
            changes = plan_merge(None, result.model, None, prune=args.prune).changes
            _print_report(
                result, changes, result.files or names, db, dry_run=True, quiet=args.quiet
            )
        return 0
    with open_workspace(db) as ws, ws.transaction():
        all_changes = [
            import_into_workspace(
                ws,
                result,
                sources=result.files or names,
                prune=args.prune,
                dry_run=args.dry_run,
                replace=args.replace,
            )
            for result in results
        ]
    for result, changes in zip(results, all_changes, strict=True):
        _print_report(
            result, changes, result.files or names, db, dry_run=args.dry_run, quiet=args.quiet
        )
    return 0


def _check_policy_sections(files: list[Path], results: list[Any]) -> None:
    """Refuse archrev models whose `policy:` section `archrev check` would refuse, with every
    problem of every file located, before anything is written."""
    from archrev.model.errors import InputFileError, Problem
    from archrev.model.modelfile import read_model_with_source
    from archrev.rules.policy import check_policy_section

    problems: list[Problem] = []
    for path, result in zip(files, results, strict=True):
        if result.model.policy is None:
            continue
        model, source = read_model_with_source(path)
        try:
            check_policy_section(model, source)
        except InputFileError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputFileError(problems)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _print_report(
    result: Any, changes: Any, names: list[str], db: Path, *, dry_run: bool, quiet: bool
) -> None:
    out = sys.stdout
    model = result.model
    verb = "would import" if dry_run else "imported"
    where = "a new system" if changes.new_system else "the existing system"
    files = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    out.write(
        f"{result.format}: {verb} {files} into {where} '{model.system.id}' in {db}\n"
        f"  {_plural(len(model.components), 'component')}, {_plural(len(model.links), 'link')} "
        f"from the source\n"
    )
    summary = (
        f"  components: {len(changes.added)} added, {len(changes.changed)} changed, "
        f"{len(changes.removed)} removed"
    )
    if changes.kept:
        summary += f", {len(changes.kept)} kept though gone from the source (use --prune)"
    summary += (
        f"\n  links: {len(changes.links_added)} added, {len(changes.links_changed)} changed, "
        f"{len(changes.links_removed)} removed"
    )
    if changes.links_kept:
        summary += f", {len(changes.links_kept)} drawn by hand kept"
    out.write(summary + "\n")
    if not changes.new_system:
        for cid in changes.added:
            out.write(f"  + {cid}\n")
        for cid, fields in changes.changed.items():
            out.write(f"  ~ {cid}: {', '.join(fields)}\n")
        for cid in changes.removed:
            out.write(f"  - {cid}\n")
        for cid in changes.kept:
            out.write(f"  = {cid} (not in the source any more; kept)\n")
        for s, t in changes.links_added:
            out.write(f"  + {s} -> {t}\n")
        for (s, t), fields in changes.links_changed.items():
            out.write(f"  ~ {s} -> {t}: {', '.join(fields)}\n")
        for s, t in changes.links_removed:
            out.write(f"  - {s} -> {t}\n")
    if not quiet:
        out.write("Components:\n")
        width = max((len(c.id) for c in model.components), default=0)
        for comp in model.components:
            origin = result.components.get(comp.id, "")
            out.write(f"  {comp.id:<{width}}  {comp.kind.value:<13} {origin}\n")
        if model.links:
            out.write("Links:\n")
            for link in model.links:
                text = f"{link.source} -> {link.target}"
                out.write(f"  {text:<{2 * width + 4}}  {result.links.get(link.key, '')}\n")
    titles = {
        "unresolved": "Could not be resolved",
        "unknown": "Kind unknown (imported as service)",
        "skipped": "Left out",
        "info": "Notes",
    }
    for kind, title in titles.items():
        notes = [n for n in result.notes if n.kind == kind]
        if notes:
            out.write(f"{title} ({len(notes)}):\n")
            for note in notes:
                out.write(f"  {note.origin}: {note.message}\n")
    if dry_run:
        out.write("dry run: nothing was written\n")


def diagram(model: Any, fmt: str, *, findings: bool) -> str:
    """A Mermaid or Graphviz diagram of a model, coloured by findings when asked."""
    from archrev.model.formats.dot import write_dot
    from archrev.model.formats.mermaid import write_mermaid

    worst: dict[str, str] = {}
    if findings:
        # The rules are computed here, in the command layer: model/ never imports rules/.
        from archrev.rules.engine import analyze
        from archrev.rules.policy import policy_from_model

        analysis = analyze(model, policy_from_model(model, None))
        worst = {cid: str(sev.value) for cid, sev in analysis.worst_by_component().items()}
    return write_mermaid(model, worst) if fmt == "mermaid" else write_dot(model, worst)


def cmd_import_report(args: argparse.Namespace) -> int:
    from archrev.model.reimport import import_reports
    from archrev.model.workspace import open_workspace

    with open_workspace(args.db, create=False, readonly=True) as ws:
        system_id = ws.resolve_system(args.system)
        reports = import_reports(ws, system_id)
    if not reports:
        print(f"no import recorded for '{system_id}'")
        return 0
    for report in reports if args.all else reports[:1]:
        changes = report.get("changes", {})
        print(
            f"#{report['id']} {report['at']} {report['format']} from "
            f"{', '.join(report.get('sources', []))}: {len(report['components'])} components, "
            f"{len(report['links'])} links; added {len(changes.get('added', []))}, changed "
            f"{len(changes.get('changed', {}))}, removed {len(changes.get('removed', []))}"
        )
        if args.all:
            continue
        for cid, origin in report["components"].items():
            print(f"  {cid}  {origin}")
        for key, origin in report["links"].items():
            print(f"  {key}  {origin}")
        for note in report.get("notes", []):
            print(f"  [{note['kind']}] {note['origin']}: {note['message']}")
    return 0
