"""The SQLite workspace: opening and refusing files, the store API, versions and atomicity."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path

import pytest
from archrev.model.errors import StaleWriteError, WorkspaceError
from archrev.model.modelfile import read_model
from archrev.model.types import Component, Kind, Link, Mode, System, SystemModel
from archrev.model.workspace import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    Workspace,
    default_path,
    open_workspace,
)
from hypothesis import HealthCheck, given, settings
from model_strategies import system_models
from read_only_workspace import restore_folder, simulate_read_only_folder

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def small_model(system_id: str = "shop") -> SystemModel:
    return SystemModel(
        system=System(id=system_id, name="Shop", growth_per_year=0.4),
        components=[
            Component(id="web", kind=Kind.GATEWAY, peak_rps=800, replicas=2),
            Component(id="checkout", tier="critical", capacity_rps=150),
            Component(id="db", kind=Kind.DATABASE),
            Component(id="events", kind=Kind.QUEUE),
        ],
        links=[
            Link(source="web", target="checkout"),
            Link(source="checkout", target="db", calls=2),
            Link(source="checkout", target="events", mode=Mode.ASYNC),
        ],
        layout={"web": (2, 2), "checkout": (30, 2)},
        policy={"disable": ["OBS-COST"]},
    )


@pytest.fixture
def ws(tmp_path: Path):
    with Workspace(tmp_path / "w.db") as workspace:
        workspace.import_model(small_model())
        yield workspace


# -- opening -------------------------------------------------------------------------------


def test_create_sets_schema_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    with Workspace(path) as ws:
        assert ws.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert ws.conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert ws.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert ws.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert ws.systems() == []
    assert len(MIGRATIONS) == SCHEMA_VERSION
    with Workspace(path, create=False) as again:  # opening twice migrates nothing
        assert again.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_missing_file_is_not_created_when_asked_not_to(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    with pytest.raises(WorkspaceError, match="no workspace here"):
        Workspace(path, create=False)
    assert not path.exists()


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="does not exist"):
        Workspace(tmp_path / "no" / "w.db")


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="directory"):
        Workspace(tmp_path)


def test_text_file_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match="not an archrev workspace"):
        Workspace(path)
    assert path.read_bytes() == before


def test_foreign_sqlite_database_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.execute("INSERT INTO invoices VALUES (1, 9.5)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match=r"not an archrev workspace.*left untouched"):
        Workspace(path)
    assert path.read_bytes() == before


def test_newer_workspace_is_refused_and_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with Workspace(path) as ws:
        ws.import_model(small_model())
        ws.conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
        ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match=r"newer archrev.*upgrade archrev.*untouched"):
        Workspace(path)
    assert path.read_bytes() == before


def test_older_workspace_is_migrated_forward(tmp_path: Path) -> None:
    """A workspace from the first schema opens, is upgraded step by step and keeps its data."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO systems (id, seq, data) VALUES ('old', 1, '{\"name\":\"Old\"}')")
    conn.execute("INSERT INTO components (system_id, id, seq, data) VALUES ('old', 'a', 0, '{}')")
    conn.close()
    with Workspace(path) as ws:
        assert ws.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        model = ws.load("old")
        assert model.system.name == "Old" and [c.id for c in model.components] == ["a"]
        tables = {r[0] for r in ws.conn.execute("SELECT name FROM sqlite_master")}
        assert {"systems", "components", "links", "positions"} <= tables


def test_default_path_follows_archrev_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ARCHREV_DB", raising=False)
    assert default_path() == Path("archrev.db")
    monkeypatch.setenv("ARCHREV_DB", str(tmp_path / "env.db"))
    assert default_path() == tmp_path / "env.db"
    with open_workspace() as ws:
        assert ws.path == tmp_path / "env.db"
    assert (tmp_path / "env.db").exists()


