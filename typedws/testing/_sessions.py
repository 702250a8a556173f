"""Typed test sessions: a WebSocket connection to an app, seen from the client, in typed values."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from types import TracebackType
from typing import Generic, TypedDict

import anyio
from anyio.abc import TaskGroup
from starlette import testclient as starlette_testclient
from starlette.types import ASGIApp, Message, Scope
from starlette.websockets import WebSocketDisconnect

from .._errors import WebSocketClosed
from typing_extensions import Self, TypeVar

from .._codecs import Codec
from .._close import ending_of, next_value, truncate_reason, values
from .._frames import event_of, frame_of
from .._options import CaughtCloseCodes, checked_caught_codes

__all__ = ["AsyncWebSocketTestSession", "ConnectOptions", "WebSocketTestSession"]

RecvT = TypeVar("RecvT", covariant=True, default=str)
SendT = TypeVar("SendT", contravariant=True, default=str)


class ConnectOptions(TypedDict, total=False):
    """Options of `websocket_connect`, beside the value types."""

    subprotocols: Sequence[str]
    """Subprotocols to offer, in order of preference."""
    headers: Mapping[str, str]
    """Extra handshake request headers."""
    caught_close_codes: CaughtCloseCodes | None
    """Close codes of the app that end the session's iteration quietly; default (and `None`): `"all"`."""


class _Closed:
    """How a session's connection ended: who closed it, with which code and reason."""

    __slots__ = ("by_server", "code", "reason")

    def __init__(self, by_server: bool, code: int, reason: str) -> None:
        self.by_server = by_server
        self.code = code
        self.reason = reason

    def error(self) -> WebSocketClosed:
        """What a use of the ended connection raises, as on the server side."""
        return WebSocketClosed(self.code, self.reason)


class _Session(Generic[RecvT, SendT]):
    """What both sessions share: codecs, frames and the closing state."""

    def __init__(
        self, receive_codec: Codec[RecvT], send_codec: Codec[SendT], caught_close_codes: CaughtCloseCodes | None
    ) -> None:
        self.receive_codec = receive_codec
        """Decodes the frames the app sends into `RecvT` values."""
        self.send_codec = send_codec
        """Encodes `SendT` values into frames for the app."""
        self.caught_close_codes: frozenset[int] = checked_caught_codes(caught_close_codes)
        """Close codes of the app that end the session's iteration quietly."""
        self.accepted_subprotocol: str | None = None
        """The subprotocol the app chose when accepting, if any."""
        self._closed: _Closed | None = None

    @property
    def close_code(self) -> int | None:
        """The code the connection ended with, from whichever side closed first; `None` while it is open."""
        return None if self._closed is None else self._closed.code

    @property
    def close_reason(self) -> str | None:
        """The reason the connection ended with (`""` when none was given); `None` while it is open."""
        return None if self._closed is None else self._closed.reason

    def _event_of(self, frame: str | bytes) -> Message:
        """The event that brings `frame` to the app; raises once the connection is closed."""
        if self._closed is not None:
            raise self._closed.error()
        return event_of("websocket.receive", frame)

    def _frame_of(self, message: Message) -> str | bytes:
        """The frame an event from the app carries; raises `WebSocketDisconnect` for its close."""
        kind = message["type"]
        if kind == "websocket.send":
            return frame_of(message)
        if kind == "websocket.close":
            self._closed = _Closed(True, message.get("code", 1000), message.get("reason") or "")
            raise WebSocketDisconnect(self._closed.code, self._closed.reason)
        raise RuntimeError(f"unexpected ASGI message from the app: {kind!r}")

    def _closed_by_us(self, code: int, reason: str | None) -> str:
        """Record that the session closed the connection; the reason as a close frame carries it."""
        reason = truncate_reason(reason)
        if self._closed is None:
            self._closed = _Closed(False, code, reason)
        return reason


class WebSocketTestSession(_Session[RecvT, SendT]):
    """A test connection that sends `SendT` values and receives `RecvT` values.

    Made by `TestClient.websocket_connect`; use it as a context manager. A
    close from the app raises `WebSocketDisconnect` with the app's code;
    iteration ends quietly on a close with one of `caught_close_codes`
    (every code by default; `close_code` tells which).
    """

    def __init__(
        self,
        session: starlette_testclient.WebSocketTestSession,
        receive_codec: Codec[RecvT],
        send_codec: Codec[SendT],
        caught_close_codes: CaughtCloseCodes | None = None,
    ) -> None:
        super().__init__(receive_codec, send_codec, caught_close_codes)
        self.session = session
        """Starlette's untyped session underneath, for raw ASGI messages."""

    def __enter__(self) -> Self:
        self.session.__enter__()
        self.accepted_subprotocol: str | None = self.session.accepted_subprotocol
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool | None:
        """Close the connection as the close policy says for how the block ended; never swallow an exception."""
        if exc is not None and self._closed is None:
            ending = ending_of(exc, self.caught_close_codes)
            if not ending.by_peer:
                with contextlib.suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):  # the app has ended
                    self.close(ending.code, ending.reason)
        return self.session.__exit__(exc_type, exc, traceback)

    def send(self, value: SendT) -> None:
        """Send a value; raises `TypeError`, before sending, when it is not a `SendT`."""
        self.session.send(self._event_of(self.send_codec.encode(value)))

    def send_frame(self, frame: str | bytes) -> None:
        """Send a raw text (`str`) or binary (`bytes`) frame, whatever it holds: for testing bad input."""
        self.session.send(self._event_of(frame))

    def receive(self) -> RecvT:
        """Receive the next value; raises `WebSocketDisconnect` when the app closed, `MessageError` when invalid."""
        return self.receive_codec.decode(self.receive_frame())

    def receive_frame(self) -> str | bytes:
        """Receive the next raw frame: `str` for text, `bytes` for binary."""
        if self._closed is not None:
            raise self._closed.error()
        return self._frame_of(self.session.receive())

    def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection from the client's side (the reason cut to 123 bytes of UTF-8); no-op once closed."""
        if self._closed is None:
            self.session.close(code, self._closed_by_us(code, reason))

    def __iter__(self) -> Iterator[RecvT]:
        """The received values, until the app closes with one of `caught_close_codes`."""
        return values(self.receive, self.caught_close_codes, self.close)


