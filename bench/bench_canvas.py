"""Canvas benchmark: layout, routing, one viewport render and keypress-to-repaint.

Run: `python bench/bench_canvas.py` (prints figures; not a timed test).
"""

from __future__ import annotations

import random
import time

from archrev.model.types import Component, Kind, Link, Mode, System, SystemModel

KINDS = [
    Kind.SERVICE,
    Kind.SERVICE,
    Kind.SERVICE,
    Kind.WORKER,
    Kind.DATABASE,
    Kind.CACHE,
    Kind.QUEUE,
    Kind.GATEWAY,
]


def generated_system(count: int, seed: int = 7) -> SystemModel:
    """A layered, mostly acyclic system like a large estate: entry points, services, stores."""
    rng = random.Random(seed)
    comps = []
    for index in range(count):
        kind = Kind.GATEWAY if index < max(2, count // 50) else rng.choice(KINDS)
        comps.append(
            Component(
                id=f"c{index:03d}",
                name=f"{kind.value}-{index}",
                kind=kind,
                group=f"team-{index % 9}" if rng.random() < 0.5 else "",
                replicas=rng.choice([1, 1, 2, 3]),
            )
        )
    links: dict[tuple[str, str], Link] = {}
    for index in range(1, count):
        # Every component is called by one or two earlier ones: a connected, deep graph.
        for _ in range(rng.choice([1, 1, 2])):
            low = max(0, index - 40)
            source = rng.randrange(low, index)
            key = (comps[source].id, comps[index].id)
            links[key] = Link(
                source=key[0],
                target=key[1],
                mode=rng.choice([Mode.SYNC, Mode.SYNC, Mode.ASYNC]),
                required=rng.random() > 0.15,
            )
    return SystemModel(system=System(id="generated"), components=comps, links=list(links.values()))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def bench_layout() -> None:
    from archrev.model.layout import box_sizes, layered_layout, route_edges

    for count in (200, 500):
        model = generated_system(count)
        best_layout = best_route = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            positions = layered_layout(model)
            middle = time.perf_counter()
            route_edges(model, positions, box_sizes(model))
            end = time.perf_counter()
            best_layout = min(best_layout, middle - start)
            best_route = min(best_route, end - middle)
        print(
            f"{count} components, {len(model.links)} links: layered_layout {_ms(best_layout)}, "
            f"route_edges {_ms(best_route)}"
        )


def bench_viewport() -> None:
    from archrev.model.layout import box_sizes, layered_layout, route_edges
    from archrev.tui.canvas_draw import Scene

    model = generated_system(500)
    positions = layered_layout(model)
    sizes = box_sizes(model)
    routes = route_edges(model, positions, sizes)
    start = time.perf_counter()
    scene = Scene(model.component_map(), positions, sizes, routes)
    built = time.perf_counter() - start
    # The busiest viewport: the one over the most line and box cells.
    x0, y0 = scene.width // 3, scene.height // 3
    start = time.perf_counter()
    repeats = 20
    for _ in range(repeats):
        for y in range(y0, y0 + 45):
            scene.row(y, x0, 160)
    drawn = (time.perf_counter() - start) / repeats
    print(f"500 components: scene build {_ms(built)}, one 160x45 viewport {_ms(drawn)}")


async def bench_app() -> None:
    from archrev.model.layout import layered_layout
    from archrev.tui import canvas as canvas_module
    from archrev.tui.canvas import GraphCanvas
    from textual.app import App, ComposeResult

    model = generated_system(500)
    positions = layered_layout(model)

    class Bench(App[None]):
        def compose(self) -> ComposeResult:
            yield GraphCanvas()

    app = Bench()
    async with app.run_test(size=(160, 45)) as pilot:
        canvas = app.query_one(GraphCanvas)
        start = time.perf_counter()
        canvas.show(model, positions)
        await pilot.pause()
        print(f"500 components: show() and first paint {_ms(time.perf_counter() - start)}")
        canvas.focus()
        canvas.scroll_to(
            canvas.virtual_size.width // 3,
            canvas.virtual_size.height // 3,
            animate=False,
            immediate=True,
        )
        await pilot.pause()

        def paint() -> float:
            # What a repaint costs: every visible line drawn afresh.
            canvas._strips.clear()
            begin = time.perf_counter()
            for y in range(canvas.size.height):
                canvas.render_line(y)
            return time.perf_counter() - begin

        # Keypress to repaint: from handing the key to the app until the first frame that
        # shows its effect is written (App._display), not Pilot's own settling time.
        shown: list[float] = []
        display = app._display

        def record_display(*args: object, **kwargs: object) -> None:
            display(*args, **kwargs)  # type: ignore[arg-type]
            shown.append(time.perf_counter())

        app._display = record_display  # type: ignore[method-assign]

        async def latency(key: str) -> float:
            shown.clear()
            begin = time.perf_counter()
            await pilot.press(key)
            await pilot.pause(0.05)
            return (shown[0] - begin) if shown else float("nan")

        keys = ["ctrl+right"] * 10 + ["ctrl+down"] * 10 + ["ctrl+left"] * 10 + ["ctrl+up"] * 10
        keys += ["pagedown"] * 5 + ["pageup"] * 5
        measured = [await latency(key) for key in keys]
        # A press that changes nothing (already at the edge) paints nothing: not counted.
        samples = sorted(m for m in measured if m == m)
        repaint = sorted(paint() for _ in range(10))
        print(
            f"pan keypress-to-repaint over {len(samples)} presses: "
            f"median {_ms(samples[len(samples) // 2])}, worst {_ms(samples[-1])}; "
            f"full viewport repaint {_ms(repaint[len(repaint) // 2])}"
        )
        canvas.select(next(iter(positions)))
        await pilot.pause()
        selects = sorted([await latency(key) for key in ["down", "right", "up", "left"] * 3])
        print(f"select with arrows: median {_ms(selects[len(selects) // 2])}")
        moves: list[float] = []
        for key in ["shift+right", "shift+down"] * 3:
            moves.append(await latency(key))
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
        moves.sort()
        start = time.perf_counter()
        canvas.action_move_selected(1, 0)
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        rerouted = time.perf_counter() - start
        print(
            f"move (shift+arrow) to repaint: median {_ms(moves[len(moves) // 2])}; "
            f"lines re-routed in the background after {_ms(rerouted)} "
            f"(including a {canvas_module.REROUTE_DELAY * 1000:.0f} ms pause for further moves)"
        )


if __name__ == "__main__":
    import asyncio

    bench_layout()
    bench_viewport()
    asyncio.run(bench_app())
