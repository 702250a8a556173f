"""A schema's type and rules as people read them: `array of Item`, `max length 20`.

Both renderers write these: Markdown as text and links, HTML as markup.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._schema import is_array, is_object, ref_name

__all__ = ["Constraint", "Token", "constraints", "schema_anchor", "type_tokens"]


@dataclass(frozen=True)
class Token:
    """A piece of a type as written for people: plain text, or a link to a schema."""

    text: str
    anchor: str | None = None
    """The id of the schema's section, when the piece names a schema."""


@dataclass(frozen=True)
class Constraint:
    """A rule a value must follow, such as `max length` `20`; `value` is shown as code."""

    label: str
    value: str | None = None


def schema_anchor(key: str) -> str:
    """The id of a schema's section."""
    return f"schema-{key}"


def type_tokens(schema: Any) -> tuple[Token, ...]:
    """A schema's type as people write it: `string`, `array of Item`, `"a" | "b"`, `Chat | null`."""
    if schema is False:
        return (Token("nothing"),)
    if not is_object(schema) or not schema.keys() - {"title", "description", "default", "examples"}:
        return (Token("any"),)
    target = ref_name(schema)
    if target is not None:
        return (Token(target, schema_anchor(target)),)
    if "const" in schema:
        return (Token(json.dumps(schema["const"], ensure_ascii=False)),)
    if is_array(schema.get("enum")):
        return _joined([(Token(json.dumps(v, ensure_ascii=False)),) for v in schema["enum"]], " | ")
    for combinator, separator in (("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")):
        if is_array(schema.get(combinator)):
            return _joined([type_tokens(option) for option in schema[combinator]], separator)
    kind = schema.get("type")
    if is_array(kind):
        return _joined([type_tokens({**schema, "type": k}) for k in kind], " | ")
    if kind == "array" or (kind is None and "items" in schema):
        items = schema.get("items")
        if is_array(items):
            return (Token("["), *_joined([type_tokens(item) for item in items], ", "), Token("]"))
        if items is None or items is True:
            return (Token("array"),)
        return (Token("array of "), *_grouped(type_tokens(items)))
    if kind == "object" or (kind is None and "properties" in schema):
        values = schema.get("additionalProperties")
        if is_object(values) and values and "properties" not in schema:
            return (Token("object of "), *_grouped(type_tokens(values)))
        return (Token("object"),)
    return (Token(kind if isinstance(kind, str) else "any"),)


def _joined(parts: list[tuple[Token, ...]], separator: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    for index, part in enumerate(parts):
        if index:
            tokens.append(Token(separator))
        tokens.extend(part)
    return tuple(tokens)


def _grouped(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    if any(t.anchor is None and t.text in (" | ", " & ") for t in tokens):
        return (Token("("), *tokens, Token(")"))
    return tokens


_BOUNDS = (
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
    ("multipleOf", "multiple of"),
    ("minLength", "min length"),
    ("maxLength", "max length"),
    ("pattern", "pattern"),
    ("format", "format"),
    ("minItems", "min items"),
    ("maxItems", "max items"),
    ("minProperties", "min properties"),
    ("maxProperties", "max properties"),
)


def constraints(schema: Any) -> tuple[Constraint, ...]:
    """The rules a schema sets beyond its type (bounds, lengths, pattern, format, default, ...)."""
    found: list[Constraint] = []
    for part in _constrained_parts(schema):
        for keyword, label in _BOUNDS:
            if keyword in part:
                value = part[keyword]
                constraint = Constraint(label, value if isinstance(value, str) else json.dumps(value))
                if constraint not in found:
                    found.append(constraint)
        if part.get("uniqueItems") is True and Constraint("unique items") not in found:
            found.append(Constraint("unique items"))
    if not is_object(schema):
        return tuple(found)
    if "default" in schema:
        found.append(Constraint("default", json.dumps(schema["default"], ensure_ascii=False)))
    if schema.get("readOnly") is True:
        found.append(Constraint("read-only"))
    if schema.get("deprecated") is True:
        found.append(Constraint("deprecated"))
    return tuple(found)


def _constrained_parts(schema: Any) -> Iterator[Mapping[str, Any]]:
    """The schema and the in-place members of its unions (`str | None` puts `maxLength` in a member)."""
    if not is_object(schema):
        return
    yield schema
    for combinator in ("anyOf", "oneOf", "allOf"):
        options = schema.get(combinator)
        for option in options if is_array(options) else []:
            if is_object(option) and "$ref" not in option:
                yield from _constrained_parts(option)
