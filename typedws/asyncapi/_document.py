"""An app's typed WebSocket routes as an AsyncAPI 3.0.0 document (a JSON-ready dict)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import TypeAdapter, ValidationError
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import PydanticSerializationError, core_schema

from ._examples import NO_EXAMPLE, example_candidates
from ._schema import REF_PREFIX, payload_target, require_discriminators, require_tag, to_asyncapi_schema
from ._exchanges import correlated_payload, correlation_id
from .._typing import discriminator, display_name, union_members, unwrap
from .._codecs import Codec, PydanticCodec, codec_for
from .._liveness import Ping, Pong
from .._requests import ErrorReply, is_request_type, reply_codec
from ..handlers import EndpointInfo

__all__ = ["ASYNCAPI_VERSION", "ServerSpec", "build_document", "server_objects"]

ASYNCAPI_VERSION = "3.0.0"
"""The AsyncAPI version of the documents."""

WS_BINDING_VERSION = "0.1.0"
"""The version of AsyncAPI's WebSocket channel binding used in `bindings.ws`."""

ServerSpec = str | Mapping[str, Any]
"""A server: a `ws://` or `wss://` URL, or an AsyncAPI Server Object as a mapping."""

Direction = Literal["receive", "send"]

_PATH_PARAMETER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?\}")
_NOT_KEY_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")
_ERROR_REPLIES: TypeAdapter[ErrorReply] = TypeAdapter(ErrorReply)
_MODES: Mapping[Direction, JsonSchemaMode] = {"receive": "validation", "send": "serialization"}


@dataclass(eq=False)
class _Variant:
    """One kind of message a route receives or sends: a type, or one member of a union."""

    label: str
    adapter: TypeAdapter[Any] | None
    codec: Codec[Any]
    direction: Direction
    tag: str | None = None
    """The discriminator property, for a member of a discriminated union."""
    payload: Any = None
    """The payload schema, once generated (for Pydantic types)."""
    member: Any = None
    """The type of the values (a union's member), without `Annotated`."""
    correlation: str | None = None
    """For a request or a reply: the field of its correlation id."""
    role: str | None = None
    """For a request or a reply: `"request"` or `"reply"`."""

    def correlated(self, field: str, role: str) -> _Variant:
        """This variant as a request or a reply, whose id is in `field`."""
        self.correlation, self.role = field, role
        return self


class _SchemaGenerator(GenerateJsonSchema):
    """Pydantic's generator, with two changes.

    A sent model's fields that have defaults are required: the server's
    serializer always writes them. A type that has no JSON Schema is
    documented as "any value" instead of failing the whole document.
    """

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization" and field["type"] != "typed-dict-field":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)

    def handle_invalid_for_json_schema(self, schema: core_schema.CoreSchema, error_info: str) -> JsonSchemaValue:
        return {}


def build_document(
    routes: Iterable[tuple[str, EndpointInfo]],
    *,
    title: str,
    version: str,
    description: str | None = None,
    servers: Mapping[str, ServerSpec] | None = None,
) -> dict[str, Any]:
    """Return the AsyncAPI 3.0.0 document of typed routes, as `(path, info)` pairs."""
    routes = list(routes)
    variants = [_route_variants(info) for _, info in routes]
    schemas = _generate_schemas(
        [v for route in variants for v in (*route.received, *route.sent, *route.exchanged())]
    )
    messages = _Messages(schemas)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for (path, info), route in zip(routes, variants, strict=True):
        channel_id = _channel_id(path, channels)
        received_keys = [messages.add(v) for v in route.received]
        sent_keys = [messages.add(v) for v in route.sent]
        exchanges = [
            (request, messages.add(request), [messages.add(reply) for reply in replies])
            for request, replies in route.exchanges
        ]
        exchanged_keys = [key for _, request_key, reply_keys in exchanges for key in (request_key, *reply_keys)]
        channels[channel_id] = _channel(path, info, dict.fromkeys(received_keys + sent_keys + exchanged_keys))
        address = channels[channel_id]["address"]
        requests = {request_key for _, request_key, _ in exchanges}
        for action, keys in (("receive", received_keys), ("send", sent_keys)):
            plain = [key for key in keys if key not in requests]
            if plain or not requests:
                operations[f"{action}_{channel_id}"] = _operation(action, channel_id, address, plain)
        for request, request_key, reply_keys in exchanges:
            operations[f"{request.direction}_{channel_id}_{request_key}"] = _request_operation(
                request.direction, channel_id, address, request_key, reply_keys
            )
    document: dict[str, Any] = {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": version} | ({"description": description} if description else {}),
    }
    if servers:
        document["servers"] = server_objects(servers)
    document["defaultContentType"] = "application/json"
    document["channels"] = channels
    document["operations"] = operations
    components: dict[str, Any] = {}
    if schemas:
        components["schemas"] = schemas
    if messages.objects:
        components["messages"] = messages.objects
    if components:
        document["components"] = components
    return document


