"""What a typed endpoint declares, and a walk over an app's routes to find them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from starlette.routing import BaseRoute, Host, Mount

from .._codecs import Codec, PydanticCodec
from .._correlation import DEFAULT_CORRELATION_FIELD

__all__ = ["EndpointInfo", "endpoint_info", "typed_routes"]

INFO_ATTRIBUTE = "__typedws_info__"
"""The attribute under which a typed endpoint carries its `EndpointInfo`."""


@dataclass(frozen=True)
class EndpointInfo:
    """What a typed WebSocket endpoint receives and sends, read from its handler.

    Message docs (AsyncAPI, Markdown, HTML) are generated from this.
    """

    name: str
    """The handler's name."""
    description: str | None
    """The handler's docstring, cleaned (`inspect.cleandoc`), or `None`."""
    kind: Literal["endpoint", "listener", "responder"]
    """`"endpoint"` for `typedws.endpoint`, `"listener"` for `typedws.listener`, `"responder"` for `typedws.responder`."""
    receive_codec: Codec[object]
    """How messages from the peer are decoded (client → server)."""
    send_codec: Codec[object]
    """How messages to the peer are encoded (server → client); it refuses values of other types (`TypeError`)."""
    caught_close_codes: frozenset[int]
    """Close codes of disconnects that end the handler quietly."""
    max_size: int | None
    """The largest message accepted, in bytes, or `None` for no limit."""
    correlation_field: str = DEFAULT_CORRELATION_FIELD
    """The top-level field that carries the correlation id of requests and replies (see `typedws.RequestFor`)."""
    heartbeat: bool = False
    """Whether the endpoint answers the client's `Ping` messages with `Pong`s (`heartbeat=True`)."""

    @property
    def receive_type(self) -> object:
        """The type of received values: `str`, `bytes`, `Any` for `"json"`, or the declared type (form)."""
        return _python_type(self.receive_codec)

    @property
    def send_type(self) -> object:
        """The type of sent values: `str`, `bytes`, `Any` for `"json"`, or the declared type (form)."""
        return _python_type(self.send_codec)


def _python_type(codec: Codec[object]) -> object:
    if isinstance(codec, PydanticCodec):
        return Any if codec.name == "json" else codec.value_type
    return str if codec.name == "text" else bytes


def endpoint_info(endpoint: object) -> EndpointInfo | None:
    """The `EndpointInfo` of a typed endpoint or listener, or `None` for anything else."""
    info = getattr(endpoint, INFO_ATTRIBUTE, None)
    return info if isinstance(info, EndpointInfo) else None


def typed_routes(app: Any) -> Iterator[tuple[str, EndpointInfo]]:
    """Yield `(path, info)` for every typed WebSocket route of a Starlette or FastAPI app.

    Mounted apps and routers are walked; paths carry their mount prefixes and
    path parameters as written (`/rooms/{room}`). `app` is anything with a
    `routes` list (an app, a router, a `Mount`).
    """
    yield from _walk(getattr(app, "routes", []), "")


def _walk(routes: list[BaseRoute], prefix: str) -> Iterator[tuple[str, EndpointInfo]]:
    for path, route in _effective_routes(routes):
        info = endpoint_info(getattr(route, "endpoint", None))
        if info is not None:
            yield prefix + path, info
        elif isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
        elif isinstance(route, Host):
            yield from _walk(route.routes, prefix)


def _effective_routes(routes: list[BaseRoute]) -> Iterator[tuple[str, BaseRoute]]:
    """`(path, route)` for each route; FastAPI (0.16x) includes a router as one route, expanded here."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # no FastAPI, or one that copies included routes
        for route in routes:
            yield getattr(route, "path", ""), route
        return
    for context in iter_route_contexts(routes):
        yield context.path or "", context.original_route
