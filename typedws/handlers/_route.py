"""The face a typed endpoint shows servers: a raw ASGI app and a FastAPI endpoint, and its lifecycle."""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Literal, cast

from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket as StarletteWebSocket
from typing_extensions import Self, TypeVar, Unpack

from .._codecs import Codec
from ..requests._correlation import DEFAULT_CORRELATION_FIELD
from .._options import (
    DEFAULT_MAX_SIZE,
    ConnectionOptions,
    checked_caught_codes,
    checked_max_size,
    checked_production_options,
)
from ._info import INFO_ATTRIBUTE, EndpointInfo, checked_close_codes
from .._websocket import WebSocket

__all__ = ["EndpointOptions", "TypedRoute"]

InT = TypeVar("InT", covariant=True)
OutT = TypeVar("OutT", contravariant=True)


class EndpointOptions(ConnectionOptions, total=False):
    """The options of `endpoint` and `listener`: a connection's (`ConnectionOptions`), and what the docs say of it."""

    close_codes: Mapping[int, str] | None
    """The close codes the handler itself closes with, each with its meaning, for the message docs
    (`{4001: "unknown room"}`)."""



def mark_coroutine_function(function: Callable[..., object]) -> None:
    """Let `function`, which returns a coroutine, pass for an `async def` with `inspect` and `asyncio`."""
    if sys.version_info >= (3, 12):
        inspect.markcoroutinefunction(function)
    else:  # the marker asyncio.iscoroutinefunction looks for before 3.12
        setattr(function, "_is_coroutine", getattr(asyncio.coroutines, "_is_coroutine"))  # noqa: B009, B010