# -- whole systems -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ai-platform.yaml", "online-shop.yaml", "reference.yaml"])
def test_import_and_load_give_the_same_model(tmp_path: Path, name: str) -> None:
    model = read_model(SAMPLES / name)
    with Workspace(tmp_path / "w.db") as ws:
        ws.import_model(model, header="# hello")
        assert ws.load(model.system.id) == model
        assert ws.header(model.system.id) == "# hello"


def test_systems_and_resolve(ws: Workspace) -> None:
    [summary] = ws.systems()
    assert (summary.id, summary.name, summary.components, summary.links) == ("shop", "Shop", 4, 3)
    assert ws.resolve_system(None) == "shop"
    assert ws.resolve_system("shop") == "shop"
    with pytest.raises(WorkspaceError, match=r"no system 'nope'.*shop"):
        ws.resolve_system("nope")
    ws.import_model(small_model("other"))
    with pytest.raises(WorkspaceError, match=r"holds 2 systems.*--system"):
        ws.resolve_system(None)
    assert [s.id for s in ws.systems()] == ["shop", "other"]


def test_resolve_in_an_empty_workspace(tmp_path: Path) -> None:
    with Workspace(tmp_path / "w.db") as ws, pytest.raises(WorkspaceError, match="no system yet"):
        ws.resolve_system(None)


def test_import_refuses_an_existing_system_unless_replace(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"already holds a system 'shop'.*--replace"):
        ws.import_model(small_model())
    ws.import_model(small_model("zeta"))
    changed = small_model()
    changed.components.append(Component(id="cache", kind=Kind.CACHE))
    ws.import_model(changed, replace=True)
    assert ws.load("shop") == changed
    assert [s.id for s in ws.systems()] == ["shop", "zeta"], "a replaced system keeps its place"


def test_import_is_atomic(ws: Workspace) -> None:
    broken = SystemModel.model_construct(
        system=System(id="broken"),
        components=[Component(id="a")],
        links=[Link(source="a", target="ghost")],
        layout={},
        policy=None,
    )
    with pytest.raises(WorkspaceError, match=r"not consistent.*ghost"):
        ws.import_model(broken)
    assert [s.id for s in ws.systems()] == ["shop"]


def test_a_failure_inside_a_transaction_rolls_everything_back(ws: Workspace) -> None:
    with pytest.raises(RuntimeError), ws.transaction():
        ws.import_model(small_model("second"))
        ws.add_component("shop", Component(id="extra"))
        raise RuntimeError("crash half-way")
    assert [s.id for s in ws.systems()] == ["shop"]
    assert "extra" not in ws.load("shop").component_map()


def test_update_system_and_policy(ws: Workspace) -> None:
    _, versions = ws.load_with_versions("shop")
    new = ws.update_system(
        System(id="shop", name="Shop 2", horizon_quarters=8), expected_version=versions.system
    )
    assert new == versions.system + 1
    assert ws.load("shop").system.horizon_quarters == 8
    ws.set_policy("shop", {"waivers": [{"rule": "SPOF-SINGLE", "until": "2027-01-01"}]})
    assert ws.load("shop").policy == {"waivers": [{"rule": "SPOF-SINGLE", "until": "2027-01-01"}]}
    ws.set_policy("shop", None)
    assert ws.load("shop").policy is None


def test_delete_system_removes_everything(ws: Workspace) -> None:
    ws.delete_system("shop")
    assert ws.systems() == []
    for table in ("components", "links", "positions"):
        assert ws.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


# -- components ----------------------------------------------------------------------------


def test_add_component(ws: Workspace) -> None:
    ws.add_component("shop", Component(id="cache", kind=Kind.CACHE, hit_ratio=0.9))
    model = ws.load("shop")
    assert model.components[-1] == Component(id="cache", kind=Kind.CACHE, hit_ratio=0.9)
    with pytest.raises(WorkspaceError, match="already exists"):
        ws.add_component("shop", Component(id="cache"))
    with pytest.raises(WorkspaceError, match="no system 'nope'"):
        ws.add_component("nope", Component(id="x"))