def _variants(codec: Codec[Any], direction: Direction) -> list[_Variant]:
    if not isinstance(codec, PydanticCodec) or codec.name == "json":
        return [_Variant(codec.name, None, codec, direction)]
    members = union_members(codec.value_type)
    if len(members) == 1:
        return [_Variant(display_name(codec.value_type), codec.adapter, codec, direction, member=unwrap(members[0]))]
    tag = discriminator(codec.value_type)
    return [
        _Variant(display_name(member), TypeAdapter(member), codec, direction, tag, member=unwrap(member))
        for member in members
    ]


@dataclass(eq=False)
class _RouteVariants:
    """What a route receives and sends: plain messages and requests, and the replies of each request."""

    received: list[_Variant]
    sent: list[_Variant]
    exchanges: list[tuple[_Variant, list[_Variant]]]
    """Each request (a received or a sent variant) and its reply variants, the error reply last."""

    def exchanged(self) -> list[_Variant]:
        return [reply for _, replies in self.exchanges for reply in replies]


def _route_variants(info: EndpointInfo) -> _RouteVariants:
    received = _variants(info.receive_codec, "receive") + _heartbeat(info, "receive")
    # A responder sends nothing but replies: its send type is there for the replies' sake.
    sent = ([] if info.kind == "responder" else _variants(info.send_codec, "send")) + _heartbeat(info, "send")
    exchanges: list[tuple[_Variant, list[_Variant]]] = []
    for variant in (*received, *sent):
        member = variant.member
        if is_request_type(member):
            answer: Direction = "send" if variant.direction == "receive" else "receive"
            field = info.correlation_field
            replies = [reply.correlated(field, "reply") for reply in _variants(reply_codec(member), answer)]
            error = _Variant("ErrorReply", _ERROR_REPLIES, codec_for(ErrorReply), answer, member=ErrorReply)
            exchanges.append((variant.correlated(field, "request"), [*replies, error.correlated(field, "reply")]))
    return _RouteVariants(received, sent, exchanges)


def _heartbeat(info: EndpointInfo, direction: Direction) -> list[_Variant]:
    """The heartbeat's message in `direction` (`Ping` received, `Pong` sent), for an endpoint with `heartbeat=True`."""
    if not info.heartbeat:
        return []
    return _variants(codec_for(Ping if direction == "receive" else Pong), direction)


def _key(label: str, default: str = "message") -> str:
    """A key (letters, digits, `.`, `-`, `_`) for a label."""
    return _NOT_KEY_CHARACTERS.sub("_", label).strip("_") or default


