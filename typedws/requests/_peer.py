"""`Peer[In, Out]`: requests and replies in both directions over a connection, whichever side it is.

```python
async with ws, Peer(ws, answers=[get_room]) as client:
    pong = await client.request(Ping())       # a Pong, or RequestError / RequestTimeout
    async for message in client:              # the messages that are neither requests nor replies
        ...
```

The same class serves the server's `WebSocket`, the client's
`ClientWebSocket` and the async test session: it reads the connection in a
task of its own, answers the peer's requests in tasks (at most
`concurrency` at once; past that it stops reading, so that a peer that
floods requests waits rather than fills memory), hands the replies to the
requests awaiting them, and queues the other messages (at most
`max_queue`; past that it stops reading too) for `receive()` and
`async for`.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, cast

import anyio
from anyio.abc import TaskGroup
from starlette.websockets import WebSocketState
from typing_extensions import Self, TypeVar

from ._answers import AnswerFunction, Answers
from .._close import close_of, next_value
from .._codecs import Codec
from ._correlation import (
    DEFAULT_CORRELATION_FIELD,
    BadRequest,
    CorrelationId,
    Correlator,
    Message,
    Reply,
    Request,
    unsupported_request,
)
from .._errors import MessageError, RequestError, RequestTimeout, WebSocketClosed, WebSocketDisconnect
from .._frames import event_of, frame_of
from ._declared import RequestFor
from .._typing import display_name
from .._websocket import WebSocket

if TYPE_CHECKING:
    from ..client import ClientWebSocket
    from ..testing import AsyncWebSocketTestSession

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_MAX_QUEUE",
    "DEFAULT_REQUEST_TIMEOUT",
    "Frames",
    "Peer",
    "checked_count",
    "checked_timeout",
]

InT = TypeVar("InT", covariant=True, default=Any)
OutT = TypeVar("OutT", contravariant=True, default=Any)
_R = TypeVar("_R")

DEFAULT_CONCURRENCY: Final = 8
"""How many of the peer's requests a connection answers at once, by default."""

DEFAULT_REQUEST_TIMEOUT: Final = 30.0
"""How long `request()` waits for a reply by default, in seconds."""

DEFAULT_MAX_QUEUE: Final = 16
"""How many received messages wait for `receive()` by default before reading stops."""


