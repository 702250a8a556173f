"""`ClientWebSocket[In, Out]`: the client side of a connection, over a `websockets` connection."""

from __future__ import annotations

from typing import Generic

from starlette import status
from starlette.websockets import WebSocketDisconnect
from typing_extensions import Self, TypeVar
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConcurrencyError, ConnectionClosed, PayloadTooBig, TooManyFragments
from websockets.frames import Close
from websockets.protocol import State

from .._close import Ending, ending_of, next_value, truncate_reason
from .._codecs import Codec
from .._errors import MalformedMessage, MessageTooFragmented, MessageTooLarge, WebSocketClosed
from .._options import DEFAULT_MAX_SIZE, CaughtCloseCodes, checked_caught_codes, checked_max_size

__all__ = ["ClientWebSocket"]

InT = TypeVar("InT", covariant=True, default=str)
OutT = TypeVar("OutT", contravariant=True, default=str)
_V = TypeVar("_V")
_R = TypeVar("_R")
_S = TypeVar("_S")



class ClientWebSocket(Generic[InT, OutT]):
    """A client connection that receives `InT` values from the server and sends it `OutT` values.

    Made by `connect()`. A server message that is not a valid `InT` raises a
    `MessageError` whose `close_code` is the code the connection closes with
    when the error leaves `async with connect(...)` or `async for`; the server
    closing raises `WebSocketDisconnect` with the server's code.
    """

    __slots__ = (
        "connection", "receive_codec", "send_codec", "caught_close_codes", "max_size", "_close_reported", "_closed_here"
    )  # fmt: skip

    def __init__(
        self,
        connection: ClientConnection,
        receive_codec: Codec[InT],
        send_codec: Codec[OutT],
        *,
        caught_close_codes: CaughtCloseCodes | None = None,
        max_size: int | None = DEFAULT_MAX_SIZE,
    ) -> None:
        self.connection: ClientConnection = connection
        """The underlying `websockets` connection (for pings, headers, latency ...)."""
        self.receive_codec: Codec[InT] = receive_codec
        """The codec turning the server's frames into `InT` values."""
        self.send_codec: Codec[OutT] = send_codec
        """The codec turning `OutT` values into frames."""
        self.caught_close_codes: frozenset[int] = checked_caught_codes(caught_close_codes)
        """Close codes of disconnects that end `async with` and `async for` quietly."""
        self.max_size: int | None = checked_max_size(max_size)
        """The largest message accepted, in bytes, or `None` for no limit."""
        self._close_reported = False
        self._closed_here = False

    def __repr__(self) -> str:
        return (
            f"<ClientWebSocket {self.connection.request.path if self.connection.request else ''!r}"
            f" receive={self.receive_codec.name} send={self.send_codec.name} {self.connection.state.name.lower()}>"
        )

    @property
    def accepted_subprotocol(self) -> str | None:
        """The subprotocol the server chose, if any."""
        return self.connection.subprotocol

    async def receive(self) -> InT:
        """Receive the server's next message as an `InT` value.

        Raises `WebSocketDisconnect` (with the server's close code) once the
        connection is closed, and a `MessageError` when the message is not a
        valid `InT`. After a `MessageError` the connection stays open, except
        for `MessageTooLarge`, `MessageTooFragmented` and invalid UTF-8, which
        the protocol layer answers by closing (1009, 1007): those are raised
        once the server has closed the TCP connection, or `close_timeout`
        seconds later, and every later receive raises the disconnect. Two
        tasks receiving at once is a `RuntimeError`.
        """
        if self._close_reported:
            # Not a `recv()`: after some failures (too many fragments) websockets keeps frames it cannot deliver.
            raise self._closed_error()
        try:
            frame = await self.connection.recv()
        except ConnectionClosed as closed:
            raise self._error_of(closed) from closed
        except ConcurrencyError:
            raise RuntimeError("cannot receive: another task is receiving from this connection already") from None
        return self.receive_codec.decode(frame)

    async def send(self, value: OutT) -> None:
        """Send an `OutT` value.

        Raises `TypeError`, before anything is sent, when `value` is not an
        `OutT`, and `WebSocketDisconnect` when the connection is closed.
        """
        frame = self.send_codec.encode(value)
        try:
            await self.connection.send(frame)
        except ConnectionClosed as closed:
            raise _disconnect_of(closed, closed_here=self._closed_here) from closed

    async def close(self, code: int = status.WS_1000_NORMAL_CLOSURE, reason: str | None = None) -> None:
        """Close the connection with `code` and an optional `reason` (cut to 123 bytes of UTF-8); no-op once closed."""
        if self.connection.state is State.OPEN:
            self._closed_here = True
        await self.connection.close(code, truncate_reason(reason))

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> InT:
        """The next message; the iteration ends when the server closes with a caught close code.

        A `MessageError` closes the connection with its code and is raised.
        """
        return await next_value(self.receive, self.caught_close_codes, self.close)

    @property
    def close_code(self) -> int | None:
        """The code the connection ended with, from whichever side closed first; `None` while it is open.

        1006 when it dropped without a close frame.
        """
        close = self._close_frame()
        return None if close is None else close.code

    @property
    def close_reason(self) -> str | None:
        """The reason the connection ended with (`""` when none was given); `None` while it is open."""
        close = self._close_frame()
        return None if close is None else close.reason

    def _close_frame(self) -> Close | None:
        protocol = self.connection.protocol
        if protocol.state is not State.CLOSED:
            return None
        if protocol.close_sent is not None and not protocol.close_rcvd_then_sent:
            return protocol.close_sent
        return protocol.close_rcvd or Close(status.WS_1006_ABNORMAL_CLOSURE, "")

    async def end(self, exc: BaseException) -> Ending:
        """Close the connection as the exception that stopped the `async with` block calls for; return how it ended.

        The same policy as the server's `WebSocket.end`: the server's close
        ends quietly when its code is in `caught_close_codes` (else it
        propagates); a `MessageError` closes with its code, quietly; any other
        exception closes with 1011 (a cancellation with 1001) and propagates.
        """
        ending = ending_of(exc, self.caught_close_codes)
        if not ending.by_peer:
            await self.close(ending.code, ending.reason)
        return ending

    def _error_of(self, closed: ConnectionClosed) -> Exception:
        """What a failed receive raises: the message error that made the protocol layer close (once), or the disconnect."""
        if self._close_reported:
            return self._closed_error()
        self._close_reported = True
        # What made the protocol layer fail the connection. The parser's own error comes first: when the server
        # never completes the closing handshake, the exception chained to `closed` is only the timeout that followed.
        failure = self.connection.protocol.parser_exc or closed.__cause__
        if isinstance(failure, PayloadTooBig) and self.max_size is not None:
            # A compressed message is refused while inflating it, before its size is known.
            size = None if failure.size is None else failure.size + (failure.current_size or 0)
            return MessageTooLarge(size, self.max_size)
        if isinstance(failure, TooManyFragments):
            return MessageTooFragmented(str(failure))
        if isinstance(failure, UnicodeDecodeError):
            return MalformedMessage("invalid UTF-8 in a text frame")
        return _disconnect_of(closed, closed_here=self._closed_here)

    def _closed_error(self) -> WebSocketClosed:
        """What a receive raises once the connection's end has been reported."""
        close = self._close_frame() or Close(status.WS_1006_ABNORMAL_CLOSURE, "")
        return WebSocketClosed(close.code, close.reason, action="use")


def _disconnect_of(closed: ConnectionClosed, *, closed_here: bool) -> WebSocketDisconnect:
    """The disconnect to raise for a closed connection, as the server side raises it.

    The server's close code, or 1006 when the connection dropped without one.
    When this side closed first: `WebSocketClosed` with its code if the
    application closed (`closed_here`); else the protocol layer gave up on the
    server (a ping it never answered, a frame that breaks the protocol), a
    disconnect with the code and reason this side sent.
    """
    if closed.sent is not None and not closed.rcvd_then_sent:
        if closed_here:
            return WebSocketClosed(closed.sent.code, closed.sent.reason)
        return WebSocketDisconnect(closed.sent.code, closed.sent.reason)
    if closed.rcvd is None:
        return WebSocketDisconnect(status.WS_1006_ABNORMAL_CLOSURE)
    return WebSocketDisconnect(closed.rcvd.code, closed.rcvd.reason)
