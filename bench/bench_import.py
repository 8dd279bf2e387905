"""Import time of every system in ../shared/corpus (read + build, then into a workspace).

Run: .venv/bin/python bench/bench_import.py [--runs N]
Prints one line per system: files, components, links, median read time, median time of the
whole import into a fresh workspace (one transaction, report kept).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from archrev.model.formats.detect import ImportOptions, collect, read_sources
from archrev.model.reimport import import_into_workspace
from archrev.model.workspace import Workspace

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"

# (label, paths relative to the corpus, format, options)
SYSTEMS: list[tuple[str, list[str], str, dict]] = [
    (
        "sentry (compose, all profiles)",
        ["sentry-self-hosted/docker-compose.yml"],
        "compose",
        {"env_files": ["sentry-self-hosted/dot-env.txt"]},
    ),
    ("sock-shop (compose)", ["sock-shop/docker-compose.yml"], "compose", {}),
    ("sock-shop (k8s + HPA + netpol)", ["sock-shop"], "k8s", {"netpol": True}),
    ("online-boutique (k8s folder)", ["online-boutique/kubernetes-manifests"], "k8s", {}),
    ("online-boutique (k8s release)", ["online-boutique/kubernetes-manifests.yaml"], "k8s", {}),
    ("backstage examples", ["backstage-examples"], "backstage", {}),
    ("structurizr big bank", ["structurizr-bigbank/workspace.dsl"], "structurizr", {}),
    (
        "structurizr big bank (extends)",
        ["structurizr-bigbank/internet-banking-system/workspace.dsl"],
        "structurizr",
        {},
    ),
    (
        "structurizr microservices",
        ["structurizr-microservices-example/workspace.dsl"],
        "structurizr",
        {},
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"no corpus at {CORPUS}; nothing to measure")
        return 0
    print(f"{'system':<36} {'files':>5} {'comps':>5} {'links':>5} {'read ms':>8} {'import ms':>9}")
    for label, rel, fmt, extra in SYSTEMS:
        paths = [CORPUS / p for p in rel]
        options = ImportOptions(
            env_files=[CORPUS / p for p in extra.get("env_files", [])],
            netpol=extra.get("netpol", False),
            environ={},
        )
        reads, imports = [], []
        result = None
        files = 0
        for _ in range(args.runs):
            start = time.perf_counter()
            sources = collect(paths, fmt)
            results = read_sources(sources, options)
            reads.append(time.perf_counter() - start)
            files = len(sources.files)
            result = results[0]
            with tempfile.TemporaryDirectory() as tmp:
                start = time.perf_counter()
                with Workspace(Path(tmp) / "w.db") as ws, ws.transaction():
                    import_into_workspace(ws, result, sources=[str(p) for p in sources.files])
                imports.append(time.perf_counter() - start + reads[-1])
        assert result is not None
        print(
            f"{label:<36} {files:>5} {len(result.model.components):>5} "
            f"{len(result.model.links):>5} {statistics.median(reads) * 1000:>8.1f} "
            f"{statistics.median(imports) * 1000:>9.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
