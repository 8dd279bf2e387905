"""The app at the sizes a QA engineer used (80x24, 200x50): what they found, asserted fixed.

Each test drives the app with Pilot on the bundled AI-platform sample (what `archrev demo`
opens) or on a small shop, and checks what the screen shows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from app_waits import settle, wait_for_inspector, wait_until
from archrev.model.document import WorkspaceDocument
from archrev.model.modelfile import read_model
from archrev.model.types import Component, Kind, Link, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.tui.app import ArchrevApp, SystemScreen
from archrev.tui.cli import main as cli_main
from archrev.tui.forms import ID_RULE, ComponentForm, LinkForm
from archrev.tui.inspector import InspectorBody, utilization_chart
from textual.widgets import Static
from textual.widgets._footer import FooterKey

TODAY = date(2026, 1, 15)
SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "ai-platform.yaml"


@pytest.fixture
def demo_path(tmp_path: Path) -> Path:
    path = tmp_path / "archrev.db"
    with Workspace(path) as ws:
        ws.import_model(read_model(SAMPLE))
    return path


def demo_app(path: Path) -> ArchrevApp:
    with Workspace(path, create=False) as ws:
        sid = ws.systems()[0].id
    return ArchrevApp(WorkspaceDocument.open(path, sid), today=TODAY)


def screen_of(app: ArchrevApp) -> SystemScreen:
    screen = app.screen
    assert isinstance(screen, SystemScreen)
    return screen


async def select(pilot, comp_id: str) -> SystemScreen:
    screen = screen_of(pilot.app)
    screen.canvas.select(comp_id)
    screen.canvas.focus()
    await wait_for_inspector(pilot)
    return screen


def footer_fits(screen) -> bool:
    """Whether every footer key still shown ends left of the command palette's key."""
    keys = list(screen.query(FooterKey))
    palette = next((k for k in keys if k.has_class("-command-palette")), None)
    if palette is None:
        return False
    return all(k.region.right <= palette.region.x for k in keys if k.display and k is not palette)


def status_text(screen: SystemScreen) -> str:
    return str(screen.query_one("#status", Static).render())


def in_view(screen: SystemScreen) -> tuple[int, int, int, int]:
    canvas = screen.canvas
    view = canvas.scrollable_content_region
    left, top = int(canvas.scroll_x), int(canvas.scroll_y)
    return left, top, left + view.width, top + view.height


# -- item 19: the growth chart fits the inspector ------------------------------------------


@pytest.mark.parametrize("width", [14, 24, 32, 42])
def test_chart_rows_fit_the_width_they_are_drawn_for(width: int) -> None:
    chart = utilization_chart([0.12, 0.5, 1.2, 9.5, 1e9], 1, width)
    rows = chart.plain.splitlines()
    assert len(rows) == 5
    for row in rows:
        assert len(row) <= max(width, 14)
        assert row.endswith("%")
    assert rows[4].endswith("999+%")


