"""The documentation shows what archrev really does: its examples load, its error listing is
the real output, and the README's set-up commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from archrev.model.errors import InputFileError
from archrev.model.modelfile import read_model

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "model-format.md"


def blocks(text: str) -> list[tuple[str, str, int]]:
    """(language, body, end offset) of every fenced block."""
    return [
        (m.group(1), m.group(2), m.end())
        for m in re.finditer(r"```(\w*)\n(.*?)```", text, flags=re.DOTALL)
    ]


def test_model_examples_in_the_format_doc(tmp_path: Path) -> None:
    text = DOC.read_text()
    all_blocks = blocks(text)
    models = [
        (body, end) for lang, body, end in all_blocks if lang == "yaml" and "archrev: 1" in body
    ]
    assert len(models) >= 3
    checked_errors = False
    for body, end in models:
        path = tmp_path / "shop.yaml"
        path.write_text(body)
        if "peak_rsp" not in body:
            read_model(path)  # every example but the error demonstration is valid
            continue
        with pytest.raises(InputFileError) as info:
            read_model(path)
        listing = next(b for lang, b, e in all_blocks if lang == "text" and e > end)
        assert str(info.value).replace(str(path), "shop.yaml") + "\n" == listing
        checked_errors = True
    assert checked_errors


def test_policy_example_is_a_policy_the_rules_accept(tmp_path: Path) -> None:
    from archrev.model.modelfile import read_model_with_source
    from archrev.rules.policy import policy_from_model

    body = next(b for lang, b, _ in blocks(DOC.read_text()) if lang == "yaml" and "custom:" in b)
    path = tmp_path / "shop.yaml"
    path.write_text(body)
    model, source = read_model_with_source(path)
    policy = policy_from_model(model, source)
    assert policy is not None


def test_every_field_is_documented() -> None:
    from archrev.model.modelfile import COMPONENT_KEYS, LINK_KEYS
    from archrev.model.types import System

    text = DOC.read_text()
    assert "## links" in text
    for name in (*COMPONENT_KEYS, *LINK_KEYS, *System.model_fields):
        if name == "links":  # a section of its own
            continue
        assert f"| `{name}` |" in text, f"{name} has no row in docs/model-format.md"


def test_readme_set_up_commands_and_ci() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "pip install . && archrev demo" in readme  # the first command (issue 4)
    assert 'pip install ".[test]" && pytest' in readme
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == 'pip install ".[test]" && pytest'


def test_documented_upper_bounds_are_the_real_ones() -> None:
    """Every number's upper bound appears in its row, so the doc and `validate` agree."""
    import annotated_types
    from archrev.model.types import Component, Link, System

    text = DOC.read_text()
    checked = 0
    for cls in (System, Component, Link):
        for name, info in cls.model_fields.items():
            bounds = [m.le for m in info.metadata if isinstance(m, annotated_types.Le)]
            if not bounds or name in ("read_ratio", "hit_ratio", "utilization"):
                continue  # fractions are documented as 0..1
            row = next(ln for ln in text.splitlines() if ln.startswith(f"| `{name}` |"))
            high = bounds[0]
            forms = {f"{high:g}", f"{high:,}", f"{int(high)}", f"{int(high):,}"}
            assert any(form in row.split("|")[2] for form in forms), (name, high, row)
            checked += 1
    autoscaling = next(ln for ln in text.splitlines() if ln.startswith("| `autoscaling` |"))
    assert autoscaling.count("100000") == 2  # min and max
    assert checked >= 10
