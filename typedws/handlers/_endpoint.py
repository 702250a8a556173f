"""`endpoint`: a typed WebSocket endpoint whose connection type is read from the handler's annotation.

```python
@typedws.endpoint
async def chat(ws: WebSocket[Command, Event]) -> None:
    async with ws:
        async for command in ws:
            await ws.send(Event(...))

app = Starlette(routes=[WebSocketRoute("/chat", chat)])
```
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, overload

from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketState
from typing_extensions import Concatenate, Never, ParamSpec, TypeVar, Unpack

from .._options import ConnectionOptions
from .._websocket import WebSocket
from ._route import TypedRoute
from ._signatures import read_endpoint

__all__ = ["Endpoint", "EndpointDecorator", "endpoint"]

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
        **options: Unpack[ConnectionOptions],
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
            **options,
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


class EndpointDecorator(Protocol):
    """What `endpoint(caught_close_codes=..., max_size=...)` returns: a decorator making an `Endpoint`."""

    @overload
    def __call__(
        self, handler: Callable[Concatenate[WebSocket[_I, _O], _P], Awaitable[None]], /
    ) -> Endpoint[_I, _O]: ...
    @overload
    def __call__(self, handler: Callable[..., Awaitable[None]], /) -> Endpoint[object, Never]: ...


@overload
def endpoint(handler: Callable[Concatenate[WebSocket[_I, _O], _P], Awaitable[None]], /) -> Endpoint[_I, _O]: ...
@overload
def endpoint(handler: Callable[..., Awaitable[None]], /) -> Endpoint[object, Never]: ...
@overload
def endpoint(**options: Unpack[ConnectionOptions]) -> EndpointDecorator: ...
def endpoint(
    handler: Callable[..., Awaitable[None]] | None = None,
    /,
    **options: Unpack[ConnectionOptions],
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
        return Endpoint(handler, **options)

    return decorate
