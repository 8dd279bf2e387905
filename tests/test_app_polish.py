"""The app's polish fixes: waiting on the inspector, a canvas area that fits its picture,
badge counts coloured by severity, review keys in the keymap, face-neutral triage errors."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_waits import settle, wait_for_inspector, wait_until
from archrev.model.document import WorkspaceDocument
from archrev.model.errors import WorkspaceError
from archrev.model.modelfile import read_model
from archrev.model.reviews import ReviewStore, Triage, TriageState
from archrev.model.types import Component, Kind, Link, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.tui import app as app_module
from archrev.tui.app import ArchrevApp, SystemScreen, binding_ids
from archrev.tui.canvas import BoxDecoration, GraphCanvas
from archrev.tui.canvas_draw import BADGE, Scene, badge_role
from archrev.tui.cli import main
from archrev.tui.findings_panel import SEVERITY_BADGE, severity_badge
from archrev.tui.keymap import load_keymap
from archrev.tui.review_screen import ReviewScreen
from rich.color import Color
from textual.app import App, ComposeResult

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 1, 15)
DAY = date(2026, 11, 20)


def shop() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name="Shop", growth_per_year=1.0),
        components=[
            Component(id="web", name="Web", kind=Kind.GATEWAY, peak_rps=200, capacity_rps=500),
            Component(id="api", name="Orders API", capacity_rps=150),
            Component(id="db", name="Orders DB", kind=Kind.DATABASE, capacity_rps=400),
        ],
        links=[Link(source="web", target="api"), Link(source="api", target="db")],
        layout={"web": (2, 2), "api": (30, 2), "db": (60, 2)},
    )


def shop_app(tmp_path: Path) -> ArchrevApp:
    path = tmp_path / "archrev.db"
    with Workspace(path) as ws:
        ws.import_model(shop())
    return ArchrevApp(WorkspaceDocument.open(path, "shop"), today=TODAY)


# -- (1) the inspector's debounced update can be waited on ---------------------------------


async def test_inspector_current_tells_when_the_inspector_caught_up(tmp_path: Path) -> None:
    app = shop_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        screen.canvas.select("db")
        await pilot.pause()  # the Selected message arrives, the debounce starts
        assert not screen.inspector_current
        await wait_for_inspector(pilot)
        assert screen.inspector_current
        assert "Orders DB" in screen.inspector.text.plain


async def test_wait_until_gives_up_with_what_it_waited_for(tmp_path: Path, monkeypatch) -> None:
    import app_waits

    monkeypatch.setattr(app_waits, "WAIT_LIMIT", 0.05)
    async with shop_app(tmp_path).run_test(size=(80, 24)) as pilot:
        with pytest.raises(AssertionError, match="never true"):
            await wait_until(pilot, lambda: False, "never true")


# -- (2) the canvas area fits the picture --------------------------------------------------


class CanvasHost(App[None]):
    def __init__(self, model: SystemModel, positions: dict[str, tuple[int, int]]) -> None:
        super().__init__()
        self.model = model
        self.positions = positions

    def compose(self) -> ComposeResult:
        yield GraphCanvas()

    def on_mount(self) -> None:
        self.query_one(GraphCanvas).show(self.model, self.positions)


def small_model() -> tuple[SystemModel, dict[str, tuple[int, int]]]:
    model = SystemModel(
        system=System(id="t"),
        components=[Component(id="a"), Component(id="b")],
        links=[Link(source="a", target="b")],
    )
    return model, {"a": (2, 2), "b": (30, 2)}


async def test_no_scrollbar_when_the_picture_fits() -> None:
    model, positions = small_model()
    app = CanvasHost(model, positions)
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        canvas = app.query_one(GraphCanvas)
        right = max(b.x + b.w for b in canvas.scene.boxes.values())
        bottom = max(b.y + b.h for b in canvas.scene.boxes.values())
        assert right < 60  # the picture fits 80 columns with room to spare
        assert canvas.virtual_size.width <= right + 4
        assert canvas.virtual_size.height <= bottom + 3
        assert not canvas.show_horizontal_scrollbar
        assert not canvas.show_vertical_scrollbar


async def test_area_covers_lines_and_grows_for_a_drag_only() -> None:
    model, positions = small_model()
    app = CanvasHost(model, positions)
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.pause()
        canvas = app.query_one(GraphCanvas)
        scene = canvas.scene
        far_x = max(x for r in scene.routes for x, _ in r.points)
        right = max(b.x + b.w for b in scene.boxes.values())
        assert canvas.virtual_size.width > max(far_x, right - 1)
        # Too wide for 40 columns: now the scrollbar is right.
        assert canvas.show_horizontal_scrollbar
        rest = canvas.virtual_size
        await pilot.mouse_down(GraphCanvas, offset=(4, 3))  # on box a
        await pilot.hover(GraphCanvas, offset=(6, 4))
        assert canvas.virtual_size.width > rest.width  # room to drag into
        await pilot.mouse_up(GraphCanvas, offset=(6, 4))
        await wait_until(pilot, lambda: canvas.positions["a"] != (2, 2), "the move")
        after = canvas.scene
        right = max(b.x + b.w for b in after.boxes.values())
        assert canvas.virtual_size.width <= right + 4


def test_scene_extent_is_the_furthest_cell() -> None:
    comps = {"a": Component(id="a")}
    scene = Scene(comps, {"a": (3, 1)}, {"a": (16, 4)}, [])
    assert (scene.width, scene.height) == (3 + 16, 1 + 4)


# -- (3) badge counts coloured by severity -------------------------------------------------


def test_severity_badge_words_and_styles() -> None:
    text, styles = severity_badge({"critical": 1, "high": 2, "low": 3, "info": 4})
    assert text == "C1 H2 L3"
    assert styles == (SEVERITY_BADGE["critical"], SEVERITY_BADGE["high"], SEVERITY_BADGE["low"])
    assert len(set(SEVERITY_BADGE.values())) == 4  # each severity reads differently


def test_badge_cells_carry_their_word() -> None:
    comps = {"c": Component(id="c")}
    scene = Scene(comps, {"c": (0, 0)}, {"c": (16, 4)}, [], badges={"c": "C1 H2"})
    cells = scene.boxes["c"].cells(3)
    roles = {char: role for char, role in cells if char in "CH12"}
    assert roles == {"C": badge_role(0), "1": badge_role(0), "H": badge_role(1), "2": badge_role(1)}
    assert any(role == BADGE for char, role in cells if char == " ")


def cell_style(canvas: GraphCanvas, y: int, char: str):
    strip = canvas.render_line(y)
    for segment in strip:
        if char in segment.text:
            return segment.style
    raise AssertionError(f"{char!r} not on row {y}")


async def test_badge_words_take_their_severity_colour() -> None:
    model, positions = small_model()
    app = CanvasHost(model, positions)
    async with app.run_test(size=(80, 20)) as pilot:
        canvas = app.query_one(GraphCanvas)
        text, styles = severity_badge({"critical": 1, "medium": 2})
        canvas.decorate(
            {"a": BoxDecoration(border_style="bold red", badge=text, badge_styles=styles)}
        )
        await pilot.pause()
        box = canvas.scene.boxes["a"]
        bottom = box.y + box.h - 1
        crit = cell_style(canvas, bottom, "C1")
        medium = cell_style(canvas, bottom, "M2")
        assert crit.bgcolor == Color.parse("red") and crit.bold
        assert medium.color == Color.parse("yellow")
        assert crit != medium


async def test_app_badges_follow_the_worst_and_each_severity(tmp_path: Path) -> None:
    app = shop_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        assert screen.analysis is not None
        decorations = screen.decorations()
        checked = 0
        for comp_id, decoration in decorations.items():
            counts: dict[str, int] = {}
            for finding in screen.analysis.findings:
                if comp_id in finding.components:
                    counts[finding.severity.value] = counts.get(finding.severity.value, 0) + 1
            expected = severity_badge(counts)
            assert (decoration.badge, decoration.badge_styles) == expected
            checked += bool(decoration.badge)
        assert checked, "the shop has findings on some box"


# -- (4) review keys are in the keymap -----------------------------------------------------


def test_review_bindings_are_keymap_ids(tmp_path: Path, capsys) -> None:
    ids = binding_ids()
    assert len(ids) == len(set(ids))
    for binding in ReviewScreen.BINDINGS:
        assert binding.id in ids  # type: ignore[union-attr]
    path = tmp_path / "keymap.yaml"
    path.write_text("review.triage.acknowledge: z\nreview.start: ctrl+n\n")
    assert load_keymap(path, ids) == {"review.triage.acknowledge": "z", "review.start": "ctrl+n"}
    assert main(["keys"]) == 0
    out = capsys.readouterr().out
    assert "review.triage.acknowledge" in out and "review.snapshot.back" in out


class ReviewHost(ArchrevApp):
    # The app's stylesheet is found beside its module, not beside this subclass.
    CSS_PATH = str(Path(app_module.__file__).with_name("app.tcss"))

    def __init__(self, db: Path, keymap: dict[str, str]) -> None:
        super().__init__(keymap=keymap, today=DAY)
        self.db = db

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(ReviewScreen(self.db, "shop", today=DAY))


async def test_keymap_rebinds_a_review_key(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    with Workspace(db) as ws:
        ws.import_model(read_model(ROOT / "tests" / "data" / "review_shop_q1.yaml"))
    # The way `archrev open` reads a user's keymap: checked against every binding id.
    keymap_file = tmp_path / "keymap.yaml"
    keymap_file.write_text("review.triage.acknowledge: z\n")
    app = ReviewHost(db, load_keymap(keymap_file, binding_ids()))
    async with app.run_test(size=(160, 45)) as pilot:
        await app.workers.wait_for_complete()
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: screen.state is not None and bool(screen.state.findings), "the review"
        )
        await pilot.press("1")
        await pilot.pause()
        first = screen.state.findings[0].fingerprint
        await pilot.press("k")  # no longer bound
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.state.findings[0].state is TriageState.OPEN
        await pilot.press("z")

        def state_of_first() -> TriageState | None:
            assert screen.state is not None
            return next((tf.state for tf in screen.state.findings if tf.fingerprint == first), None)

        await wait_until(
            pilot, lambda: state_of_first() is TriageState.ACKNOWLEDGED, "the acknowledgement"
        )


# -- (5) the triage errors read the same in the app and on the command line ----------------


def test_triage_errors_name_no_command_line_flag(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.db") as ws:
        ws.import_model(shop())
        store = ReviewStore(ws)
        review = store.start("shop", today=DAY)
        attempts = {
            "needs a justification": Triage("fp1", TriageState.ACCEPTED_RISK),
            "needs an expiry date (YYYY-MM-DD) in the future": Triage(
                "fp1", TriageState.ACCEPTED_RISK, justification="peak only"
            ),
            "only apply to an accepted risk": Triage(
                "fp1", TriageState.ACKNOWLEDGED, justification="x"
            ),
        }
        for expected, triage in attempts.items():
            with pytest.raises(WorkspaceError) as caught:
                store.set_triage(review, triage, today=DAY)
            message = str(caught.value)
            assert expected in message
            # The app's dialog shows this text too: no flag of the command line in it.
            assert "--" not in message, message
