"""The HTML report opened in a real headless browser (Chromium from the Debian packages):
the component graph and the findings must be in the rendered page."""

from __future__ import annotations

import html
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from archrev.tui.cli import main

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"


def test_html_report_renders_in_chromium(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    browser = CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    db = str(tmp_path / "w.db")
    model = ROOT / "tests" / "data" / "review_shop_q1.yaml"
    assert main(["import", str(model), "--db", db]) == 0
    assert main(["review", "start", "--db", db, "--as-of", "2026-11-20"]) == 0
    report = tmp_path / "report.html"
    assert (
        main(
            [
                "review",
                "export",
                "1",
                "--db",
                db,
                "--format",
                "html",
                "-o",
                str(report),
                "--as-of",
                "2026-11-20",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(["review", "export", "1", "--db", db, "--format", "json", "--as-of", "2026-11-20"])
        == 0
    )
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert findings
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--window-size=1280,2000",
            f"--screenshot={shot}",
            "--dump-dom",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="graph"' in dom
    for cid in ("web", "orders", "catalog", "db"):
        assert f'data-id="{cid}"' in dom
    assert 'data-severity="high"' in dom
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="runway"' in dom
    assert 'class="findings"' in dom
    for finding in findings:
        assert html.escape(finding["title"], quote=False) in dom
        assert finding["fingerprint"] in dom
    # the injected script in the system's name stayed text: no script element was created
    assert "<script" not in dom.split("<title>", 1)[0]
    assert dom.count("<script") == 0
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert shot.exists() and shot.stat().st_size > 10_000
