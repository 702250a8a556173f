"""Property tests: the documented payload schemas agree with what the server accepts and sends.

For every typed route of the test apps and the example apps:

- any value a received message's schema accepts is accepted by the route;
- any value the route sends, serialized exactly as the server sends it,
  validates against one of the route's sent message schemas.

A request or a reply is checked without its correlation id, which the
connection adds and takes off (replies to the server's requests go to the
requests, not to the route's receive type, and are left out).

Values are generated from the JSON Schemas themselves (`json_values`).
(hypothesis-jsonschema would do, but its 0.23 release does not run on
current Hypothesis.)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

import typedws
from tests.asyncapi import apps
from tests.asyncapi.apps import channel_messages, payload_validator, with_id, without_id
from typedws import EndpointInfo, InvalidMessage, asyncapi
from typedws.asyncapi._components import SchemaRequest, generate_schemas
from typedws.asyncapi._schema import REF_PREFIX
from typedws._codecs import PydanticCodec

TARGETS = apps.targets()

PROPERTY_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)


def _routes() -> list[tuple[str, dict[str, Any], str, EndpointInfo]]:
    """`(id, document, channel, info)` for every typed route of the targets."""
    routes = []
    for target, app in TARGETS.items():
        document: dict[str, Any] = asyncapi.document(app, title=target, version="1")
        # Channels come in route order.
        for channel, (_, info) in zip(document["channels"], typedws.typed_routes(app), strict=True):
            routes.append((f"{target}:{channel}", document, channel, info))
    return routes


def _json_messages(document: dict[str, Any], channel: str, action: str, *, replies: bool) -> list[dict[str, Any]]:
    messages = channel_messages(document, channel, action, replies=replies)
    return [m for m in messages if m["contentType"] == "application/json"]


RECEIVING_JSON = [
    pytest.param(document, channel, info, id=name)
    for name, document, channel, info in _routes()
    if _json_messages(document, channel, "receive", replies=False)
]
"""The routes that receive JSON messages."""

SENDING_JSON = [
    pytest.param(document, channel, info, id=name)
    for name, document, channel, info in _routes()
    if isinstance(info.send_codec, PydanticCodec)
]
"""The routes that send JSON messages."""



def json_values(schema: Any, definitions: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a JSON Schema (draft 07, as Pydantic writes them) accepts, as a Hypothesis strategy.

    `$ref`s point into `definitions` (`#/components/schemas/NAME`). Covers
    what Pydantic emits: types, `const`, `enum`, unions, bounds, lengths,
    `pattern`, common formats, tuples, required and optional properties, and
    extra properties where the schema allows them.
    """
    if schema is True or (isinstance(schema, dict) and not schema.keys() - {"title", "description"}):
        return _ANY_JSON
    if not isinstance(schema, dict):
        return st.nothing()
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return st.deferred(lambda: json_values(definitions[name], definitions))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            return st.one_of([json_values(option, definitions) for option in schema[combinator]])
    if "allOf" in schema:
        return json_values(_merged(schema, definitions), definitions)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([json_values({**schema, "type": k}, definitions) for k in kind])
    makers: dict[str, Callable[[], st.SearchStrategy[Any]]] = {
        "null": lambda: st.none(),
        "boolean": lambda: st.booleans(),
        "integer": lambda: _integers(schema),
        "number": lambda: _numbers(schema),
        "string": lambda: _strings(schema),
        "array": lambda: _arrays(schema, definitions),
        "object": lambda: _objects(schema, definitions),
    }
    if kind not in makers:
        raise NotImplementedError(f"no values for the schema {schema!r}")
    return makers[kind]()


def _merged(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """One schema for `allOf` and its siblings (the object schemas Pydantic's types give)."""
    merged: dict[str, Any] = {}
    for part in [*schema["allOf"], {k: v for k, v in schema.items() if k != "allOf"}]:
        while "$ref" in part:
            part = definitions[part["$ref"].removeprefix(REF_PREFIX)]
        for key, value in part.items():
            if key == "required":
                merged[key] = sorted({*merged.get(key, []), *value})
            elif key == "properties":
                merged[key] = {**merged.get(key, {}), **value}
            else:
                merged[key] = value
    return merged


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)

_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date-time": st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()),
    "date": st.dates().map(lambda d: d.isoformat()),
    "time": st.times().map(lambda t: t.isoformat()),
    "uuid": st.uuids().map(str),
    "email": st.emails(),
}


