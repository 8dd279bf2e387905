"""Which format a file is in (`--format auto`) and the one entry point for every importer.

A format is recognised from the content, not the file name alone: a compose file is a mapping
with `services`; Kubernetes objects have `apiVersion` and `kind`; Backstage entities have an
`apiVersion` under `backstage.io/`; a Structurizr workspace is a `.dsl` file or JSON with a
`model`; an archrev model file has `system` and `components`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archrev.model.errors import InputFileError
from archrev.model.formats import ImportResult, Origin
from archrev.model.located_yaml import load_all_located, read_text

FORMATS = ("archrev", "compose", "k8s", "backstage", "structurizr")
_YAML_SUFFIXES = (".yaml", ".yml")
_DIRECTORY_SUFFIXES = (*_YAML_SUFFIXES, ".json", ".dsl")
# Folders never worth descending into when a directory is imported.
_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "__pycache__", ".terraform"})


def _yaml_format(docs: list[Any]) -> str | None:
    maps = [d for d in docs if isinstance(d, Mapping)]
    if not maps:
        return None
    first = maps[0]
    if "archrev" in first or ("system" in first and "components" in first):
        return "archrev"
    if any(str(d.get("apiVersion", "")).startswith("backstage.io/") for d in maps):
        return "backstage"
    if any("apiVersion" in d and "kind" in d for d in maps):
        return "k8s"
    if isinstance(first.get("services"), Mapping) or (
        "services" in first and first.get("services") is None
    ):
        return "compose"
    if any(str(k).startswith("x-") for k in first) and set(first) <= {
        "version",
        "name",
        "services",
        "networks",
        "volumes",
        "configs",
        "secrets",
        "include",
    } | {k for k in first if str(k).startswith("x-")}:
        return "compose"
    return None


def detect_format(path: Path) -> str | None:
    """The format of one file, or None when it is none of ours."""
    if path.suffix == ".dsl":
        return "structurizr"
    text = read_text(path)
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InputFileError.single(path, f"this is not valid JSON: {exc}") from None
        if isinstance(data, dict) and isinstance(data.get("model"), dict):
            return "structurizr"
        return None
    if text.lstrip().startswith("workspace"):
        return "structurizr"
    docs = load_all_located(text, str(path))
    return _yaml_format(docs)


def _files_in(folder: Path) -> list[Path]:
    found: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.is_dir():
            if child.name not in _SKIP_DIRS and not child.name.startswith("."):
                found.extend(_files_in(child))
        elif child.suffix in _DIRECTORY_SUFFIXES:
            found.append(child)
    return found


@dataclass
class Sources:
    """The files to import, grouped by format."""

    format: str
    files: list[Path] = field(default_factory=list)


def collect(paths: Sequence[Path], fmt: str = "auto") -> Sources:
    """Resolve files and folders to one format and its files, or explain why not."""
    if fmt != "auto" and fmt not in FORMATS:
        raise InputFileError.single(
            "--format", f"unknown format '{fmt}'; choose auto or one of {', '.join(FORMATS)}"
        )
    by_format: dict[str, list[Path]] = {}
    for path in paths:
        if not path.exists():
            raise InputFileError.single(path, "no such file or folder; check the path")
        if path.is_dir():
            candidates = _files_in(path)
            hits = 0
            for file in candidates:
                try:
                    found = detect_format(file)
                except InputFileError:
                    if fmt == "auto":
                        raise
                    found = None
                if found is None:
                    continue
                if fmt != "auto" and found != fmt:
                    continue
                by_format.setdefault(found, []).append(file)
                hits += 1
            if hits == 0:
                wanted = "any format archrev imports" if fmt == "auto" else f"the {fmt} format"
                raise InputFileError.single(
                    path,
                    f"the folder holds no file in {wanted} "
                    f"({len(candidates)} YAML/JSON/DSL file(s) looked at); "
                    "name the files or choose --format",
                )
            continue
        found = detect_format(path) if fmt == "auto" else fmt
        if found is None:
            raise InputFileError.single(
                path,
                "cannot tell the format of this file (not a compose file, Kubernetes manifest, "
                "Backstage catalog, Structurizr workspace or archrev model); choose --format",
            )
        by_format.setdefault(found, []).append(path)
    if len(by_format) > 1:
        detail = "; ".join(
            f"{f}: {', '.join(str(p) for p in files[:3])}" for f, files in by_format.items()
        )
        raise InputFileError.single(
            paths[0],
            f"the inputs mix formats ({detail}); import them separately or choose --format",
        )
    fmt_found, files = next(iter(by_format.items()))
    if fmt_found == "structurizr":
        # A workspace DSL that others `!include` or `extends` is imported through them:
        # keep only the files no other one includes, so each element is read once.
        files = _structurizr_roots(files)
    return Sources(fmt_found, files)


def _structurizr_roots(files: list[Path]) -> list[Path]:
    if len(files) <= 1:
        return files
    included: set[Path] = set()
    for file in files:
        if file.suffix != ".dsl":
            continue
        for line in read_text(file).splitlines():
            words = line.strip().split()
            if (
                len(words) >= 2
                and words[0] in ("!include", "workspace")
                and (words[0] == "!include" or words[1] == "extends")
            ):
                target = words[-1].strip('"{') if words[0] == "workspace" else words[1].strip('"')
                if target and not target.startswith("http"):
                    included.add((file.parent / target).resolve())
    return [f for f in files if f.resolve() not in included] or files


@dataclass
class ImportOptions:
    system_id: str | None = None
    env_files: list[Path] = field(default_factory=list)
    profiles: list[str] = field(default_factory=list)
    netpol: bool = False
    environ: Mapping[str, str] | None = None


def read_sources(sources: Sources, options: ImportOptions) -> list[ImportResult]:
    """Run the importer of the sources' format: one result per system."""
    results = _read(sources, options)
    if sources.format in ("compose", "k8s", "backstage"):
        from archrev.model.formats.entry_points import add_users_in_front

        for result in results:
            add_users_in_front(result)
    return results


