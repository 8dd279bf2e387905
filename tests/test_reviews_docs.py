"""Every command of the documented review cycle in docs/reviews.md runs as written.

The shell block under "From the command line" is extracted, its continuation lines joined
and its comments dropped; each command then runs, in order, in a temporary folder holding
`samples/online-shop.yaml`, with `archrev` resolved to this environment's executable.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reviews.md"


def documented_commands() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("## From the command line") :]
    match = re.search(r"```sh\n(.*?)```", section, re.S)
    assert match, "docs/reviews.md: no ```sh block under 'From the command line'"
    joined = match.group(1).replace("\\\n", " ")
    commands = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            commands.append(shlex.join(words))
    return commands


def _archrev() -> str:
    exe = Path(sys.executable).with_name("archrev")
    found = str(exe) if exe.exists() else shutil.which("archrev")
    if found is None:
        pytest.skip("the archrev executable is not installed in this environment")
    return found


def test_the_block_is_the_whole_cycle() -> None:
    commands = documented_commands()
    actions = [shlex.split(c)[1:3] for c in commands]
    for action in ("start", "show", "triage", "answer", "close", "diff", "export"):
        assert ["review", action] in actions, f"the documented cycle lacks 'review {action}'"
    assert all(shlex.split(c)[0] == "archrev" for c in commands)


def test_documented_dates_are_still_ahead() -> None:
    # An accepted risk needs an expiry in the future; when the documented one passes,
    # the example stops working and the docs must move it forward.
    for cmd in documented_commands():
        words = shlex.split(cmd)
        if "--expiry" in words:
            expiry = date.fromisoformat(words[words.index("--expiry") + 1])
            assert expiry > date.today(), f"docs/reviews.md: move the expiry of `{cmd}` ahead"


def test_every_documented_command_runs_on_the_sample(tmp_path: Path) -> None:
    archrev = _archrev()
    (tmp_path / "samples").mkdir()
    shutil.copy(ROOT / "samples" / "online-shop.yaml", tmp_path / "samples")
    env = {k: v for k, v in os.environ.items() if k not in {"ARCHREV_DB", "ARCHREV_CHECKLISTS"}}
    outputs: dict[str, str] = {}
    for cmd in documented_commands():
        words = shlex.split(cmd)
        result = subprocess.run(
            [archrev, *words[1:]],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, f"`{cmd}` exited {result.returncode}:\n{result.stderr}"
        outputs[cmd] = result.stdout
    # The triaged findings and the answer reached the workspace and the report.
    show = next(out for cmd, out in outputs.items() if cmd.startswith("archrev review show"))
    assert "SPOF-SINGLE:8564" in show and "CST-SPOT:951e" in show
    html = (tmp_path / "review.html").read_text(encoding="utf-8")
    assert "second replica next sprint" in html
    assert "batch runs 2 h a week" in html
    assert "2027-Q1" in html