def _integers(schema: dict[str, Any]) -> st.SearchStrategy[int]:
    lows, highs = [], []
    if "minimum" in schema:
        lows.append(math.ceil(schema["minimum"]))
    if "exclusiveMinimum" in schema:
        lows.append(math.floor(schema["exclusiveMinimum"]) + 1)
    if "maximum" in schema:
        highs.append(math.floor(schema["maximum"]))
    if "exclusiveMaximum" in schema:
        highs.append(math.ceil(schema["exclusiveMaximum"]) - 1)
    step: int = schema.get("multipleOf", 1)
    low = -(-max(lows) // step) if lows else None
    high = min(highs) // step if highs else None
    return st.integers(low, high).map(lambda n: n * step)


def _numbers(schema: dict[str, Any]) -> st.SearchStrategy[float]:
    assert "multipleOf" not in schema, "float steps are not generated"
    return st.floats(
        min_value=schema.get("minimum", schema.get("exclusiveMinimum")),
        max_value=schema.get("maximum", schema.get("exclusiveMaximum")),
        exclude_min="exclusiveMinimum" in schema,
        exclude_max="exclusiveMaximum" in schema,
        allow_nan=False,
        allow_infinity=False,
    )


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if "pattern" in schema:
        strings = st.from_regex(schema["pattern"], fullmatch=True)
    else:
        strings = _FORMATS.get(schema.get("format", ""), st.text())
    low, high = schema.get("minLength", 0), schema.get("maxLength", math.inf)
    return strings.filter(lambda s: low <= len(s) <= high)


def _arrays(schema: dict[str, Any], definitions: dict[str, Any]) -> st.SearchStrategy[list[Any]]:
    items = schema.get("items", True)
    if isinstance(items, list):
        return st.tuples(*(json_values(item, definitions) for item in items)).map(list)
    return st.lists(
        json_values(items, definitions),
        min_size=schema.get("minItems", 0),
        max_size=schema.get("maxItems", 4),
        unique_by=(lambda v: json.dumps(v, sort_keys=True)) if schema.get("uniqueItems") else None,
    )


def _objects(schema: dict[str, Any], definitions: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    extra = schema.get("additionalProperties", True)
    fixed = st.fixed_dictionaries(
        {name: json_values(sub, definitions) for name, sub in properties.items() if name in required},
        optional={name: json_values(sub, definitions) for name, sub in properties.items() if name not in required},
    )
    if extra is False:
        return fixed
    # Keys the schema does not name, with values it allows (any value, or the `additionalProperties` schema).
    others = st.dictionaries(
        st.text(min_size=1, max_size=8).filter(lambda key: key not in properties),
        _ANY_JSON if extra is True else json_values(extra, definitions),
        max_size=2,
    )
    return st.tuples(fixed, others).map(lambda pair: {**pair[1], **pair[0]})


@pytest.mark.parametrize(("document", "channel", "info"), RECEIVING_JSON)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_what_a_received_schema_accepts_the_route_accepts(
    document: dict[str, Any], channel: str, info: EndpointInfo, data: st.DataObject
) -> None:
    # (Replies to the server's requests are the requests' business, not the route's receive type's.)
    messages = _json_messages(document, channel, "receive", replies=False)
    definitions = document.get("components", {}).get("schemas", {})
    message = data.draw(st.sampled_from(messages), label="message")
    value = data.draw(json_values(message["payload"], definitions), label="value")
    info.receive_codec.decode(json.dumps(without_id(message, value)))


@pytest.mark.parametrize(("document", "channel", "info"), SENDING_JSON)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_what_the_route_sends_validates_against_a_sent_schema(
    document: dict[str, Any], channel: str, info: EndpointInfo, data: st.DataObject
) -> None:
    codec = info.send_codec
    assert isinstance(codec, PydanticCodec)
    # Values of the sent type: made from its validation schema, then validated into Python values.
    # (A discriminated union needs its members' tags, even those with defaults: the generator requires them.)
    schemas = generate_schemas({"value": SchemaRequest(codec.adapter, "validation")})
    schema, definitions = schemas.roots["value"], schemas.components
    try:
        value = codec.decode(json.dumps(data.draw(json_values(schema, definitions), label="input")))
    except InvalidMessage:
        reject()  # not a value of the type: its validators refuse what its schema allows
    sent = json.loads(codec.encode(value))
    messages = _json_messages(document, channel, "send", replies=True)
    failures = [list(payload_validator(document, m["payload"]).iter_errors(with_id(m, sent))) for m in messages]
    assert any(not errors for errors in failures), (sent, failures)
