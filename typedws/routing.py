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

import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol, overload

from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketState
from typing_extensions import Concatenate, Never, ParamSpec, TypeVar

from ._annotations import read_endpoint, read_listener
from ._errors import MessageError
from ._typed_route import TypedRoute
from ._websocket import DEFAULT_MAX_SIZE, WebSocket

__all__ = ["Endpoint", "EndpointDecorator", "Listener", "ListenerDecorator", "endpoint", "listener"]

InT = TypeVar("InT", covariant=True)
OutT = TypeVar("OutT", contravariant=True)
_I = TypeVar("_I")
_O = TypeVar("_O")
_P = ParamSpec("_P")


class Endpoint(TypedRoute[InT, OutT]):
    """A WebSocket endpoint whose connection is a `WebSocket[InT, OutT]` read from the handler's annotation.

    Made by `typedws.endpoint`. The handler decides when to accept (`async with
    ws:` or `await ws.accept()`), so it may refuse the handshake. When it returns
    or raises, the connection is closed if still open, by `WebSocket.end`'s
    rules: a `MessageError` closes with its code, a disconnect ends quietly,
    and any other exception closes with 1011 and propagates for the server to log.

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


class Listener(TypedRoute[InT, OutT]):
    """A WebSocket endpoint that calls `on_message` for every received `InT` and sends what it returns.

    Made by `typedws.listener`. The connection is accepted first; then
    `on_connect` runs (if set), then every message goes to `on_message`, whose
    non-`None` result is sent. A bad message goes to `on_error` (if set), whose
    non-`None` result answers it; otherwise the connection closes with the
    error's code. `on_disconnect` runs once the accepted connection has ended,
    for any reason, with the close code.
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
        if ws.application_state is WebSocketState.CONNECTING:  # a FastAPI dependency may have accepted it
            await ws.accept()
        try:
            await self._listen(ws)
        except BaseException as exc:
            if self._on_disconnect is None:
                raise
            code, must_raise = await ws.end(exc)
            await self._on_disconnect(ws, code)
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
