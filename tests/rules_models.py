"""Small models for the rule tests, written the way an architect sketches them."""

from __future__ import annotations

from typing import Any

from archrev.model.types import SystemModel


def build(
    components: dict[str, dict[str, Any]],
    links: list[str | tuple[str, str, dict[str, Any]]] = (),  # type: ignore[assignment]
    **system: Any,
) -> SystemModel:
    """`links` entries are "a>b" (a sync, required link) or (a, b, {fields})."""
    raw_links = []
    for link in links:
        if isinstance(link, str):
            source, target = link.split(">")
            raw_links.append({"source": source.strip(), "target": target.strip()})
        else:
            source, target, fields = link
            raw_links.append({"source": source, "target": target, **fields})
    return SystemModel.model_validate(
        {
            "system": {"id": "test", **system},
            "components": [{"id": cid, **fields} for cid, fields in components.items()],
            "links": raw_links,
        }
    )
