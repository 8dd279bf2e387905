"""Review report generation time on the samples (a script that prints figures, not a test).

For each sample: analyse + assemble the open review, close it (milestone), then render
every report format from the closed review; the best of several runs is printed.

    python bench/bench_reviews.py [--runs 5]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from archrev.model.modelfile import read_model
from archrev.model.reviews import ReviewStore
from archrev.model.workspace import Workspace
from archrev.rules.checklists import load_checklist
from archrev.rules.reports import FORMATS, render
from archrev.rules.review import close_review, review_state

ROOT = Path(__file__).resolve().parents[1]
DAY = date(2026, 11, 20)


def best(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'sample':<18} {'comps':>5} {'finds':>5} {'live state':>10} {'close':>7} "
        + " ".join(f"{f:>7}" for f in FORMATS)
        + "   (ms, best of "
        f"{args.runs}; html KB)"
    )
    for path in sorted((ROOT / "samples").glob("*.yaml")):
        model = read_model(path)
        with tempfile.TemporaryDirectory() as tmp:
            ws = Workspace(Path(tmp) / "w.db")
            ws.import_model(model)
            store = ReviewStore(ws)
            review = store.start(model.system.id, checklist=load_checklist().to_dict(), today=DAY)
            live_ms, state = best(
                lambda s=store, r=review: review_state(s, r, today=DAY), args.runs
            )
            start = time.perf_counter()
            closed = close_review(store, review, today=DAY)
            close_ms = (time.perf_counter() - start) * 1000
            frozen = review_state(store, closed)
            cells = []
            size = 0
            for fmt in FORMATS:
                ms, text = best(lambda fmt=fmt, st=frozen: render(st, fmt), args.runs)
                cells.append(f"{ms:7.1f}")
                if fmt == "html":
                    size = len(str(text).encode()) // 1024
            ws.close()
        print(
            f"{path.stem:<18} {len(model.components):>5} {len(state.findings):>5} "
            f"{live_ms:10.1f} {close_ms:7.1f} " + " ".join(cells) + f"   {size} KB"
        )


if __name__ == "__main__":
    main()
