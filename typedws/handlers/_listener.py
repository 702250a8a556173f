"""`listener`: a typed WebSocket endpoint that calls a function for every message and sends what it returns.

```python
@typedws.listener
async def echo(say: Say) -> Said | None:
    return Said(text=say.text)
```
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, overload

from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketState
from typing_extensions import Concatenate, Never, ParamSpec, TypeVar, Unpack

from .._errors import MessageError
from .._options import ConnectionOptions
from .._websocket import WebSocket
from ._route import TypedRoute
from ._signatures import read_listener

__all__ = ["Listener", "ListenerDecorator", "listener"]

InT = TypeVar("InT", covariant=True)
OutT = TypeVar("OutT", contravariant=True)
_I = TypeVar("_I")
_O = TypeVar("_O")
_P = ParamSpec("_P")


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
        **options: Unpack[ConnectionOptions],
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
            **options,
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
            ending = await ws.end(exc)
            await self._on_disconnect(ws, ending.code)
            if ending.propagate:
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


class ListenerDecorator(Protocol):
    """What `listener(caught_close_codes=..., max_size=...)` returns: a decorator making a `Listener`."""

    @overload
    def __call__(self, on_message: Callable[[_I], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...
    @overload
    def __call__(
        self, on_message: Callable[[_I, WebSocket[_I, _O]], Awaitable[_O | None]], /
    ) -> Listener[_I, _O]: ...


@overload
def listener(on_message: Callable[[_I], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...
@overload
def listener(on_message: Callable[[_I, WebSocket[_I, _O]], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...
@overload
def listener(**options: Unpack[ConnectionOptions]) -> ListenerDecorator: ...
def listener(
    on_message: Callable[..., Awaitable[Any]] | None = None,
    /,
    **options: Unpack[ConnectionOptions],
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
        return Listener(on_message, **options)

    return decorate
