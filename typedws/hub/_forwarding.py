"""Values sent straight to connections: `Forwarding` (one connection) and `Fanout` (all those of a topic).

A value goes to every forwarded connection of a process from one task, the
fanout's run, which awaits each connection's send in turn: no task, queue
or encoding per connection while connections take frames at once (the
frame is encoded once per send codec). A send that has to wait (a slow
peer) must not hold up the others: right after each step of the run, a
check finds the run waiting on such a send, leaves that send to finish in
the old run, and hands every other connection to a new run. Values for a
connection whose send is waiting queue up in its forwarding, bounded like a
subscription's queue.
"""

# The hub's modules are one package: they share the members of its classes that users need not see.
# pyright: reportPrivateUsage=false

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal

from starlette import status
from starlette.types import Message
from typing_extensions import Self, TypeVar

from .._codecs import Codec
from .._errors import WebSocketDisconnect
from .._websocket import WebSocket
from ._entry import Entry
from ._queue import OverflowPolicy
from ._subscriber import Subscriber

if TYPE_CHECKING:
    from ._topic import Stream, Topic

__all__ = ["Fanout", "Forwarding"]

logger = logging.getLogger("typedws.hub")

T = TypeVar("T", contravariant=True)

_ENDED = (WebSocketDisconnect, RuntimeError)
"""What a send raises once the connection is over (`WebSocketClosed` and Starlette's `WebSocketDisconnected` included)."""


class Forwarding(Subscriber, Generic[T]):
    """Sends every value of a topic (or stream) to one connection while entered: `async with topic.forward_to(ws):`.

    Each value is encoded once per send codec, however many connections it
    goes to. A connection that cannot keep up falls behind in a queue bounded
    like a subscription's: under `"drop_oldest"` it misses values, under
    `"raise"` it is closed with 1013 (try again later). When the hub loses
    its broker for longer than its `recovery_timeout`, the connection is
    closed with 1013 too. The forwarding stops quietly when the connection
    ends.
    """

    __slots__ = (
        "ws", "_send_codec", "_state", "_busy", "_blocked", "_task", "_close_with", "_fanout",
    )  # fmt: skip

    def __init__(
        self,
        topic: Topic[Any] | Stream[Any],
        ws: WebSocket[object, T],
        *,
        queue_size: int,
        queue_bytes: int,
        overflow: OverflowPolicy,
    ) -> None:
        super().__init__(topic, queue_size, queue_bytes, overflow)
        self.ws: WebSocket[object, T] = ws
        """The connection the values go to."""
        self._send_codec: Codec[Any] = ws.send_codec
        self._state: Literal["new", "open", "ended"] = "new"
        self._busy = False
        """Whether a send to the connection is waiting (or the queue is being sent): new values queue up."""
        self._blocked = True
        """Whether the fanout cannot send now: not open, or busy."""
        self._fanout: Fanout | None = None
        self._task: asyncio.Task[None] | None = None
        self._close_with: tuple[int, str] | None = None

    def __repr__(self) -> str:
        return f"<Forwarding of {self.topic.name!r} to {self.ws!r} {self._state} dropped={self._queue.dropped}>"

    # For the fanout -----------------------------------------------------------------------------

    def event_for(self, entry: Entry[Any]) -> Message:
        """The ASGI event that sends the entry's value to the connection."""
        frame = entry._frames.get(self._send_codec)
        if frame is None:
            frame = entry.frame_for(self._send_codec)
        if type(frame) is str:
            return {"type": "websocket.send", "text": frame}
        return {"type": "websocket.send", "bytes": frame}

    def enqueue(self, entry: Entry[Any]) -> None:
        """Queue an entry behind the send that is waiting, applying the overflow policy."""
        if self._state != "open":
            return
        if not self._put(entry):
            self._set(state="ended")
            self._close_soon(status.WS_1013_TRY_AGAIN_LATER, "too slow: fell behind")

    def failed(self, error: Exception) -> None:
        """A send raised: the connection is over (quietly), or something is wrong (logged)."""
        self._set(state="ended")
        if not isinstance(error, _ENDED):
            logger.error("stopped forwarding %r to %r: %s", self.topic.name, self.ws, type(error).__name__)

    async def finish(self) -> None:
        """After a send that waited: send what queued up meanwhile, then close the connection if asked to."""
        try:
            while self._queue.entries and self._state == "open":
                await self.ws.send_event(self.event_for(self._queue.take()))
            if self._close_with is not None:
                await self.ws.close(*self._close_with)
        except Exception as error:
            self.failed(error)
        finally:
            self._set(busy=False)

    def _set(self, *, state: Literal["open", "ended"] | None = None, busy: bool | None = None) -> None:
        """Change the state, keeping the fanout's list of blocked forwardings."""
        if state is not None:
            self._state = state
        if busy is not None:
            self._busy = busy
        self._blocked = self._state != "open" or self._busy
        fanout = self._fanout
        if fanout is not None and fanout.forwardings.get(self.ws) is self:
            if self._blocked:
                fanout.blocked[self.ws] = self
            else:
                fanout.blocked.pop(self.ws, None)

    # As a sink of the hub (through its fanout) ------------------------------------------------------

    def end(self, error: BaseException | None) -> None:
        """Stop forwarding; with an error, close the connection with 1013 (try again later)."""
        if self._state == "ended":
            return
        self._set(state="ended")
        if error is not None:
            self._close_soon(status.WS_1013_TRY_AGAIN_LATER, "the message broker is unavailable")

    def _close_soon(self, code: int, reason: str) -> None:
        self._close_with = (code, reason)
        if not self._busy:
            self._set(busy=True)
            self._task = asyncio.create_task(self.finish(), name=f"typedws hub closing {self.ws!r}")

    # For the handler -------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError("a forwarding can be entered only once; call forward_to() again")
        await self.topic.hub._join(self.topic, self)
        self._set(state="open")
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._state == "open":
            self._set(state="ended")
        try:
            await self.topic.hub._leave(self.topic, self)
        finally:
            task, self._task = self._task, None
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


