"""Schema-typed handlers: `endpoint` and `listener` read `In` and `Out` from annotations.

```python
@typedws.endpoint
async def chat(ws: WebSocket[Command, Event]) -> None:
    async with ws:
        async for command in ws:
            await ws.send(Event(...))

app = Starlette(routes=[WebSocketRoute("/chat", chat)])
```

What the decorators return is at once a raw ASGI app (what Starlette's
`WebSocketRoute` calls) and a FastAPI endpoint (`@app.websocket(...)` stacked
on top), whose signature shows FastAPI the handler's other parameters.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Generic, Literal, Protocol, overload

from starlette import status
from starlette.exceptions import WebSocketException
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketDisconnect
from typing_extensions import Concatenate, Never, ParamSpec, TypeVar

from ._annotations import read_endpoint, read_listener
from ._codecs import Codec
from ._errors import MessageError
from ._metadata import INFO_ATTRIBUTE, EndpointInfo
from ._websocket import DEFAULT_CAUGHT_CLOSE_CODES, DEFAULT_MAX_SIZE, WebSocket

__all__ = ["Endpoint", "Listener", "endpoint", "listener"]

logger = logging.getLogger("typedws")

InT = TypeVar("InT", covariant=True)
OutT = TypeVar("OutT", contravariant=True)
_I = TypeVar("_I")
_O = TypeVar("_O")
_P = ParamSpec("_P")


class _TypedRoute(Generic[InT, OutT]):
    """The ASGI and FastAPI face shared by `Endpoint` and `Listener`."""

    info: EndpointInfo
    """What the endpoint receives and sends, its options and its docstring."""
    __name__: str
    """The handler's name (Starlette names routes after it)."""

    def _bind(
        self,
        handler: Callable[..., Awaitable[object]],
        *,
        kind: Literal["endpoint", "listener"],
        receive_codec: Codec[InT],
        send_codec: Codec[OutT],
        parameter: str,
        framework_signature: inspect.Signature,
        caught_close_codes: Iterable[int] | None,
        max_size: int | None,
    ) -> None:
        if max_size is not None and max_size <= 0:
            raise ValueError(f"max_size must be a positive number of bytes or None, got {max_size!r}")
        functools.update_wrapper(self, handler)
        self._receive_codec = receive_codec
        self._send_codec = send_codec
        self._parameter = parameter
        self._caught_close_codes = frozenset(
            DEFAULT_CAUGHT_CLOSE_CODES if caught_close_codes is None else caught_close_codes
        )
        self._max_size = max_size
        self.info = EndpointInfo(
            name=handler.__name__,
            description=inspect.getdoc(handler),
            kind=kind,
            receive_codec=receive_codec,
            send_codec=send_codec,
            caught_close_codes=self._caught_close_codes,
            max_size=max_size,
        )
        setattr(self, INFO_ATTRIBUTE, self.info)
        # FastAPI reads this to inject the handler's parameters; it hands over a Starlette WebSocket.
        self.__signature__ = framework_signature

    def __repr__(self) -> str:
        info = self.info
        return f"<typedws {info.kind} {info.name} receive={info.receive_codec.name} send={info.send_codec.name}>"

    @overload
    async def __call__(self, scope: Scope, receive: Receive, send: Send, /) -> None: ...
    @overload
    async def __call__(self, /, **arguments: Any) -> None: ...
    async def __call__(self, /, *asgi: Any, **arguments: Any) -> None:
        """Serve one connection: as an ASGI app `(scope, receive, send)`, or as FastAPI calls it (keywords)."""
        if not arguments:
            scope, receive, send = asgi
            await self._serve(self._connect(scope, receive, send), {})
            return
        websocket = arguments[self._parameter]
        if not isinstance(websocket, StarletteWebSocket):
            raise TypeError(f"{self.info.name} expects a starlette WebSocket as {self._parameter!r}")
        # Built on the raw ASGI callables: Starlette's per-message state tracking is redundant here.
        ws = self._connect(websocket.scope, websocket._receive, websocket._send)
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
            caught_close_codes=self._caught_close_codes,
            max_size=self._max_size,
        )

    async def _serve(self, ws: WebSocket[InT, OutT], arguments: dict[str, Any]) -> None:
        try:
            await self._run(ws, arguments)
        except BaseException as exc:
            if await _finish(ws, exc):
                raise
        else:
            await ws.ensure_closed()

    async def _run(self, ws: WebSocket[InT, OutT], arguments: dict[str, Any]) -> None:
        raise NotImplementedError


