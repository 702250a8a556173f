"""Liveness: an idle timeout on what the peer sends, and a heartbeat a browser can speak (`Ping` → `Pong`).

Browsers cannot send WebSocket ping frames, and a half-open TCP connection
can sit for hours. Both layers wrap the server's raw `receive`, and only on
a connection that asks for them: the heartbeat answers each `Ping` with a
`Pong` before the handler sees anything, and the idle timeout raises
`IdleTimeout` (close 1001) from a receive once the peer has sent nothing,
heartbeats included, for its number of seconds.
"""

from __future__ import annotations

import asyncio
from typing import Literal

import anyio
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from starlette.types import Message, Receive, Send

from .._errors import IdleTimeout

__all__ = ["Ping", "Pong", "answering_pings", "timing_out"]


class Ping(BaseModel, extra="forbid", frozen=True):
    """A client's heartbeat, `{"type": "ping"}`; the server answers with a `Pong` carrying the same `id`.

    Sent by a client every few seconds (fewer than the endpoint's
    `idle_timeout`), it keeps the connection alive and tells the client, by
    the `Pong`, that the server is still there. It never reaches the handler.
    """

    type: Literal["ping"] = "ping"
    id: str | int | None = None
    """Anything the client wants echoed (a counter or a timestamp, to measure the round trip)."""


class Pong(BaseModel, frozen=True):
    """The server's answer to a `Ping`, `{"type": "pong"}`, with the ping's `id` when it had one."""

    type: Literal["pong"] = "pong"
    id: str | int | None = Field(default=None, exclude_if=lambda id: id is None)
    """The `id` of the ping it answers (left out when the ping had none)."""


_PING = TypeAdapter(Ping)
_PONG = TypeAdapter(Pong)
_LONGEST_PING = 256
"""Longer text frames are never pings (so a large message is not parsed twice)."""


def _ping_of(text: str) -> Ping | None:
    """The `Ping` that `text` is, or `None`."""
    if len(text) > _LONGEST_PING or '"ping"' not in text:
        return None
    try:
        return _PING.validate_json(text)
    except ValidationError:
        return None


def answering_pings(receive: Receive, send: Send) -> Receive:
    """`receive`, answering every `Ping` text frame with a `Pong` (sent with `send`) instead of returning it."""

    async def receive_answering_pings() -> Message:
        while True:
            message = await receive()
            text = message.get("text")
            if text is None or message["type"] != "websocket.receive" or (ping := _ping_of(text)) is None:
                return message
            pong = _PONG.dump_json(Pong(id=ping.id)).decode()
            try:
                await send({"type": "websocket.send", "text": pong})
            except (OSError, RuntimeError):
                pass  # the peer left: the next receive says so

    return receive_answering_pings


def timing_out(receive: Receive, seconds: float) -> Receive:
    """`receive`, raising `IdleTimeout` once `seconds` pass from the last message received (or the first receive)."""
    return _IdleClock(receive, seconds).receive


class _IdleClock:
    """One connection's idle timeout.

    Per message it only notes the time: one timer per connection, armed
    while a receive waits, fires at the deadline; if a message came since, it
    moves on to the new deadline, else it cancels the waiting receive, which
    raises `IdleTimeout` instead (a cancellation from anywhere else stays one).
    """

    __slots__ = ("_receive", "_seconds", "_loop", "_last", "_timer", "_waiting", "_fired")

    def __init__(self, receive: Receive, seconds: float) -> None:
        self._receive = receive
        self._seconds = seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._last = 0.0
        """Loop time of the last message received (or of the first receive)."""
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: asyncio.Task[object] | None = None
        """The task waiting in `receive`, if one is."""
        self._fired = False
        """Whether the timer cancelled the waiting task (and `receive` has yet to say so)."""

    def _check(self) -> None:
        self._timer = None
        if self._waiting is None or self._loop is None:
            return  # the handler is busy: the next receive arms the timer again
        deadline = self._last + self._seconds
        if self._loop.time() < deadline:
            self._timer = self._loop.call_at(deadline, self._check)
        else:
            self._fired = True
            self._waiting.cancel()

    async def receive(self) -> Message:
        """The server's next event, or `IdleTimeout` once the peer has been silent for too long."""
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
            self._last = loop.time()
        task = asyncio.current_task()
        if task is None:  # not an asyncio task (a server's own task implementation)
            message = await _receive_before(self._receive, self._last + self._seconds, self._seconds)
        else:
            if self._timer is None:
                self._timer = loop.call_at(self._last + self._seconds, self._check)
            self._waiting = task
            try:
                message = await self._receive()
            except asyncio.CancelledError:
                if self._fired:
                    self._fired = False
                    if task.uncancel() == 0:
                        raise IdleTimeout(self._seconds) from None
                raise
            finally:
                self._waiting = None
        if message["type"] == "websocket.receive":
            self._last = loop.time()
        elif message["type"] == "websocket.disconnect" and self._timer is not None:
            self._timer.cancel()
        return message


async def _receive_before(receive: Receive, deadline: float, seconds: float) -> Message:
    """`receive()`, or `IdleTimeout` at `deadline` (loop time), with a cancel scope: slower, for tasks not asyncio's."""
    with anyio.move_on_at(deadline):
        return await receive()
    raise IdleTimeout(seconds)