class TypedRoute(Generic[InT, OutT]):
    """The ASGI and FastAPI face shared by `Endpoint` and `Listener`."""

    info: EndpointInfo
    """What the endpoint receives and sends, its options and its docstring."""
    __name__: str
    """The handler's name (Starlette names routes after it)."""
    __qualname__: str
    """The handler's qualified name."""
    __wrapped__: Callable[..., Awaitable[object]]
    """The handler (bound to its instance, for a method's endpoint reached through one)."""
    _method: bool = False
    """Whether the handler is a method: the endpoint then serves through an instance (`room.chat`)."""
    _instance: object = None
    """The instance a method endpoint is bound to."""

    def _bind(
        self,
        handler: Callable[..., Awaitable[object]],
        *,
        kind: Literal["endpoint", "listener", "responder"],
        receive_codec: Codec[InT],
        send_codec: Codec[OutT],
        parameter: str,
        framework_signature: inspect.Signature,
        method: bool = False,
        correlation_field: str = DEFAULT_CORRELATION_FIELD,
        name: str | None = None,
        description: str | None = None,
        close_codes: Mapping[int, str] | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None:
        """Take the handler's name and docstring (or `name` and `description`), options and codecs."""
        self._method = method
        self._caught_close_codes = checked_caught_codes(options.get("caught_close_codes"))
        self._max_size = checked_max_size(options.get("max_size", DEFAULT_MAX_SIZE))
        self._connection_options = checked_production_options(options)
        self._connection_options["caught_close_codes"] = self._caught_close_codes
        self._connection_options["max_size"] = self._max_size
        functools.update_wrapper(self, handler)
        if name is not None:
            self.__name__ = self.__qualname__ = name
            self.__doc__ = description
        self._receive_codec = receive_codec
        self._send_codec = send_codec
        self._parameter = parameter
        self.info = EndpointInfo(
            name=self.__name__,
            description=inspect.cleandoc(self.__doc__) if self.__doc__ else None,
            kind=kind,
            # The info describes any endpoint: its codecs are known to carry objects (Codec is invariant).
            receive_codec=cast("Codec[object]", receive_codec),
            send_codec=cast("Codec[object]", send_codec),
            caught_close_codes=self._caught_close_codes,
            max_size=self._max_size,
            correlation_field=correlation_field,
            close_codes=checked_close_codes(close_codes),
            heartbeat=self._connection_options.get("heartbeat", False),
        )
        setattr(self, INFO_ATTRIBUTE, self.info)
        # FastAPI reads this to inject the handler's parameters; it hands over a Starlette WebSocket.
        self.__signature__ = framework_signature

    def __repr__(self) -> str:
        info = self.info
        return f"<typedws {info.kind} {info.name} receive={info.receive_codec.name} send={info.send_codec.name}>"

    def __get__(self, instance: object, owner: type[Any] | None = None) -> Self:
        """The endpoint of a method, reached through an instance: it serves that instance's method.

        As a function in a class body becomes a bound method; an endpoint of
        a plain function is returned as it is.
        """
        if instance is None or not self._method:
            return self
        bound = copy.copy(self)
        bound._instance = instance
        bound.__wrapped__ = bound._bound_to(instance)
        return bound

    def _bound_to(self, instance: object) -> Callable[..., Awaitable[object]]:
        """Bind the handler (and hooks) of this copy to `instance`; return the bound handler."""
        raise NotImplementedError

    def _check_bound(self) -> None:
        if self._method and self._instance is None:
            owner = self.__qualname__.rpartition(".")[0]
            raise TypeError(
                f"{self.__qualname__}() is a method: route the endpoint of an instance,"
                f" such as `{owner}().{self.__name__}`, not the class's"
            )

    if TYPE_CHECKING:  # the face type checkers see: an ASGI app (FastAPI's keyword calls are no use to anyone else)

        async def __call__(self, scope: Scope, receive: Receive, send: Send, /) -> None:
            """Serve one connection, as an ASGI app."""

    else:

        def __call__(self, /, *asgi, **arguments):
            """Serve one connection: as an ASGI app `(scope, receive, send)`, or as FastAPI calls it (keywords).

            A plain function returning the coroutine, so that a call with no
            arguments fails at once: uvicorn, given an endpoint as its app,
            calls it so to tell an app from an app factory.
            """
            if not asgi and not arguments:
                raise TypeError(f"{self.__qualname__} is an ASGI app: call it with (scope, receive, send)")
            return self._call(asgi, arguments)

        mark_coroutine_function(__call__)

    async def _call(self, asgi: tuple[Any, ...], arguments: dict[str, Any]) -> None:
        self._check_bound()
        if not arguments:
            scope, receive, send = asgi
            if scope["type"] != "websocket":  # served as a whole app rather than through a route
                await _not_a_websocket(scope, receive, send)
                return
            await self._serve(self._connect(scope, receive, send), {})
            return
        websocket = arguments[self._parameter]
        if not isinstance(websocket, StarletteWebSocket):
            raise TypeError(f"{self.info.name} expects a starlette WebSocket as {self._parameter!r}")
        # Built on the raw ASGI callables: Starlette's per-message state tracking is redundant here.
        receive, send = websocket._receive, websocket._send  # pyright: ignore[reportPrivateUsage]
        ws = self._connect(websocket.scope, receive, send)
        # A dependency may have accepted the connection already.
        ws.client_state = websocket.client_state
        ws.application_state = websocket.application_state
        try:
            await self._serve(ws, {**arguments, self._parameter: ws})
        finally:  # keep FastAPI's view of the connection right for any exception handler after us
            websocket.client_state = ws.client_state
            websocket.application_state = ws.application_state

    def _connect(self, scope: Scope, receive: Receive, send: Send) -> WebSocket[InT, OutT]:
        return WebSocket(
            scope,
            receive,
            send,
            receive_type=self._receive_codec,
            send_type=self._send_codec,
            **self._connection_options,
        )

    async def _serve(self, ws: WebSocket[InT, OutT], arguments: dict[str, Any]) -> None:
        try:
            await self._run(ws, arguments)
        except BaseException as exc:
            if (await ws.end(exc)).propagate:
                raise
        else:
            await ws.ensure_closed()

    async def _run(self, ws: WebSocket[InT, OutT], arguments: dict[str, Any]) -> None:
        """Serve the connection: `arguments` are FastAPI's, or empty under plain ASGI."""
        raise NotImplementedError


async def _not_a_websocket(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer what an endpoint served as a whole app gets besides WebSockets: HTTP gets a 404, lifespan succeeds."""
    if scope["type"] == "http":
        await PlainTextResponse("Not Found", status_code=404)(scope, receive, send)
    elif scope["type"] == "lifespan":
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
