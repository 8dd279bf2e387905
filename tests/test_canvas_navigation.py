"""Arrow-key navigation between boxes: the box an arrow goes to lies that way on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from archrev.model.layout import layered_layout
from archrev.model.modelfile import read_model
from archrev.tui.canvas import GraphCanvas, box_toward
from archrev.tui.canvas_draw import BoxPicture
from textual.app import App, ComposeResult

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "ai-platform.yaml"


def box(comp_id: str, x: int, y: int, w: int = 16, h: int = 4) -> BoxPicture:
    return BoxPicture(comp_id, x, y, w, h, comp_id, "service")


def boxes(*items: BoxPicture) -> dict[str, BoxPicture]:
    return {b.comp_id: b for b in items}


# A centre box with one neighbour straight out on each side, and a wider box right below the
# centre (the QA case: its centre is a little right of the centre box's).
CROSS = boxes(
    box("mid", 40, 20),
    box("east", 70, 21),
    box("west", 5, 19),
    box("north", 41, 8),
    box("south", 38, 32),
    box("wide-below", 40, 26, w=24),
)


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("right", "east"), ("left", "west"), ("up", "north"), ("down", "wide-below")],
)
def test_each_arrow_goes_to_the_box_that_way(direction: str, expected: str) -> None:
    assert box_toward(CROSS, CROSS["mid"], direction) == expected


def test_a_wider_box_straight_below_is_not_to_the_right() -> None:
    scene = boxes(box("web", 2, 17), box("partner", 2, 23, w=23))
    assert box_toward(scene, scene["web"], "right") is None
    assert box_toward(scene, scene["partner"], "left") is None
    assert box_toward(scene, scene["web"], "down") == "partner"
    assert box_toward(scene, scene["partner"], "up") == "web"


def test_the_cone_wins_over_a_nearer_box_off_to_the_side() -> None:
    # "near" is closer, but more below than to the right; "far" is straight to the right.
    scene = boxes(box("a", 2, 10), box("near", 22, 24), box("far", 60, 11))
    assert box_toward(scene, scene["a"], "right") == "far"
    assert box_toward(scene, scene["a"], "down") == "near"


def test_outside_the_cone_the_nearest_box_in_that_half_is_the_fallback() -> None:
    # Nothing is in the cone to the right: the box down and to the right is still reachable.
    scene = boxes(box("a", 2, 2), box("low", 30, 30), box("lower", 30, 60))
    assert box_toward(scene, scene["a"], "right") == "low"
    assert box_toward(scene, scene["low"], "left") == "a"


def test_nothing_that_way_gives_none() -> None:
    scene = boxes(box("only", 2, 2))
    for direction in ("up", "down", "left", "right"):
        assert box_toward(scene, scene["only"], direction) is None


class SampleApp(App[None]):
    def compose(self) -> ComposeResult:
        yield GraphCanvas()

    def on_mount(self) -> None:
        model = read_model(SAMPLE)
        canvas = self.query_one(GraphCanvas)
        canvas.show(model, layered_layout(model))
        canvas.select("web-app")
        canvas.focus()


@pytest.mark.parametrize("size", [(120, 40), (200, 50)])
async def test_right_from_web_app_goes_along_its_arrows(size: tuple[int, int]) -> None:
    app = SampleApp()
    async with app.run_test(size=size) as pilot:
        canvas = app.query_one(GraphCanvas)
        await pilot.pause()
        assert canvas.selected == "web-app"
        await pilot.press("right")
        assert canvas.selected in {"cdn", "api-gateway"}
        await pilot.press("left")
        assert canvas.selected in {"web-app", "partner-api"}
        canvas.select("prompt-guard")
        await pilot.press("left")
        # Usage events sits almost straight above Prompt guard: not to its left.
        assert canvas.selected != "usage-events"
        assert canvas.scene.boxes[canvas.selected].x < canvas.scene.boxes["prompt-guard"].x
