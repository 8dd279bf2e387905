"""The JSON Schema of the model file, generated from the pydantic types.

The file nests links under their source component and keys components by id, so the
schema is assembled from the schemas of `System`, `Component` and `Link` rather than
taken from `SystemModel` directly; editors (VS Code's YAML extension) use it to complete
and check model files as they are typed.
"""

from __future__ import annotations

import copy
from typing import Any

from archrev.model.types import ID_PATTERN, Component, Link, System


def _without(schema: dict[str, Any], *names: str) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    for name in names:
        schema.get("properties", {}).pop(name, None)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    if not schema.get("required"):
        schema.pop("required", None)
    return schema


def model_file_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}

    def collect(schema: dict[str, Any]) -> dict[str, Any]:
        defs.update(schema.pop("$defs", {}))
        return schema

    system = collect(System.model_json_schema())
    component = _without(collect(Component.model_json_schema()), "id")
    link = _without(collect(Link.model_json_schema()), "source", "target")
    link["properties"] = {
        "to": {"type": "string", "pattern": ID_PATTERN, "description": "The component called."},
        **link["properties"],
    }
    link["required"] = ["to"]
    link["title"] = "Link"
    component["properties"]["links"] = {
        "type": "array",
        "description": "What this component calls or sends to, in the direction of the traffic.",
        "items": {
            "anyOf": [
                {"type": "string", "pattern": ID_PATTERN, "description": "A sync, required link."},
                {"$ref": "#/$defs/Link"},
            ]
        },
    }
    defs.update({"System": system, "Component": component, "Link": link})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://archrev.dev/schema/model-v1.json",
        "title": "archrev model file, version 1",
        "type": "object",
        "additionalProperties": False,
        "required": ["archrev", "system"],
        "properties": {
            "archrev": {"const": 1, "description": "Format version."},
            "system": {"$ref": "#/$defs/System"},
            "components": {
                "type": "object",
                "propertyNames": {"pattern": ID_PATTERN},
                "additionalProperties": {
                    "anyOf": [{"$ref": "#/$defs/Component"}, {"type": "null"}]
                },
            },
            "layout": {
                "type": "object",
                "description": "Canvas positions: component id -> [x, y].",
                "additionalProperties": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 0},
                    "minItems": 2,
                    "maxItems": 2,
                },
            },
            "policy": {
                "type": "object",
                "description": (
                    "Rule policy: disable, rules (severity, thresholds), custom rules; "
                    "see docs/policy.md."
                ),
            },
        },
        "$defs": defs,
    }
