"""An AsyncAPI document read for display: channels, their messages, fields and types.

The Markdown and HTML renderers both draw this view, so they show the same
things: every channel, every message with a table of its fields and an
example, and every schema those fields refer to.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ._fields import Constraint, Token, constraints, schema_anchor, type_tokens
from .._schema import payload_target, ref_name, subschemas

__all__ = [
    "CLIENT_TO_SERVER",
    "SERVER_TO_CLIENT",
    "ChannelView",
    "Constraint",
    "ExchangeView",
    "FieldRow",
    "MessageView",
    "PageView",
    "SchemaView",
    "Token",
    "read_document",
]

_MESSAGE_REF = "#/components/messages/"
_CHANNEL_REF = "#/channels/"


@dataclass(frozen=True)
class FieldRow:
    """One property of an object schema."""

    name: str
    type: tuple[Token, ...]
    required: bool
    constraints: tuple[Constraint, ...]
    description: str


@dataclass(frozen=True)
class SchemaView:
    """A schema: its type and rules, its fields when it is an object, its values when it is an enum."""

    key: str | None
    """The name under `components.schemas`, or `None` for a schema written in place."""
    anchor: str | None
    title: str
    description: str
    type: tuple[Token, ...]
    constraints: tuple[Constraint, ...]
    fields: tuple[FieldRow, ...]
    values: tuple[str, ...]
    """An enum's values, as JSON."""


@dataclass(frozen=True)
class MessageView:
    """A message of a channel."""

    key: str
    anchor: str
    title: str
    description: str
    """The description, else the summary."""
    content_type: str
    directions: tuple[str, ...]
    """`"client → server"` and/or `"server → client"`."""
    payload: SchemaView | None
    example: str | None
    """An example payload as indented JSON."""
    correlation_id: str | None = None
    """For a request or a reply: where its correlation id is (a runtime expression)."""


@dataclass(frozen=True)
class ExchangeView:
    """A request and the messages that may answer it (an operation with a `reply`)."""

    request: MessageView
    direction: str
    """Who asks: `"client → server"` (the client asks) or `"server → client"` (the server asks)."""
    replies: tuple[MessageView, ...]


@dataclass(frozen=True)
class ChannelView:
    """A channel: one WebSocket route."""

    key: str
    anchor: str
    address: str
    title: str
    summary: str
    description: str
    """The description, else the summary."""
    parameters: tuple[tuple[str, str], ...]
    max_message_bytes: int | None
    messages: tuple[MessageView, ...]
    received: tuple[MessageView, ...]
    """Messages the client sends (the app's `receive` operations)."""
    sent: tuple[MessageView, ...]
    """Messages the server sends (the app's `send` operations)."""
    exchanges: tuple[ExchangeView, ...] = ()
    """The requests of the channel, each with its replies."""


@dataclass(frozen=True)
class PageView:
    """The whole document, ready to draw."""

    title: str
    version: str
    description: str
    servers: tuple[tuple[str, str, str], ...]
    """`(name, url, description)` of each server."""
    channels: tuple[ChannelView, ...]
    schemas: tuple[SchemaView, ...]
    """The schemas that message fields refer to."""


CLIENT_TO_SERVER = "client → server"
SERVER_TO_CLIENT = "server → client"


