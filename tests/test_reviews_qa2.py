"""QA round 2 on the review cycle: fast typing in the start dialog, editing an open
review, the snapshot's badges, dialog wording, empty confirmations, stable comparisons."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from archrev.model.document import WorkspaceDocument
from archrev.model.modelfile import read_model
from archrev.model.reviews import AnswerValue, ReviewStore
from archrev.model.workspace import Workspace
from archrev.tui.app import ArchrevApp
from archrev.tui.review_screen import ReviewScreen, StartDialog
from textual import events

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "tests" / "data" / "review_shop_q1.yaml"
TODAY = date(2026, 11, 20)


def _workspace(tmp_path: Path) -> Path:
    db = tmp_path / "w.db"
    with Workspace(db) as ws:
        ws.import_model(read_model(MODEL))
    return db


async def _settle(app: ArchrevApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]


def _burst(app: ArchrevApp, keys: list[str]) -> None:
    """Post the keys at once, as a terminal delivers keys typed fast: the app routes each
    one before the widget it went to has handled the previous ones."""
    for key in keys:
        character = "\t" if key == "tab" else key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


async def test_a_fast_tab_after_the_title_moves_to_reviewers(tmp_path: Path) -> None:
    db = _workspace(tmp_path)
    app = ArchrevApp(WorkspaceDocument.open(db, "shop"), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(app, pilot)
        await pilot.press("r")
        await _settle(app, pilot)
        await pilot.press("s")
        assert isinstance(app.screen, StartDialog)
        _burst(app, [*"T1", "tab", *"Zed"])
        await pilot.pause()
        await pilot.press("enter")
        await _settle(app, pilot)
        assert isinstance(app.screen, ReviewScreen)
    with Workspace(db) as ws:
        review = ReviewStore(ws).review("shop", 1)
    assert (review.title, list(review.reviewers)) == ("T1", ["Zed"])


def test_store_and_checklist_messages_name_no_command_line_flags(tmp_path: Path) -> None:
    """The app shows these messages unchanged: they speak of fields, not of `--flags`."""
    from archrev.model.errors import ArchrevError
    from archrev.model.reviews import Triage, TriageState
    from archrev.rules.checklists import check_answer, load_checklist

    db = _workspace(tmp_path)
    messages: list[str] = []
    with Workspace(db) as ws:
        store = ReviewStore(ws)
        review = store.start("shop", today=TODAY)
        for triage in (
            Triage("fp1", TriageState.ACCEPTED_RISK),
            Triage("fp1", TriageState.ACCEPTED_RISK, justification="batch only"),
            Triage("fp1", TriageState.ACKNOWLEDGED, justification="why"),
        ):
            try:
                store.set_triage(review, triage, today=TODAY)
            except ArchrevError as exc:
                messages.append(str(exc))
        try:
            store.start("shop", title=review.title, today=TODAY)
        except ArchrevError as exc:
            messages.append(str(exc))
    checklist = load_checklist()
    for code, value, auto in (
        ("CNT-03", AnswerValue.NOT_APPLICABLE, None),
        ("HOR-01", AnswerValue.YES, False),
    ):
        try:
            check_answer(checklist, code, value, "", auto)
        except ArchrevError as exc:
            messages.append(str(exc))
    assert len(messages) == 6
    assert messages[0].endswith(
        "an accepted risk needs a justification saying why the risk is acceptable"
    )
    assert all("--" not in m and "TEXT" not in m for m in messages), messages


def test_comparison_lists_equal_runways_by_name_then_id_in_every_call() -> None:
    from archrev.model.types import Component, System, SystemModel
    from archrev.rules.compare import RunwayRow, Side, compare

    names = ["Ads", "Currency", "Email", "Product database", "Product search", "Recs"]
    ids = [f"c{i}" for i in range(len(names))]
    model = SystemModel(system=System(id="shop"), components=[Component(id=c) for c in ids])
    # Equal runways, with the load now rising against the name order: the name decides.
    rows = [
        RunwayRow(cid, name, 10.0 * (i + 1), 100.0, (0.1 * (i + 1), 1.2), 1)
        for i, (cid, name) in enumerate(zip(ids, names, strict=True))
    ]
    later = [RunwayRow("zz", "Zed", 1, 100.0, (0.01, 0.02), None)]
    orders = set()
    for before, after in ((rows, rows[::-1] + later), (rows[::-1], later + rows)):
        cmp = compare(Side("#1", model, [], before), Side("#2", model, [], after))
        orders.add(tuple(r.name for r in cmp.runway))
    assert orders == {(*names, "Zed")}


async def test_the_snapshot_canvas_draws_the_live_canvas_badges(tmp_path: Path) -> None:
    import re

    from archrev.rules.review import close_review
    from archrev.tui.canvas import GraphCanvas
    from archrev.tui.review_screen import SnapshotScreen

    db = _workspace(tmp_path)
    with Workspace(db) as ws:
        store = ReviewStore(ws)
        close_review(store, store.start("shop", today=TODAY), today=TODAY)
    app = ArchrevApp(WorkspaceDocument.open(db, "shop"), today=TODAY)
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(app, pilot)
        live = {cid: d.badge for cid, d in app.screen.canvas._decorations.items()}  # type: ignore[attr-defined]
        await pilot.press("r")
        await _settle(app, pilot)
        await pilot.press("v")
        await _settle(app, pilot)
        assert isinstance(app.screen, SnapshotScreen)
        canvas = app.screen.query_one(GraphCanvas)
        badges = {cid: d.badge for cid, d in canvas._decorations.items()}
        picture = "\n".join(canvas.render_line(y).text for y in range(canvas.size.height))
    # The model did not change since the review closed: the same boxes, the same badges.
    assert badges == live and any(badges.values())
    assert all(re.fullmatch(r"([CHML]\d+ ?)+", b) for b in badges.values() if b), badges
    assert "medi" not in picture
