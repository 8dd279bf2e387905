"""Review reports: one module per format, each a function from a `ReviewState` to text.

Every user-written string (names, notes, justifications, titles) is escaped for the
format it lands in; see `escape`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archrev.rules.review import ReviewState

# format -> (module, function); modules are imported only when that format is asked for.
_RENDERERS = {
    "md": ("markdown_report", "markdown_report"),
    "html": ("html_report", "html_report"),
    "json": ("json_report", "json_report"),
    "csv": ("csv_report", "csv_report"),
    "sarif": ("sarif_report", "sarif_report"),
}
FORMATS = tuple(_RENDERERS)
SUFFIXES = {"md": ".md", "html": ".html", "json": ".json", "csv": ".csv", "sarif": ".sarif"}


def render(state: ReviewState, fmt: str) -> str:
    """The report of a review in one of `FORMATS`."""
    if fmt not in _RENDERERS:
        from archrev.model.errors import ArchrevError

        raise ArchrevError(f"no report format '{fmt}'; use one of {', '.join(FORMATS)}")
    module, name = _RENDERERS[fmt]
    fn = getattr(importlib.import_module(f"archrev.rules.reports.{module}"), name)
    return str(fn(state))