def test_update_component_returns_the_new_version(ws: Workspace) -> None:
    model, versions = ws.load_with_versions("shop")
    comp = model.component("checkout").model_copy(update={"replicas": 3})
    new = ws.update_component("shop", comp, expected_version=versions.components["checkout"])
    assert new == versions.components["checkout"] + 1
    again, again_versions = ws.load_with_versions("shop")
    assert again.component("checkout").replicas == 3
    assert again_versions.components["checkout"] == new


def test_stale_write_from_another_workspace_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Workspace(path) as first:
        first.import_model(small_model())
    with Workspace(path) as mine, Workspace(path) as theirs:
        model, versions = mine.load_with_versions("shop")
        their_model = theirs.load("shop")
        theirs.update_component(
            "shop", their_model.component("checkout").model_copy(update={"capacity_rps": 400.0})
        )
        my_edit = model.component("checkout").model_copy(update={"replicas": 5})
        with pytest.raises(StaleWriteError) as info:
            mine.update_component("shop", my_edit, expected_version=versions.components["checkout"])
        message = str(info.value)
        assert "component 'checkout' was changed elsewhere" in message
        assert "capacity_rps" in message and "replicas" in message
        assert "Reload" in message
        # their change is intact, mine was not applied
        stored = mine.load("shop").component("checkout")
        assert stored.capacity_rps == 400.0 and stored.replicas == 1