def read_document(document: Mapping[str, Any]) -> PageView:
    """Read an AsyncAPI 3 document (as `typedws.asyncapi.document` makes them) for display."""
    info = _mapping(document.get("info"))
    components = _mapping(document.get("components"))
    schemas = _mapping(components.get("schemas"))
    messages = _mapping(components.get("messages"))
    directions = _directions(document)
    replies = _replies(document)
    channels = tuple(
        _channel(key, _mapping(channel), messages, schemas, directions.get(key, {}), replies.get(key, []))
        for key, channel in _mapping(document.get("channels")).items()
    )
    return PageView(
        title=_text(info.get("title")) or "WebSocket API",
        version=_text(info.get("version")),
        description=_text(info.get("description")),
        servers=tuple(_server(name, _mapping(server)) for name, server in _mapping(document.get("servers")).items()),
        channels=channels,
        schemas=tuple(_schema(schemas[key], schemas, key) for key in _nested_schema_keys(messages, schemas)),
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _server(name: str, server: Mapping[str, Any]) -> tuple[str, str, str]:
    url = f"{_text(server.get('protocol')) or 'ws'}://{_text(server.get('host'))}{_text(server.get('pathname'))}"
    return name, url, _text(server.get("description"))


def _directions(document: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """For each channel, the directions in which each of its messages travels."""
    found: dict[str, dict[str, list[str]]] = {}
    for operation in _mapping(document.get("operations")).values():
        operation = _mapping(operation)
        channel = _text(_mapping(operation.get("channel")).get("$ref")).removeprefix(_CHANNEL_REF)
        direction = CLIENT_TO_SERVER if operation.get("action") == "receive" else SERVER_TO_CLIENT
        answer = SERVER_TO_CLIENT if direction == CLIENT_TO_SERVER else CLIENT_TO_SERVER
        reply = _mapping(operation.get("reply"))
        for way, listed in ((direction, operation.get("messages", [])), (answer, reply.get("messages", []))):
            for key in _message_keys(listed):
                found.setdefault(channel, {}).setdefault(key, []).append(way)
    return found


def _replies(document: Mapping[str, Any]) -> dict[str, list[tuple[str, str, list[str]]]]:
    """For each channel, its requests: `(request key, direction, reply keys)` of each operation with a reply."""
    found: dict[str, list[tuple[str, str, list[str]]]] = {}
    for operation in _mapping(document.get("operations")).values():
        operation = _mapping(operation)
        reply = _mapping(operation.get("reply"))
        if not reply:
            continue
        channel = _text(_mapping(operation.get("channel")).get("$ref")).removeprefix(_CHANNEL_REF)
        direction = CLIENT_TO_SERVER if operation.get("action") == "receive" else SERVER_TO_CLIENT
        replies = _message_keys(reply.get("messages", []))
        for request in _message_keys(operation.get("messages", [])):
            found.setdefault(channel, []).append((request, direction, replies))
    return found


def _message_keys(references: Any) -> list[str]:
    listed: list[Any] = references if isinstance(references, list) else []
    return [_text(_mapping(message).get("$ref")).rpartition("/messages/")[2] for message in listed]


def _channel(
    key: str,
    channel: Mapping[str, Any],
    messages: Mapping[str, Any],
    schemas: Mapping[str, Any],
    directions: Mapping[str, list[str]],
    requests: list[tuple[str, str, list[str]]],
) -> ChannelView:
    anchor = f"channel-{key}"
    views: list[MessageView] = []
    for message_key, message in _mapping(channel.get("messages")).items():
        ref = _text(_mapping(message).get("$ref"))
        body = messages.get(ref.removeprefix(_MESSAGE_REF), {}) if ref else message
        ways = tuple(way for way in (CLIENT_TO_SERVER, SERVER_TO_CLIENT) if way in directions.get(message_key, ()))
        views.append(_message(message_key, f"{anchor}-message-{message_key}", _mapping(body), schemas, ways))
    # Messages alike in title (one model's received and sent forms) go by their keys.
    titles = Counter(view.title for view in views)
    views = [replace(view, title=view.key) if titles[view.title] > 1 else view for view in views]
    max_size = channel.get("x-max-message-bytes")
    by_key = {view.key: view for view in views}
    return ChannelView(
        key=key,
        anchor=anchor,
        address=_text(channel.get("address")) or key,
        title=_text(channel.get("title")),
        summary=_text(channel.get("summary")),
        description=_text(channel.get("description")) or _text(channel.get("summary")),
        parameters=tuple(
            (name, _text(_mapping(parameter).get("description")))
            for name, parameter in _mapping(channel.get("parameters")).items()
        ),
        max_message_bytes=max_size if isinstance(max_size, int) else None,
        messages=tuple(views),
        received=tuple(v for v in views if CLIENT_TO_SERVER in v.directions),
        sent=tuple(v for v in views if SERVER_TO_CLIENT in v.directions),
        exchanges=tuple(
            ExchangeView(by_key[request], direction, tuple(by_key[key] for key in replies if key in by_key))
            for request, direction, replies in requests
            if request in by_key
        ),
    )


def _message(
    key: str, anchor: str, message: Mapping[str, Any], schemas: Mapping[str, Any], directions: tuple[str, ...]
) -> MessageView:
    payload = message.get("payload")
    examples = message.get("examples")
    example = None
    if isinstance(examples, list) and examples and "payload" in _mapping(examples[0]):
        example = json.dumps(examples[0]["payload"], indent=2, ensure_ascii=False)
    target = payload_target(payload)
    return MessageView(
        key=key,
        anchor=anchor,
        title=_text(message.get("title")) or key,
        description=_text(message.get("description")) or _text(message.get("summary")),
        content_type=_text(message.get("contentType")) or "application/json",
        directions=directions,
        payload=None if payload is None else _schema(_payload_schema(payload, schemas), schemas, target),
        example=example,
        correlation_id=_text(_mapping(message.get("correlationId")).get("location")) or None,
    )


def _payload_schema(payload: Any, schemas: Mapping[str, Any]) -> Any:
    """The schema a payload stands for: the component it names (with any tags it requires), or itself."""
    target = payload_target(payload)
    if target is None:
        return payload
    schema = _mapping(schemas.get(target))
    extra = [name for name in _mapping(payload).get("required", []) if name not in schema.get("required", [])]
    return {**schema, "required": [*schema.get("required", []), *extra]} if extra else schema


def _schema(schema: Any, schemas: Mapping[str, Any], key: str | None) -> SchemaView:
    schema = schema if isinstance(schema, Mapping) else {}
    properties = _mapping(schema.get("properties"))
    required = schema.get("required", [])
    enum = schema.get("enum")
    return SchemaView(
        key=key,
        anchor=schema_anchor(key) if key else None,
        title=_text(schema.get("title")) or key or "",
        description=_text(schema.get("description")),
        type=type_tokens(schema),
        constraints=constraints(schema),
        fields=tuple(
            FieldRow(
                name=name,
                type=type_tokens(prop),
                required=isinstance(required, list) and name in required,
                constraints=constraints(prop),
                description=_text(_mapping(prop).get("description")),
            )
            for name, prop in properties.items()
        ),
        values=tuple(json.dumps(v, ensure_ascii=False) for v in enum) if isinstance(enum, list) else (),
    )


def _nested_schema_keys(messages: Mapping[str, Any], schemas: Mapping[str, Any]) -> list[str]:
    """Keys of the schemas that message payloads refer to from inside (field types), in a stable order."""
    pending = [_payload_schema(_mapping(message).get("payload"), schemas) for message in messages.values()]
    found: set[str] = set()
    while pending:
        for key in _refs(pending.pop()):
            if key in schemas and key not in found:
                found.add(key)
                pending.append(schemas[key])
    return sorted(found)


def _refs(schema: Any) -> Iterator[str]:
    name = ref_name(schema)
    if name is not None:
        yield name
    for sub in subschemas(schema):
        yield from _refs(sub)
