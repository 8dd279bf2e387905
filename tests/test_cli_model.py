"""The command line over model files and the workspace: exit codes, messages, no partial writes."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from archrev.model.modelfile import read_model, read_model_with_source, write_model
from archrev.model.workspace import Workspace
from archrev.tui.cli import main

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
AI = SAMPLES / "ai-platform.yaml"
SHOP = SAMPLES / "online-shop.yaml"

BAD = "archrev: 1\nsystem: {id: s}\ncomponents:\n  web: {kind: gatewy}\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse: --help, --version, usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    return path


def test_version_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("archrev ")
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("schema", "validate", "import", "export", "systems"):
        assert command in out


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "export", "--format", "pdf")
    assert code == 2 and "invalid choice" in err
    code, _, err = run(capsys, "no-such-command")
    assert code == 2


def test_console_script_is_declared() -> None:
    [script] = [ep for ep in entry_points(group="console_scripts") if ep.name == "archrev"]
    assert script.value == "archrev.tui.cli:run"


def test_real_process_reports_without_traceback(bad_file: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "from archrev.tui.cli import run; run()", "validate", str(bad_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert f"{bad_file}:4:15: components.web.kind: 'gatewy'" in proc.stderr
    assert "did you mean 'gateway'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_schema(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["properties"]["archrev"] == {"const": 1, "description": "Format version."}
    component = schema["$defs"]["Component"]
    assert "links" in component["properties"] and "id" not in component["properties"]
    assert component["additionalProperties"] is False
    target = tmp_path / "schema.json"
    assert run(capsys, "schema", "-o", str(target))[0] == 0
    assert json.loads(target.read_text()) == schema


def test_validate(capsys: pytest.CaptureFixture[str], bad_file: Path) -> None:
    code, out, err = run(capsys, "validate", str(AI), str(SHOP))
    assert code == 0 and err == ""
    assert f"{AI}: ok: system 'ai-platform', 25 components" in out
    code, out, err = run(capsys, "validate", str(AI), str(bad_file))
    assert code == 2
    assert f"{AI}: ok" in out
    assert f"{bad_file}:4:15:" in err


def test_validate_and_systems_count_in_the_singular(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """QA item 20: `validate` said "1 components, 0 links"."""
    one = tmp_path / "one.yaml"
    one.write_text("archrev: 1\nsystem: {id: shop}\ncomponents:\n  web: {kind: gateway}\n")
    code, out, _ = run(capsys, "validate", str(one))
    assert code == 0 and out == f"{one}: ok: system 'shop', 1 component, 0 links\n"
    two = tmp_path / "two.yaml"
    two.write_text(
        "archrev: 1\nsystem: {id: pair}\ncomponents:\n  web: {links: [api]}\n  api: {}\n"
    )
    code, out, _ = run(capsys, "validate", str(two))
    assert code == 0 and out == f"{two}: ok: system 'pair', 2 components, 1 link\n"
    db = str(tmp_path / "w.db")
    assert run(capsys, "import", str(one), str(two), "--db", db, "-q")[0] == 0
    code, out, _ = run(capsys, "systems", "--db", db)
    assert out.splitlines() == [
        "shop  shop  (1 component, 0 links)",
        "pair  pair  (2 components, 1 link)",
    ]


def test_import_export_round_trip(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code, out, err = run(capsys, "import", str(SHOP), "--db", str(db))
    assert code == 0, err
    assert f"imported {SHOP} into a new system 'online-shop' in {db}" in out
    assert "23 components, 26 links" in out
    code, out, _ = run(capsys, "systems", "--db", str(db))
    assert code == 0 and out.startswith("online-shop  Web shop  (23 components, 26 links)")
    # --system may be left out: the workspace holds one system
    code, out, _ = run(capsys, "export", "--db", str(db), "--format", "yaml")
    assert code == 0
    model, source = read_model_with_source(SHOP)
    assert out == write_model(model, source.header)
    target = tmp_path / "out.yaml"
    assert (
        run(capsys, "export", "--db", str(db), "--system", "online-shop", "-o", str(target))[0] == 0
    )
    assert read_model(target) == model


def test_import_of_a_bad_file_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad_file: Path
) -> None:
    db = tmp_path / "w.db"
    code, out, err = run(capsys, "import", str(bad_file), "--db", str(db))
    assert code == 2 and out == ""
    assert err.startswith(f"archrev: {bad_file}:4:15:")
    assert not db.exists(), "no workspace is created for bad input"
    # an existing workspace stays byte-identical, even when only one of the files is bad
    assert run(capsys, "import", str(AI), "--db", str(db))[0] == 0
    with Workspace(db) as ws:
        ws.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = db.read_bytes()
    code, _, err = run(capsys, "import", str(SHOP), str(bad_file), "--db", str(db))
    assert code == 2 and "gatewy" in err
    assert db.read_bytes() == before
    with Workspace(db) as ws:
        assert [s.id for s in ws.systems()] == ["ai-platform"]


def test_import_again_merges_and_replace_overwrites(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "w.db"
    assert run(capsys, "import", str(AI), "--db", str(db))[0] == 0
    # A second import of the same file merges into the system (issue 6): nothing changes.
    code, out, err = run(capsys, "import", str(AI), "--db", str(db))
    assert code == 0, err
    assert "0 added, 0 changed, 0 removed" in out
    assert run(capsys, "import", str(AI), str(SHOP), "--db", str(db), "--replace")[0] == 0
    with Workspace(db) as ws:
        assert [s.id for s in ws.systems()] == ["ai-platform", "online-shop"]


def test_import_of_one_system_twice_in_one_call(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    copy = tmp_path / "copy.yaml"
    copy.write_text(AI.read_text())
    code, _, err = run(capsys, "import", str(AI), str(copy), "--db", str(tmp_path / "w.db"))
    assert code == 2 and "several inputs define the system ai-platform" in err
    assert not (tmp_path / "w.db").exists()


def test_export_needs_system_when_there_are_several(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "w.db"
    assert run(capsys, "import", str(AI), str(SHOP), "--db", str(db))[0] == 0
    target = tmp_path / "out.yaml"
    code, out, err = run(capsys, "export", "--db", str(db), "-o", str(target))
    assert code == 2 and out == ""
    assert "holds 2 systems (ai-platform, online-shop); choose one with --system" in err
    assert not target.exists()
    code, _, err = run(capsys, "export", "--db", str(db), "--system", "nope")
    assert code == 2 and "no system 'nope'" in err


def test_commands_on_a_missing_workspace(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "absent.db"
    for command in ("export", "systems"):
        code, _, err = run(capsys, command, "--db", str(db))
        assert code == 2 and "no workspace here" in err
    assert not db.exists()


def test_not_a_workspace(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "notes.txt"
    db.write_text("hello\n" * 100)
    code, _, err = run(capsys, "import", str(AI), "--db", str(db))
    assert code == 2 and "not an archrev workspace" in err
    assert db.read_text() == "hello\n" * 100


def test_archrev_db_environment_variable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "from-env.db"
    monkeypatch.setenv("ARCHREV_DB", str(db))
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "import", str(AI))
    assert code == 0 and str(db) in out
    assert db.exists() and not (tmp_path / "archrev.db").exists()
    code, out, _ = run(capsys, "systems")
    assert code == 0 and out.startswith("ai-platform")
    # --db wins over the environment
    other = tmp_path / "other.db"
    assert run(capsys, "import", str(SHOP), "--db", str(other))[0] == 0
    with Workspace(db) as ws:
        assert [s.id for s in ws.systems()] == ["ai-platform"]


def test_default_workspace_is_in_the_current_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ARCHREV_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "import", str(SHOP))[0] == 0
    assert (tmp_path / "archrev.db").exists()


def test_output_to_a_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "schema", "-o", str(tmp_path / "nope" / "s.json"))
    assert code == 2 and "does not exist" in err


def test_systems_in_an_empty_workspace(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    Workspace(db).close()
    code, out, _ = run(capsys, "systems", "--db", str(db))
    assert code == 0 and "no systems yet" in out


# -- a read-only workspace ------------------------------------------------------------------


@pytest.fixture
def read_only_db(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from read_only_workspace import restore_folder, simulate_read_only_folder

    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "shop.db"
    assert run(capsys, "import", str(SHOP), "--db", str(db), "-q")[0] == 0
    assert run(capsys, "review", "start", "--db", str(db))[0] == 0
    simulate_read_only_folder(db, monkeypatch)
    yield db
    restore_folder(db)


def test_commands_that_only_read_work_on_a_read_only_workspace(
    capsys: pytest.CaptureFixture[str], read_only_db: Path
) -> None:
    db = str(read_only_db)
    before = read_only_db.read_bytes()
    commands = [
        ("systems",),
        ("export",),
        ("export", "--format", "dot", "--findings"),
        ("check",),
        ("capacity",),
        ("blast", "storefront"),
        ("import-report",),
        ("review", "list"),
        ("review", "show", "1"),
        ("review", "export", "1"),
        ("review", "diff", "1"),
    ]
    for command in commands:
        code, out, err = run(capsys, *command, "--db", db)
        assert code in (0, 1), (command, err)  # check exits 1 on findings at --fail-on
        assert out and "read-only" not in err and "not an SQLite" not in err, command
    assert read_only_db.read_bytes() == before


def test_writes_to_a_read_only_workspace_say_read_only(
    capsys: pytest.CaptureFixture[str], read_only_db: Path
) -> None:
    db = str(read_only_db)
    before = read_only_db.read_bytes()
    for command in (
        ("import", str(AI)),
        ("review", "start"),
        ("review", "close", "1"),
    ):
        code, _, err = run(capsys, *command, "--db", db)
        assert code == 2, command
        assert f"{db}: read-only: the workspace file or its folder is not writable" in err
        assert "not an SQLite database" not in err and "Traceback" not in err
    assert read_only_db.read_bytes() == before


def test_output_error_names_the_file_not_the_temporary_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    def read_only_folder(*args: object, dir: str, prefix: str, suffix: str) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system", f"{dir}/{prefix}x1y2.tmp")

    monkeypatch.setattr(tempfile, "mkstemp", read_only_folder)
    out = tmp_path / "out.txt"
    code, _, err = run(capsys, "schema", "-o", str(out))
    assert code == 2
    assert err == f"archrev: {out}: Read-only file system\n"
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_real_read_only_mount(tmp_path: Path) -> None:
    """The QA repro itself: a bind mount remounted read-only (needs root and unshare)."""
    import os
    import shutil

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a read-only folder")
    folder = tmp_path / "rotest"
    folder.mkdir()
    archrev = f"{sys.executable} -c 'from archrev.tui.cli import run; run()'"
    db = folder / "shop.db"
    subprocess.run(f"{archrev} import {SHOP} --db {db} -q", shell=True, check=True)
    inner = " && ".join(
        [
            f"mount --bind {folder} {folder}",
            f"mount -o remount,bind,ro {folder}",
            f"cd {folder}",
            f"{archrev} systems --db shop.db",
            f"{archrev} check --db shop.db > /dev/null",
            f"{{ {archrev} schema -o out.json; echo rc=$?; }}",
        ]
    )
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"mount --bind {folder} {folder}"], capture_output=True
    )
    if probe.returncode != 0:
        pytest.skip(f"cannot mount here: {probe.stderr.decode().strip()}")
    done = subprocess.run(["unshare", "-m", "sh", "-c", inner], capture_output=True, text=True)
    assert done.stdout.startswith("online-shop  Web shop"), done.stderr
    assert "rc=2" in done.stdout
    assert done.stderr == "archrev: out.json: Read-only file system\n"
