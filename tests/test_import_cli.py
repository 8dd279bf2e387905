"""`archrev import`: one transaction, merge on re-import, dry run, prune, bad input."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from archrev.model.types import Link, Tier
from archrev.model.workspace import Workspace
from archrev.tui.cli import main

BASE = """
services:
  web:
    image: nginx
    ports: ["80:80"]
    depends_on: [api]
  api:
    image: example/api
    environment:
      DB: postgres://db:5432/x
      CACHE_HOST: cache
  db: {image: postgres, volumes: ["data:/var/lib/postgresql/data"]}
  cache: {image: redis}
volumes: {data: {}}
"""

# api no longer uses the cache; cache is gone; a worker appears; api gets 3 replicas
CHANGED = """
services:
  web:
    image: nginx
    ports: ["80:80", "443:443"]
    depends_on: [api]
  api:
    image: example/api:2
    deploy: {replicas: 3}
    environment:
      DB: postgres://db:5432/x
  worker:
    image: example/worker
    environment: {DB: "db:5432"}
  db: {image: postgres, volumes: ["data:/var/lib/postgresql/data"]}
volumes: {data: {}}
"""


@pytest.fixture
def compose(tmp_path: Path) -> Path:
    path = tmp_path / "compose.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


def run(*argv: str | Path) -> int:
    return main([str(a) for a in argv])


def test_first_import_creates_the_system_and_keeps_a_report(
    compose: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.db"
    assert run("import", compose, "--db", db, "--system", "shop") == 0
    out = capsys.readouterr().out
    assert "into a new system 'shop'" in out
    assert f"{compose}:3" in out  # file:line of web
    with Workspace(db) as ws:
        model = ws.load("shop")
        # "users" is the client added in front of web, the one entry point (published port)
        assert {c.id for c in model.components} == {"users", "web", "api", "db", "cache"}
        assert model.component("users").kind.value == "client"
        assert {ln.key for ln in model.links} == {
            ("users", "web"),
            ("web", "api"),
            ("api", "db"),
            ("api", "cache"),
        }
    assert run("import-report", "--db", db) == 0
    report = capsys.readouterr().out
    assert "compose from" in report and f"api -> db  {compose}:10" in report


def test_reimport_merges_and_keeps_the_architects_work(
    compose: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.db"
    assert run("import", compose, "--db", db, "--system", "shop", "-q") == 0
    with Workspace(db) as ws:
        api = ws.load("shop").component("api")
        edited = api.model_copy(
            update={
                "tier": Tier.CRITICAL,
                "capacity_rps": 250.0,
                "notes": "hot path",
                "tags": [*api.tags, "pci"],
            }
        )
        ws.update_component("shop", edited)
        ws.move("shop", {"api": (40, 8)})
        ws.add_link("shop", Link(source="web", target="db", description="drawn by hand"))
        link = next(ln for ln in ws.load("shop").links if ln.key == ("api", "db"))
        ws.update_link("shop", link.model_copy(update={"timeout_ms": 300.0}))
    compose.write_text(CHANGED, encoding="utf-8")
    capsys.readouterr()

    assert run("import", compose, "--db", db, "--system", "shop", "--dry-run", "-q") == 0
    out = capsys.readouterr().out
    assert "+ worker" in out and "~ api:" in out and "= cache" in out
    assert "- api -> cache" in out  # the source no longer says api uses the cache
    assert "dry run: nothing was written" in out
    with Workspace(db) as ws:
        assert "worker" not in {c.id for c in ws.load("shop").components}

    assert run("import", compose, "--db", db, "--system", "shop", "-q") == 0
    with Workspace(db) as ws:
        model = ws.load("shop")
        api = model.component("api")
        assert api.replicas == 3 and api.technology == "example/api:2"  # from the source
        assert api.tier == Tier.CRITICAL and api.capacity_rps == 250.0  # the architect's
        assert api.notes == "hot path" and "pci" in api.tags
        assert model.layout["api"] == (40, 8)
        assert "cache" in {c.id for c in model.components}  # kept without --prune
        assert "port:443" in model.component("web").tags
        keys = {ln.key for ln in model.links}
        assert ("worker", "db") in keys
        assert ("web", "db") in keys  # drawn by hand, kept
        assert ("api", "cache") not in keys  # the source dropped it
        link = next(ln for ln in model.links if ln.key == ("api", "db"))
        assert link.timeout_ms == 300.0

    assert run("import", compose, "--db", db, "--system", "shop", "--prune", "-q") == 0
    assert "- cache" in capsys.readouterr().out
    with Workspace(db) as ws:
        assert "cache" not in {c.id for c in ws.load("shop").components}
        assert ws.load("shop").component("api").tier == Tier.CRITICAL


def test_tags_the_source_dropped_go_tags_the_architect_added_stay(
    compose: Path, tmp_path: Path
) -> None:
    db = tmp_path / "w.db"
    assert run("import", compose, "--db", db, "-q", "--system", "s") == 0
    with Workspace(db) as ws:
        web = ws.load("s").component("web")
        ws.update_component("s", web.model_copy(update={"tags": [*web.tags, "mine"]}))
    compose.write_text(BASE.replace('ports: ["80:80"]', 'ports: ["8080:80"]'), encoding="utf-8")
    assert run("import", compose, "--db", db, "-q", "--system", "s") == 0
    with Workspace(db) as ws:
        tags = ws.load("s").component("web").tags
    assert "port:8080" in tags and "port:80" not in tags and "mine" in tags


def test_dry_run_on_a_new_workspace_creates_no_file(compose: Path, tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    assert run("import", compose, "--db", db, "--dry-run") == 0
    assert not db.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("services:\n  a: [\n", "not valid YAML"),
        ("services:\n  a: {image: x}\nbogus: 1\n", "compose.yaml:3:1: unknown top-level key"),
        ("services:\n  a:\n    image: ${IMG:?needed}\n", "compose.yaml:3"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "compose.yaml"
    path.write_text(text, encoding="utf-8")
    db = tmp_path / "w.db"
    assert run("import", path, "--db", db, "--format", "compose") == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not db.exists()


def test_binary_file_and_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blob = tmp_path / "x.yaml"
    blob.write_bytes(b"\x00\x01binary")
    assert run("import", blob, "--db", tmp_path / "w.db") == 2
    assert "binary" in capsys.readouterr().err
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.yaml").write_text("hello: world\n", encoding="utf-8")
    assert run("import", folder, "--db", tmp_path / "w.db") == 2
    assert "holds no file" in capsys.readouterr().err
    assert not (tmp_path / "w.db").exists()


def test_a_failure_midway_leaves_the_workspace_as_it_was(
    compose: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "w.db"
    assert run("import", compose, "--db", db, "-q", "--system", "s") == 0
    compose.write_text(CHANGED, encoding="utf-8")
    from archrev.model import workspace

    def broken(self, system_id, link):  # the first link write fails after components changed
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(workspace.Workspace, "add_link", broken)
    # The CLI reports the failure (exit 2, no traceback) and the transaction rolls back.
    assert run("import", compose, "--db", db, "-q", "--system", "s") == 2
    monkeypatch.undo()
    with Workspace(db) as ws:
        assert "worker" not in {c.id for c in ws.load("s").components}
        count = ws.conn.execute("SELECT count(*) FROM import_reports").fetchone()[0]
    assert count == 1


def test_archrev_model_files_still_import(tmp_path: Path) -> None:
    model = tmp_path / "m.yaml"
    model.write_text(
        "archrev: 1\nsystem: {id: pay}\ncomponents:\n  a: {links: [b]}\n  b: {kind: database}\n",
        encoding="utf-8",
    )
    db = tmp_path / "w.db"
    assert run("import", model, "--db", db, "-q") == 0
    with Workspace(db) as ws:
        assert {c.id for c in ws.load("pay").components} == {"a", "b"}


def test_reimporting_the_same_source_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "sock-shop"
    if not corpus.exists():
        pytest.skip(f"{corpus} is absent (the shared corpus is not here)")
    db = tmp_path / "w.db"
    args = ["import", corpus, "--format", "k8s", "--netpol", "--db", db, "-q"]
    assert run(*args) == 0
    capsys.readouterr()
    assert run(*args) == 0
    out = capsys.readouterr().out
    assert "components: 0 added, 0 changed, 0 removed" in out
    assert "links: 0 added, 0 changed, 0 removed" in out
    with Workspace(db) as ws:
        assert ws.conn.execute("SELECT count(*) FROM import_reports").fetchone()[0] == 2


def test_published_port_forms(tmp_path: Path) -> None:
    from archrev.model.formats.compose import read_compose

    path = tmp_path / "compose.yaml"
    path.write_text(
        "services:\n  a:\n    image: x\n    ports: ['3000', '127.0.0.1:8080:80', "
        "{target: 443, published: '8443'}]\n    profiles: dev\n",
        encoding="utf-8",
    )
    comp = read_compose([path], environ={}, profiles=["dev"]).model.component("a")
    assert [t for t in comp.tags if t.startswith("port:")] == [
        "port:3000",
        "port:8080",
        "port:8443",
    ]
