"""Example payloads made from JSON Schemas: each one satisfies its schema, or there is none."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft7Validator

from typedws.asyncapi._examples import example_candidates
from typedws.asyncapi._schema import to_asyncapi_schema

SCHEMAS: dict[str, Any] = {
    "Item": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "n": {"type": "integer", "minimum": 1}},
        "required": ["name"],
    },
    "Tree": {
        "type": "object",
        "properties": {"label": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}},
        "required": ["label"],
    },
    "Loop": {
        "type": "object",
        "properties": {"next": {"$ref": "#/components/schemas/Loop"}},
        "required": ["next"],
    },
}

CASES: list[tuple[dict[str, Any], Any]] = [
    ({"type": "string"}, "string"),
    ({"type": "string", "minLength": 12}, "stringxxxxxx"),
    ({"type": "string", "maxLength": 3}, "a"),
    ({"type": "string", "pattern": "^[0-9]+$"}, "0"),
    ({"type": "string", "format": "date-time"}, "2024-01-01T12:00:00Z"),
    ({"type": "string", "format": "email"}, "user@example.com"),
    ({"type": "string", "format": "uuid"}, "123e4567-e89b-42d3-a456-426614174000"),
    ({"type": "integer"}, 0),
    ({"type": "integer", "minimum": 7, "multipleOf": 5}, 10),
    ({"type": "integer", "exclusiveMinimum": 3}, 4),
    ({"type": "integer", "maximum": -3}, -3),
    ({"type": "integer", "exclusiveMinimum": -5, "maximum": -3}, -3),
    ({"type": "integer", "minimum": 3, "maximum": 9, "multipleOf": 4}, 4),
    ({"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1}, 0.5),
    ({"type": "number", "minimum": 2.5}, 3),
    ({"type": "number", "multipleOf": 0.1, "minimum": -1}, 0),
    ({"type": "boolean"}, True),
    ({"type": "null"}, None),
    ({"type": ["null", "integer"]}, 0),
    ({"enum": ["b", "a"]}, "b"),
    ({"const": "x", "type": "string"}, "x"),
    ({"type": "string", "examples": ["given"]}, "given"),
    ({"type": "integer", "default": 3}, 3),
    ({"anyOf": [{"type": "null"}, {"type": "string"}], "default": None}, "string"),
    ({"type": "array", "items": {"type": "integer"}}, [0]),
    ({"type": "array", "items": {"type": "integer"}, "minItems": 3}, [0, 0, 0]),
    ({"type": "array", "items": {"type": "integer"}, "maxItems": 0}, []),
    ({"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "minItems": 2, "maxItems": 2}, [0, "string"]),
    ({"type": "object", "additionalProperties": {"type": "integer"}}, {"key": 0}),
    ({"$ref": "#/components/schemas/Item"}, {"name": "string", "n": 1}),
    ({"$ref": "#/components/schemas/Tree"}, {"label": "string"}),
    ({"allOf": [{"$ref": "#/components/schemas/Item"}]}, {"name": "string", "n": 1}),
    ({}, None),
]


@pytest.mark.parametrize(("schema", "expected"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_the_first_example_is_the_expected_one_and_every_example_is_valid(schema: dict[str, Any], expected: Any) -> None:
    schema = to_asyncapi_schema(schema)
    candidates = list(example_candidates(schema, SCHEMAS))
    assert candidates[0] == expected
    validator = Draft7Validator({**schema, "components": {"schemas": SCHEMAS}})
    for candidate in candidates:
        validator.validate(candidate)


def test_the_second_example_leaves_optional_properties_out() -> None:
    schema = {"$ref": "#/components/schemas/Item"}
    assert list(example_candidates(schema, SCHEMAS)) == [{"name": "string", "n": 1}, {"name": "string"}]


# Schemas the generator cannot (or cannot always) make a value of.
CANNOT_MAKE: list[dict[str, Any]] = [
    {"type": "string", "pattern": "^[a-f]{8}-x$"},
    {"type": "string", "minLength": 3, "format": "date", "maxLength": 5},
    {"type": "integer", "minimum": 5, "maximum": 4},
    {"type": "integer", "minimum": 1, "maximum": 4, "multipleOf": 5},
    {"type": "number", "minimum": 0.1, "maximum": 0.9, "multipleOf": 0.25},
    {"type": "array", "items": {"type": "integer"}, "minItems": 2, "uniqueItems": True},
    {"$ref": "#/components/schemas/Loop"},
    {"$ref": "#/components/schemas/Missing"},
    {"enum": []},
    {"type": "object", "properties": {}, "required": ["x"]},
]


@pytest.mark.parametrize("schema", CANNOT_MAKE, ids=[str(i) for i in range(len(CANNOT_MAKE))])
def test_no_example_rather_than_a_wrong_one(schema: dict[str, Any]) -> None:
    assert list(example_candidates(schema, SCHEMAS)) == []


def test_an_optional_property_without_an_example_is_left_out() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "string", "pattern": "^zz+$"}},
        "required": ["a"],
    }
    assert list(example_candidates(schema, SCHEMAS)) == [{"a": 0}]
