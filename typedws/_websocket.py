"""`WebSocket[In, Out]`: a connection that receives `In` values and sends `Out` values."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Generic, Literal, NoReturn, cast, overload

from anyio import fail_after
from anyio.lowlevel import checkpoint
from pydantic import GetCoreSchemaHandler, TypeAdapter
from starlette import status
from starlette.datastructures import URL, Address, Headers, QueryParams, State
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketState
from typing_extensions import Self, TypeVar, Unpack

from ._close import NORMAL_CLOSE_CODES, Ending, close_of, ending_of, next_value, stand_in_close, truncate_reason
from ._codecs import EVENT, Codec, ValueType, codec_for
from ._layers._telemetry import Telemetry
from ._errors import MessageError, WebSocketClosed, WebSocketDisconnect, WebSocketDisconnected
from ._frames import event_of, frame_of
from ._layers import layered
from ._logging import connection_id, log_fields
from ._options import (
    ALL_CLOSE_CODES,
    DEFAULT_MAX_SIZE,
    CaughtCloseCodes,
    ConnectionOptions,
    RateLimit,
    checked_caught_codes,
    checked_max_size,
)

__all__ = ["WebSocket"]

logger = logging.getLogger("typedws")

InT = TypeVar("InT", covariant=True, default=str)
OutT = TypeVar("OutT", contravariant=True, default=str)
_V = TypeVar("_V")
_R = TypeVar("_R")
_S = TypeVar("_S")

_SENDS_BETWEEN_PAUSES = 64
_CONNECTING = WebSocketState.CONNECTING
_CONNECTED = WebSocketState.CONNECTED
_RESPONSE = WebSocketState.RESPONSE
_DISCONNECTED = WebSocketState.DISCONNECTED

_SENDABLE: dict[WebSocketState, frozenset[str]] = {
    _CONNECTING: frozenset({"websocket.accept", "websocket.close", "websocket.http.response.start"}),
    _CONNECTED: frozenset({"websocket.send", "websocket.close"}),
    _RESPONSE: frozenset({"websocket.http.response.body"}),
    _DISCONNECTED: frozenset(),
}
"""The ASGI events the application may send in each of its states."""


class WebSocket(Mapping[str, Any], Generic[InT, OutT]):
    """A WebSocket connection that receives `InT` values and sends `OutT` values.

    `value_type` sets both directions; `receive_type` and `send_type` set one
    each (default `"text"`). Each is `"text"`, `"bytes"`, `"json"`, a class
    Pydantic validates (a model, dataclass or TypedDict) or a
    `pydantic.TypeAdapter` (for unions, `list[Model]`, discriminated unions),
    or a `Codec` of your own.

    Received JSON is validated straight from the frame; a bad message raises a
    `MessageError` whose `close_code` is the code the connection closes with
    when the error is not caught inside `async with ws:` or `async for`.

    ```python
    async def app(scope, receive, send):
        ws = WebSocket(scope, receive, send, receive_type=Command, send_type=Event)
        async with ws:
            async for command in ws:
                await ws.send(Event(...))
    ```
    """

    __slots__ = (
        "scope",
        "receive_codec",
        "send_codec",
        "caught_close_codes",
        "max_size",
        "client_state",
        "application_state",
        "_receive",
        "_send",
        "_decode",
        "_encode",
        "_events_in",
        "_events_out",
        "_connection",
        "_peer_left",
        "_close",
        "_sends_in_a_row",
    )

    # BEGIN GENERATED OVERLOADS: WebSocket.__init__
    @overload
    def __init__(
        self: WebSocket[bytes, bytes],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: Literal["bytes"],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # value_type="bytes"
    @overload
    def __init__(
        self: WebSocket[Any, Any],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: Literal["json"],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # value_type="json"
    @overload
    def __init__(
        self: WebSocket[Message, Message],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: Literal["event"],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # value_type="event"
    @overload
    def __init__(
        self: WebSocket[_V, _V],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: type[_V] | TypeAdapter[_V] | Codec[_V],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # value_type=a type
    @overload
    def __init__(
        self: WebSocket[str, str],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: Literal["text"] | None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="text" (default), send_type="text" (default)
    @overload
    def __init__(
        self: WebSocket[str, bytes],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["bytes"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="text" (default), send_type="bytes"
    @overload
    def __init__(
        self: WebSocket[str, Any],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["json"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="text" (default), send_type="json"
    @overload
    def __init__(
        self: WebSocket[str, Message],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["event"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="text" (default), send_type="event"
    @overload
    def __init__(
        self: WebSocket[str, _S],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="text" (default), send_type=a type
    @overload
    def __init__(
        self: WebSocket[bytes, str],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="bytes", send_type="text" (default)
    @overload
    def __init__(
        self: WebSocket[bytes, bytes],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="bytes", send_type="bytes"
    @overload
    def __init__(
        self: WebSocket[bytes, Any],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["json"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="bytes", send_type="json"
    @overload
    def __init__(
        self: WebSocket[bytes, Message],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["event"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="bytes", send_type="event"
    @overload
    def __init__(
        self: WebSocket[bytes, _S],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="bytes", send_type=a type
    @overload
    def __init__(
        self: WebSocket[Any, str],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="json", send_type="text" (default)
    @overload
    def __init__(
        self: WebSocket[Any, bytes],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="json", send_type="bytes"
    @overload
    def __init__(
        self: WebSocket[Any, Any],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["json"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="json", send_type="json"
    @overload
    def __init__(
        self: WebSocket[Any, Message],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["event"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="json", send_type="event"
    @overload
    def __init__(
        self: WebSocket[Any, _S],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="json", send_type=a type
    @overload
    def __init__(
        self: WebSocket[Message, str],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["event"],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="event", send_type="text" (default)
    @overload
    def __init__(
        self: WebSocket[Message, bytes],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["event"],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="event", send_type="bytes"
    @overload
    def __init__(
        self: WebSocket[Message, Any],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["event"],
        send_type: Literal["json"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="event", send_type="json"
    @overload
    def __init__(
        self: WebSocket[Message, Message],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["event"],
        send_type: Literal["event"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="event", send_type="event"
    @overload
    def __init__(
        self: WebSocket[Message, _S],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["event"],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="event", send_type=a type
    @overload
    def __init__(
        self: WebSocket[_R, str],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type=a type, send_type="text" (default)
    @overload
    def __init__(
        self: WebSocket[_R, bytes],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type=a type, send_type="bytes"
    @overload
    def __init__(
        self: WebSocket[_R, Any],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["json"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type=a type, send_type="json"
    @overload
    def __init__(
        self: WebSocket[_R, Message],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["event"],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type=a type, send_type="event"
    @overload
    def __init__(
        self: WebSocket[_R, _S],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type=a type, send_type=a type
    @overload
    def __init__(
        self: WebSocket[_V, _V],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: ValueType[_V],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # value_type=ValueType (generic code)
    @overload
    def __init__(
        self: WebSocket[_R, str],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: ValueType[_R],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type=ValueType (generic code), send_type="text" (default)
    @overload
    def __init__(
        self: WebSocket[str, _S],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: ValueType[_S],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type="text" (default), send_type=ValueType (generic code)
    @overload
    def __init__(
        self: WebSocket[_R, _S],
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: None = None,
        receive_type: ValueType[_R],
        send_type: ValueType[_S],
        **options: Unpack[ConnectionOptions],
    ) -> None: ...  # receive_type=ValueType (generic code), send_type=ValueType (generic code)
    # END GENERATED OVERLOADS: WebSocket.__init__
    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: Any = None,
        receive_type: Any = None,
        send_type: Any = None,
        caught_close_codes: CaughtCloseCodes | None = None,
        max_size: int | None = DEFAULT_MAX_SIZE,
        idle_timeout: float | None = None,
        heartbeat: bool = False,
        rate_limit: RateLimit | None = None,
        telemetry: bool | Telemetry = False,
    ) -> None:
        if scope["type"] != "websocket":
            raise ValueError(f"a WebSocket needs a 'websocket' scope, got {scope['type']!r}")
        # The common cases inline: building a connection must cost next to a Starlette WebSocket.
        if value_type is None:
            receive_codec, send_codec = codec_for(receive_type), codec_for(send_type)
        else:
            receive_codec = send_codec = codec_for(value_type)
        self.scope: Scope = scope
        """The ASGI connection scope."""
        self.receive_codec: Codec[InT] = receive_codec
        """The codec turning received frames into `InT` values."""
        self.send_codec: Codec[OutT] = send_codec
        """The codec turning `OutT` values into frames."""
        self.caught_close_codes: frozenset[int] = (
            ALL_CLOSE_CODES if caught_close_codes is None else checked_caught_codes(caught_close_codes)
        )
        """Close codes of a peer's close that end `async with` and `async for` quietly (every code for `"all"`)."""
        self.max_size: int | None = max_size if max_size is DEFAULT_MAX_SIZE else checked_max_size(max_size)
        """The largest message accepted, in bytes, or `None` for no limit."""
        self.client_state: WebSocketState = WebSocketState.CONNECTING
        """Where the peer's side of the connection is."""
        self.application_state: WebSocketState = WebSocketState.CONNECTING
        """Where the application's side of the connection is."""
        self._receive = receive
        self._send = send
        self._decode = self.receive_codec.decode
        self._encode = self.send_codec.encode
        self._events_in = receive_codec is EVENT
        self._events_out = send_codec is EVENT
        self._connection: HTTPConnection | None = None
        self._peer_left: tuple[int, str] | None = None
        self._close: tuple[int, str] | None = None
        self._sends_in_a_row = 0
        if idle_timeout is not None or rate_limit is not None or heartbeat or telemetry:
            self._receive, self._send, self._decode = layered(
                scope, connection_id(self), receive, send, self._decode,
                idle_timeout=idle_timeout, heartbeat=heartbeat, rate_limit=rate_limit, telemetry=telemetry,
            )  # fmt: skip

    def __repr__(self) -> str:
        return (
            f"<WebSocket {self.scope.get('path', '')!r} receive={self.receive_codec.name}"
            f" send={self.send_codec.name} {self.application_state.name.lower()}>"
        )

    # The scope, as Starlette's HTTPConnection shows it --------------------------

    def __getitem__(self, key: str) -> Any:
        """A key of the ASGI scope: `ws["path"]`."""
        return self.scope[key]

    def __iter__(self) -> Iterator[str]:
        """The keys of the ASGI scope."""
        return iter(self.scope)

    def __len__(self) -> int:
        """The number of keys in the ASGI scope."""
        return len(self.scope)

    # A connection is one connection: compared and hashed by identity, not as the scope's mapping.
    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return object.__hash__(self)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object, handler: GetCoreSchemaHandler) -> NoReturn:
        """Refuse to be a Pydantic field: FastAPI asks for one when a typed handler lacks `@typedws.endpoint`."""
        raise TypeError(
            "typedws.WebSocket is a connection, not a value: a FastAPI handler that takes one needs"
            " @typedws.endpoint (or @typedws.listener) under @app.websocket(...)"
        )

    @property
    def _http(self) -> HTTPConnection:
        if self._connection is None:
            self._connection = HTTPConnection(self.scope)
        return self._connection

    @property
    def url(self) -> URL:
        """The URL the peer connected to."""
        return self._http.url

    @property
    def base_url(self) -> URL:
        """The URL of the app's root (the connection's URL without its path and query)."""
        return self._http.base_url

    @property
    def headers(self) -> Headers:
        """The handshake request's headers."""
        return self._http.headers

    @property
    def query_params(self) -> QueryParams:
        """The URL's query parameters."""
        return self._http.query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """Parameters matched from the route's path (values converted by the route's convertors)."""
        return self._http.path_params

    @property
    def cookies(self) -> dict[str, str]:
        """The handshake request's cookies."""
        return self._http.cookies

    @property
    def client(self) -> Address | None:
        """The peer's host and port, when the server knows them."""
        return self._http.client

    @property
    def app(self) -> Any:
        """The ASGI app serving the connection (Starlette puts it in the scope)."""
        return self.scope.get("app")

    @property
    def state(self) -> State:
        """Per-connection state, shared with middleware through the scope."""
        return self._http.state

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the peer offered, in its order of preference."""
        return list(self.scope.get("subprotocols", ()))

    @property
    def close_code(self) -> int | None:
        """The code the connection ended with, from whichever side closed first; `None` while it is open.

        1005 when the peer's close carried no code, 1006 when the connection
        dropped without a close frame.
        """
        return None if self._close is None else self._close[0]

    @property
    def close_reason(self) -> str | None:
        """The reason the connection ended with (`""` when none was given); `None` while it is open."""
        return None if self._close is None else self._close[1]

    # Handshake and closing ------------------------------------------------------

    async def accept(self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None) -> None:
        """Accept the connection, optionally choosing a subprotocol and adding response headers.

        Raises `WebSocketDisconnect` when the peer left during the handshake,
        and `RuntimeError` when the connection is accepted or closed already.
        """
        if self.client_state is _CONNECTING:
            message = await self.receive_event()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(*close_of(message))
        await self.send_event(
            {"type": "websocket.accept", "subprotocol": subprotocol, "headers": list(headers or ())}
        )

    async def reject(self) -> None:
        """Refuse the handshake: the peer gets an HTTP 403 response instead of a connection.

        Raises `RuntimeError` once the connection is accepted (use `close`).
        """
        if self.application_state is not _CONNECTING:
            raise RuntimeError('cannot reject: the connection is accepted or closed already; use "close"')
        await self.close(status.WS_1008_POLICY_VIOLATION)

    async def send_denial_response(self, response: Response) -> None:
        """Refuse the handshake with an HTTP `response` of your own (status, headers, body), before accepting.

        Needs a server with ASGI's WebSocket Denial Response extension
        (uvicorn has it); raises `RuntimeError` where the server lacks it.
        """
        if "websocket.http.response" not in self.scope.get("extensions", {}):
            raise RuntimeError("The server doesn't support the Websocket Denial Response extension.")
        await response(self.scope, self.receive_event, self.send_event)

    async def close(self, code: int = status.WS_1000_NORMAL_CLOSURE, reason: str | None = None) -> None:
        """Close the connection with `code` and an optional `reason` (cut to 123 bytes of UTF-8).

        Before `accept()`, this refuses the handshake (HTTP 403). After the
        peer has left, it does nothing, as Starlette's does; after this side
        has closed, it raises `WebSocketClosed` (a `RuntimeError`).
        """
        if self._peer_left is not None and self.application_state in (_CONNECTING, _CONNECTED):
            self.application_state = _DISCONNECTED  # nothing to send: the peer is gone
            return
        await self.send_event({"type": "websocket.close", "code": code, "reason": truncate_reason(reason)})

    async def ensure_closed(self, code: int = status.WS_1000_NORMAL_CLOSURE, reason: str | None = None) -> None:
        """Close the connection unless it is closed already (by either side)."""
        if self.application_state in (_CONNECTING, _CONNECTED):
            await self.close(code, reason)

    async def __aenter__(self) -> Self:
        """Accept the connection, unless the handler accepted it already (to choose a subprotocol, say)."""
        if self.application_state is _CONNECTING:
            try:
                await self.accept()
            except WebSocketDisconnect:
                pass  # the peer left during the handshake: the body's first receive() or send() says so
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        """Close the connection: with 1000 when the block ends normally, else as `end` says for its exception."""
        if exc is None:
            await self.ensure_closed()
            return False
        return not (await self.end(exc)).propagate

    async def end(self, exc: BaseException) -> Ending:
        """Close the connection as the exception that stopped its handler calls for; return how it ended.

        The one policy of every side (see `typedws._close`): the peer's close
        ends quietly when its code is in `caught_close_codes` (others are
        logged at INFO, and propagate when not caught); a `MessageError` or
        Starlette's `WebSocketException` closes with its code, quietly; a use
        of the closed connection is quiet; an exception group of nothing else
        ends as its most telling member does. Any other exception closes with
        1011 and propagates, for the server to log it; a cancellation closes
        with 1001 and propagates.
        """
        ending = ending_of(exc, self.caught_close_codes)
        if ending.by_peer and ending.code not in NORMAL_CLOSE_CODES:
            logger.info("%r: the peer left with close code %d", self, ending.code, extra=log_fields(self, ending.code))
        elif isinstance(ending.cause, MessageError):
            logger.debug("closing %r with %d: %s", self, ending.code, ending.cause, extra=log_fields(self, ending.code))
        await self.ensure_closed(ending.code, ending.reason)
        return ending

    # Typed messages ---------------------------------------------------------------

    async def receive(self, timeout: float | None = None) -> InT:
        """Receive the next message as an `InT` value.

        Raises `WebSocketDisconnect` when the peer has left (and on every
        later call), and a `MessageError` (close code attached) when the
        message is not a valid `InT`; the connection stays open after a
        `MessageError`. With `receive_type="event"`, returns the next raw
        ASGI event, the peer's `websocket.disconnect` included. With a
        `timeout` (seconds), raises `TimeoutError` when no message came in
        that time; the connection stays open, and the next receive gets the
        next message.
        """
        if timeout is not None:
            with fail_after(timeout):
                return await self.receive()
        if self._events_in:
            event: Any = await self.receive_event()
            return cast(InT, event)
        if self.client_state is not _CONNECTED:
            self._refuse_receive()
        message = await self._receive()
        self._sends_in_a_row = 0
        if message["type"] == "websocket.receive":
            text: str | None = message.get("text")  # `frame_of(message)`, inlined: this is the hot path
            return self._decode(message["bytes"] if text is None else text, self.max_size)
        self._not_a_message(message)

    async def send(self, value: OutT) -> None:
        """Send an `OutT` value.

        Raises `TypeError`, before anything is sent, when `value` is not an
        `OutT`; `WebSocketDisconnect` (with the peer's code) once the peer has
        left; `WebSocketClosed` once this side has closed. With
        `send_type="event"`, sends `value` as a raw ASGI event.
        """
        if self._events_out:
            await self.send_event(cast(Message, value))
            return
        frame = self._encode(value)
        # `event_of("websocket.send", frame)`, inlined: this is the hot path.
        if type(frame) is str:
            message: Message = {"type": "websocket.send", "text": frame}
        else:
            message = {"type": "websocket.send", "bytes": frame}
        if self.application_state is not _CONNECTED or self._peer_left is not None:
            self._refuse_send("websocket.send")
        self._sends_in_a_row += 1
        if self._sends_in_a_row >= _SENDS_BETWEEN_PAUSES:
            await self._pause()
        try:
            await self._send(message)
        except (OSError, RuntimeError):
            self._lost()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> InT:
        """The next message; the iteration ends when the peer leaves with a caught close code.

        A `MessageError` closes the connection with its code and is raised.
        """
        # The body of `receive` and the rule of `_close.next_value`, inlined: one coroutine less per message.
        if self.client_state is not _CONNECTED or self._events_in:
            return await self._next_slowly()
        try:
            message = await self._receive()
            self._sends_in_a_row = 0
            if message["type"] == "websocket.receive":
                text: str | None = message.get("text")
                return self._decode(message["bytes"] if text is None else text, self.max_size)
            self._not_a_message(message)
        except WebSocketDisconnect as exc:
            if exc.code in self.caught_close_codes:
                raise StopAsyncIteration from None
            raise
        except MessageError as exc:
            await self.ensure_closed(exc.close_code, exc.reason)
            raise

    async def _next_slowly(self) -> InT:
        """`__anext__` off the hot path: before accepting, after the peer left, or for raw events."""
        value = await next_value(self.receive, self.caught_close_codes, self.ensure_closed)
        if self._events_in and self.client_state is _DISCONNECTED:
            raise StopAsyncIteration  # the raw events end with the peer's disconnect
        return value

    # The classic aliases ------------------------------------------------------------

    async def receive_text(self) -> str:
        """Receive a text frame as `str`, whatever `receive_type` is."""
        return await self._receive_with(_TEXT)

    async def receive_bytes(self) -> bytes:
        """Receive a binary frame as `bytes`, whatever `receive_type` is."""
        return await self._receive_with(_BYTES)

    async def receive_json(self, mode: Literal["text", "binary"] = "text") -> Any:
        """Receive a JSON value, whatever `receive_type` is.

        Either kind of frame is accepted (binary frames as UTF-8); `mode` is
        checked for compatibility with Starlette's signature.
        """
        _check_mode(mode)
        return await self._receive_with(_JSON)

    async def send_text(self, data: str) -> None:
        """Send `data` in a text frame, whatever `send_type` is."""
        await self._send_with(_TEXT, data)

    async def send_bytes(self, data: bytes) -> None:
        """Send `data` in a binary frame, whatever `send_type` is."""
        await self._send_with(_BYTES, data)

    async def send_json(self, data: Any, mode: Literal["text", "binary"] = "text") -> None:
        """Send `data` as standard JSON, whatever `send_type` is: in a text frame, or UTF-8 in a binary one."""
        _check_mode(mode)
        frame = _JSON.encode(data)
        if mode == "binary" and isinstance(frame, str):
            frame = frame.encode()
        await self.send_event(event_of("websocket.send", frame))

    async def iter_text(self) -> AsyncIterator[str]:
        """Text frames as `str` until the peer leaves (whatever its close code), as Starlette's `iter_text`."""
        async for value in self._iterate_with(_TEXT):
            yield value

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        """Binary frames as `bytes` until the peer leaves (whatever its close code), as Starlette's `iter_bytes`."""
        async for value in self._iterate_with(_BYTES):
            yield value

    async def iter_json(self) -> AsyncIterator[Any]:
        """JSON values until the peer leaves (whatever its close code), as Starlette's `iter_json`."""
        async for value in self._iterate_with(_JSON):
            yield value

    async def _iterate_with(self, codec: Codec[_V]) -> AsyncIterator[_V]:
        try:
            while True:
                yield await self._receive_with(codec)
        except WebSocketDisconnect:
            pass

    async def _receive_with(self, codec: Codec[_V]) -> _V:
        """`receive`, with another codec."""
        if self.client_state is not _CONNECTED:
            self._refuse_receive()
        message = await self._receive()
        self._sends_in_a_row = 0
        if message["type"] == "websocket.receive":
            return codec.decode(frame_of(message), self.max_size)
        self._not_a_message(message)

    async def _send_with(self, codec: Codec[_V], value: _V) -> None:
        await self.send_event(event_of("websocket.send", codec.encode(value)))

    # Raw ASGI events -------------------------------------------------------------------

    async def receive_event(self) -> Message:
        """Receive the next raw ASGI event, keeping track of the connection's state.

        Raises `WebSocketDisconnect` once the peer has left, and
        `RuntimeError` for an event the protocol does not allow now (anything
        but `websocket.connect` first, then `websocket.receive` or
        `websocket.disconnect`).
        """
        if self.client_state is _DISCONNECTED:
            self._refuse_receive()
        message = await self._receive()
        self._sends_in_a_row = 0
        kind = message["type"]
        if kind == "websocket.disconnect":
            self._peer_closed(message)
        elif self.client_state is _CONNECTING:
            if kind != "websocket.connect":
                raise RuntimeError(f'expected the ASGI event "websocket.connect", got {kind!r}')
            self.client_state = _CONNECTED
        elif kind != "websocket.receive":
            raise RuntimeError(f'expected the ASGI event "websocket.receive" or "websocket.disconnect", got {kind!r}')
        return message

    async def send_event(self, message: Message) -> None:
        """Send a raw ASGI event, keeping track of the connection's state.

        Raises `WebSocketDisconnect` once the peer has left, `WebSocketClosed`
        once this side has closed, and `RuntimeError` for an event the
        connection's state does not allow (a second accept, a message before
        accepting).
        """
        kind = message["type"]
        state = self.application_state
        if kind not in _SENDABLE[state] or self._peer_left is not None:
            self._refuse_send(kind)
        self._sends_in_a_row += 1
        if self._sends_in_a_row >= _SENDS_BETWEEN_PAUSES:
            await self._pause()
        # The state changes before the event is sent, so that another task sees it at once.
        if kind == "websocket.accept":
            self.application_state = _CONNECTED
        elif kind == "websocket.close":
            self.application_state = _DISCONNECTED
            if self._close is None:
                self._close = (message.get("code", status.WS_1000_NORMAL_CLOSURE), message.get("reason") or "")
        elif kind == "websocket.http.response.start":
            self.application_state = _RESPONSE
        elif kind == "websocket.http.response.body" and not message.get("more_body", False):
            self.application_state = _DISCONNECTED
        try:
            await self._send(message)
        except (OSError, RuntimeError) as error:
            if kind != "websocket.send" and not isinstance(error, OSError):
                raise
            self._lost()
        except Exception:
            stand_in = stand_in_close(message)
            if stand_in is None:
                raise
            await self._send(stand_in)

    # State changes and errors -------------------------------------------------------------

    def _not_a_message(self, message: Message) -> NoReturn:
        """Raise for an event that `receive` got instead of a message: the peer's close, or a protocol error."""
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(*self._peer_closed(message))
        raise RuntimeError(
            f'expected the ASGI event "websocket.receive" or "websocket.disconnect", got {message["type"]!r}'
        )

    def _peer_closed(self, message: Message) -> tuple[int, str]:
        """Record the peer's close; its code and reason."""
        self.client_state = _DISCONNECTED
        self._peer_left = close_of(message)
        if self._close is None:
            self._close = self._peer_left
        return self._peer_left

    def _lost(self) -> NoReturn:
        """The server could not send: the peer is gone (1006 unless its close arrived), or the server closed."""
        self.application_state = _DISCONNECTED
        if self._peer_left is None:
            self._peer_left = (status.WS_1006_ABNORMAL_CLOSURE, "")
        if self._close is None:
            self._close = self._peer_left
        raise WebSocketDisconnect(*self._peer_left) from None

    def _refuse_receive(self) -> NoReturn:
        if self._peer_left is not None:  # once the peer has left, every receive says so
            raise WebSocketClosed(*self._peer_left, action="receive on")
        raise WebSocketDisconnected('the connection is not accepted yet: call "accept" first')

    def _refuse_send(self, kind: str) -> NoReturn:
        action = "close" if kind == "websocket.close" else "send on"
        if self._peer_left is not None:  # once the peer has left, every send says so
            raise WebSocketClosed(*self._peer_left, action=action)
        state = self.application_state
        if state is _DISCONNECTED:
            code, reason = self._close or (status.WS_1000_NORMAL_CLOSURE, "")
            raise WebSocketClosed(code, reason, action=action)
        if state is _CONNECTING and kind == "websocket.send":
            raise WebSocketDisconnected('the connection is not accepted yet: call "accept" first')
        if state is _CONNECTED and kind == "websocket.accept":
            raise RuntimeError("cannot accept: the connection is accepted already")
        *others, last = sorted(_SENDABLE[state])
        allowed = f"{', '.join(map(repr, others))} or {last!r}" if others else repr(last)
        raise RuntimeError(f"cannot send the ASGI event {kind!r} now: expected {allowed}")

    async def _pause(self) -> None:
        """Let the event loop run, after many sends in a row that may never have yielded to it.

        A server's send need not suspend when its transport takes the bytes at
        once, and never does once the peer is gone: without a pause, a loop of
        sends would neither see the peer leave nor let other connections run.
        """
        self._sends_in_a_row = 0
        await checkpoint()


def _check_mode(mode: str) -> None:
    if mode not in ("text", "binary"):
        raise RuntimeError('The "mode" argument should be "text" or "binary".')


_TEXT: Codec[str] = codec_for("text")
_BYTES: Codec[bytes] = codec_for("bytes")
_JSON: Codec[Any] = codec_for("json")
