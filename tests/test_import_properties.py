"""Properties: names stay data in diagrams; interpolation leaves text without $ alone."""

from __future__ import annotations

import re

from archrev.model.formats.compose import _interpolate, _Reading
from archrev.model.formats.dot import quote
from archrev.model.formats.mermaid import escape_label
from archrev.model.formats.references import find_hosts
from hypothesis import given, settings
from hypothesis import strategies as st

texts = st.text(max_size=60)


@given(texts)
def test_mermaid_labels_hold_no_syntax(text: str) -> None:
    label = escape_label(text)
    assert not set('"<>|\n\r') & set(label)


@given(texts)
def test_dot_strings_cannot_be_closed_early(text: str) -> None:
    body = quote(text)[1:-1]
    # every quote inside is escaped by an odd run of backslashes
    for m in re.finditer(r'(\\*)"', body):
        assert len(m.group(1)) % 2 == 1
    assert "\n" not in body


@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=60))
def test_interpolation_without_dollar_is_identity(text: str) -> None:
    assert _interpolate(text, {}, _Reading(files=["f"]), (1, 1, 0)) == text


@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=30))
def test_double_dollar_is_a_literal_dollar(text: str) -> None:
    assert _interpolate(f"$${text}", {}, _Reading(files=["f"]), (1, 1, 0)) == f"${text}"


@settings(max_examples=200)
@given(
    st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True),
    st.integers(min_value=1, max_value=65535),
    st.sampled_from(["http", "grpc", "redis", "amqp", "postgres", "mongodb"]),
)
def test_hosts_in_urls_and_host_port_are_found(host: str, port: int, scheme: str) -> None:
    assert host in {r.host for r in find_hosts(f"{scheme}://user:pw@{host}:{port}/x")}
    assert host in {r.host for r in find_hosts(f"{host}:{port}")}
    assert host in {r.host for r in find_hosts(f"Server={host};Database=x", bare_words=False)}