def _read(sources: Sources, options: ImportOptions) -> list[ImportResult]:
    fmt, files = sources.format, sources.files
    if fmt == "compose":
        from archrev.model.formats.compose import read_compose

        return [
            read_compose(
                files,
                env_files=options.env_files or None,
                profiles=options.profiles or None,
                environ=options.environ,
                system_id=options.system_id,
            )
        ]
    if fmt == "k8s":
        from archrev.model.formats.k8s import read_k8s

        return [read_k8s(files, netpol=options.netpol, system_id=options.system_id)]
    if fmt == "backstage":
        from archrev.model.formats.backstage import read_backstage

        return [read_backstage(files, system_id=options.system_id)]
    if fmt == "structurizr":
        from archrev.model.formats.structurizr import read_structurizr

        if len(files) > 1:
            raise InputFileError.single(
                files[1],
                "several Structurizr workspaces given; import one workspace at a time",
            )
        return [read_structurizr(files[0], system_id=options.system_id)]
    return [_read_archrev(path, options) for path in files]


def _read_archrev(path: Path, options: ImportOptions) -> ImportResult:
    from archrev.model.modelfile import read_model_with_source

    model, source = read_model_with_source(path)
    if options.system_id and options.system_id != model.system.id:
        model = model.model_copy(
            update={"system": model.system.model_copy(update={"id": options.system_id})}
        )
    result = ImportResult(model=model, format="archrev", header=source.header, files=[str(path)])
    for cid, mark in source.components.items():
        result.components[cid] = Origin(str(path), _line(mark))
    for key, mark in source.links.items():
        result.links[key] = Origin(str(path), _line(mark))
    return result


def _line(mark: Any) -> int:
    if isinstance(mark, tuple) and mark:
        return int(mark[0])
    return int(getattr(mark, "line", 0) or 0)
