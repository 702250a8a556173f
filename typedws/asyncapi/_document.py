"""An app's typed WebSocket routes as an AsyncAPI 3.0.0 document (a JSON-ready dict).

The document is assembled from parts, each in its own module: the schemas
(`_components`), the messages (`_messages`), the handshake and security
(`_handshake`), the close codes (`_closing`) and the requests with their
replies (`_exchanges`). A route is a channel with a `receive` operation
(what clients send) and a `send` operation (what the server sends), and an
operation with a `reply` for each request, which the other two leave out.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .._codecs import codec_for
from .._layers._liveness import Ping, Pong
from ..handlers import EndpointInfo
from ..handlers._handshake import PATH_PARAMETER
from ._closing import close_codes
from ._components import SchemaRequest, generate_schemas, numbered, type_key
from ._exchanges import Exchange, exchanges, marking_requests
from ._extensions import CLOSE_CODES, MAX_MESSAGE_BYTES
from ._handshake import SecuritySchemes, binding_objects, parameter_objects, parameter_requests
from ._messages import Direction, Messages, Variant, key_of, variants

__all__ = ["ASYNCAPI_VERSION", "ServerSpec", "build_document", "server_objects"]

ASYNCAPI_VERSION = "3.0.0"
"""The AsyncAPI version of the documents."""

WS_BINDING_VERSION = "0.1.0"
"""The version of AsyncAPI's WebSocket channel binding used in `bindings.ws`."""

ServerSpec = str | Mapping[str, Any]
"""A server: a `ws://` or `wss://` URL, or an AsyncAPI Server Object as a mapping."""


@dataclass(eq=False)
class _Route:
    """A typed route on its way into the document."""

    path: str
    info: EndpointInfo
    received: list[Variant]
    sent: list[Variant]
    exchanges: list[Exchange]
    """Each request among `received` and `sent`, with its replies."""
    key: str = ""
    """The channel's key."""

    @property
    def address(self) -> str:
        """The path as a channel address: `/raw/{n:int}` is `/raw/{n}`."""
        return PATH_PARAMETER.sub(r"{\1}", self.path)

    def variants(self) -> list[Variant]:
        """Every message of the route: what it receives, what it sends, the replies to requests."""
        return [*self.received, *self.sent, *(reply for exchange in self.exchanges for reply in exchange.replies)]

    def plain(self, direction: Direction) -> list[Variant]:
        """What the route receives or sends that is not a request (nor a reply)."""
        return [v for v in (self.received if direction == "receive" else self.sent) if v.correlation is None]

    def operations(self) -> list[_Operation]:
        """The channel's operations: one per request (first), then the plain messages each way that has any.

        Modelina names the union of the messages of a channel's last
        operation with several after the channel: what the server sends.
        """
        found = [_Operation(exchange.direction, [exchange.request], exchange.replies) for exchange in self.exchanges]
        for action in ("receive", "send"):
            plain = self.plain(action)
            if plain:
                found.append(_Operation(action, plain))
        return found


@dataclass(frozen=True)
class _Operation:
    """An operation of a route's channel: its messages, and for a request, the messages that answer it."""

    action: Direction
    messages: list[Variant]
    replies: tuple[Variant, ...] | None = None
    """For a request's operation: its replies."""

    def key(self, route: _Route, messages: Messages) -> str:
        """The operation's key: `receive_chat`, or for a request, `receive_chat_Join` (its message's key)."""
        key = f"{self.action}_{route.key}"
        return key if self.replies is None else f"{key}_{messages.key(self.messages[0])}"


def _route(path: str, info: EndpointInfo) -> _Route:
    field = info.correlation_field
    received = marking_requests(variants(info.receive_codec, "receive"), field) + _heartbeat(info, "receive")
    # A responder sends nothing but replies: its send type is there for the replies' sake.
    sent = [] if info.kind == "responder" else marking_requests(variants(info.send_codec, "send"), field)
    sent += _heartbeat(info, "send")
    return _Route(path, info, received, sent, exchanges(received + sent))


def _heartbeat(info: EndpointInfo, direction: Direction) -> list[Variant]:
    """The heartbeat's message in `direction` (`Ping` received, `Pong` sent), for an endpoint with `heartbeat=True`."""
    if not info.heartbeat:
        return []
    return variants(codec_for(Ping if direction == "receive" else Pong), direction)


