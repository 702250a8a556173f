"""What a typed endpoint declares, and a walk over an app's routes to find them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any, Literal, cast

from starlette.routing import BaseRoute, Host, Mount

from .._codecs import Codec, PydanticCodec
from ..requests._correlation import DEFAULT_CORRELATION_FIELD
from ._handshake import HandshakeParameter, SecurityRequirement, read_handshake

__all__ = ["EndpointInfo", "checked_close_codes", "endpoint_info", "typed_routes"]

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
    close_codes: Mapping[int, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)
    """Close codes the application itself closes with, each with its meaning (the decorator's `close_codes=`)."""
    handshake: tuple[HandshakeParameter, ...] = field(default=(), hash=False)
    """What a client gives when it connects: path segments, query parameters, headers, cookies.

    Read from the route, so it is filled in by `typed_routes` (an endpoint may be served at several paths).
    """
    security: tuple[SecurityRequirement, ...] = field(default=(), hash=False)
    """The credentials the route asks for (FastAPI's security dependencies); filled in by `typed_routes`."""
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


def checked_close_codes(close_codes: object) -> Mapping[int, str]:
    """A read-only copy of an endpoint's declared close codes, once checked; `TypeError`/`ValueError` for bad ones.

    A code is one an application may send: 1000–4999 but not 1004–1006 or 1015 (RFC 6455 reserves them).
    """
    if close_codes is None:
        return MappingProxyType({})
    if not isinstance(close_codes, Mapping):
        raise TypeError(f"close_codes must map close codes to their meanings, like {_EXAMPLE}; got {close_codes!r}")
    codes = cast("Mapping[object, object]", close_codes)
    for code, meaning in codes.items():
        if not isinstance(code, int) or isinstance(code, bool) or not isinstance(meaning, str):
            raise TypeError(f"close_codes must map ints to strings, like {_EXAMPLE}; got {code!r}: {meaning!r}")
        if not 1000 <= code <= 4999 or code in _RESERVED_CLOSE_CODES:
            raise ValueError(f"{code} is not a close code an application may send (1000-4999, not 1004-1006 or 1015)")
    checked = {code: meaning for code, meaning in codes.items() if isinstance(code, int) and isinstance(meaning, str)}
    return MappingProxyType(dict(sorted(checked.items())))


_RESERVED_CLOSE_CODES = frozenset({1004, 1005, 1006, 1015})
_EXAMPLE = "{4001: 'unknown room'}"


def endpoint_info(endpoint: object) -> EndpointInfo | None:
    """The `EndpointInfo` of a typed endpoint or listener, or `None` for anything else."""
    info = getattr(endpoint, INFO_ATTRIBUTE, None)
    return info if isinstance(info, EndpointInfo) else None


def typed_routes(app: Any) -> Iterator[tuple[str, EndpointInfo]]:
    """Yield `(path, info)` for every typed WebSocket route of a Starlette or FastAPI app.

    Mounted apps and routers are walked; paths carry their mount prefixes and
    path parameters as written (`/rooms/{room}`). `app` is anything with a
    `routes` list (an app, a router, a `Mount`). Each `info` carries the
    route's `handshake` and `security`.
    """
    yield from _walk(getattr(app, "routes", []), "")


def _walk(routes: list[BaseRoute], prefix: str) -> Iterator[tuple[str, EndpointInfo]]:
    for path, route, dependant in _effective_routes(routes):
        info = endpoint_info(getattr(route, "endpoint", None))
        if info is not None:
            handshake, security = read_handshake(prefix + path, dependant)
            yield prefix + path, replace(info, handshake=handshake, security=security)
        elif isinstance(route, Mount):
            yield from _walk(route.routes, prefix + route.path)
        elif isinstance(route, Host):
            yield from _walk(route.routes, prefix)


def _effective_routes(routes: list[BaseRoute]) -> Iterator[tuple[str, BaseRoute, Any]]:
    """`(path, route, FastAPI's dependant or None)` for each route; FastAPI (0.16x) includes a router as one route."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # no FastAPI, or one that copies included routes
        for route in routes:
            yield getattr(route, "path", ""), route, getattr(route, "dependant", None)
        return
    for context in iter_route_contexts(routes):
        # The context's dependant holds its routers' dependencies too.
        yield context.path or "", context.original_route, getattr(context, "dependant", None)