async def test_growth_chart_rows_keep_their_value_on_the_row_at_80x24(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await select(pilot, "api-gateway")
        await pilot.press("g")
        body = screen.inspector.query_one(InspectorBody)
        horizon = screen.analysis.facts.horizon

        def chart_of() -> list[str]:
            lines = [line.plain for line in body._wrap(body.size.width)]
            return [ln for ln in lines if ln[:2] in ("▶Q", " Q")]

        await wait_until(pilot, lambda: len(chart_of()) == horizon + 1, "the growth chart")
        lines = [line.plain for line in body._wrap(body.size.width)]
        chart = [ln for ln in lines if ln[:2] in ("▶Q", " Q")]
        horizon = screen.analysis.facts.horizon
        assert len(chart) == horizon + 1  # one row per quarter, none wrapped
        assert all(ln.rstrip().endswith("%") for ln in chart)
        assert not any(ln.strip().endswith("%") and "Q" not in ln for ln in lines)
        # Wider terminal, wider panel: the chart is drawn again for the new width.
        narrow = body.size.width
        await pilot.resize_terminal(200, 50)
        await wait_until(pilot, lambda: body.size.width > narrow, "the wider inspector")
        wide = [ln.plain for ln in body._wrap(body.size.width)]
        wide_chart = [ln for ln in wide if ln[:2] in ("▶Q", " Q")]
        assert len(wide_chart) == horizon + 1
        assert len(wide_chart[0]) > len(chart[0])


# -- item 19: first paint at 80x24, relayout at 200x50, the footer ------------------------


async def test_first_paint_at_80x24_shows_the_selection_and_cuts_no_box(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        left, top, right, bottom = in_view(screen)
        boxes = screen.canvas._scene.boxes
        chosen = boxes[screen.canvas.selected]
        assert top <= chosen.y and chosen.y + chosen.h <= bottom
        assert left <= chosen.x and chosen.x + chosen.w <= right
        for box in boxes.values():
            if box.x < right and box.x + box.w > left:
                assert not (box.y < bottom < box.y + box.h), "a box is cut by the panel"


async def test_relayout_brings_the_view_back_to_the_boxes(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        first = screen.canvas.selected
        screen.canvas.scroll_to(10_000, 10_000, animate=False, immediate=True)
        await pilot.pause()
        assert screen.canvas.scroll_x > 50
        await pilot.press("l")
        await settle(pilot)
        assert "automatic layout" in screen.message
        left, top, right, bottom = in_view(screen)
        assert left <= 2 and top <= min(p[1] for p in screen.positions.values())
        box = screen.canvas._scene.boxes[first]
        assert left <= box.x and box.x + box.w <= right and top <= box.y < bottom
        # Again: nothing moves, and the message says so rather than "saved".
        screen.canvas.scroll_to(10_000, 10_000, animate=False, immediate=True)
        await pilot.press("l")
        await settle(pilot)
        assert screen.message == "every box already stands where the automatic layout puts it"
        assert in_view(screen)[0] <= 2


@pytest.mark.parametrize("size", [(80, 24), (100, 30), (200, 50)])
async def test_footer_shows_whole_keys_only(demo_path: Path, size: tuple[int, int]) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await wait_until(pilot, lambda: footer_fits(app.screen), "the footer to fit")
        keys = list(app.screen.query(FooterKey))
        palette = next(k for k in keys if k.has_class("-command-palette"))
        shown = [k for k in keys if k.display and k is not palette]
        assert shown, "the footer must keep the first keys"
        for key in shown:
            assert key.region.right <= palette.region.x, key.description
        hidden = [k for k in keys if not k.display]
        if size[0] >= 200:
            assert not hidden
            # A wide terminal also shows the keys a new user would otherwise not find.
            assert {"Layout", "Focus", "Review"} <= {k.description for k in shown}
        else:
            # What is dropped are the last keys, whole, never a middle one.
            order = [k for k in keys if k is not palette]
            assert order[: len(shown)] == shown


# -- item 16: the blast numbers of the app and the CLI ------------------------------------


async def test_blast_status_and_inspector_count_like_the_cli(
    demo_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["blast", "api-gateway", str(SAMPLE)]) == 0
    cli = " ".join(capsys.readouterr().out.split())
    assert "no other component fails with it and 2 of 3 entry points are cut off" in cli
    assert "3 of 25 components down in all" in cli
    app = demo_app(demo_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screen = await select(pilot, "api-gateway")
        await pilot.press("b")
        await wait_until(pilot, lambda: "down in all" in status_text(screen), "the blast status")
        status = status_text(screen)
        assert (
            "if API gateway fails: no other component fails with it, 2 of 3 entry points"
            " cut off: 3 of 25 components down in all · b/esc leaves"
        ) in status
        body = screen.inspector.text.plain
        assert "3 of 25 components down in all, counting it and the entry points" in body
        assert "No other component fails with it\n" in body
        assert "2 of 3 entry points cut off: Partner API clients, Web app" in body
    async with demo_app(demo_path).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await select(pilot, "api-gateway")
        await pilot.press("b")
        await wait_until(pilot, lambda: "down in all" in status_text(screen), "the blast status")
        status = status_text(screen).rstrip()
        # At 80 columns the counts stay whole; the split and the way out give way.
        assert status.endswith("3 of 25 components down in all, 2 of 3 entry points cut off")


@pytest.mark.parametrize(
    ("comp_id", "others"),
    [("web-app", "no other component fails with it"), ("vector-db", "3 other components fail")],
)
async def test_blast_counts_agree_with_the_cli(
    demo_path: Path, capsys: pytest.CaptureFixture[str], comp_id: str, others: str
) -> None:
    assert cli_main(["blast", comp_id, str(SAMPLE)]) == 0
    cli = " ".join(capsys.readouterr().out.split())
    app = demo_app(demo_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        screen = await select(pilot, comp_id)
        await pilot.press("b")
        await wait_until(pilot, lambda: "down in all" in status_text(screen), "the blast status")
        counts = screen.analysis.facts.blast_counts(comp_id)
        total = f"{counts.failed_total} of 25 components down in all"
        cut = f"{counts.entry_points_cut} of 3 entry points"
        status = status_text(screen)
        for phrase in (total, cut, others):
            assert phrase in cli
            assert phrase in status


# -- item 20: form errors -----------------------------------------------------------------


def shop() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name="Shop"),
        components=[
            Component(id="web", name="Web", kind=Kind.GATEWAY),
            Component(id="api", name="API"),
        ],
        links=[Link(source="web", target="api")],
        layout={"web": (2, 2), "api": (40, 2)},
    )


@pytest.fixture
def shop_path(tmp_path: Path) -> Path:
    path = tmp_path / "archrev.db"
    with Workspace(path) as ws:
        ws.import_model(shop())
    return path


def rendered(form, selector: str) -> str:
    return str(form.query_one(selector, Static).render())


async def test_id_error_says_what_is_wrong_and_clears_once_fixed(shop_path: Path) -> None:
    app = ArchrevApp(WorkspaceDocument.open(shop_path, "shop"), today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ComponentForm)
        form.query_one("#f-name").value = "Search"
        await pilot.pause()  # the id follows the name until the user types one
        form.query_one("#f-id").value = "bad id!"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        error = rendered(form, "#err-id")
        assert "a space" in error and "'!'" in error
        assert ID_RULE not in error  # the hint below the field already says the rule
        assert ID_RULE in rendered(form, "#row-id .hint")
        assert "1 field to fix" in rendered(form, "#form-error")
        # Correcting the id clears its error at once, before any save.
        form.query_one("#f-id").value = "search"
        await pilot.pause()
        assert rendered(form, "#err-id") == ""
        assert form.query_one("#err-id").has_class("-empty")
        assert rendered(form, "#form-error") == ""
        # Breaking it again shows the error again, without a save.
        form.query_one("#f-id").value = "-search"
        await pilot.pause()
        assert "starts with '-'" in rendered(form, "#err-id")
        await pilot.press("escape")
    with Workspace(shop_path, create=False) as ws:
        assert len(ws.load("shop").components) == 2


async def test_no_error_before_the_first_save(shop_path: Path) -> None:
    app = ArchrevApp(WorkspaceDocument.open(shop_path, "shop"), today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        form = app.screen
        form.query_one("#f-id").value = "bad id"
        await pilot.pause()
        assert rendered(form, "#err-id") == ""


async def test_link_form_error_clears_once_fixed(shop_path: Path) -> None:
    app = ArchrevApp(WorkspaceDocument.open(shop_path, "shop"), today=TODAY)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        form = LinkForm(Link(source="web", target="api"), new=False)
        app.push_screen(form)
        await pilot.pause()
        form.query_one("#f-timeout_ms").value = "soon"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        assert rendered(form, "#err-timeout_ms") != ""
        form.query_one("#f-timeout_ms").value = "250"
        await pilot.pause()
        assert rendered(form, "#err-timeout_ms") == ""


async def test_footer_behind_a_modal_still_shows_whole_keys(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        await pilot.press("question_mark")  # the finding's rationale, over the canvas
        await wait_until(pilot, lambda: app.screen is not screen, "the finding's rationale")
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is screen, "the system screen again")
        await wait_until(pilot, lambda: footer_fits(screen), "the footer to fit")
        keys = list(screen.query(FooterKey))
        palette = next(k for k in keys if k.has_class("-command-palette"))
        shown = [k for k in keys if k.display and k is not palette]
        for key in shown:
            assert key.region.right <= palette.region.x, key.description


async def test_inspector_finding_titles_wrap_under_themselves(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await select(pilot, "api-gateway")
        body = screen.inspector.query_one(InspectorBody)
        lines = [line.plain for line in body._wrap(body.size.width)]
        start = lines.index(next(ln for ln in lines if ln.startswith("Findings (")))
        end = lines.index("", start)
        rows = lines[start + 1 : end]
        assert len(rows) > len(
            [f for f in screen.analysis.findings if "api-gateway" in f.components]
        )
        severities = ("critical", "high", "medium", "low", "info")
        for row in rows:
            indent = max(len(r.split(" ")[0]) for r in rows if r.split(" ")[0] in severities)
            assert row.split(" ")[0] in severities or row.startswith(" " * (indent + 1)), row


# -- the status line at 80 columns: what matters first, nothing cut mid-word --------------


async def test_status_line_fits_80_columns(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = screen_of(app)
        status = status_text(screen)
        assert len(status.rstrip()) <= 80
        assert status.strip().startswith("arrows select · enter edits")
        assert status.rstrip().endswith("? explains")  # whole parts only
        await pilot.press("f")
        await pilot.pause()
        assert status_text(screen).startswith(" NEIGHBOURHOOD  f shows all")
        await pilot.press("f", "c")
        await pilot.pause()
        connect = status_text(screen).rstrip()
        assert "from Web app" in connect
        assert connect.endswith("esc cancels") and len(connect) <= 80
        await pilot.press("escape")
        await pilot.resize_terminal(200, 50)
        screen.say("")
        await pilot.pause()
        assert status_text(screen).rstrip().endswith("ctrl+p lists every action")


# -- the findings table shows whole cells once the rows are in ----------------------------


async def test_findings_table_repaints_at_the_widened_columns(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#findings-table")
        rules = {f.rule_id for f in app.screen.findings_panel.shown[: table.size.height - 2]}

        def painted() -> str:
            return app.export_screenshot().replace("&#160;", " ")

        await wait_until(pilot, lambda: all(r in painted() for r in rules), "whole rule ids")
        screenshot = painted()
        for rule in rules:
            assert rule in screenshot, rule  # not cut to the header's width ("DB-B")
        assert "Category" in screenshot  # a long component list does not push it away
        many = [f for f in app.screen.findings_panel.shown if len(f.components) > 3]
        if many:
            cell = app.screen.findings_panel._components_cell(many[0])
            assert cell.endswith(f"+{len(many[0].components) - 3} more")


async def test_inspector_says_how_to_scroll_it(demo_path: Path) -> None:
    app = demo_app(demo_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await select(pilot, "api-gateway")
        body = screen.inspector.query_one(InspectorBody)
        last = body._visible()[-1].plain
        assert last.startswith("↓ ") and last.endswith("more lines: tab, ↓")
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is body
        before = body.offset_y
        await pilot.press("down")
        await pilot.pause()
        assert body.offset_y == before + 1
        assert body._visible()[-1].plain.endswith("more lines")
