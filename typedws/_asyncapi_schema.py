"""Pydantic's JSON Schemas (draft 2020-12) rewritten into AsyncAPI's schema dialect.

AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07:
its `discriminator` is a property name (not an OpenAPI object) and a tuple is
an `items` array (not `prefixItems`). Everything else Pydantic emits is valid
there as it is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SCHEMA_DIALECT", "to_asyncapi_schema"]

SCHEMA_DIALECT = "http://json-schema.org/draft-07/schema#"
"""The JSON Schema draft that the converted schemas (and their checks) follow."""

_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
_SCHEMAS = ("additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "additionalItems")


def to_asyncapi_schema(schema: Any) -> Any:
    """Return a copy of a Pydantic JSON Schema in AsyncAPI's (draft 07) dialect.

    Only schema keywords are rewritten; values such as `default`, `const`,
    `enum` and `examples` are data and are copied untouched.
    """
    if not isinstance(schema, dict):
        return schema  # `true` / `false` schemas
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            converted[key] = {name: to_asyncapi_schema(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            converted[key] = [to_asyncapi_schema(sub) for sub in value]
        elif key in _SCHEMAS:
            converted[key] = to_asyncapi_schema(value)
        elif key == "items":
            converted[key] = [to_asyncapi_schema(sub) for sub in value] if isinstance(value, list) else to_asyncapi_schema(value)
        elif key == "discriminator" and isinstance(value, dict):
            if isinstance(value.get("propertyName"), str):
                converted[key] = value["propertyName"]
        elif key != "prefixItems":
            converted[key] = value
    prefix = schema.get("prefixItems")
    if isinstance(prefix, list):
        # Draft 07 tuples: `items` lists the positions, `additionalItems` the rest.
        converted["items"] = [to_asyncapi_schema(sub) for sub in prefix]
        if "items" in schema:
            converted["additionalItems"] = to_asyncapi_schema(schema["items"])
    return converted