def build_document(
    routes: Iterable[tuple[str, EndpointInfo]],
    *,
    title: str,
    version: str,
    description: str | None = None,
    servers: Mapping[str, ServerSpec] | None = None,
) -> dict[str, Any]:
    """Return the AsyncAPI 3.0.0 document of typed routes, as `(path, info)` pairs."""
    plan = [_route(path, info) for path, info in routes]
    requests: dict[Hashable, SchemaRequest] = {
        variant: variant.request for route in plan for variant in route.variants() if variant.request
    }
    requests.update(parameter_requests((route, route.info) for route in plan))
    schemas = generate_schemas(requests)
    messages = Messages(
        [(variant, schemas.roots.get(variant)) for route in plan for variant in route.variants()],
        schemas.components,
        schemas.taken,
    )
    _name_channels(plan, schemas.taken)
    security = SecuritySchemes(route.info for route in plan)
    channels = {route.key: _channel(route, messages, schemas.roots) for route in plan}
    operations = {
        operation.key(route, messages): _operation(operation, route, messages, security)
        for route in plan
        for operation in route.operations()
    }
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
    if schemas.components:
        components["schemas"] = schemas.components
    if messages.objects:
        components["messages"] = messages.objects
    if security.objects:
        components["securitySchemes"] = security.objects
    if components:
        document["components"] = components
    return document


def _name_channels(plan: Sequence[_Route], taken: set[str]) -> None:
    """Key each route's channel after its path (`/rooms/{room}` is `rooms_room`), in the order of the paths.

    Modelina names the union of an operation's messages (or of a request's
    replies) after the channel's key, so the key of a channel with such a
    union differs from every type name.
    """
    keys: set[str] = set()
    for route in sorted(plan, key=lambda route: route.path):
        union = any(len(operation.messages) > 1 or len(operation.replies or ()) > 1 for operation in route.operations())
        base = key_of(PATH_PARAMETER.sub(r"\1", route.path), default="root")
        route.key = next(
            key for key in numbered(base, "_") if key not in keys and not (union and type_key(key) in taken)
        )
        keys.add(route.key)
        if union:
            taken.add(type_key(route.key))


def _channel(route: _Route, messages: Messages, schemas: Mapping[Hashable, Any]) -> dict[str, Any]:
    info = route.info
    channel: dict[str, Any] = {"address": route.address, "title": info.name}
    if info.description:
        channel["summary"] = info.description.splitlines()[0]
        if info.description != channel["summary"]:
            channel["description"] = info.description
    parameters = parameter_objects(route, info, schemas)
    if parameters:
        channel["parameters"] = parameters
    keys = [messages.key(variant) for variant in route.variants()]
    channel["messages"] = {key: {"$ref": f"#/components/messages/{key}"} for key in dict.fromkeys(keys)}
    binding = {"method": "GET", **binding_objects(route, info, schemas), "bindingVersion": WS_BINDING_VERSION}
    channel["bindings"] = {"ws": binding}
    if info.max_size is not None:
        channel[MAX_MESSAGE_BYTES] = info.max_size
    channel[CLOSE_CODES] = close_codes(info)
    return channel


def _operation(operation: _Operation, route: _Route, messages: Messages, security: SecuritySchemes) -> dict[str, Any]:
    channel = {"$ref": f"#/channels/{route.key}"}

    def refs(listed: Iterable[Variant]) -> list[dict[str, str]]:
        keys = dict.fromkeys(messages.key(variant) for variant in listed)
        return [{"$ref": f"#/channels/{route.key}/messages/{key}"} for key in keys]

    action = operation.action
    if operation.replies is None:
        peer = "the client sends to the server" if action == "receive" else "the server sends to the client"
        summary = f"Messages {peer} on `{route.address}`."
    else:
        asker = "the client asks the server" if action == "receive" else "the server asks the client"
        request = messages.key(operation.messages[0])
        summary = f"`{request}`: {asker} on `{route.address}`, and gets a reply carrying the same correlation id."
    result: dict[str, Any] = {
        "action": action,
        "channel": channel,
        "summary": summary,
        "messages": refs(operation.messages),
    }
    if operation.replies is not None:
        result["reply"] = {"channel": channel, "messages": refs(operation.replies)}
    required = security.refs(route.info.security)
    if required:
        result["security"] = required
    if len(required) > 1:  # AsyncAPI reads a list of schemes as "any one of"; FastAPI checks every one
        result["description"] = "The handshake must satisfy every one of the security schemes."
    return result


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