def _generate_schemas(variants: Sequence[_Variant]) -> dict[str, Any]:
    """Set each Pydantic variant's payload schema; return the shared schemas they refer to.

    One pass over every variant, so that a model used in several places is one
    schema, distinct models of the same name get distinct schema names, and a
    model whose validation and serialization schemas differ gets two
    (`Name-Input`, `Name-Output`).
    """
    inputs = [
        (variant, _MODES[variant.direction], variant.adapter) for variant in variants if variant.adapter is not None
    ]
    if not inputs:
        return {}
    by_key, definitions = TypeAdapter.json_schemas(
        inputs, by_alias=True, ref_template=REF_PREFIX + "{model}", schema_generator=_SchemaGenerator
    )
    schemas = {name: to_asyncapi_schema(schema) for name, schema in definitions.get("$defs", {}).items()}
    for variant, mode, _ in inputs:
        payload = require_discriminators(to_asyncapi_schema(by_key[(variant, mode)]), schemas)
        if variant.tag is not None and variant.direction == "receive":
            payload = require_tag(payload, variant.tag, schemas)
        variant.payload = payload
    return {name: require_discriminators(schema, schemas) for name, schema in schemas.items()}


class _Messages:
    """The document's `components.messages`, one per distinct message."""

    def __init__(self, schemas: Mapping[str, Any]) -> None:
        self.objects: dict[str, Any] = {}
        self._schemas = schemas

    def add(self, variant: _Variant) -> str:
        """Add the message of `variant` (unless an equal one is there); return its key."""
        message = self._message(variant)
        name = message["name"]
        candidates = _numbered(name) if variant.role is None else itertools.chain([name], _numbered(f"{name}_{variant.role}"))
        key = next(key for key in candidates if key not in self.objects or _same_message(self.objects[key], message))
        self.objects.setdefault(key, message | {"name": key})
        return key

    def _message(self, variant: _Variant) -> dict[str, Any]:
        codec, payload = variant.codec, variant.payload
        if variant.adapter is None:
            return _plain_message(codec)
        target = payload_target(payload)
        schema = self._schemas.get(target, payload) if target else payload
        name = target or _key(variant.label)
        message: dict[str, Any] = {"name": name, "title": schema.get("title", variant.label)}
        text = schema.get("description")
        if isinstance(text, str) and text.strip():
            summary = text.strip().splitlines()[0]
            message["summary"] = summary
            if text.strip() != summary:
                message["description"] = text
        message["contentType"] = codec.media_type
        field, role = variant.correlation, variant.role
        if field is not None and role is not None:
            message["correlationId"] = correlation_id(field, role)
            payload = correlated_payload(payload, field, self._schemas)
        message["payload"] = payload
        example = _example(variant, self._schemas)
        if example is not NO_EXAMPLE:
            if field is not None and isinstance(example, dict):
                example = {field: 1, **example}
            message["examples"] = [{"name": "example", "payload": example}]
        return message


