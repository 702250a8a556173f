"""Pydantic's JSON Schemas (draft 2020-12) rewritten into AsyncAPI's schema dialect, and walks over schemas.

AsyncAPI 3.0's default schema format is a superset of JSON Schema draft 07,
where a tuple is an `items` array (not `prefixItems`). A discriminated union
is a `oneOf` whose members each fix the tag with `const`; the tag's name is
kept as `x-discriminator`, since AsyncAPI's own `discriminator` means
something else (a base schema whose subschemas are told apart by their
names) and code generators read it so (Modelina then writes tags that do not
compile). Everything else Pydantic emits is valid there as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeGuard

from ._extensions import DISCRIMINATOR

__all__ = [
    "REF_PREFIX",
    "is_array",
    "is_object",
    "map_subschemas",
    "payload_target",
    "ref_name",
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


def is_object(value: object) -> TypeGuard[Mapping[str, Any]]:
    """Whether a JSON value is an object: a schema, or a keyword's map of schemas."""
    return isinstance(value, Mapping)


def is_array(value: object) -> TypeGuard[list[Any]]:
    """Whether a JSON value is an array."""
    return isinstance(value, list)


def map_subschemas(schema: Any, function: Callable[[Any], Any]) -> Any:
    """A copy of `schema` with `function` applied to each schema directly inside it; data is copied as it is."""
    if not is_object(schema):
        return schema  # `true` / `false` schemas
    mapped = dict(schema)
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and is_object(value):
            mapped[key] = {name: function(sub) for name, sub in value.items()}
        elif key in _SCHEMA_LISTS and is_array(value):
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
    if not is_object(schema):
        return schema
    converted: dict[str, Any] = map_subschemas(schema, to_asyncapi_schema)
    discriminator = converted.pop("discriminator", None)
    if is_object(discriminator) and isinstance(discriminator.get("propertyName"), str):
        converted[DISCRIMINATOR] = discriminator["propertyName"]
    positions = converted.pop("prefixItems", None)
    if is_array(positions):
        # Draft 07 tuples: `items` lists the positions, `additionalItems` the rest.
        rest = converted.pop("items", None)
        converted["items"] = positions
        if rest is not None:
            converted["additionalItems"] = rest
    return converted


def ref_name(schema: Any) -> str | None:
    """The `components.schemas` key that a schema's `$ref` names, if it has one."""
    ref = schema.get("$ref") if is_object(schema) else None
    return ref.removeprefix(REF_PREFIX) if isinstance(ref, str) and ref.startswith(REF_PREFIX) else None


def payload_target(schema: Any) -> str | None:
    """The component a payload stands for, when it is just a reference to one: `{"$ref": "#/components/schemas/X"}`."""
    return ref_name(schema) if is_object(schema) and len(schema) == 1 else None
