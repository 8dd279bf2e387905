"""QA round 2 on the app (/work/qa-report-2.md): each item found, asserted fixed."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from archrev.model.document import ModelFileDocument
from archrev.model.errors import StaleWriteError
from archrev.model.modelfile import read_model, save_model
from archrev.model.types import Component, Kind, Link, System, SystemModel
from archrev.tui.app import ArchrevApp, SystemScreen
from archrev.tui.forms import ConfirmScreen
from archrev.tui.history import AddComponent, History, MoveComponents
from textual.widgets import Static

TODAY = date(2026, 1, 15)


def shop() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name="Shop", growth_per_year=0.5),
        components=[
            Component(id="web", name="Web", kind=Kind.CLIENT, peak_rps=650),
            Component(id="api", replicas=2, capacity_rps=400),
            Component(id="db", name="Email", kind=Kind.DATABASE),
            Component(id="cron", kind=Kind.WORKER),
        ],
        links=[Link(source="web", target="api"), Link(source="api", target="db")],
        layout={"web": (0, 0), "api": (30, 0), "db": (60, 0), "cron": (0, 10)},
    )


async def settle(pilot) -> None:
    await pilot.pause()
    for _ in range(200):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        screen = pilot.app.screen
        if not (isinstance(screen, SystemScreen) and screen.analysis_pending):
            break
        await pilot.pause(0.02)
    await pilot.pause()


def status_text(screen: SystemScreen) -> str:
    return str(screen.query_one("#status", Static).render())


# -- item 1: outside edits to the model file are never overwritten -------------------------


def _edit_outside(path: Path) -> str:
    text = path.read_text().replace("name: Email", "name: Email EXTERNAL")
    assert "Email EXTERNAL" in text
    path.write_text(text)
    return text


def test_a_file_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    save_model(shop(), path, "# header")
    doc = ModelFileDocument(path)
    history = History(doc)
    history.do(MoveComponents({"web": (0, 0)}, {"web": (2, 3)}))  # our own write is fine
    theirs = _edit_outside(path)
    before = doc.model
    with pytest.raises(StaleWriteError, match=r"shop\.yaml changed on disk"):
        history.do(AddComponent(Component(id="queue", kind=Kind.QUEUE), (3, 20)))
    assert path.read_text() == theirs  # their edit is still there, nothing overwritten
    assert doc.model is before  # our edit is not applied in memory either
    assert not history.can_redo and history.can_undo  # the earlier move is still undoable
    doc.reload()
    assert doc.component("db").name == "Email EXTERNAL"
    history = History(doc)
    history.do(AddComponent(Component(id="queue", kind=Kind.QUEUE), (3, 20)))
    saved = read_model(path)
    assert saved.component("db").name == "Email EXTERNAL"
    assert saved.component("queue").kind == Kind.QUEUE


async def test_the_app_offers_to_reload_a_file_changed_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    save_model(shop(), path, "# header")
    app = ArchrevApp(ModelFileDocument(path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        screen.canvas.select("web")
        screen.canvas.focus()
        await pilot.press("shift+right")
        await settle(pilot)
        theirs = _edit_outside(path)
        await pilot.press("shift+right")
        await settle(pilot)
        assert path.read_text() == theirs
        assert isinstance(app.screen, ConfirmScreen)
        assert "changed on disk" in str(app.screen.question)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert screen.doc.component("db").name == "Email EXTERNAL"
        assert "reloaded from disk" in status_text(screen)
        await pilot.press("shift+right")  # edits after the reload are saved again
        await settle(pilot)
        assert read_model(path).component("db").name == "Email EXTERNAL"
        assert "saved: move" in status_text(screen)


# -- item 4: growth mode shows a client's demand, not "no load" ----------------------------


async def test_growth_mode_shows_the_demand_of_an_entry_point(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    model = shop()
    model.components[0] = model.components[0].model_copy(update={"peak_rps": 6500})
    save_model(model, path)
    app = ArchrevApp(ModelFileDocument(path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        screen.canvas.select("web")
        screen.canvas.focus()
        await pilot.press("g")
        await settle(pilot)
        await pilot.pause(0.15)
        assert screen.decorations()["web"].badge == "6,500 rps"
        body = screen.inspector.text.plain
        assert "no load" not in body
        assert "entry point: 6,500 rps now" in body
        for _ in range(4):
            await pilot.press("right_square_bracket")
        await settle(pilot)
        await pilot.pause(0.15)
        projected = screen.analysis.facts.projected_load("web", 4)
        assert projected > 6500
        assert screen.decorations()["web"].badge == f"{projected:,.0f} rps"
        body = screen.inspector.text.plain
        assert f"Q4: {projected:,.0f} rps projected" in body
        # A component with neither load nor capacity still says what is missing.
        assert screen.decorations()["cron"].badge == "no load"


# -- item 6: the `?` dialog words evidence for people ---------------------------------------


def test_evidence_is_worded_for_people() -> None:
    from archrev.tui.evidence_text import evidence_lines

    evidence = {
        "quarter": 6,
        "utilization_per_quarter": [0.421, 0.487, 1.016],
        "growth_per_year": 0.8,
        "load_rps": 12500.0,
        "latency_ms": 2928,
        "callers": ["web", "api"],
        "backups": False,
        "autoscaling_min": None,
        "also": ["SCL-STATEFUL"],
        "also_findings": {
            "SCL-STATEFUL": {"message": "x", "fingerprint": "SCL-STATEFUL:1", "quarter": 6}
        },
    }
    lines = evidence_lines(
        evidence, {"web": "Web app", "api": "API"}, {"SCL-STATEFUL": "Stateful bottleneck"}
    )
    assert lines == [
        ("quarter", "Q6"),
        ("utilization per quarter", "Q0 42 %, Q1 49 %, Q2 102 %"),
        ("growth per year", "80 %"),
        ("load", "12,500 rps"),
        ("latency", "2,928 ms"),
        ("callers", "Web app, API"),
        ("backups", "no"),
        ("autoscaling min", "not set"),
        ("also reported as", "Stateful bottleneck (SCL-STATEFUL)"),
    ]
    text = " ".join(v for _, v in lines)
    for raw in ("[", "{", "'", "0.421"):
        assert raw not in text


async def test_the_explain_dialog_shows_no_python_reprs(tmp_path: Path) -> None:
    from archrev.tui.app import FindingDetail

    path = tmp_path / "ai.yaml"
    sample = Path(__file__).resolve().parents[1] / "samples" / "ai-platform.yaml"
    path.write_text(sample.read_text())
    app = ArchrevApp(ModelFileDocument(path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        finding = next(f for f in screen.analysis.findings if "also_findings" in f.evidence)
        screen._explain(finding)
        await pilot.pause()
        assert isinstance(app.screen, FindingDetail)
        text = str(app.screen.query_one("#detail-text", Static).render())
        evidence = text.split("Evidence", 1)[1]
        assert "also reported as: " in evidence
        assert "{" not in evidence and "['" not in evidence and "fingerprint" not in evidence


# -- item 11: status lines name both ends of a long connect, on one line ---------------------


async def test_status_line_names_both_ends_of_a_connect_between_long_ids(tmp_path: Path) -> None:
    from archrev.tui.history import AddLink, short_id

    long_a = "bold-x-script-" + "very-long-component-name-" * 3 + "alpha"
    long_b = "very-long-component-name-" * 3 + "omega"
    model = shop()
    model.components += [Component(id=long_a), Component(id=long_b)]
    model.layout.update({long_a: (0, 20), long_b: (40, 20)})
    path = tmp_path / "shop.yaml"
    save_model(model, path)
    app = ArchrevApp(ModelFileDocument(path), today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        screen.perform(AddLink(Link(source=long_a, target=long_b)))
        await settle(pilot)
        status = screen.query_one("#status", Static)
        line = status_text(screen)
        assert "\n" not in line.strip()
        assert status.size.height == 1
        assert f"connect {short_id(long_a)} -> {short_id(long_b)}" in line
        assert "omega" in line and "…" in short_id(long_b)
        assert len(line.rstrip()) <= 80
        await pilot.press("ctrl+z")
        await settle(pilot)
        assert f"undone: connect {short_id(long_a)} -> {short_id(long_b)}" in status_text(screen)


# -- item 12: an id made from a long name is cut at a word boundary --------------------------


def test_slugify_cuts_long_names_at_a_word_boundary() -> None:
    from archrev.model.types import is_valid_id, slugify

    name = " ".join(["Very long component name"] * 5)  # 124 characters
    slug = slugify(name)
    assert slug == "-".join(["very-long-component-name"] * 4)
    assert is_valid_id(slug)
    assert not slug.endswith(("-", ".", "_"))
    # A cut that lands right after a separator leaves none behind.
    assert slugify("a" * 99 + " b") == "a" * 99
    # A single word longer than the limit is cut at the limit, still an id.
    assert slugify("x" * 150) == "x" * 100
    assert slugify("Orders DB", limit=6) == "orders"
    assert slugify("Orders Database", limit=10) == "orders"


# -- item 13: form texts fit at 120x40 and number errors speak like the app -----------------


def _fits(widget) -> bool:
    """Every character of the widget's text is inside its region (wrapped, not cut)."""
    text = str(widget.render())
    width, height = widget.size
    if width == 0:
        return False
    lines = 0
    for line in text.splitlines() or [""]:
        lines += max(1, -(-len(line) // width))
    return lines <= height


async def test_form_texts_fit_and_number_errors_are_worded(tmp_path: Path) -> None:
    from archrev.tui.forms import ComponentForm, LinkForm

    path = tmp_path / "shop.yaml"
    save_model(shop(), path)
    app = ArchrevApp(ModelFileDocument(path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        form = app.screen
        assert isinstance(form, ComponentForm)
        form.query_one("#f-name").value = "Search"
        await pilot.pause()  # the id follows the name until the user types one
        form.query_one("#f-id").value = "bad id!"
        form.query_one("#f-replicas").value = "-1"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = form.query_one("#err-id", Static)
        assert str(error.render()) == "an id cannot hold a space or '!': use '-' instead"
        assert _fits(error)
        replicas = str(form.query_one("#err-replicas", Static).render())
        assert replicas == "must be a number >= 0" or replicas.startswith("must be a number >=")
        assert "Input should" not in replicas
        await pilot.press("escape")
        await pilot.pause()
        link_form = LinkForm(Link(source="web", target="api"), new=True)
        app.push_screen(link_form)
        await pilot.pause()
        required = link_form.query_one("#f-required")
        label = "the source fails without it"
        assert required.size.width >= len(label) + 3
        assert label in "".join(seg.text for seg in required.render_line(0))
        link_form.query_one("#f-calls").value = "lots"
        link_form.query_one("#f-timeout_ms").value = "-5"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert str(link_form.query_one("#err-calls", Static).render()).startswith(
            "must be a number"
        )
        assert str(link_form.query_one("#err-timeout_ms", Static).render()) == (
            "must be a number > 0"
        )


# -- item 14: an edit key during CONNECT cancels the pending connect -------------------------


@pytest.mark.parametrize("key", ["a", "e", "delete", "ctrl+z"])
async def test_edit_keys_cancel_a_pending_connect(tmp_path: Path, key: str) -> None:
    path = tmp_path / "shop.yaml"
    save_model(shop(), path)
    app = ArchrevApp(ModelFileDocument(path), today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SystemScreen)
        screen.canvas.select("db")
        screen.canvas.focus()
        await pilot.press("c")
        await pilot.pause()
        assert screen.connect_source == "db"
        assert "CONNECT" in status_text(screen)
        await pilot.press(key)
        await pilot.pause()
        assert screen.connect_source is None
        assert "CONNECT" not in status_text(screen)
        assert screen.decorations()["db"].badge != "from"
        if app.screen is not screen:  # the form or the question is open: leave it
            await pilot.press("escape")
            await pilot.pause()
        screen.canvas.select("api")
        await pilot.press("enter")  # no longer picks a connect target
        await pilot.pause()
        assert screen.doc.link("db", "api") is None


# -- item 5: a keymap may not bind a key another binding of the same scope holds ------------


def test_keymap_refuses_a_key_that_shadows_another_binding(tmp_path: Path) -> None:
    from archrev.model.errors import InputFileError
    from archrev.tui.app import binding_defaults, binding_ids
    from archrev.tui.keymap import load_keymap

    path = tmp_path / "km2.yaml"
    path.write_text("system.add: c\n")
    with pytest.raises(InputFileError) as caught:
        load_keymap(path, binding_ids(), binding_defaults())
    message = str(caught.value)
    assert f"{path}:1:13: 'c' is already bound to system.connect" in message
    assert "rebind system.connect too" in message
    # A canvas key is live on the system screen too.
    path.write_text("system.find: enter\n")
    with pytest.raises(InputFileError, match=r"already bound to canvas\.activate"):
        load_keymap(path, binding_ids(), binding_defaults())
    # `?` is `question_mark`.
    path.write_text("system.add: '?'\n")
    with pytest.raises(InputFileError, match=r"already bound to system\.explain"):
        load_keymap(path, binding_ids(), binding_defaults())
    # Two bindings the file gives the same key are refused as well.
    path.write_text("system.add: x\nsystem.edit: x\n")
    with pytest.raises(InputFileError, match="give one of them another key"):
        load_keymap(path, binding_ids(), binding_defaults())
    # Rebinding the other one too is fine; so is the same key in another scope.
    path.write_text("system.add: c\nsystem.connect: k\nfind.cancel: c\n")
    assert load_keymap(path, binding_ids(), binding_defaults()) == {
        "system.add": "c",
        "system.connect": "k",
        "find.cancel": "c",
    }


def test_cli_refuses_a_shadowing_keymap_before_starting(tmp_path: Path, monkeypatch, capsys):
    from archrev.tui.cli import main

    keymap = tmp_path / "km2.yaml"
    keymap.write_text("system.add: c\n")
    monkeypatch.setenv("ARCHREV_KEYMAP", str(keymap))
    model = tmp_path / "m.yaml"
    model.write_text("archrev: 1\nsystem: {id: s}\ncomponents: {a: {}}\n")
    assert main(["open", str(model)]) == 2
    assert f"{keymap}:1:13: 'c' is already bound to system.connect" in capsys.readouterr().err
