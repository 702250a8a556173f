"""Example payloads made from a JSON Schema: its examples, defaults, enums and types.

An example is built to satisfy the schema it is made from; where the schema
asks for something this cannot make up (a `pattern` none of a few plain
strings match, a recursive required field), there is no example rather than a
wrong one. The document module also checks each example against the model.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from typing import Any, Final, TypeGuard

from ._schema import REF_PREFIX, is_array, is_object

__all__ = ["NO_EXAMPLE", "example_candidates"]


class _NoExample:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_EXAMPLE"


NO_EXAMPLE: Final = _NoExample()
"""What the generator returns for a schema it cannot make a value of."""


_FORMAT_EXAMPLES: Final[Mapping[str, str]] = {
    "date-time": "2024-01-01T12:00:00Z",
    "date": "2024-01-01",
    "time": "12:00:00",
    "duration": "PT1H",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "ipvanyaddress": "192.0.2.1",
    "ipvanyinterface": "192.0.2.1/32",
    "ipvanynetwork": "192.0.2.0/24",
    "hostname": "example.com",
    "binary": "",
    "base64": "",
    "base64url": "",
    "password": "secret",
    "json-string": "{}",
    "color": "red",
    "path": "example.txt",
}
_PLAIN_STRINGS = ("string", "example", "a", "A", "0", "a1", "")


def example_candidates(schema: Any, schemas: Mapping[str, Any]) -> Iterator[Any]:
    """Yield distinct example values for `schema`, the most informative first.

    The first candidate fills in every property it can; the next only the
    required ones. `$ref`s point into `schemas` (AsyncAPI's
    `components.schemas`). Yields nothing when no value can be made.
    """
    seen: list[Any] = []
    for full in (True, False):
        value = _Generator(schemas, full).value(schema)
        if value is not NO_EXAMPLE and value not in seen:
            seen.append(value)
            yield value


class _Generator:
    __slots__ = ("_schemas", "_full", "_refs")

    def __init__(self, schemas: Mapping[str, Any], full: bool) -> None:
        self._schemas = schemas
        self._full = full
        self._refs: list[str] = []

    def value(self, schema: Any) -> Any:
        if schema is True:
            return None
        if not is_object(schema):
            return NO_EXAMPLE
        examples = schema.get("examples")
        if is_array(examples) and examples:
            return examples[0]
        if "const" in schema:
            return schema["const"]
        enum = schema.get("enum")
        if is_array(enum):
            return enum[0] if enum else NO_EXAMPLE
        if schema.get("default") is not None:  # a `None` default: show a value instead, if there is one
            return schema["default"]
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref)
        for combinator in ("anyOf", "oneOf"):
            options = schema.get(combinator)
            if is_array(options):
                return self._first_of(options)
        all_of = schema.get("allOf")
        if is_array(all_of):
            return self._all_of([*all_of, {k: v for k, v in schema.items() if k != "allOf"}])
        return self._typed(schema)

    def _ref(self, ref: str) -> Any:
        name = ref.removeprefix(REF_PREFIX)
        if name in self._refs or name not in self._schemas:
            return NO_EXAMPLE
        self._refs.append(name)
        try:
            return self.value(self._schemas[name])
        finally:
            self._refs.pop()

    def _first_of(self, options: list[Any]) -> Any:
        # `null` last: an example should show the value, not its absence.
        ordered = sorted(options, key=lambda option: is_object(option) and option.get("type") == "null")
        for option in ordered:
            value = self.value(option)
            if value is not NO_EXAMPLE:
                return value
        return NO_EXAMPLE

    def _all_of(self, parts: list[Any]) -> Any:
        merged: dict[str, Any] = {}
        for part in parts:
            while is_object(part) and isinstance(part.get("$ref"), str):
                part = self._schemas.get(part["$ref"].removeprefix(REF_PREFIX))
            if not is_object(part):
                return NO_EXAMPLE
            for key, value in part.items():
                if key == "required":
                    merged[key] = [*merged.get(key, []), *(name for name in value if name not in merged.get(key, []))]
                elif key == "properties":
                    merged[key] = {**merged.get(key, {}), **value}
                else:
                    merged[key] = value
        return self.value(merged)

    def _typed(self, schema: Mapping[str, Any]) -> Any:
        kind = schema.get("type")
        if is_array(kind):
            kinds = [k for k in kind if k != "null"] + (["null"] if "null" in kind else [])
            for k in kinds:
                value = self._typed({**schema, "type": k})
                if value is not NO_EXAMPLE:
                    return value
            return NO_EXAMPLE
        if kind is None:
            if "properties" in schema:
                kind = "object"
            elif "items" in schema:
                kind = "array"
            else:
                return None  # any value is valid
        if kind == "object":
            return self._object(schema)
        if kind == "array":
            return self._array(schema)
        if kind == "string":
            return _string(schema)
        if kind == "integer":
            return _integer(schema)
        if kind == "number":
            return _number(schema)
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return NO_EXAMPLE

    def _object(self, schema: Mapping[str, Any]) -> Any:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        if not is_object(properties) or not required <= properties.keys():
            return NO_EXAMPLE
        result: dict[str, Any] = {}
        for name, sub in properties.items():
            if name not in required and not self._full:
                continue
            value = self.value(sub)
            if value is NO_EXAMPLE:
                if name in required:
                    return NO_EXAMPLE
                continue
            result[name] = value
        extra = schema.get("additionalProperties")
        if not properties and is_object(extra) and extra and "propertyNames" not in schema:
            value = self.value(extra)
            if value is not NO_EXAMPLE:
                result["key"] = value
        if len(result) < schema.get("minProperties", 0) or len(result) > schema.get("maxProperties", math.inf):
            return NO_EXAMPLE
        return result

    def _array(self, schema: Mapping[str, Any]) -> Any:
        items = schema.get("items", True)
        if is_array(items):  # a tuple
            values = [self.value(item) for item in items]
            return NO_EXAMPLE if NO_EXAMPLE in values else values
        min_items = schema.get("minItems", 0)
        count = 1 if min_items <= 1 <= schema.get("maxItems", math.inf) else min_items
        if count > 1 and schema.get("uniqueItems"):
            return NO_EXAMPLE
        if count == 0:
            return []
        value = self.value(items)
        return NO_EXAMPLE if value is NO_EXAMPLE else [value] * count


def _string(schema: Mapping[str, Any]) -> Any:
    min_length = schema.get("minLength", 0)
    max_length = schema.get("maxLength", math.inf)
    pattern = schema.get("pattern")
    known = _FORMAT_EXAMPLES.get(schema.get("format", ""))
    for candidate in ([known] if known is not None else []) + list(_PLAIN_STRINGS):
        if len(candidate) < min_length and known is None:
            candidate += "x" * (min_length - len(candidate))
        if not min_length <= len(candidate) <= max_length:
            continue
        if isinstance(pattern, str) and not _matches(pattern, candidate):
            continue
        return candidate
    return NO_EXAMPLE


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def _integer(schema: Mapping[str, Any]) -> Any:
    low = _lowest_integer(schema)
    high = _highest_integer(schema)
    value = 0 if low is None else max(0, low)
    if high is not None:
        value = min(value, high)
    step = schema.get("multipleOf")
    if isinstance(step, int) and step > 0:
        value = -(-value // step) * step  # the next multiple up
        if high is not None and value > high:
            value -= step
    return value if _within(schema, value) else NO_EXAMPLE


def _number(schema: Mapping[str, Any]) -> Any:
    step = schema.get("multipleOf")
    if step is not None and not isinstance(step, int):
        return 0 if _within(schema, 0) else NO_EXAMPLE  # 0 is a multiple of any step
    integral = _integer(schema)
    if integral is not NO_EXAMPLE or step is not None:
        return integral
    low = schema.get("exclusiveMinimum", schema.get("minimum"))
    high = schema.get("exclusiveMaximum", schema.get("maximum"))
    if not isinstance(low, (int, float)) or not isinstance(high, (int, float)):
        return NO_EXAMPLE
    value = (low + high) / 2
    return value if _within(schema, value) else NO_EXAMPLE


def _lowest_integer(schema: Mapping[str, Any]) -> int | None:
    bounds: list[int] = []
    if _is_number(minimum := schema.get("minimum")):
        bounds.append(math.ceil(minimum))
    if _is_number(exclusive := schema.get("exclusiveMinimum")):
        bounds.append(math.floor(exclusive) + 1)
    return max(bounds) if bounds else None


def _highest_integer(schema: Mapping[str, Any]) -> int | None:
    bounds: list[int] = []
    if _is_number(maximum := schema.get("maximum")):
        bounds.append(math.floor(maximum))
    if _is_number(exclusive := schema.get("exclusiveMaximum")):
        bounds.append(math.ceil(exclusive) - 1)
    return min(bounds) if bounds else None


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _within(schema: Mapping[str, Any], value: float) -> bool:
    return bool(
        value >= schema.get("minimum", -math.inf)
        and value > schema.get("exclusiveMinimum", -math.inf)
        and value <= schema.get("maximum", math.inf)
        and value < schema.get("exclusiveMaximum", math.inf)
    )
