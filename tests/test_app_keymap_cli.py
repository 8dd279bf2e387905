"""User keymaps, the app's command line entry points and its command palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_waits import wait_for_inspector
from archrev.model.document import WorkspaceDocument
from archrev.model.errors import InputFileError
from archrev.model.types import Component, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.tui.app import ActionCommands, ArchrevApp, SystemScreen, binding_ids
from archrev.tui.cli import main
from archrev.tui.keymap import load_keymap


def test_every_binding_has_an_id() -> None:
    from textual.binding import Binding

    for binding in SystemScreen.BINDINGS:
        assert isinstance(binding, Binding) and binding.id, binding
    ids = binding_ids()
    assert len(ids) == len(set(ids)), "binding ids must be unique"
    assert "system.add" in ids


def test_keymap_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "keymap.yaml"
    path.write_text("system.add: n\nsystem.undo: ctrl+u, u\n")
    assert load_keymap(path, binding_ids()) == {"system.add": "n", "system.undo": "ctrl+u,u"}


def test_bad_keymap_file_names_line_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "keymap.yaml"
    path.write_text("system.ad: n\nsystem.undo: 'ctrl + z'\nsystem.redo: [1]\n")
    with pytest.raises(InputFileError) as caught:
        load_keymap(path, binding_ids())
    message = str(caught.value)
    assert f"{path}:1:1: unknown binding id 'system.ad'; did you mean 'system.add'?" in message
    assert f"{path}:2:" in message and "is not a key" in message
    assert f"{path}:3:" in message


def test_keymap_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "keymap.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(InputFileError, match="mapping of binding id"):
        load_keymap(path, binding_ids())


def test_cli_refuses_bad_keymap_before_starting(tmp_path: Path, monkeypatch, capsys) -> None:
    keymap = tmp_path / "keymap.yaml"
    keymap.write_text("nonsense: n\n")
    monkeypatch.setenv("ARCHREV_KEYMAP", str(keymap))
    model = tmp_path / "m.yaml"
    model.write_text("archrev: 1\nsystem: {id: s}\ncomponents: {a: {}}\n")
    assert main(["open", str(model)]) == 2
    assert "unknown binding id 'nonsense'" in capsys.readouterr().err


def test_cli_without_workspace_says_what_to_do(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARCHREV_DB", raising=False)
    assert main([]) == 2
    err = capsys.readouterr().err
    assert "archrev demo" in err
    assert not (tmp_path / "archrev.db").exists()  # nothing created by a failed start


def test_cli_open_missing_or_broken_model(tmp_path: Path, capsys) -> None:
    assert main(["open", str(tmp_path / "nope.yaml")]) == 2
    assert "no such model file" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("archrev: 1\nsystem: {id: s}\ncomponents: {a: {replicas: many}}\n")
    assert main(["open", str(broken)]) == 2
    assert f"{broken}:3:" in capsys.readouterr().err


def test_keys_command_lists_ids(capsys) -> None:
    assert main(["keys"]) == 0
    out = capsys.readouterr().out
    assert "system.connect" in out and "ctrl+z" in out


async def test_command_palette_offers_every_action(tmp_path: Path) -> None:
    path = tmp_path / "ws.db"
    with Workspace(path) as ws:
        ws.import_model(
            SystemModel(
                system=System(id="s"),
                components=[Component(id="a", name="[bold]A[/] 🚀 " + "long " * 30)],
            )
        )
    app = ArchrevApp(WorkspaceDocument.open(path, "s"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        provider = ActionCommands(screen)
        titles = [hit.text async for hit in provider.discover()]
        assert "Add a component" in titles
        assert len(titles) == len(SystemScreen.ACTION_HELP)
        hits = [hit async for hit in provider.search("blast")]
        assert hits and "Blast" in str(hits[0].text)
        # A name full of markup is shown as typed, not interpreted.
        screen.canvas.select("a")
        await wait_for_inspector(pilot)
        body = screen.inspector.text.plain
        assert "[bold]A[/] 🚀" in body


async def test_user_keymap_rebinds_an_action(tmp_path: Path) -> None:
    path = tmp_path / "ws.db"
    with Workspace(path) as ws:
        ws.import_model(SystemModel(system=System(id="s"), components=[Component(id="a")]))
    app = ArchrevApp(WorkspaceDocument.open(path, "s"), keymap={"system.add": "n"})
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("a")  # no longer bound
        await pilot.pause()
        assert isinstance(app.screen, SystemScreen)
        await pilot.press("n")
        await pilot.pause()
        assert type(app.screen).__name__ == "ComponentForm"


def test_abandoned_demo_folders_are_removed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from archrev.tui.cli.app_commands import DEMO_PREFIX, _remove_abandoned_demos

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    gone = tmp_path / f"{DEMO_PREFIX}gone"
    gone.mkdir()
    (gone / "pid").write_text(dead.stdout.strip())
    alive = tmp_path / f"{DEMO_PREFIX}alive"
    alive.mkdir()
    (alive / "pid").write_text(str(os.getpid()))
    foreign = tmp_path / f"{DEMO_PREFIX}foreign"
    foreign.mkdir()
    _remove_abandoned_demos(tmp_path)
    assert not gone.exists()
    assert alive.exists() and foreign.exists()
