"""The store behind the app (workspace or model file) and undo/redo through it."""

from __future__ import annotations

from pathlib import Path

import pytest
from archrev.model.document import ModelFileDocument, WorkspaceDocument
from archrev.model.errors import WorkspaceError
from archrev.model.modelfile import read_model, save_model
from archrev.model.types import Component, Kind, Link, Mode, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.tui.history import (
    AddComponent,
    AddLink,
    DeleteComponent,
    DeleteLink,
    History,
    MoveComponents,
    Relayout,
    UpdateComponent,
    UpdateLink,
)

HEADER = "# The shop, as reviewed in Q3.\n# Owner: platform team"


def shop() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name="Shop"),
        components=[
            Component(id="web", kind=Kind.GATEWAY),
            Component(id="api", replicas=2),
            Component(id="db", kind=Kind.DATABASE),
        ],
        links=[Link(source="web", target="api"), Link(source="api", target="db")],
        layout={"web": (0, 0), "api": (30, 0)},
    )


@pytest.fixture(params=["workspace", "file"])
def doc(request, tmp_path: Path):
    if request.param == "workspace":
        path = tmp_path / "ws.db"
        with Workspace(path) as ws:
            ws.import_model(shop())
        document = WorkspaceDocument.open(path, "shop")
    else:
        path = tmp_path / "shop.yaml"
        save_model(shop(), path, HEADER)
        document = ModelFileDocument(path)
    yield document
    document.close()


def stored(doc) -> SystemModel:
    """What is on disk now, read back through a fresh connection or a fresh parse."""
    if isinstance(doc, WorkspaceDocument):
        with Workspace(doc.path, create=False) as ws:
            return ws.load("shop")
    return read_model(doc.path)


def test_each_edit_reaches_the_store_and_undo_takes_it_back(doc) -> None:
    history = History(doc)
    history.do(AddComponent(Component(id="cache", kind=Kind.CACHE), (60, 5)))
    history.do(AddLink(Link(source="api", target="cache", mode=Mode.ASYNC)))
    on_disk = stored(doc)
    assert [c.id for c in on_disk.components] == ["web", "api", "db", "cache"]
    assert on_disk.layout["cache"] == (60, 5)
    assert any(ln.key == ("api", "cache") and ln.mode is Mode.ASYNC for ln in on_disk.links)

    history.undo()
    history.undo()
    on_disk = stored(doc)
    assert [c.id for c in on_disk.components] == ["web", "api", "db"]
    assert "cache" not in on_disk.layout
    history.redo()
    assert "cache" in {c.id for c in stored(doc).components}


def test_delete_then_undo_restores_links_and_position(doc) -> None:
    history = History(doc)
    command = DeleteComponent.of(doc, "api")
    assert len(command.links) == 2
    history.do(command)
    on_disk = stored(doc)
    assert "api" not in {c.id for c in on_disk.components}
    assert on_disk.links == []
    history.undo()
    on_disk = stored(doc)
    assert on_disk.component("api").replicas == 2
    assert {ln.key for ln in on_disk.links} == {("web", "api"), ("api", "db")}
    assert on_disk.layout["api"] == (30, 0)


def test_rename_carries_links_and_position(doc) -> None:
    history = History(doc)
    before = doc.component("api")
    history.do(UpdateComponent(before, before.model_copy(update={"id": "orders", "zones": 3})))
    on_disk = stored(doc)
    assert {ln.key for ln in on_disk.links} == {("web", "orders"), ("orders", "db")}
    assert on_disk.layout["orders"] == (30, 0)
    assert on_disk.component("orders").zones == 3
    history.undo()
    assert {ln.key for ln in stored(doc).links} == {("web", "api"), ("api", "db")}


def test_moves_and_relayout_are_undoable(doc) -> None:
    history = History(doc)
    history.do(MoveComponents({"db": None, "web": (0, 0)}, {"db": (5, 9), "web": (1, 1)}, "db"))
    assert stored(doc).layout == {"web": (1, 1), "api": (30, 0), "db": (5, 9)}
    history.undo()
    assert stored(doc).layout == {"web": (0, 0), "api": (30, 0)}
    history.do(Relayout(dict(doc.model.layout), {"web": (2, 2), "api": (3, 3), "db": (4, 4)}))
    assert stored(doc).layout == {"web": (2, 2), "api": (3, 3), "db": (4, 4)}
    history.undo()
    assert stored(doc).layout == {"web": (0, 0), "api": (30, 0)}


def test_link_edit_and_delete(doc) -> None:
    history = History(doc)
    old = doc.link("api", "db")
    assert old is not None
    new = old.model_copy(update={"required": False, "timeout_ms": 200.0})
    history.do(UpdateLink(old, new))
    assert stored(doc).links[1].required is False
    history.do(DeleteLink(new))
    assert [ln.key for ln in stored(doc).links] == [("web", "api")]
    history.undo()
    history.undo()
    assert stored(doc).links[1] == old


def test_refused_edit_changes_nothing(doc) -> None:
    history = History(doc)
    with pytest.raises(WorkspaceError):
        history.do(AddComponent(Component(id="api")))
    with pytest.raises(WorkspaceError):
        history.do(AddLink(Link(source="web", target="nowhere")))
    assert not history.can_undo
    assert [c.id for c in stored(doc).components] == ["web", "api", "db"]


def test_model_file_keeps_its_header(tmp_path: Path) -> None:
    path = tmp_path / "shop.yaml"
    save_model(shop(), path, HEADER)
    doc = ModelFileDocument(path)
    History(doc).do(AddComponent(Component(id="queue", kind=Kind.QUEUE), (3, 20)))
    text = path.read_text()
    assert text.startswith(HEADER + "\n")
    assert "queue:" in text
    assert "queue: [3, 20]" in text


def test_edit_group_is_all_or_nothing(doc) -> None:
    from archrev.tui.history import EditGroup

    history = History(doc)
    good = AddComponent(Component(id="cache"), (1, 1))
    bad = AddLink(Link(source="cache", target="nowhere"))
    with pytest.raises(WorkspaceError):
        history.do(EditGroup([good, bad]))
    assert "cache" not in {c.id for c in stored(doc).components}
    assert not doc.has_component("cache")
    history.do(EditGroup([good, AddLink(Link(source="cache", target="db"))]))
    assert ("cache", "db") in {ln.key for ln in stored(doc).links}
    history.undo()
    assert "cache" not in {c.id for c in stored(doc).components}


def test_the_document_layer_needs_no_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, archrev.model.document, archrev.tui.history, archrev.tui.keymap;"
        "assert 'textual' not in sys.modules, 'textual was imported';"
        "assert 'archrev.rules' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