class Frames(Protocol):
    """What a `Peer` needs of a connection: frames in and out, and closing (the test sessions have these)."""

    async def receive_frame(self) -> str | bytes:
        """The next frame; `WebSocketDisconnect` once the connection has ended."""
        ...

    async def send_frame(self, frame: str | bytes) -> None:
        """Send a frame: `str` as text, `bytes` as binary."""
        ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection (no-op once closed)."""
        ...


class Peer(Generic[InT, OutT]):
    """The other end of a connection, for requests and replies both ways; use it with `async with`.

    `connection` is an accepted server `WebSocket`, a `ClientWebSocket` or
    an `AsyncWebSocketTestSession`. `answers` are the functions answering
    the peer's requests, one per request type:
    `async def get_room(request: GetRoom[, peer]) -> Room`. Options:

    - `correlation_field`: the top-level JSON field that carries the
      correlation id of requests and replies (`"id"`);
    - `concurrency`: how many of the peer's requests are answered at once;
      past that, reading waits (8);
    - `timeout`: how long `request()` waits for a reply by default, in
      seconds (30; `math.inf` waits for ever);
    - `max_queue`: how many messages wait for `receive()`; past that,
      reading waits (16).

    Leaving the block stops reading and cancels the answers under way.
    The connection ends the peer: every pending request then fails with
    its `WebSocketDisconnect`, and `receive()` raises it (`async for` ends
    quietly when its code is one of the connection's `caught_close_codes`).
    A message (without correlation id) that is not a valid `In` is handed
    over as on the connection itself: `receive()` raises its `MessageError`
    and the connection stays open; `async for` closes the connection with
    its code and raises it.
    """

    def __init__(
        self,
        connection: WebSocket[InT, OutT] | ClientWebSocket[InT, OutT] | AsyncWebSocketTestSession[InT, OutT],
        *,
        answers: Iterable[AnswerFunction] = (),
        correlation_field: str = DEFAULT_CORRELATION_FIELD,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_queue: int = DEFAULT_MAX_QUEUE,
    ) -> None:
        frames, max_size = _frames_of(connection)
        checked_count("concurrency", concurrency)
        checked_count("max_queue", max_queue)
        checked_timeout(timeout)
        self.connection = connection
        """The connection underneath."""
        self.correlator: Correlator[InT, OutT] = Correlator(
            connection.receive_codec, connection.send_codec, field=correlation_field, max_size=max_size
        )
        """The frames of requests, replies and messages, and the pending requests."""
        self.timeout = timeout
        """How long `request()` waits for a reply when given no timeout, in seconds."""
        self.concurrency = concurrency
        """How many of the peer's requests are answered at once."""
        self._answers = Answers(answers)
        self._frames = frames
        self._caught = connection.caught_close_codes
        self._slots = anyio.Semaphore(concurrency)
        self._sending = anyio.Lock()
        self._to_inbox, self._inbox = anyio.create_memory_object_stream[InT | _Refused](max_queue)
        self._replies: dict[CorrelationId, _Waiter] = {}
        self._tasks: TaskGroup | None = None
        self._ending: BaseException | None = None
        self._ended = anyio.Event()

    def __repr__(self) -> str:
        correlator = self.correlator
        return (
            f"<Peer receive={correlator.receive_codec.name} send={correlator.send_codec.name}"
            f" pending={correlator.pending}{' ended' if self._ended.is_set() else ''}>"
        )

    async def __aenter__(self) -> Self:
        if self._tasks is not None:
            raise RuntimeError("a Peer can be entered only once")
        connection = self.connection
        if isinstance(connection, WebSocket) and connection.application_state is not WebSocketState.CONNECTED:
            raise RuntimeError('the connection is not accepted: enter "async with ws:" (or accept) first')
        self._tasks = anyio.create_task_group()
        await self._tasks.__aenter__()
        self._tasks.start_soon(self._read, name="typedws peer reader")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool | None:
        tasks = self._tasks
        if tasks is None:
            return None
        tasks.cancel_scope.cancel()
        try:
            return await tasks.__aexit__(exc_type, exc, traceback)
        finally:
            self._end(RuntimeError("the Peer has stopped: leave its block last"))

    # Requests of ours -------------------------------------------------------------------------

    async def request(self, value: RequestFor[_R], *, timeout: float | None = None) -> _R:
        """Send a request and return the peer's reply, of the type the request declares.

        Raises `RequestTimeout` when no reply comes within `timeout` seconds
        (the peer's default when `None`), `RequestError` when the peer
        answered with an error reply, a `MessageError` when its reply was
        not a valid one, `WebSocketDisconnect` when the connection ended
        first, and `TypeError` (before sending) when `value` is not a request
        the connection sends.
        """
        limit = self.timeout if timeout is None else checked_timeout(timeout)
        self._check_open()
        correlation_id, frame = self.correlator.request(value)
        waiter = self._replies[correlation_id] = _Waiter()
        try:
            await self._send(frame)
            with anyio.move_on_after(limit):
                await waiter.done.wait()
            if not waiter.done.is_set():
                raise RequestTimeout(display_name(type(value)), limit)
            return waiter.outcome()  # type: ignore[no-any-return]
        finally:
            self._replies.pop(correlation_id, None)
            self.correlator.forget(correlation_id)

    # Messages ---------------------------------------------------------------------------------

    async def send(self, value: OutT) -> None:
        """Send a message (no correlation id); `TypeError`, before sending, when it is not an `Out`."""
        await self._send(self.correlator.message(value))

    async def receive(self) -> InT:
        """The next message that is neither a request nor a reply.

        Raises its `MessageError` for a bad message (the connection stays
        open), and how the connection ended once it has.
        """
        try:
            item = await self._inbox.receive()
        except (anyio.EndOfStream, anyio.ClosedResourceError):
            raise self._end_error() from None
        if isinstance(item, _Refused):
            raise item.error
        return item

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> InT:
        """The next message; the iteration ends when the peer leaves with one of the caught close codes.

        A bad message closes the connection with its code, and its `MessageError` is raised.
        """
        return await next_value(self.receive, self._caught, self._frames.close)

    async def wait_closed(self) -> None:
        """Wait until the connection has ended (the peer left, or a bad message closed it)."""
        await self._ended.wait()

    # The reader and the answers ----------------------------------------------------------------

    async def _read(self) -> None:
        correlator, frames, answer = self.correlator, self._frames, self._answer
        tasks = self._tasks
        assert tasks is not None
        try:
            while True:
                frame = await frames.receive_frame()
                try:
                    incoming = correlator.incoming(frame)
                except MessageError as error:
                    await self._to_inbox.send(_Refused(error))
                    continue
                if isinstance(incoming, Message):
                    await self._to_inbox.send(incoming.value)
                elif isinstance(incoming, Request):
                    await self._slots.acquire()  # no free slot: stop reading until an answer is through
                    tasks.start_soon(answer, incoming.id, incoming.value)
                elif isinstance(incoming, Reply):
                    waiter = self._replies.get(incoming.id)
                    if waiter is not None:
                        waiter.settle(incoming)
                elif isinstance(incoming, BadRequest):
                    await self._reply(correlator.error_reply(incoming.id, incoming.error))
        except WebSocketDisconnect as error:
            self._end(error)
        except MessageError as error:  # the protocol layer closed the connection for it (the client's 1009)
            await frames.close(error.close_code, error.reason)
            self._end(error)

    async def _answer(self, correlation_id: CorrelationId, request: object) -> None:
        try:
            answer = self._answers.get(type(request))
            try:
                if answer is None:
                    raise unsupported_request(request)
                arguments = (request, self) if answer.takes_peer else (request,)
                reply = await answer.function(*arguments)
                frame = self.correlator.reply(correlation_id, request, reply)
            except RequestError as error:
                frame = self.correlator.error_reply(correlation_id, error)
            await self._reply(frame)
        except WebSocketDisconnect:
            pass  # the connection has ended: there is no one left to answer
        finally:
            self._slots.release()

    async def _reply(self, frame: str) -> None:
        try:
            await self._send(frame)
        except WebSocketDisconnect:
            pass  # the reader hears of the end, and ends the peer

    async def _send(self, frame: str | bytes) -> None:
        self._check_open()
        async with self._sending:
            await self._frames.send_frame(frame)

    # The end ----------------------------------------------------------------------------------

    def _end(self, ending: BaseException) -> None:
        """Record how the peer ended (the first reason wins) and fail every pending request with it."""
        if self._ending is None:
            self._ending = ending
        self._to_inbox.close()
        self._ended.set()
        error = self._end_error()
        for correlation_id in self.correlator.forget_all():
            waiter = self._replies.get(correlation_id)
            if waiter is not None:
                waiter.fail(_copy(error))

    def _end_error(self) -> Exception:
        ending = self._ending
        if isinstance(ending, MessageError):
            return WebSocketClosed(ending.close_code, ending.reason, action="use")
        if isinstance(ending, WebSocketDisconnect):
            return _copy(ending)
        return RuntimeError("the Peer has stopped: leave its block last")

    def _check_open(self) -> None:
        if self._ended.is_set():
            raise self._end_error()
        if self._tasks is None:
            raise RuntimeError('the Peer is not running: use it inside "async with Peer(...)"')


class _Refused:
    """A bad message in the queue of received messages: `receive()` raises its error."""

    __slots__ = ("error",)

    def __init__(self, error: MessageError) -> None:
        self.error = error


class _Waiter:
    """Where the reader leaves the outcome of a request of ours."""

    __slots__ = ("done", "_value", "_error")

    def __init__(self) -> None:
        self.done = anyio.Event()
        self._value: Any = None
        self._error: Exception | None = None

    def settle(self, reply: Reply) -> None:
        self._value, self._error = reply.value, reply.error
        self.done.set()

    def fail(self, error: Exception) -> None:
        self._error = error
        self.done.set()

    def outcome(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value


def _copy(error: Exception) -> Exception:
    """A fresh exception like `error`, to raise in one more place without tangling tracebacks."""
    if isinstance(error, WebSocketClosed):
        return WebSocketClosed(error.code, error.reason, action="use")
    if isinstance(error, WebSocketDisconnect):
        return WebSocketDisconnect(error.code, error.reason)
    return error


class _ServerFrames:
    """The frames of a server `WebSocket`, through its raw ASGI events (which keep its state right)."""

    __slots__ = ("_ws",)

    def __init__(self, ws: WebSocket[Any, Any]) -> None:
        self._ws = ws

    async def receive_frame(self) -> str | bytes:
        message = await self._ws.receive_event()
        if message["type"] == "websocket.receive":
            return frame_of(message)
        raise WebSocketDisconnect(*close_of(message))  # receive_event allows nothing else once accepted

    async def send_frame(self, frame: str | bytes) -> None:
        await self._ws.send_event(event_of("websocket.send", frame))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self._ws.ensure_closed(code, reason)


class _FrameCodec(Codec[str | bytes]):
    """Frames as they are: what a client connection's view for a `Peer` receives and sends."""

    __slots__ = ()

    def __init__(self) -> None:
        self.name = "frames"
        self.media_type = "application/octet-stream"

    def decode(self, frame: str | bytes, max_size: int | None = None) -> str | bytes:
        return frame

    def encode(self, value: str | bytes) -> str | bytes:
        return value


_FRAMES: Final = _FrameCodec()


def _frames_of(
    connection: WebSocket[Any, Any] | ClientWebSocket[Any, Any] | AsyncWebSocketTestSession[Any, Any],
) -> tuple[Frames, int | None]:
    """The frames of a connection, and the largest one to accept (where the connection does not check)."""
    if isinstance(connection, WebSocket):
        return _ServerFrames(connection), connection.max_size
    if all(callable(getattr(connection, name, None)) for name in ("receive_frame", "send_frame", "close")):
        return cast(Frames, connection), None  # a test session, or any connection with frames of its own
    if hasattr(connection, "connection") and hasattr(connection, "send_codec"):
        return _ClientFrames(cast("ClientWebSocket[Any, Any]", connection)), None
    raise TypeError(
        f"a Peer works over a typedws WebSocket, ClientWebSocket or test session, not {type(connection).__name__}"
    )


class _ClientFrames:
    """The frames of a `ClientWebSocket`, through a view of it whose codecs pass frames as they are."""

    __slots__ = ("_view",)

    def __init__(self, ws: ClientWebSocket[Any, Any]) -> None:
        # A view of the same websockets connection that hands over frames; the protocol checks max_size.
        self._view: ClientWebSocket[str | bytes, str | bytes] = type(ws)(
            ws.connection, _FRAMES, _FRAMES, caught_close_codes=ws.caught_close_codes, max_size=ws.max_size
        )

    async def receive_frame(self) -> str | bytes:
        return await self._view.receive()

    async def send_frame(self, frame: str | bytes) -> None:
        await self._view.send(frame)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self._view.close(code, reason)


def checked_count(name: str, value: object) -> int:
    """`value` itself, once checked to be a positive `int`; else `ValueError` naming the option `name`."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    raise ValueError(f"{name} must be a positive int, got {value!r}")


def checked_timeout(timeout: object) -> float:
    """A timeout in seconds, once checked to be a positive number (`math.inf` for none); else `ValueError`."""
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0:
        return float(timeout)
    raise ValueError(f"timeout must be a positive number of seconds (math.inf for none), got {timeout!r}")

