"""Mermaid and Graphviz exports: shapes by kind, names as data, findings by colour."""

from __future__ import annotations

from pathlib import Path

import pytest
from archrev.model.formats.dot import write_dot
from archrev.model.formats.mermaid import escape_label, write_mermaid
from archrev.model.types import Component, Kind, Link, Mode, System, SystemModel
from archrev.model.workspace import Workspace
from archrev.tui.cli import main


def sample() -> SystemModel:
    return SystemModel(
        system=System(id="shop", name='Shop "main"'),
        components=[
            Component(id="users", kind=Kind.CLIENT, peak_rps=100),
            Component(id="api", name='API <b>"v2"</b> | {x}', group="Core"),
            Component(id="db", kind=Kind.DATABASE, group="Core"),
            Component(id="events", kind=Kind.STREAM),
            Component(id="partner", kind=Kind.EXTERNAL, name="Partner\nAPI"),
        ],
        links=[
            Link(source="users", target="api", protocol="HTTPS"),
            Link(source="api", target="db", protocol='SQL "tcp"'),
            Link(source="api", target="events", mode=Mode.ASYNC),
            Link(source="api", target="partner", required=False),
        ],
    )


def test_mermaid_shapes_groups_and_escaping() -> None:
    text = write_mermaid(sample())
    assert text.startswith("flowchart LR\n")
    assert 'n_users>"users<br/>client"]' in text
    assert 'n_db[("db<br/>database")]' in text
    assert 'n_events[/"events<br/>stream"/]' in text
    assert 'subgraph g1["Core"]' in text
    # the name is text, not markup: no raw quote, angle bracket or pipe survives in it
    assert 'n_api["API #lt;b#gt;#quot;v2#quot;#lt;/b#gt; #124; {x}"]' in text
    assert '-->|"SQL #quot;tcp#quot;"| n_db' in text
    assert "n_api -.-> n_events" in text
    assert "classDef" not in text


def test_mermaid_findings_colours() -> None:
    text = write_mermaid(sample(), {"db": "critical", "api": "low", "ghost": "high"})
    assert "classDef critical fill:#f5b7b1" in text
    assert "class n_db critical" in text and "class n_api low" in text
    assert "ghost" not in text


def test_escape_label_line_breaks() -> None:
    assert escape_label("a\nb  c#1") == "a b c#35;1"


def test_dot() -> None:
    text = write_dot(sample(), {"db": "high"})
    assert text.startswith('digraph "shop" {')
    assert 'label="Shop \\"main\\""' in text
    assert '"db" [label="db", shape=cylinder, style="filled", fillcolor="#f8c471"' in text
    assert '"partner" [label="Partner\\nAPI", shape=box3d, style="dashed"]' in text
    assert '"api" -> "events" [style="dashed"];' in text
    assert '"api" -> "partner" [arrowhead="onormal"];' in text
    assert 'subgraph "cluster_1" {' in text and 'label="Core";' in text
    assert '"api" [label="API <b>\\"v2\\"</b> | {x}"' in text


def test_cli_export_with_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "w.db"
    with Workspace(db) as ws:
        ws.import_model(sample())
    assert main(["export", "--db", str(db), "--format", "mermaid"]) == 0
    plain = capsys.readouterr().out
    assert "classDef" not in plain
    assert main(["export", "--db", str(db), "--format", "mermaid", "--findings"]) == 0
    coloured = capsys.readouterr().out
    assert "classDef" in coloured and "class n_db" in coloured  # a lone database is flagged
    out = tmp_path / "g.dot"
    assert main(["export", "--db", str(db), "--format", "dot", "--findings", "-o", str(out)]) == 0
    assert "fillcolor" in out.read_text()
