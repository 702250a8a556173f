"""`listener`: a typed WebSocket endpoint that calls a function for every message and sends what it returns.

```python
@typedws.listener
async def echo(say: Say) -> Said | None:
    return Said(text=say.text)
```
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from types import MethodType
from typing import Any, overload

from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketState
from typing_extensions import Never, TypeVar, Unpack

from .._errors import MessageError
from .._options import DEFAULT_MAX_SIZE, CaughtCloseCodes
from .._websocket import WebSocket
from ._route import EndpointOptions, TypedRoute
from ._signatures import defined_in_class, read_listener

__all__ = ["Listener", "ListenerDecorator", "listener"]

InT = TypeVar("InT", covariant=True)
OutT = TypeVar("OutT", contravariant=True)
_I = TypeVar("_I")
_O = TypeVar("_O")
_A = TypeVar("_A")
_F = TypeVar("_F", bound=Callable[..., Any])


class Listener(TypedRoute[InT, OutT]):
    """A WebSocket endpoint that calls `on_message` for every received `InT` and sends what it returns.

    Made by `typedws.listener`. The connection is accepted first; then
    `on_connect` runs (if set), then every message goes to `on_message`, whose
    non-`None` result is sent. A bad message goes to `on_error` (if set), whose
    non-`None` result answers it; otherwise the connection closes with the
    error's code. `on_disconnect` runs once the accepted connection has ended,
    for any reason, with the close code.

    A listener written in a class body (`on_message` and its hooks taking
    `self` first) is reached through an instance (`room.chat`), which binds
    them all.
    """

    def __init__(
        self,
        on_message: Callable[..., Awaitable[OutT | None]],
        **options: Unpack[EndpointOptions],
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
            method=read.method,
            **options,
        )

    def _bound_to(self, instance: object) -> Callable[..., Awaitable[OutT | None]]:
        self._on_message = MethodType(self._on_message, instance)
        self._on_connect = _bound_hook(self._on_connect, instance)
        self._on_disconnect = _bound_hook(self._on_disconnect, instance)
        self._on_error = _bound_hook(self._on_error, instance)
        return self._on_message

    def _register(self, hook: _F) -> _F:
        if self._instance is not None:
            raise TypeError(
                f"register the hooks of {self.__qualname__}() in its class body: this listener is an instance's copy"
            )
        if not inspect.iscoroutinefunction(hook):
            raise TypeError(f"the hook {getattr(hook, '__qualname__', hook)!r} must be an `async def` function")
        return hook

    @overload
    def on_connect(
        self, hook: Callable[[WebSocket[InT, OutT]], Awaitable[None]], /
    ) -> Callable[[WebSocket[InT, OutT]], Awaitable[None]]: ...
    @overload
    def on_connect(
        self, hook: Callable[[_A, WebSocket[InT, OutT]], Awaitable[None]], /
    ) -> Callable[[_A, WebSocket[InT, OutT]], Awaitable[None]]: ...  # a method, in the listener's class body
    def on_connect(self, hook: Callable[..., Awaitable[None]], /) -> Callable[..., Awaitable[None]]:
        """Register `async def hook(ws)`, run once the connection is accepted (it may send or close)."""
        self._on_connect = self._register(hook)
        return hook

    @overload
    def on_disconnect(
        self, hook: Callable[[WebSocket[InT, OutT], int], Awaitable[None]], /
    ) -> Callable[[WebSocket[InT, OutT], int], Awaitable[None]]: ...
    @overload
    def on_disconnect(
        self, hook: Callable[[_A, WebSocket[InT, OutT], int], Awaitable[None]], /
    ) -> Callable[[_A, WebSocket[InT, OutT], int], Awaitable[None]]: ...  # a method, in the listener's class body
    def on_disconnect(self, hook: Callable[..., Awaitable[None]], /) -> Callable[..., Awaitable[None]]:
        """Register `async def hook(ws, code)`, run once the accepted connection has ended, with its close code."""
        self._on_disconnect = self._register(hook)
        return hook

    @overload
    def on_error(
        self, hook: Callable[[WebSocket[InT, OutT], MessageError], Awaitable[OutT | None]], /
    ) -> Callable[[WebSocket[InT, OutT], MessageError], Awaitable[OutT | None]]: ...
    @overload
    def on_error(
        self, hook: Callable[[_A, WebSocket[InT, OutT], MessageError], Awaitable[OutT | None]], /
    ) -> Callable[[_A, WebSocket[InT, OutT], MessageError], Awaitable[OutT | None]]: ...  # a method
    def on_error(self, hook: Callable[..., Awaitable[Any]], /) -> Callable[..., Awaitable[Any]]:
        """Register `async def hook(ws, error) -> Out | None`, called for each bad message.

        A returned value is sent and the connection stays open; `None` closes
        the connection with `error.close_code`.
        """
        self._on_error = self._register(hook)
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


def _bound_hook(hook: _F | None, instance: object) -> _F | None:
    """A hook written in the listener's class body, bound to `instance`; any other hook as it is."""
    if hook is None or not defined_in_class(hook):
        return hook
    bound: _F = MethodType(hook, instance)  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    return bound