def _same_message(existing: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    # Examples may differ by direction (a sent one is what the server serializes); the message is the same.
    def essence(message: Mapping[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in message.items() if key not in ("name", "examples")}

    return essence(existing) == essence(new)


_BUILT_IN_MESSAGES: Mapping[tuple[str, str], tuple[str, str, Mapping[str, str]]] = {
    ("text", "text/plain"): ("Text", "Any text, in a text frame.", {"type": "string"}),
    ("bytes", "application/octet-stream"): (
        "Bytes", "Any bytes, in a binary frame.", {"type": "string", "format": "binary"}
    ),
    ("json", "application/json"): ("JSON", "Any JSON value.", {}),
}
"""Title, summary and payload schema of what the text, bytes and json codecs carry, by name and media type."""


def _plain_message(codec: Codec[Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"name": _key(codec.name), "title": codec.name, "contentType": codec.media_type}
    known = _BUILT_IN_MESSAGES.get((codec.name, codec.media_type))
    if known is None:  # a codec of the app's own: its name and media type are all there is to tell
        return message
    title, summary, payload = known
    return message | {"title": title, "summary": summary, "payload": dict(payload)}


def _example(variant: _Variant, schemas: Mapping[str, Any]) -> Any:
    """An example payload that the model accepts (received) or that the server would send (sent)."""
    adapter = variant.adapter
    if adapter is None:
        return NO_EXAMPLE
    unchecked = NO_EXAMPLE
    for candidate in example_candidates(variant.payload, schemas):
        if unchecked is NO_EXAMPLE:
            unchecked = candidate
        try:
            value = adapter.validate_json(json.dumps(candidate))
        except (ValidationError, ValueError, TypeError):
            continue
        if variant.direction == "receive":
            return candidate
        try:
            return json.loads(adapter.dump_json(value, by_alias=True))
        except PydanticSerializationError:
            return candidate
    # What the server sends need not be something it would accept (computed fields, forbidden extras).
    return unchecked if variant.direction == "send" else NO_EXAMPLE


def _channel_id(path: str, taken: Mapping[str, Any]) -> str:
    """A channel key for a route path not in `taken`: `/rooms/{room}` is `rooms_room`."""
    key = _key(_PATH_PARAMETER.sub(r"\1", path), default="root")
    return next(candidate for candidate in _numbered(key) if candidate not in taken)


def _numbered(key: str) -> Iterator[str]:
    """`key`, then `key_2`, `key_3`, ...: candidates for a key that must not clash."""
    yield key
    for n in itertools.count(2):
        yield f"{key}_{n}"


def _channel(path: str, info: EndpointInfo, message_keys: Mapping[str, None]) -> dict[str, Any]:
    channel: dict[str, Any] = {"address": _PATH_PARAMETER.sub(r"{\1}", path), "title": info.name}
    if info.description:
        channel["summary"] = info.description.splitlines()[0]
        if info.description != channel["summary"]:
            channel["description"] = info.description
    parameters = {
        name: {"description": f"The `{name}` path segment" + (f" (convertor `{convertor}`)." if convertor else ".")}
        for name, convertor in _PATH_PARAMETER.findall(path)
    }
    if parameters:
        channel["parameters"] = parameters
    channel["messages"] = {key: {"$ref": f"#/components/messages/{key}"} for key in message_keys}
    channel["bindings"] = {"ws": {"method": "GET", "bindingVersion": WS_BINDING_VERSION}}
    if info.max_size is not None:
        channel["x-max-message-bytes"] = info.max_size
    return channel


def _operation(action: str, channel_id: str, address: str, keys: Sequence[str]) -> dict[str, Any]:
    peer = "the client sends to the server" if action == "receive" else "the server sends to the client"
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel_id}"},
        "summary": f"Messages {peer} on `{address}`.",
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{key}"} for key in keys],
    }


def _request_operation(
    action: Direction, channel_id: str, address: str, request_key: str, reply_keys: Sequence[str]
) -> dict[str, Any]:
    asker = "the client asks the server" if action == "receive" else "the server asks the client"
    channel = {"$ref": f"#/channels/{channel_id}"}
    return {
        "action": action,
        "channel": channel,
        "summary": f"`{request_key}`: {asker} on `{address}`, and gets a reply carrying the same correlation id.",
        "messages": [{"$ref": f"#/channels/{channel_id}/messages/{request_key}"}],
        "reply": {"channel": channel, "messages": [{"$ref": f"#/channels/{channel_id}/messages/{key}"} for key in reply_keys]},
    }


def server_objects(servers: Mapping[str, ServerSpec]) -> dict[str, Any]:
    """AsyncAPI Server Objects for `servers`; raises `ValueError` for a URL that is not `ws://` or `wss://`."""
    return {name: _server(spec) for name, spec in servers.items()}


def _server(spec: ServerSpec) -> dict[str, Any]:
    if not isinstance(spec, str):
        return dict(spec)
    url = urlsplit(spec)
    if url.scheme not in ("ws", "wss") or not url.netloc:
        raise ValueError(f"a server URL looks like ws://HOST[:PORT][/PATH] or wss://...; got {spec!r}")
    server = {"host": url.netloc, "protocol": url.scheme}
    if url.path.strip("/"):
        server["pathname"] = "/" + url.path.strip("/")
    return server