class _Run:
    """One task of a fanout, and where it stands: the entry it sends and the connection it waits on."""

    __slots__ = ("task", "connections", "entry", "at", "superseded", "seen_waiting")

    def __init__(self, connections: tuple[WebSocket[Any, Any], ...], entry: Entry[Any] | None, start: int) -> None:
        self.task: asyncio.Task[None] | None = None
        self.connections = connections
        self.entry = entry
        self.at = start
        self.superseded = False
        self.seen_waiting: tuple[Entry[Any], int] | None = None
        """Where the run was last seen waiting on a send."""


class Fanout:
    """The forwardings of one topic, codec and size limit in a process: one sink for the channel."""

    __slots__ = (
        "codec", "max_size", "forwardings", "blocked", "_connections", "_pending", "_run", "_waiter", "_watching"
    )  # fmt: skip

    def __init__(self, codec: Codec[Any], max_size: int | None) -> None:
        self.codec = codec
        self.max_size = max_size
        self.forwardings: dict[WebSocket[Any, Any], Forwarding[Any]] = {}
        """Each forwarded connection's forwarding."""
        self.blocked: dict[WebSocket[Any, Any], Forwarding[Any]] = {}
        """The forwardings the run cannot send to now (see `Forwarding._blocked`)."""
        self._connections: tuple[WebSocket[Any, Any], ...] | None = None
        self._pending: deque[Entry[Any]] = deque()
        self._run: _Run | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._watching = False

    def add(self, forwarding: Forwarding[Any]) -> None:
        """Forward to one more connection; `RuntimeError` if the topic is forwarded to it already."""
        if forwarding.ws in self.forwardings:
            raise RuntimeError(f"{forwarding.topic.name!r} is forwarded to {forwarding.ws!r} already")
        self.forwardings[forwarding.ws] = forwarding
        forwarding._fanout = self
        forwarding._set()
        self._connections = None

    def remove(self, forwarding: Forwarding[Any]) -> bool:
        """Stop forwarding to a connection; whether it was forwarded to."""
        if self.forwardings.get(forwarding.ws) is not forwarding:
            return False
        del self.forwardings[forwarding.ws]
        self.blocked.pop(forwarding.ws, None)
        self._connections = None
        return True

    def offer(self, entry: Entry[Any]) -> None:
        """Queue an entry for every forwarding; the run sends it as soon as the event loop lets it."""
        self._pending.append(entry)
        if self._run is None:
            self._start(_Run((), None, 0))
        elif self._waiter is not None:
            waiter, self._waiter = self._waiter, None
            waiter.set_result(None)
            self._watch()

    def end(self, error: BaseException | None) -> None:
        for forwarding in list(self.forwardings.values()):
            forwarding.end(error)

    def miss(self) -> None:
        for forwarding in self.forwardings.values():
            forwarding.miss()

    def stop(self) -> None:
        """Stop sending (the last forwarding left, or the hub stopped)."""
        run, self._run = self._run, None
        self._pending.clear()
        if run is not None and run.task is not None:
            run.task.cancel()

    def _start(self, run: _Run) -> None:
        self._run = run
        run.task = asyncio.create_task(self._send(run), name="typedws hub fanout")
        self._watch()

    def _watch(self) -> None:
        """Look at the run right after its next step (the step is due first)."""
        if not self._watching:
            self._watching = True
            asyncio.get_running_loop().call_soon(self._check)

    def _check(self) -> None:
        """If the run still waits on a connection's send, let it finish that one alone and start a new run for the rest.

        A send seen waiting gets one more turn of the event loop first: most
        waits are a pause that resumes at once (a connection lets the loop run
        every so many sends).
        """
        self._watching = False
        run = self._run
        if run is None or run.entry is None or run.task is None or run.task.done():
            return
        seen = run.seen_waiting
        if seen is None or seen[0] is not run.entry or seen[1] != run.at:
            run.seen_waiting = (run.entry, run.at)
            self._watch()
            return
        run.superseded = True
        forwarding = self.forwardings.get(run.connections[run.at])
        if forwarding is not None:
            forwarding._set(busy=True)
        self._start(_Run(run.connections, run.entry, run.at + 1))

    async def _send(self, run: _Run) -> None:
        pending, blocked = self._pending, self.blocked
        entry, start, connections = run.entry, run.at, run.connections
        while True:
            if entry is None:
                if not pending:
                    self._waiter = asyncio.get_running_loop().create_future()
                    await self._waiter
                    continue
                if self._connections is None:
                    self._connections = tuple(self.forwardings)
                entry, start, connections = pending.popleft(), 0, self._connections
                run.connections = connections
            run.entry = entry
            # This loop runs for every connection and value: it touches nothing but the connection, and
            # encodes the frame once per send codec.
            codec: Codec[Any] | None = None
            text: str | None = None
            data = b""
            for index in range(start, len(connections)):
                ws = connections[index]
                if blocked and ws in blocked:
                    blocked[ws].enqueue(entry)
                    continue
                if ws.send_codec is not codec:
                    codec = ws.send_codec
                    frame = entry.frame_for(codec)
                    text, data = (frame, b"") if type(frame) is str else (None, frame)  # type: ignore[assignment]
                run.at = index
                try:
                    if text is not None:
                        await ws.send_event({"type": "websocket.send", "text": text})
                    else:
                        await ws.send_event({"type": "websocket.send", "bytes": data})
                except Exception as error:
                    self._failed(ws, error)
                if run.superseded:  # the send waited: the others went on in a new run
                    forwarding = self.forwardings.get(ws)
                    if forwarding is not None:
                        await forwarding.finish()
                    return
            run.entry = entry = None

    def _failed(self, ws: WebSocket[Any, Any], error: Exception) -> None:
        forwarding = self.forwardings.get(ws)
        if forwarding is not None:
            forwarding.failed(error)
