"""`Forwarding`: a topic's values sent straight to a connection, the frame encoded once for every connection.

The hub calls the connection's send itself, as each value arrives: no task
and no queue per connection while the connection takes frames at once. A
send that has to wait (a slow peer) goes on in a task of its own, and the
values that arrive meanwhile wait in the forwarding's bounded queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Generator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal

from starlette import status
from starlette.types import Message
from typing_extensions import Self, TypeVar

from .._codecs import Codec
from .._errors import WebSocketDisconnect
from .._websocket import WebSocket
from ._entry import Entry
from ._queue import OverflowPolicy, Queue

if TYPE_CHECKING:
    from ._topic import Stream, Topic

__all__ = ["Forwarding"]

logger = logging.getLogger("typedws.hub")

T = TypeVar("T", contravariant=True)

_ENDED = (WebSocketDisconnect, RuntimeError)
"""What a send raises once the connection is over (`WebSocketClosed` and Starlette's `WebSocketDisconnected` included)."""


class Forwarding(Generic[T]):
    """Sends every value of a topic (or stream) to one connection while entered: `async with topic.forward_to(ws):`.

    Each value is encoded once per send codec, however many connections it
    goes to. A connection that cannot keep up falls behind in a queue bounded
    like a subscription's: under `"drop_oldest"` it misses values, under
    `"raise"` it is closed with 1013 (try again later). When the hub loses
    its broker for longer than its `recovery_timeout`, the connection is
    closed with 1013 too. The forwarding stops quietly when the connection
    ends.
    """

    __slots__ = ("topic", "ws", "complete", "_queue", "_send_codec", "_state", "_busy", "_task", "_close_with")

    def __init__(
        self,
        topic: Topic[Any] | Stream[Any],
        ws: WebSocket[object, T],
        *,
        queue_size: int,
        queue_bytes: int,
        overflow: OverflowPolicy,
    ) -> None:
        self.topic = topic
        """The topic (or stream) forwarded."""
        self.ws = ws
        """The connection the values go to."""
        self.complete = True
        """Whether every value since the forwarding started was sent (see `Subscription.complete`)."""
        self._queue = Queue(queue_size, queue_bytes, overflow)
        self._send_codec: Codec[Any] = ws.send_codec
        self._state: Literal["new", "open", "ended"] = "new"
        self._busy = False
        self._task: asyncio.Task[None] | None = None
        self._close_with: tuple[int, str] | None = None

    def __repr__(self) -> str:
        return f"<Forwarding of {self.topic.name!r} to {self.ws!r} {self._state} dropped={self._queue.dropped}>"

    @property
    def dropped(self) -> int:
        """How many values were dropped because the connection fell behind (`"drop_oldest"` policy)."""
        return self._queue.dropped

    # As a sink of the hub ---------------------------------------------------------------------

    @property
    def codec(self) -> Codec[Any]:
        """The codec of the topic's values."""
        return self.topic.codec

    @property
    def max_size(self) -> int | None:
        """The largest message of the topic, in bytes."""
        return self.topic.max_size

    def offer(self, entry: Entry[Any]) -> None:
        """Send the entry's frame now, or queue it behind a send that is waiting."""
        if self._state != "open":
            return
        if self._busy:
            self._enqueue(entry)
            return
        try:
            waiting = _run_until_it_waits(self.ws.send_event(_send_event(entry.frame_for(self._send_codec))))
        except _ENDED:
            self._state = "ended"  # the connection is over: its handler finds out by itself
            return
        except Exception:
            self._state = "ended"
            logger.exception("stopped forwarding %r to %r", self.topic.name, self.ws)
            return
        if waiting is not None:
            self._start_draining(waiting)

    def end(self, error: BaseException | None) -> None:
        """Stop forwarding; with an error, close the connection with 1013 (try again later)."""
        if self._state == "ended":
            return
        self._state = "ended"
        if error is not None:
            self._close_soon(status.WS_1013_TRY_AGAIN_LATER, "the message broker is unavailable")

    def miss(self) -> None:
        """Values may have been lost before they reached the forwarding."""
        self.complete = False

    def _enqueue(self, entry: Entry[Any]) -> None:
        queue = self._queue
        dropped = queue.dropped
        if not queue.put(entry):
            queue.clear()
            self._state = "ended"
            self._close_soon(status.WS_1013_TRY_AGAIN_LATER, "too slow: fell behind")
        elif queue.dropped != dropped:
            self.complete = False
            if dropped == 0:
                logger.warning("a connection forwarded %r fell behind: dropping its oldest values", self.topic.name)

    def _close_soon(self, code: int, reason: str) -> None:
        self._close_with = (code, reason)
        if not self._busy:
            self._start_draining(None)

    def _start_draining(self, waiting: _Resumed | None) -> None:
        self._busy = True
        self._task = asyncio.create_task(self._drain(waiting), name=f"typedws hub forwarding {self.topic.name!r}")

    async def _drain(self, waiting: _Resumed | None) -> None:
        """Finish the waiting send, send what queued up meanwhile, then close the connection if asked to."""
        try:
            if waiting is not None:
                await waiting
            while self._queue.entries and self._state == "open":
                entry = self._queue.take()
                await self.ws.send_event(_send_event(entry.frame_for(self._send_codec)))
            if self._close_with is not None:
                await self.ws.close(*self._close_with)
        except _ENDED:
            self._state = "ended"
        except Exception:
            self._state = "ended"
            logger.exception("stopped forwarding %r to %r", self.topic.name, self.ws)
        finally:
            self._busy = False

    # For the handler -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError("a forwarding can be entered only once; call forward_to() again")
        await self.topic.hub._join(self.topic, self)
        self._state = "open"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._state == "open":
            self._state = "ended"
        try:
            await self.topic.hub._leave(self.topic, self)
        finally:
            task, self._task = self._task, None
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def _send_event(frame: str | bytes) -> Message:
    if type(frame) is str:
        return {"type": "websocket.send", "text": frame}
    return {"type": "websocket.send", "bytes": frame}


def _run_until_it_waits(coroutine: Coroutine[Any, Any, None]) -> _Resumed | None:
    """Run `coroutine` now, up to its first wait; `None` if it finished, else what finishes it when awaited.

    A connection's send usually finishes without waiting (the transport takes
    the bytes): running it in place costs a function call, where a task per
    connection would cost a trip through the event loop.
    """
    try:
        waits_for = coroutine.send(None)
    except StopIteration:
        return None
    return _Resumed(coroutine, waits_for)


class _Resumed:
    """A coroutine that ran up to a wait, awaited from there on (what `await` does, from its second step)."""

    __slots__ = ("_coroutine", "_waits_for")

    def __init__(self, coroutine: Coroutine[Any, Any, None], waits_for: Any) -> None:
        self._coroutine = coroutine
        self._waits_for = waits_for

    def __await__(self) -> Generator[Any, Any, None]:
        waits_for = self._waits_for
        while True:
            try:
                sent = yield waits_for
            except BaseException as error:  # a cancellation, thrown in by the awaiting task
                try:
                    waits_for = self._coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    waits_for = self._coroutine.send(sent)
                except StopIteration:
                    return

