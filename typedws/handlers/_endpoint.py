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
from collections.abc import Awaitable, Callable, Mapping
from types import MethodType
from typing import Any, overload

from pydantic import TypeAdapter, ValidationError
from starlette.exceptions import WebSocketException
from starlette.status import WS_1008_POLICY_VIOLATION
from typing_extensions import Concatenate, ParamSpec, TypeVar, Unpack

from .._options import DEFAULT_MAX_SIZE, CaughtCloseCodes
from .._websocket import WebSocket
from ._route import EndpointOptions, TypedRoute
from ._signatures import read_endpoint

__all__ = ["Endpoint", "EndpointDecorator", "endpoint"]

InT = TypeVar("InT", covariant=True)
OutT = TypeVar("OutT", contravariant=True)
_I = TypeVar("_I")
_O = TypeVar("_O")
_A = TypeVar("_A")
_B = TypeVar("_B")
_C = TypeVar("_C")
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
    The endpoint of a method is reached through an instance (`room.chat`).
    `info` holds the types, options and docstring.
    """

    def __init__(
        self,
        handler: Callable[..., Awaitable[None]],
        **options: Unpack[EndpointOptions],
    ) -> None:
        read = read_endpoint(handler)
        self._handler = handler
        self._others = read.others
        self._path_adapters: dict[str, TypeAdapter[object]] = {}
        self._bind(
            handler,
            kind="endpoint",
            receive_codec=read.receive_codec,
            send_codec=read.send_codec,
            parameter=read.parameter,
            framework_signature=read.framework_signature,
            method=read.method,
            **options,
        )

    def _bound_to(self, instance: object) -> Callable[..., Awaitable[None]]:
        self._handler = MethodType(self._handler, instance)
        return self._handler

    async def _run(self, ws: WebSocket[InT, OutT], arguments: dict[str, Any]) -> None:
        await self._handler(**(arguments or self._starlette_arguments(ws)))

    def _starlette_arguments(self, ws: WebSocket[InT, OutT]) -> dict[str, Any]:
        """The handler's arguments without FastAPI: the connection, and what the route's path provides.

        A path parameter is validated into its parameter's type (`room: int`);
        a value that does not fit refuses the handshake (1008).
        """
        arguments: dict[str, Any] = {self._parameter: ws}
        path_params = ws.path_params
        for parameter in self._others:
            if parameter.name in path_params:
                arguments[parameter.name] = self._path_value(parameter, path_params[parameter.name])
            elif parameter.default is parameter.empty:
                raise TypeError(
                    f"{self.info.name}() takes {parameter.name}, which is not a path parameter of its route;"
                    " only FastAPI fills in other parameters"
                )
        return arguments

    def _path_value(self, parameter: inspect.Parameter, value: object) -> object:
        if parameter.annotation is parameter.empty:
            return value
        adapter = self._path_adapters.get(parameter.name)
        if adapter is None:  # built once, on first use: FastAPI's parameters need no adapter
            adapter = self._path_adapters[parameter.name] = TypeAdapter(parameter.annotation)
        try:
            return adapter.validate_python(value)
        except ValidationError:
            raise WebSocketException(WS_1008_POLICY_VIOLATION, f"invalid path parameter {parameter.name!r}") from None


class EndpointDecorator:
    """`typedws.endpoint`: makes an `Endpoint` of `async def handler(..., ws: WebSocket[In, Out], ...) -> None`.

    `In` and `Out` are read from the connection's annotation once, at
    decoration (`str` is text, `bytes` is binary, `Any` is any JSON,
    anything else is validated by Pydantic). Use bare (`@endpoint`) or with
    options (`@endpoint(caught_close_codes=..., max_size=..., close_codes=...)`);
    `close_codes` maps the close codes the handler itself uses to their
    meanings, for the message docs (`{4001: "unknown room"}`). Raises
    `TypeError` for a handler without a `WebSocket` parameter or with a type
    Pydantic cannot validate. Type checkers see `In` and `Out` when the
    connection is one of the first four parameters (a method's `self`, or
    FastAPI's path parameters, may come before it).
    """

    def __init__(self, **options: Unpack[EndpointOptions]) -> None:
        self.options: EndpointOptions = options
        """The options of the endpoints made (`EndpointOptions`: none means the defaults)."""
        self.caught_close_codes: CaughtCloseCodes | None = options.get("caught_close_codes")
        """The `caught_close_codes` of the endpoints made (`None`: the default, `"all"`)."""
        self.max_size: int | None = options.get("max_size", DEFAULT_MAX_SIZE)
        """The `max_size` of the endpoints made."""
        self.close_codes: Mapping[int, str] | None = options.get("close_codes")
        """The `close_codes` of the endpoints made: the codes their handlers close with, and what each means."""

    @overload
    def __call__(
        self, handler: Callable[Concatenate[WebSocket[_I, _O], _P], Awaitable[None]], /
    ) -> Endpoint[_I, _O]: ...  # the connection first
    @overload
    def __call__(
        self, handler: Callable[Concatenate[_A, WebSocket[_I, _O], _P], Awaitable[None]], /
    ) -> Endpoint[_I, _O]: ...  # second: after a method's `self`, or a path parameter
    @overload
    def __call__(
        self, handler: Callable[Concatenate[_A, _B, WebSocket[_I, _O], _P], Awaitable[None]], /
    ) -> Endpoint[_I, _O]: ...  # third
    @overload
    def __call__(
        self, handler: Callable[Concatenate[_A, _B, _C, WebSocket[_I, _O], _P], Awaitable[None]], /
    ) -> Endpoint[_I, _O]: ...  # fourth
    @overload
    def __call__(
        self, /, **options: Unpack[EndpointOptions]
    ) -> EndpointDecorator: ...  # options: `@endpoint(max_size=...)`
    def __call__(
        self,
        handler: Callable[..., Awaitable[None]] | None = None,
        /,
        **options: Unpack[EndpointOptions],
    ) -> Endpoint[Any, Any] | EndpointDecorator:
        """Make the endpoint of `handler`, or, given options instead, a decorator that makes endpoints with them."""
        if handler is None:
            return EndpointDecorator(**options)
        return Endpoint[Any, Any](handler, **self.options)


endpoint: EndpointDecorator = EndpointDecorator()
"""Make a typed WebSocket endpoint: `@endpoint`, or with options: `@endpoint(max_size=..., close_codes=...)`."""
