"""`WebSocket[In, Out]`: a connection that receives `In` values and sends `Out` values."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from types import TracebackType
from typing import Any, Generic, Literal, NoReturn, TypedDict, overload

from anyio.lowlevel import checkpoint
from pydantic import TypeAdapter
from starlette import status
from starlette.datastructures import URL, Address, Headers, QueryParams, State
from starlette.exceptions import WebSocketException
from starlette.requests import HTTPConnection
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect, WebSocketState
from typing_extensions import Self, TypeVar, Unpack

from ._codecs import Codec, codec_for
from ._connection import (
    CAUGHT_BY_DEFAULT,
    DEFAULT_CAUGHT_CLOSE_CODES,
    DEFAULT_MAX_SIZE,
    checked_caught_codes,
    checked_max_size,
    close_of,
    ending_in,
    event_of,
    frame_of,
    truncate_reason,
)
from ._errors import MessageError

__all__ = ["DEFAULT_CAUGHT_CLOSE_CODES", "DEFAULT_MAX_SIZE", "ConnectionOptions", "WebSocket"]

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


class ConnectionOptions(TypedDict, total=False):
    """Options of a connection, beside its value types."""

    caught_close_codes: Iterable[int] | None
    """Close codes of disconnects to silence; `None` means `DEFAULT_CAUGHT_CLOSE_CODES`."""

    max_size: int | None
    """The largest message accepted, in bytes; `None` for no limit. Larger ones close with 1009."""


class WebSocket(Generic[InT, OutT]):
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
        "_connection",
        "_peer_left",
        "_sends_in_a_row",
    )

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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
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
    ) -> None: ...
    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        value_type: Any = None,
        receive_type: Any = None,
        send_type: Any = None,
        caught_close_codes: Iterable[int] | None = None,
        max_size: int | None = DEFAULT_MAX_SIZE,
    ) -> None:
        if scope["type"] != "websocket":
            raise ValueError(f"a WebSocket needs a 'websocket' scope, got {scope['type']!r}")
        # The common cases inline: building a connection must cost next to a Starlette WebSocket.
        if value_type is None:
            receive_codec, send_codec = codec_for(receive_type), codec_for(send_type)
        else:
            receive_codec = send_codec = codec_for(value_type)
        self.scope = scope
        """The ASGI connection scope."""
        self.receive_codec: Codec[InT] = receive_codec
        """The codec turning received frames into `InT` values."""
        self.send_codec: Codec[OutT] = send_codec
        """The codec turning `OutT` values into frames."""
        self.caught_close_codes = (
            CAUGHT_BY_DEFAULT if caught_close_codes is None else checked_caught_codes(caught_close_codes)
        )
        """Close codes of disconnects that end `async with` and `async for` quietly."""
        self.max_size = max_size if max_size is DEFAULT_MAX_SIZE else checked_max_size(max_size)
        """The largest message accepted, in bytes, or `None` for no limit."""
        self.client_state = WebSocketState.CONNECTING
        """Where the peer's side of the connection is."""
        self.application_state = WebSocketState.CONNECTING
        """Where the application's side of the connection is."""
        self._receive = receive
        self._send = send
        self._decode = self.receive_codec.decode
        self._encode = self.send_codec.encode
        self._connection: HTTPConnection | None = None
        self._peer_left: tuple[int, str] | None = None
        self._sends_in_a_row = 0

    def __repr__(self) -> str:
        return (
            f"<WebSocket {self.scope.get('path', '')!r} receive={self.receive_codec.name}"
            f" send={self.send_codec.name} {self.application_state.name.lower()}>"
        )

    # Request data -------------------------------------------------------------

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
    def headers(self) -> Headers:
        """The handshake request's headers."""
        return self._http.headers

    @property
    def query_params(self) -> QueryParams:
        """The URL's query parameters."""
        return self._http.query_params

    @property
    def path_params(self) -> dict[str, Any]:
        """Parameters matched from the route's path."""
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
    def state(self) -> State:
        """Per-connection state, shared with middleware through the scope."""
        return self._http.state

    @property
    def subprotocols(self) -> list[str]:
        """The subprotocols the peer offered, in its order of preference."""
        return list(self.scope.get("subprotocols", ()))

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

    async def close(self, code: int = status.WS_1000_NORMAL_CLOSURE, reason: str | None = None) -> None:
        """Close the connection with `code` and an optional `reason` (cut to 123 bytes of UTF-8).

        Before `accept()`, this refuses the handshake. Raises
        `WebSocketDisconnect` once the peer has left (`ensure_closed` does not),
        and `RuntimeError` once the connection is closed.
        """
        await self.send_event({"type": "websocket.close", "code": code, "reason": truncate_reason(reason)})

    async def ensure_closed(self, code: int = status.WS_1000_NORMAL_CLOSURE, reason: str | None = None) -> None:
        """Close the connection unless it is closed already; safe after the peer left."""
        if self.client_state is _DISCONNECTED or self.application_state not in (_CONNECTING, _CONNECTED):
            return
        try:
            await self.close(code, reason)
        except WebSocketDisconnect:
            pass

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
        _, propagate = await self.end(exc)
        return not propagate

    async def end(self, exc: BaseException) -> tuple[int, bool]:
        """Close the connection as the exception that ended its handler calls for.

        Returns the close code and whether `exc` must propagate. Whatever the
        peer did ends quietly: a disconnect of any code (codes outside
        `caught_close_codes` are logged at INFO), a `MessageError` (closed
        with its code), Starlette's `WebSocketException` (closed with its
        code), and an exception group holding nothing else (as a task group
        raises; its first disconnect, else its first error, decides). The
        handler's own errors close with 1011 and propagate, for the server to
        log them; a cancellation closes with 1001 and propagates.
        """
        ending = ending_in(exc)
        if isinstance(ending, WebSocketDisconnect):
            if ending.code not in self.caught_close_codes:
                logger.info("%r: the peer left with close code %s", self, ending.code)
            await self.ensure_closed()
            return ending.code, False
        if isinstance(ending, MessageError):
            logger.debug("closing %r with %d: %s", self, ending.close_code, ending)
            await self.ensure_closed(ending.close_code, ending.reason)
            return ending.close_code, False
        if isinstance(ending, WebSocketException):  # Starlette's way to close with a chosen code
            await self.ensure_closed(ending.code, ending.reason)
            return ending.code, False
        code = status.WS_1011_INTERNAL_ERROR if isinstance(exc, Exception) else status.WS_1001_GOING_AWAY
        await self.ensure_closed(code, "internal error" if code == status.WS_1011_INTERNAL_ERROR else None)
        return code, True

    # Typed messages ---------------------------------------------------------------

    async def receive(self) -> InT:
        """Receive the next message as an `InT` value.

        Raises `WebSocketDisconnect` when the peer has left (and on every
        later call), and a `MessageError` (close code attached) when the
        message is not a valid `InT`; the connection stays open after a
        `MessageError`.
        """
        if self.client_state is not _CONNECTED:
            self._refuse_receive()
        message = await self._receive()
        self._sends_in_a_row = 0
        if message["type"] == "websocket.receive":
            text: str | None = message.get("text")  # `frame_of(message)`, inlined: this is the hot path
            return self._decode(message["bytes"] if text is None else text, self.max_size)
        self._disconnected(message)

    async def send(self, value: OutT) -> None:
        """Send an `OutT` value.

        Raises `TypeError`, before anything is sent, when `value` is not an
        `OutT`, and `WebSocketDisconnect` (with the peer's code) once the peer
        has left.
        """
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
        except OSError:
            self._lost()

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> InT:
        """The next message; the iteration ends when the peer leaves with a caught close code.

        A `MessageError` closes the connection with its code and is raised.
        """
        # The body of `receive`, inlined: one coroutine less per message.
        if self.client_state is not _CONNECTED:
            self._refuse_receive()
        try:
            message = await self._receive()
            self._sends_in_a_row = 0
            if message["type"] == "websocket.receive":
                text: str | None = message.get("text")
                return self._decode(message["bytes"] if text is None else text, self.max_size)
            self._disconnected(message)
        except WebSocketDisconnect as exc:
            if exc.code in self.caught_close_codes:
                raise StopAsyncIteration from None
            raise
        except MessageError as exc:
            await self.ensure_closed(exc.close_code, exc.reason)
            raise

    # The classic aliases ------------------------------------------------------------

    async def receive_text(self) -> str:
        """Receive a text frame as `str`, whatever `receive_type` is."""
        return await self._receive_with(_TEXT)

    async def receive_bytes(self) -> bytes:
        """Receive a binary frame as `bytes`, whatever `receive_type` is."""
        return await self._receive_with(_BYTES)

    async def receive_json(self) -> Any:
        """Receive a JSON value (from a text or UTF-8 binary frame), whatever `receive_type` is."""
        return await self._receive_with(_JSON)

    async def send_text(self, data: str) -> None:
        """Send `data` in a text frame, whatever `send_type` is."""
        await self._send_with(_TEXT, data)

    async def send_bytes(self, data: bytes) -> None:
        """Send `data` in a binary frame, whatever `send_type` is."""
        await self._send_with(_BYTES, data)

    async def send_json(self, data: Any) -> None:
        """Send `data` as standard JSON in a text frame, whatever `send_type` is."""
        await self._send_with(_JSON, data)

    async def _receive_with(self, codec: Codec[_V]) -> _V:
        """`receive`, with another codec."""
        if self.client_state is not _CONNECTED:
            self._refuse_receive()
        message = await self._receive()
        self._sends_in_a_row = 0
        if message["type"] == "websocket.receive":
            return codec.decode(frame_of(message), self.max_size)
        self._disconnected(message)

    async def _send_with(self, codec: Codec[_V], value: _V) -> None:
        await self.send_event(event_of("websocket.send", codec.encode(value)))

    # Raw ASGI events -------------------------------------------------------------------

    async def receive_event(self) -> Message:
        """Receive the next raw ASGI event, keeping track of the connection's state."""
        if self.client_state is _DISCONNECTED:
            self._refuse_receive()
        message = await self._receive()
        self._sends_in_a_row = 0
        kind = message["type"]
        if kind == "websocket.connect":
            self.client_state = _CONNECTED
        elif kind == "websocket.disconnect":
            self.client_state = _DISCONNECTED
            self._peer_left = close_of(message)
        elif self.client_state is not _CONNECTED:
            raise RuntimeError(f'expected the ASGI event "websocket.connect", got {kind!r}')
        return message

    async def send_event(self, message: Message) -> None:
        """Send a raw ASGI event, keeping track of the connection's state.

        Raises `WebSocketDisconnect` once the peer has left, and
        `RuntimeError` for an event the connection's state does not allow
        (a second accept, a message before accepting or after closing).
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
        elif kind == "websocket.http.response.start":
            self.application_state = _RESPONSE
        elif kind == "websocket.http.response.body" and not message.get("more_body", False):
            self.application_state = _DISCONNECTED
        try:
            await self._send(message)
        except OSError:
            self._lost()

    # State errors ------------------------------------------------------------------------

    def _disconnected(self, message: Message) -> NoReturn:
        self.client_state = _DISCONNECTED
        self._peer_left = close_of(message)
        raise WebSocketDisconnect(*self._peer_left)

    def _lost(self) -> NoReturn:
        """The server could not send: the peer is gone, without a close frame unless one arrived."""
        self.application_state = _DISCONNECTED
        if self._peer_left is None:
            self._peer_left = (status.WS_1006_ABNORMAL_CLOSURE, "")
        raise WebSocketDisconnect(*self._peer_left) from None

    def _refuse_receive(self) -> NoReturn:
        if self._peer_left is not None:  # once the peer has left, every receive says so
            raise WebSocketDisconnect(*self._peer_left)
        raise RuntimeError('the connection is not accepted yet: call "accept" first')

    def _refuse_send(self, kind: str) -> NoReturn:
        if self._peer_left is not None:  # once the peer has left, every send says so
            raise WebSocketDisconnect(*self._peer_left)
        state = self.application_state
        if state is _DISCONNECTED:
            raise RuntimeError("cannot send: the connection is closed")
        if state is _CONNECTING and kind == "websocket.send":
            raise RuntimeError('the connection is not accepted yet: call "accept" first')
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


_TEXT: Codec[str] = codec_for("text")
_BYTES: Codec[bytes] = codec_for("bytes")
_JSON: Codec[Any] = codec_for("json")