class ListenerDecorator:
    """`typedws.listener`: makes a `Listener` of `async def on_message(msg: In[, ws]) -> Out | None`.

    `In` is read from the message parameter; `Out` from the return annotation
    (without `None`) or, for `-> None` (a listener that never replies), from
    the connection's annotation, else text. Each received message is passed
    to `on_message`; a returned value is sent, `None` sends nothing. Hooks are
    registered on the result: `@chat.on_connect`, `@chat.on_disconnect`,
    `@chat.on_error`. Use bare (`@listener`) or with options
    (`@listener(caught_close_codes=..., max_size=..., close_codes=...)`);
    `close_codes` maps the close codes the hooks use to their meanings, for
    the message docs (`{4001: "unknown room"}`). Raises `TypeError` at
    decoration for a function of another shape, and for a connection
    annotated with other types than the message's and the reply's.
    """

    def __init__(self, **options: Unpack[EndpointOptions]) -> None:
        self.options: EndpointOptions = options
        """The options of the listeners made (`EndpointOptions`: none means the defaults)."""
        self.caught_close_codes: CaughtCloseCodes | None = options.get("caught_close_codes")
        """The `caught_close_codes` of the listeners made (`None`: the default, `"all"`)."""
        self.max_size: int | None = options.get("max_size", DEFAULT_MAX_SIZE)
        """The `max_size` of the listeners made."""
        self.close_codes: Mapping[int, str] | None = options.get("close_codes")
        """The `close_codes` of the listeners made: the codes their hooks close with, and what each means."""

    # A `-> None` function matches the overload after it too: the first match wins, as meant.
    @overload
    def __call__(  # type: ignore[overload-overlap]
        self, on_message: Callable[[_I], Awaitable[None]], /
    ) -> Listener[_I, str]: ...  # never replies
    @overload
    def __call__(self, on_message: Callable[[_I], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...  # replies
    @overload
    def __call__(
        self, on_message: Callable[[_I, WebSocket[_I, _O]], Awaitable[_O | None]], /
    ) -> Listener[_I, _O]: ...  # takes the connection
    @overload
    def __call__(  # type: ignore[overload-overlap]
        self, on_message: Callable[[_A, _I], Awaitable[None]], /
    ) -> Listener[_I, str]: ...  # a method that never replies
    @overload
    def __call__(self, on_message: Callable[[_A, _I], Awaitable[_O | None]], /) -> Listener[_I, _O]: ...  # a method
    @overload
    def __call__(
        self, on_message: Callable[[_A, _I, WebSocket[_I, _O]], Awaitable[_O | None]], /
    ) -> Listener[_I, _O]: ...  # a method that takes the connection
    @overload
    def __call__(
        self, /, **options: Unpack[EndpointOptions]
    ) -> ListenerDecorator: ...  # options: `@listener(max_size=...)`
    def __call__(
        self,
        on_message: Callable[..., Awaitable[Any]] | None = None,
        /,
        **options: Unpack[EndpointOptions],
    ) -> Listener[Any, Any] | ListenerDecorator:
        """Make the listener of `on_message`, or, given options instead, a decorator that makes listeners with them."""
        if on_message is None:
            return ListenerDecorator(**options)
        return Listener[Any, Any](on_message, **self.options)


listener: ListenerDecorator = ListenerDecorator()
"""Make a typed WebSocket listener: `@listener`, or with options: `@listener(max_size=..., close_codes=...)`."""