async def _finish(ws: WebSocket[Any, Any], exc: BaseException) -> bool:
    """Close `ws` as `exc` calls for; return whether `exc` must propagate (for the server to log it)."""
    if isinstance(exc, WebSocketDisconnect):  # the peer has left, whatever its code
        await ws.ensure_closed()
        return False
    if isinstance(exc, MessageError):
        logger.debug("closing %r with %d: %s", ws, exc.close_code, exc)
        await ws.ensure_closed(exc.close_code, exc.reason)
        return False
    if isinstance(exc, WebSocketException):  # Starlette's way to close with a chosen code
        await ws.ensure_closed(exc.code, exc.reason)
        return False
    if isinstance(exc, Exception):
        await ws.ensure_closed(status.WS_1011_INTERNAL_ERROR, "internal error")
    else:  # cancelled, or the process is stopping
        await ws.ensure_closed(status.WS_1001_GOING_AWAY)
    return True


def _close_code(exc: BaseException) -> int:
    """The close code a connection ended with when `exc` ended its handler."""
    if isinstance(exc, WebSocketDisconnect):
        return exc.code
    if isinstance(exc, MessageError):
        return exc.close_code
    if isinstance(exc, WebSocketException):
        return exc.code
    return status.WS_1011_INTERNAL_ERROR if isinstance(exc, Exception) else status.WS_1001_GOING_AWAY


class Endpoint(_TypedRoute[InT, OutT]):
    """A WebSocket endpoint whose connection is a `WebSocket[InT, OutT]` read from the handler's annotation.

    Made by `typedws.endpoint`. The handler decides when to accept (`async with
    ws:` or `await ws.accept()`), so it may refuse the handshake. When it returns
    or raises, the connection is closed if still open: a `MessageError` closes
    with its code, a disconnect ends quietly, and any other exception closes
    with 1011 and propagates for the server to log.

    Used in Starlette as `WebSocketRoute(path, endpoint)`, in FastAPI under
    `@app.websocket(path)`, where FastAPI fills the handler's other parameters.
    `info` holds the types, options and docstring.
    """

    def __init__(
        self,
        handler: Callable[..., Awaitable[None]],
        *,
        caught_close_codes: Iterable[int] | None = None,
        max_size: int | None = DEFAULT_MAX_SIZE,
    ) -> None:
        read = read_endpoint(handler)
        self._handler = handler
        self._other_required = read.other_required
        self._bind(
            handler,
            kind="endpoint",
            receive_codec=read.receive_codec,
            send_codec=read.send_codec,
            parameter=read.parameter,
            framework_signature=read.framework_signature,
            caught_close_codes=caught_close_codes,
            max_size=max_size,
        )

    async def _run(self, ws: WebSocket[InT, OutT], arguments: dict[str, Any]) -> None:
        if not arguments:
            if self._other_required:
                raise TypeError(
                    f"{self.info.name}() takes {', '.join(self._other_required)}, which only FastAPI fills in;"
                    " under Starlette the handler gets just the connection"
                )
            arguments = {self._parameter: ws}
        await self._handler(**arguments)


class Listener(_TypedRoute[InT, OutT]):
    """A WebSocket endpoint that calls `on_message` for every received `InT` and sends what it returns.

    Made by `typedws.listener`. The connection is accepted first; then
    `on_connect` runs (if set), then every message goes to `on_message`, whose
    non-`None` result is sent. A bad message goes to `on_error` (if set), whose
    non-`None` result answers it; otherwise the connection closes with the
    error's code. `on_disconnect` runs once the connection has ended, for any
    reason, with the close code.
    """

    def __init__(
        self,
        on_message: Callable[..., Awaitable[OutT | None]],
        *,
        caught_close_codes: Iterable[int] | None = None,
        max_size: int | None = DEFAULT_MAX_SIZE,
    ) -> None:
        read = read_listener(on_message)
        self._on_message = on_message
        self._takes_websocket = read.takes_websocket
        self._on_connect: Callable[[WebSocket[InT, OutT]], Awaitable[None]] | None = None
        self._on_disconnect: Callable[[WebSocket[InT, OutT], int], Awaitable[None]] | None = None
        self._on_error: Callable[[WebSocket[InT, OutT], MessageError], Awaitable[OutT | None]] | None = None
        connection = inspect.Parameter("websocket", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=StarletteWebSocket)
        self._bind(
            on_message,
            kind="listener",
            receive_codec=read.receive_codec,
            send_codec=read.send_codec,
            parameter=connection.name,
            framework_signature=inspect.Signature([connection], return_annotation=None),
            caught_close_codes=caught_close_codes,
            max_size=max_size,
        )

    def on_connect(
        self, hook: Callable[[WebSocket[InT, OutT]], Awaitable[None]]
    ) -> Callable[[WebSocket[InT, OutT]], Awaitable[None]]:
        """Register `async def hook(ws)`, run once the connection is accepted (it may send or close)."""
        self._on_connect = hook
        return hook

    def on_disconnect(
        self, hook: Callable[[WebSocket[InT, OutT], int], Awaitable[None]]
    ) -> Callable[[WebSocket[InT, OutT], int], Awaitable[None]]:
        """Register `async def hook(ws, code)`, run once the accepted connection has ended, with its close code."""
        self._on_disconnect = hook
        return hook

    def on_error(
        self, hook: Callable[[WebSocket[InT, OutT], MessageError], Awaitable[OutT | None]]
    ) -> Callable[[WebSocket[InT, OutT], MessageError], Awaitable[OutT | None]]:
        """Register `async def hook(ws, error) -> Out | None`, called for each bad message.

        A returned value is sent and the connection stays open; `None` closes
        the connection with `error.close_code`.
        """
        self._on_error = hook
        return hook

    async def _run(self, ws: WebSocket[InT, OutT], arguments: dict[str, Any]) -> None:
        await ws.accept()
        try:
            await self._listen(ws)
        except BaseException as exc:
            if self._on_disconnect is None:
                raise
            must_raise = await _finish(ws, exc)
            await self._on_disconnect(ws, _close_code(exc))
            if must_raise:
                raise

    async def _listen(self, ws: WebSocket[InT, OutT]) -> Never:
        if self._on_connect is not None:
            await self._on_connect(ws)
        receive, send, on_message = ws.receive, ws.send, self._on_message
        extra = (ws,) if self._takes_websocket else ()
        while True:
            try:
                message = await receive()
            except MessageError as error:
                if self._on_error is None:
                    raise
                reply = await self._on_error(ws, error)
                if reply is None:
                    raise
            else:
                reply = await on_message(message, *extra)
            if reply is not None:
                await send(reply)