class AsyncWebSocketTestSession(_Session[RecvT, SendT]):
    """A test connection, driven in the test's event loop, that sends `SendT` and receives `RecvT`.

    Made by `AsyncTestClient.websocket_connect`; use it with `async with`,
    which runs the app's handler as a task. A close from the app raises
    `WebSocketDisconnect` with the app's code; `async for` ends quietly on a
    close with one of `caught_close_codes` (every code by default).
    Leaving the block closes the connection (1000, unless closed already),
    waits for the handler to finish, and raises the exception it crashed
    with, if any.
    """

    def __init__(
        self,
        app: ASGIApp,
        scope: Scope,
        receive_codec: Codec[RecvT],
        send_codec: Codec[SendT],
        caught_close_codes: CaughtCloseCodes | None = None,
    ) -> None:
        super().__init__(receive_codec, send_codec, caught_close_codes)
        self.scope = scope
        """The ASGI scope the app is called with."""
        self._app = app
        self._to_app, self._app_inbox = anyio.create_memory_object_stream[Message](math.inf)
        self._app_outbox, self._from_app = anyio.create_memory_object_stream[Message](math.inf)
        self._tasks: TaskGroup | None = None
        self._app_error: Exception | None = None
        self._disconnect_sent = False

    async def __aenter__(self) -> Self:
        if self._tasks is not None:
            raise RuntimeError("a test session can be entered only once")
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        self._tasks.start_soon(self._run_app)
        try:
            await self._to_app.send({"type": "websocket.connect"})
            message = await self._next_message()
            if message["type"] != "websocket.accept":
                self._frame_of(message)  # raises WebSocketDisconnect for a refused handshake
                raise RuntimeError(f"expected the app to accept or close, got {message['type']!r}")
        except BaseException as exc:
            await self.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        self.accepted_subprotocol: str | None = message.get("subprotocol")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        tasks, self._tasks = self._tasks, None
        if tasks is None:
            return
        try:
            if exc is not None and self._closed is None:  # the policy's code: 1011 for a failed test, say
                ending = ending_of(exc, self.caught_close_codes)
                self._closed_by_us(ending.code, ending.reason)
            closed = self._closed or _Closed(False, 1000, "")
            await self._send_disconnect(closed.code, closed.reason)
            if exc is not None:  # the test failed: do not wait for a handler that may never end
                tasks.cancel_scope.cancel()
            await tasks.__aexit__(None, None, None)
        finally:
            for stream in (self._to_app, self._app_inbox, self._app_outbox, self._from_app):
                stream.close()
        if self._app_error is not None:
            error, self._app_error = self._app_error, None
            error.__context__ = exc
            raise error

    async def _run_app(self) -> None:
        try:
            await self._app(self.scope, self._app_inbox.receive, self._app_send)
        except Exception as error:  # raised to the test when the session ends
            self._app_error = error
        finally:
            self._app_outbox.close()

    async def _app_send(self, message: Message) -> None:
        if self._disconnect_sent and message["type"] == "websocket.send":
            raise OSError("the test client has disconnected")  # as a server's transport does
        await self._app_outbox.send(message)

    async def _next_message(self) -> Message:
        try:
            return await self._from_app.receive()
        except anyio.EndOfStream:  # the app ended without closing: a server drops the connection
            return {"type": "websocket.close", "code": 1006, "reason": ""}

    async def _send_disconnect(self, code: int, reason: str) -> None:
        if not self._disconnect_sent:
            self._disconnect_sent = True
            await self._to_app.send({"type": "websocket.disconnect", "code": code, "reason": reason})

    async def send(self, value: SendT) -> None:
        """Send a value; raises `TypeError`, before sending, when it is not a `SendT`."""
        await self._to_app.send(self._event_of(self.send_codec.encode(value)))

    async def send_frame(self, frame: str | bytes) -> None:
        """Send a raw text (`str`) or binary (`bytes`) frame, whatever it holds: for testing bad input."""
        await self._to_app.send(self._event_of(frame))

    async def receive(self) -> RecvT:
        """Receive the next value; raises `WebSocketDisconnect` when the app closed, `MessageError` when invalid."""
        return self.receive_codec.decode(await self.receive_frame())

    async def receive_frame(self) -> str | bytes:
        """Receive the next raw frame: `str` for text, `bytes` for binary."""
        if self._closed is not None:
            raise self._closed.error()
        return self._frame_of(await self._next_message())

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection from the client's side (the reason cut to 123 bytes of UTF-8); no-op once closed.

        The handler receives a disconnect with `code`.
        """
        await self._send_disconnect(code, self._closed_by_us(code, reason))

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> RecvT:
        """The next received value; the iteration ends when the app closes normally."""
        return await next_value(self.receive, self.caught_close_codes, self.close)
