"""A strict JSON Schema (OpenAI structured outputs) generated from a pydantic model."""

from __future__ import annotations

import copy
import functools
from typing import Any

from pydantic import BaseModel

__all__ = ["strict_json_schema", "without_length_bounds"]

_DROP = {"title", "default", "examples"}


def _strict(node: Any) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in {"properties", "$defs"}:  # keys here are names, not keywords
                out[key] = {name: _strict(sub) for name, sub in value.items()}
            elif key not in _DROP:
                out[key] = _strict(value)
        if out.get("type") == "object" and "properties" in out:
            out["additionalProperties"] = False
            out["required"] = list(out["properties"])
        return out
    if isinstance(node, list):
        return [_strict(item) for item in node]
    return node


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Replace every `$ref` by the definition it points to (keeping sibling keys such as descriptions).

    OpenAI's strict mode rejects a `$ref` that has siblings; our models are not recursive, so
    inlining everything is simplest and works on every server.
    """
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            merged = {**_inline(target, defs), **{k: v for k, v in node.items() if k != "$ref"}}
            return _inline(merged, defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def _bounded(node: Any, max_string: int, max_items: int) -> Any:
    if isinstance(node, dict):
        out = {k: _bounded(v, max_string, max_items) for k, v in node.items()}
        if out.get("type") == "string" and "enum" not in out:
            out["maxLength"] = max_string
        if out.get("type") == "array":
            out["maxItems"] = max_items
        return out
    if isinstance(node, list):
        return [_bounded(item, max_string, max_items) for item in node]
    return node


@functools.lru_cache(maxsize=256)
def strict_json_schema(model: type[BaseModel], max_string_length: int | None = None) -> dict[str, Any]:
    """Every object closed and every property required; references inlined; titles and defaults removed.

    Cached per model: treat the result as read-only. Descriptions stay: they
    are what the model reads about each field. With
    `max_string_length`, strings get a `maxLength` and lists a `maxItems` (3): small
    local models otherwise ramble until `max_tokens`. Servers that compile the
    schema to a grammar (llama.cpp, vLLM) enforce these; OpenAI's strict mode does
    not accept them, so leave it unset there.
    """
    schema = copy.deepcopy(model.model_json_schema(mode="validation", by_alias=True))
    inlined = _strict(_inline(schema, schema.get("$defs", {})))
    if max_string_length is not None:
        inlined = _bounded(inlined, max_string_length, 3)
    return dict(inlined)


_BOUNDS = {"maxLength", "minLength", "maxItems", "minItems"}


def without_length_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with string and list length bounds removed (for servers whose strict mode rejects them)."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in _BOUNDS or not isinstance(v, int)}
        if isinstance(node, list):
            return [strip(item) for item in node]
        return node

    return dict(strip(schema))
