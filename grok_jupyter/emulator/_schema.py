"""Build a JSON value that validates against a JSON schema, filled from the prompt.

Covers what structured-output and tool schemas use: objects, arrays, enums,
const, ``$defs``/``$ref``, ``anyOf``/``oneOf``/``allOf``, type lists,
formats, and numeric and length bounds.
"""

from __future__ import annotations

import math
from typing import Any

from ._extract import PromptValues

_MAX_DEPTH = 8  # recursive schemas: stop adding optional parts below this


def instance_for(
    schema: dict[str, Any],
    values: PromptValues | None = None,
    name: str | None = None,
    *,
    root: dict[str, Any] | None = None,
) -> Any:
    """A value valid for ``schema``; ``name`` is the property it is for, if any.

    ``root`` is the document ``$ref``s point into, when ``schema`` is part of one.
    """
    return _Builder(root or schema, values or PromptValues()).build(schema, name, 0)


class _Builder:
    def __init__(self, root: dict[str, Any], values: PromptValues) -> None:
        self.root = root
        self.values = values

    def resolve(self, schema: Any) -> dict[str, Any]:
        seen = 0
        while isinstance(schema, dict) and "$ref" in schema and seen < 32:
            ref = schema["$ref"]
            target: Any = self.root
            if ref.startswith("#"):
                for part in ref.lstrip("#").strip("/").split("/"):
                    if part:
                        target = target[part.replace("~1", "/").replace("~0", "~")]
            # Keywords next to $ref (allowed since draft 2019-09) refine the target.
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **extra}
            seen += 1
        return schema if isinstance(schema, dict) else {}

    def build(self, schema: Any, name: str | None, depth: int) -> Any:
        if schema is True or schema is None:
            return self.values.take_string(name) or "value"
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self._enum(schema["enum"])
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [self.resolve(o) for o in schema[key]]
                usable = [o for o in options if o.get("type") != "null"] or options
                return self.build(usable[0], name, depth + 1)
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                merged["properties"] = {
                    **merged.get("properties", {}),
                    **part.get("properties", {}),
                }
                merged["required"] = [*merged.get("required", []), *part.get("required", [])]
                merged.update(
                    {k: v for k, v in part.items() if k not in ("properties", "required")}
                )
            return self.build(merged, name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((t for t in kind if t != "null"), "null")
        if kind is None:
            kind = (
                "object" if "properties" in schema else "array" if "items" in schema else "string"
            )
        if kind == "object":
            return self._object(schema, depth)
        if kind == "array":
            return self._array(schema, name, depth)
        if kind in ("integer", "number"):
            return self._number(schema, name, integer=kind == "integer")
        if kind == "boolean":
            return self.values.take_boolean()
        if kind == "null":
            return None
        return self._string(schema, name)

    def _enum(self, options: list[Any]) -> Any:
        for option in options:
            if isinstance(option, str) and self.values.mentions(option):
                return option
        return options[0]

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        props: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if key in required or depth < _MAX_DEPTH:
                out[key] = self.build(sub, key, depth + 1)
        return out

    def _array(self, schema: dict[str, Any], name: str | None, depth: int) -> list[Any]:
        prefix = schema.get("prefixItems", [])
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        count = max(low, len(prefix), 1 if depth < _MAX_DEPTH else 0)
        if high is not None:
            count = min(count, int(high))
        items = schema.get("items", {})
        out = []
        for i in range(count):
            sub = prefix[i] if i < len(prefix) else items
            out.append(self.build(sub, name, depth + 1))
        if schema.get("uniqueItems") and len({repr(x) for x in out}) < len(out):
            out = out[:1]
        return out

    def _number(self, schema: dict[str, Any], name: str | None, *, integer: bool) -> float | int:
        value = self.values.take_number(name)
        if value is None:
            value = 1
        low = schema.get("minimum")
        high = schema.get("maximum")
        if "exclusiveMinimum" in schema and not isinstance(schema["exclusiveMinimum"], bool):
            low = schema["exclusiveMinimum"] + (1 if integer else 1e-6)
        if "exclusiveMaximum" in schema and not isinstance(schema["exclusiveMaximum"], bool):
            high = schema["exclusiveMaximum"] - (1 if integer else 1e-6)
        if low is not None and value < low:
            value = math.ceil(low) if integer else low
        if high is not None and value > high:
            value = math.floor(high) if integer else high
        step = schema.get("multipleOf")
        if step:
            value = math.ceil(value / step) * step
        if integer:
            return round(value)
        return int(value) if float(value).is_integer() else float(value)

    def _string(self, schema: dict[str, Any], name: str | None) -> str:
        fmt = schema.get("format")
        fixed = {
            "date": "2025-01-01",
            "date-time": "2025-01-01T00:00:00Z",
            "time": "00:00:00Z",
            "email": "user@example.com",
            "uri": "https://example.com/",
            "url": "https://example.com/",
            "uuid": "00000000-0000-4000-8000-000000000000",
            "ipv4": "127.0.0.1",
        }
        if fmt in fixed:
            return fixed[fmt]
        value = self.values.take_string(name)
        if value is None:
            value = (name or "value").replace("_", " ")
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        if len(value) < low:
            value = value + "x" * (low - len(value))
        if high is not None:
            value = value[: int(high)]
        return value