class EndpointDecorator(Protocol):
    """What `endpoint(caught_close_codes=..., max_size=...)` returns: a decorator making an `Endpoint`."""

    @overload
    def __call__(
        self, handler: Callable[Concatenate[WebSocket[_I, _O], _P], Awaitable[None]], /
    ) -> Endpoint[_I, _O]: ...
    @overload
    def __call__(self, handler: Callable[..., Awaitable[None]], /) -> Endpoint[object, Never]: ...


class ListenerDecorator(Protocol):
    """What `listener(caught_close_codes=..., max_size=...)` returns: a decorator making a `Listener`."""

    @overload
    def __call__(self, on_message: Callable[[_I], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...
    @overload
    def __call__(
        self, on_message: Callable[[_I, WebSocket[_I, _O]], Awaitable[_O | None]], /
    ) -> Listener[_I, _O]: ...


@overload
def endpoint(handler: Callable[Concatenate[WebSocket[_I, _O], _P], Awaitable[None]], /) -> Endpoint[_I, _O]: ...
@overload
def endpoint(handler: Callable[..., Awaitable[None]], /) -> Endpoint[object, Never]: ...
@overload
def endpoint(
    *, caught_close_codes: Iterable[int] | None = None, max_size: int | None = DEFAULT_MAX_SIZE
) -> EndpointDecorator: ...
def endpoint(
    handler: Callable[..., Awaitable[None]] | None = None,
    /,
    *,
    caught_close_codes: Iterable[int] | None = None,
    max_size: int | None = DEFAULT_MAX_SIZE,
) -> Endpoint[Any, Any] | EndpointDecorator:
    """Make a typed WebSocket endpoint of `async def handler(ws: WebSocket[In, Out], ...) -> None`.

    `In` and `Out` are read from the annotation once, here (`str` is text,
    `bytes` is binary, `Any` is any JSON, anything else is validated by
    Pydantic). Use bare (`@endpoint`) or with options
    (`@endpoint(caught_close_codes=..., max_size=...)`). Raises `TypeError`
    for a handler without a `WebSocket` parameter or with a type Pydantic
    cannot validate. mypy sees `In` and `Out` when the connection is the
    first parameter.
    """
    if handler is not None:
        return Endpoint(handler)

    def decorate(handler: Callable[..., Awaitable[None]], /) -> Endpoint[Any, Any]:
        return Endpoint(handler, caught_close_codes=caught_close_codes, max_size=max_size)

    return decorate


@overload
def listener(on_message: Callable[[_I], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...
@overload
def listener(on_message: Callable[[_I, WebSocket[_I, _O]], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...
@overload
def listener(
    *, caught_close_codes: Iterable[int] | None = None, max_size: int | None = DEFAULT_MAX_SIZE
) -> ListenerDecorator: ...
def listener(
    on_message: Callable[..., Awaitable[Any]] | None = None,
    /,
    *,
    caught_close_codes: Iterable[int] | None = None,
    max_size: int | None = DEFAULT_MAX_SIZE,
) -> Listener[Any, Any] | ListenerDecorator:
    """Make a typed WebSocket endpoint of `async def on_message(msg: In[, ws]) -> Out | None`.

    `In` is read from the message parameter, `Out` from the return annotation
    (without `None`). Each received message is passed to `on_message`; a
    returned value is sent, `None` sends nothing. Hooks are registered on the
    result: `@chat.on_connect`, `@chat.on_disconnect`, `@chat.on_error`.
    """
    if on_message is not None:
        return Listener(on_message)

    def decorate(on_message: Callable[..., Awaitable[Any]], /) -> Listener[Any, Any]:
        return Listener(on_message, caught_close_codes=caught_close_codes, max_size=max_size)

    return decorate
