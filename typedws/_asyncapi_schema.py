"""Pydantic's JSON Schemas (draft 2020-12) rewritten into AsyncAPI's schema dialect.

AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07:
its `discriminator` is a property name (not an OpenAPI object) and a tuple is
an `items` array (not `prefixItems`). Everything else Pydantic emits is valid
there as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "REF_PREFIX",
    "SCHEMA_DIALECT",
    "payload_target",
    "require_discriminators",
    "require_tag",
    "to_asyncapi_schema",
]

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
        elif key == "items" and isinstance(value, list):
            converted[key] = [to_asyncapi_schema(sub) for sub in value]
        elif key == "items":
            converted[key] = to_asyncapi_schema(value)
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


REF_PREFIX = "#/components/schemas/"
"""Where the documents' `$ref`s point: `components.schemas`."""


def payload_target(schema: Any) -> str | None:
    """The component a schema stands for: `{"$ref": X}`, or `X` with required tags (`allOf: [X]` + `required`)."""
    if not isinstance(schema, dict):
        return None
    if schema.keys() == {"allOf", "required"} and isinstance(schema["allOf"], list) and len(schema["allOf"]) == 1:
        schema = schema["allOf"][0]
    ref = schema.get("$ref") if isinstance(schema, dict) and len(schema) == 1 else None
    return ref.removeprefix(REF_PREFIX) if isinstance(ref, str) and ref.startswith(REF_PREFIX) else None


def require_tag(schema: Any, tag: str, schemas: Mapping[str, Any]) -> Any:
    """`schema` with the discriminator `tag` required, as a tagged union member must have it.

    Pydantic's schema of a model whose tag has a default lets the tag be left
    out, but a discriminated union needs it to pick the member. The model's
    schema stays as it is (it may be used elsewhere); the reference to it
    gets an `allOf` that adds the requirement.
    """
    target = payload_target(schema)
    if target is None or schema != {"$ref": REF_PREFIX + target}:
        return schema
    model = schemas.get(target, {})
    if tag not in model.get("properties", {}) or tag in model.get("required", []):
        return schema
    return {"allOf": [schema], "required": [tag]}


def require_discriminators(schema: Any, schemas: Mapping[str, Any]) -> Any:
    """`schema` with every discriminated union's members requiring their tag (see `require_tag`)."""
    if isinstance(schema, list):
        return [require_discriminators(item, schemas) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            result[key] = {name: require_discriminators(sub, schemas) for name, sub in value.items()}
        else:
            result[key] = value if key in _DATA else require_discriminators(value, schemas)
    tag = result.get("discriminator")
    if isinstance(tag, str) and isinstance(result.get("oneOf"), list):
        result["oneOf"] = [require_tag(option, tag, schemas) for option in result["oneOf"]]
    return result


_DATA = frozenset({"default", "const", "enum", "examples"})