def test_stale_link_and_system_writes_name_what_changed(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Workspace(path) as a, Workspace(path) as b:
        a.import_model(small_model())
        _, versions = a.load_with_versions("shop")
        b.update_link("shop", Link(source="web", target="checkout", timeout_ms=500))
        with pytest.raises(StaleWriteError, match=r"link web -> checkout.*timeout_ms"):
            a.update_link(
                "shop",
                Link(source="web", target="checkout", retries=2),
                expected_version=versions.links[("web", "checkout")],
            )
        with pytest.raises(StaleWriteError, match="link web -> checkout"):
            a.delete_link(
                "shop", "web", "checkout", expected_version=versions.links[("web", "checkout")]
            )
        b.update_system(System(id="shop", growth_per_year=0.9))
        with pytest.raises(StaleWriteError, match=r"system 'shop' settings.*growth_per_year"):
            a.update_system(System(id="shop", name="Shop"), expected_version=versions.system)
        b.update_component("shop", Component(id="db", kind=Kind.DATABASE, backups=True))
        with pytest.raises(StaleWriteError, match="component 'db'"):
            a.delete_component("shop", "db", expected_version=versions.components["db"])
        assert "db" in a.load("shop").component_map()


def test_edit_of_a_component_deleted_elsewhere(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Workspace(path) as a, Workspace(path) as b:
        a.import_model(small_model())
        b.delete_component("shop", "db")
        with pytest.raises(WorkspaceError, match=r"no component 'db'.*deleted elsewhere"):
            a.update_component("shop", Component(id="db", kind=Kind.DATABASE), expected_version=1)


def test_rename_carries_links_and_position(ws: Workspace) -> None:
    _, versions = ws.load_with_versions("shop")
    renamed = ws.load("shop").component("checkout").model_copy(update={"id": "orders"})
    ws.update_component(
        "shop", renamed, old_id="checkout", expected_version=versions.components["checkout"]
    )
    model = ws.load("shop")
    assert [c.id for c in model.components] == ["web", "orders", "db", "events"]
    assert {ln.key for ln in model.links} == {
        ("web", "orders"),
        ("orders", "db"),
        ("orders", "events"),
    }
    assert model.layout["orders"] == (30, 2) and "checkout" not in model.layout
    assert SystemModel.model_validate(model.model_dump()) == model  # still consistent
    with pytest.raises(WorkspaceError, match="already taken"):
        ws.update_component("shop", Component(id="db"), old_id="orders")


def test_delete_component_takes_its_links_and_position(ws: Workspace) -> None:
    assert ws.delete_component("shop", "checkout") == 3
    model = ws.load("shop")
    assert "checkout" not in model.component_map()
    assert model.links == []
    assert model.layout == {"web": (2, 2)}


def test_links_of(ws: Workspace) -> None:
    assert [ln.key for ln in ws.links_of("shop", "checkout")] == [
        ("web", "checkout"),
        ("checkout", "db"),
        ("checkout", "events"),
    ]


# -- links ---------------------------------------------------------------------------------


def test_add_update_delete_link(ws: Workspace) -> None:
    ws.add_link("shop", Link(source="web", target="db", required=False))
    _, versions = ws.load_with_versions("shop")
    assert versions.links[("web", "db")] == 1
    new = ws.update_link("shop", Link(source="web", target="db", calls=3), expected_version=1)
    assert new == 2
    assert ws.load("shop").links[-1] == Link(source="web", target="db", calls=3)
    ws.delete_link("shop", "web", "db", expected_version=2)
    assert ("web", "db") not in {ln.key for ln in ws.load("shop").links}


def test_bad_links_are_refused(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="itself"):
        ws.add_link("shop", Link(source="web", target="web"))
    with pytest.raises(WorkspaceError, match="no component 'ghost'"):
        ws.add_link("shop", Link(source="web", target="ghost"))
    with pytest.raises(WorkspaceError, match="already links"):
        ws.add_link("shop", Link(source="web", target="checkout"))
    with pytest.raises(WorkspaceError, match="no link web -> db"):
        ws.update_link("shop", Link(source="web", target="db"))


def test_foreign_keys_are_enforced(ws: Workspace) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        ws.conn.execute(
            "INSERT INTO links (system_id, source, target, seq, data) "
            "VALUES ('shop', 'web', 'ghost', 99, '{}')"
        )


# -- positions -----------------------------------------------------------------------------


def test_move_and_clear_positions(ws: Workspace) -> None:
    ws.move("shop", {"db": (60, 8), "web": (0, 0)})
    assert ws.load("shop").layout == {"web": (0, 0), "checkout": (30, 2), "db": (60, 8)}
    ws.clear_positions("shop", ["web"])
    assert ws.load("shop").layout == {"checkout": (30, 2), "db": (60, 8)}
    ws.clear_positions("shop")
    assert ws.load("shop").layout == {}


def test_move_to_a_negative_position_is_refused(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match=r"cannot place db: positions are whole numbers >= 0"):
        ws.move("shop", {"web": (5, 5), "db": (-1, 8)})
    assert ws.load("shop").layout["web"] == (2, 2), "nothing of the batch was written"


def test_move_of_an_unknown_component_writes_nothing(ws: Workspace) -> None:
    with pytest.raises(WorkspaceError, match="cannot place ghost"):
        ws.move("shop", {"db": (60, 8), "ghost": (1, 1)})
    assert "db" not in ws.load("shop").layout


# -- the property: import -> load is lossless ----------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=system_models())
def test_import_then_load_is_lossless(model: SystemModel) -> None:
    with tempfile.TemporaryDirectory() as tmp, Workspace(Path(tmp) / "w.db") as ws:
        ws.import_model(model)
        assert ws.load(model.system.id) == model


# -- read-only workspaces -------------------------------------------------------------------


def test_readonly_open_reads_and_refuses_every_write(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Workspace(path) as ws:
        ws.import_model(small_model())
    before = path.read_bytes()
    with Workspace(path, create=False, readonly=True) as ro:
        assert [s.id for s in ro.systems()] == ["shop"]
        model, versions = ro.load_with_versions("shop")
        assert model.layout["web"] == (2, 2) and versions.system == 1
        writes = [
            lambda: ro.add_component("shop", Component(id="cache", kind=Kind.CACHE)),
            lambda: ro.move("shop", {"web": (5, 5)}),
            lambda: ro.delete_system("shop"),
            lambda: ro.import_model(small_model("other")),
        ]
        for write in writes:
            with pytest.raises(WorkspaceError, match=r"w\.db: read-only: .*reading only"):
                write()
        # A write inside a read snapshot is refused too, not joined to it.
        ro.conn.execute("BEGIN")
        with pytest.raises(WorkspaceError, match="read-only"):
            ro.clear_positions("shop")
        ro.conn.execute("COMMIT")
    assert path.read_bytes() == before


def test_readonly_open_creates_nothing_and_keeps_the_journal_mode(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with pytest.raises(WorkspaceError, match="no workspace here"):
        Workspace(path, readonly=True)  # readonly never creates, even with create=True
    assert not path.exists()
    with Workspace(path) as ws:
        ws.import_model(small_model())
        ws.conn.execute("PRAGMA journal_mode = DELETE")
    with Workspace(path, create=False, readonly=True) as ro:
        assert ro.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert ro.load("shop").system.id == "shop"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.db"]


def test_readonly_open_of_a_path_with_uri_characters(tmp_path: Path) -> None:
    folder = tmp_path / "a b?c#d%20"
    folder.mkdir()
    with Workspace(folder / "w.db") as ws:
        ws.import_model(small_model())
    with Workspace(folder / "w.db", create=False, readonly=True) as ro:
        assert [s.id for s in ro.systems()] == ["shop"]


@pytest.fixture
def read_only_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "w.db"
    with Workspace(path) as ws:
        ws.import_model(small_model())
    simulate_read_only_folder(path, monkeypatch)
    yield path
    restore_folder(path)


def test_a_workspace_on_a_read_only_folder_can_be_read(read_only_workspace: Path) -> None:
    before = read_only_workspace.read_bytes()
    with Workspace(read_only_workspace, create=False, readonly=True) as ro:
        assert ro.load("shop").components[0].id == "web"
        with pytest.raises(WorkspaceError, match="read-only"):
            ro.add_component("shop", Component(id="cache"))
    assert read_only_workspace.read_bytes() == before


def test_opening_a_read_only_workspace_for_writing_says_read_only(
    read_only_workspace: Path,
) -> None:
    with pytest.raises(WorkspaceError) as info:
        Workspace(read_only_workspace, create=False)
    message = str(info.value)
    assert "w.db: read-only: the workspace file or its folder is not writable" in message
    assert "not an SQLite database" not in message


def test_a_write_to_a_file_that_became_read_only_says_read_only(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    with Workspace(path) as ws:
        ws.import_model(small_model())
    with Workspace(path, create=False) as ws:
        # As if the file lost its write permission after it was opened.
        ws.conn.execute("PRAGMA query_only = ON")
        with pytest.raises(WorkspaceError, match=r"w\.db: read-only: .*not writable"):
            ws.add_component("shop", Component(id="cache"))


def test_a_pending_write_ahead_log_on_a_read_only_folder_is_explained(
    read_only_workspace: Path,
) -> None:
    wal = Path(f"{read_only_workspace}-wal")
    wal.parent.chmod(0o755)
    wal.write_bytes(b"\0" * 32)  # content the main file does not have yet
    wal.parent.chmod(0o555)
    with pytest.raises(WorkspaceError, match=r"read-only: .*write-ahead log \(w\.db-wal\)"):
        Workspace(read_only_workspace, create=False, readonly=True)


def test_an_older_workspace_read_only_needs_an_upgrade_it_cannot_get(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0].split(";"):
        if statement.strip():
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(WorkspaceError, match=r"read-only: .*older archrev \(schema 1;"):
        Workspace(path, create=False, readonly=True)
    assert path.read_bytes() == before
    monkeypatch.undo()
    # Where the file is writable, reading upgrades it first, as any command would.
    with Workspace(path, create=False, readonly=True) as ro:
        assert ro.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert ro.systems() == []


def test_an_empty_file_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    with pytest.raises(WorkspaceError, match=r"read-only: this file is empty"):
        Workspace(path, create=False, readonly=True)
    assert path.read_bytes() == b""
    monkeypatch.undo()
    with Workspace(path, create=False, readonly=True) as ro:  # writable: set up as before
        assert ro.systems() == []
