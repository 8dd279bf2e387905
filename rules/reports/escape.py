"""Make user-written text inert in each report format.

A component named `<script>`, a note starting with `=HYPERLINK(...)` or a title with a
`|` must come out as the characters the user typed, never as markup, a formula or a
broken table.
"""

from __future__ import annotations

import html
import re

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
# Characters a spreadsheet reads as the start of a formula (OWASP: CSV injection); tab and
# carriage return are included because some spreadsheets strip them before parsing.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def html_text(value: object) -> str:
    """Text for HTML element content and attribute values (quotes escaped too)."""
    return html.escape("" if value is None else str(value), quote=True)


def md_text(value: object) -> str:
    """Text for a Markdown paragraph or list item: one line, no markup, no HTML."""
    text = "" if value is None else str(value)
    text = " ".join(text.split())  # newlines would end the list item or table row
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_cell(value: object) -> str:
    """Text for a Markdown table cell: as `md_text`, and never empty (keeps the column)."""
    return md_text(value) or " "


def csv_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text
