"""Pydantic's JSON Schemas (draft 2020-12) rewritten into AsyncAPI's schema dialect, and walks over schemas.

AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07:
its `discriminator` is a property name (not an OpenAPI object) and a tuple is
an `items` array (not `prefixItems`). Everything else Pydantic emits is valid
there as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

__all__ = [
    "REF_PREFIX",
    "map_subschemas",
    "payload_target",
    "ref_name",
    "require_discriminators",
    "require_tag",
    "subschemas",
    "to_asyncapi_schema",
]

REF_PREFIX = "#/components/schemas/"
"""Where the documents' `$ref`s point: `components.schemas`."""

# Keywords whose values are schemas; every other keyword's value (`default`, `enum`, ...) is data.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "definitions", "$defs", "dependentSchemas"})
_SCHEMA_LISTS = frozenset({"anyOf", "oneOf", "allOf", "prefixItems", "items"})
_SCHEMAS = frozenset(
    {"additionalProperties", "not", "if", "then", "else", "contains", "propertyNames", "additionalItems", "items"}
)


def map_subschemas(schema: Any, function: Callable[[Any], Any]) -> Any:
    """A copy of `schema` with `function` applied to each schema directly inside it; data is copied as it is."""
    if not isinstance(schema, Mapping):
        return schema  # `true` / `false` schemas
    mapped = dict(schema)
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            mapped[key] = {name: function(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and isinstance(value, list):
            mapped[key] = [function(sub) for sub in value]
        elif key in _SCHEMAS:
            mapped[key] = function(value)
    return mapped


def subschemas(schema: Any) -> Iterator[Any]:
    """The schemas directly inside `schema` (under `properties`, `items`, `anyOf`, ...)."""
    found: list[Any] = []
    map_subschemas(schema, found.append)
    return iter(found)


def to_asyncapi_schema(schema: Any) -> Any:
    """Return a copy of a Pydantic JSON Schema in AsyncAPI's (draft 07) dialect."""
    converted = map_subschemas(schema, to_asyncapi_schema)
    if not isinstance(converted, dict):
        return converted
    discriminator = converted.get("discriminator")
    if isinstance(discriminator, Mapping):
        name = discriminator.get("propertyName")
        if isinstance(name, str):
            converted["discriminator"] = name
        else:
            del converted["discriminator"]
    positions = converted.pop("prefixItems", None)
    if isinstance(positions, list):
        # Draft 07 tuples: `items` lists the positions, `additionalItems` the rest.
        rest = converted.pop("items", None)
        converted["items"] = positions
        if rest is not None:
            converted["additionalItems"] = rest
    return converted


def ref_name(schema: Any) -> str | None:
    """The `components.schemas` key that a schema's `$ref` names, if it has one."""
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    return ref.removeprefix(REF_PREFIX) if isinstance(ref, str) and ref.startswith(REF_PREFIX) else None


def payload_target(schema: Any) -> str | None:
    """The component a schema stands for: `{"$ref": X}`, or `X` with required tags (`allOf: [X]` + `required`)."""
    if not isinstance(schema, Mapping):
        return None
    if schema.keys() == {"allOf", "required"} and isinstance(schema["allOf"], list) and len(schema["allOf"]) == 1:
        schema = schema["allOf"][0]
    return ref_name(schema) if isinstance(schema, Mapping) and len(schema) == 1 else None


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
    result = map_subschemas(schema, lambda sub: require_discriminators(sub, schemas))
    tag = result.get("discriminator") if isinstance(result, dict) else None
    if isinstance(tag, str) and isinstance(result.get("oneOf"), list):
        result["oneOf"] = [require_tag(option, tag, schemas) for option in result["oneOf"]]
    return result
