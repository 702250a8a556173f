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
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError
from starlette.types import Message, Receive, Send

from ._errors import IdleTimeout

__all__ = ["Ping", "Pong", "answering_pings", "timing_out"]


class Ping(BaseModel):
    """A client's heartbeat, `{"type": "ping"}`; the server answers with a `Pong` carrying the same `id`.

    Sent by a client every few seconds (fewer than the endpoint's
    `idle_timeout`), it keeps the connection alive and tells the client, by
    the `Pong`, that the server is still there. It never reaches the handler.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["ping"] = "ping"
    id: str | int | None = None
    """Anything the client wants echoed (a counter or a timestamp, to measure the round trip)."""


class Pong(BaseModel):
    """The server's answer to a `Ping`, `{"type": "pong"}`, with the ping's `id` when it had one."""

    model_config = ConfigDict(frozen=True)

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
    """`receive`, raising `IdleTimeout` once `seconds` pass from the last message received (or the first receive).

    Per message this only notes the time: one timer per connection, armed
    while a receive waits, fires at the deadline; if a message came since, it
    moves on to the new deadline, else it cancels the waiting receive, which
    raises `IdleTimeout` instead (a cancellation from anywhere else stays one).
    """
    loop: asyncio.AbstractEventLoop | None = None
    last = 0.0
    timer: asyncio.TimerHandle | None = None
    waiting: asyncio.Task[object] | None = None
    fired = False

    def check() -> None:
        nonlocal timer, fired
        timer = None
        if waiting is None or loop is None:
            return  # the handler is busy: the next receive arms the timer again
        deadline = last + seconds
        if loop.time() < deadline:
            timer = loop.call_at(deadline, check)
        else:
            fired = True
            waiting.cancel()

    async def receive_before_timeout() -> Message:
        nonlocal loop, last, timer, waiting, fired
        if loop is None:
            loop = asyncio.get_running_loop()
            last = loop.time()
        task = asyncio.current_task()
        if task is None:  # not an asyncio task (a server's own task implementation)
            message = await _receive_before(receive, last + seconds, seconds)
            if message["type"] == "websocket.receive":
                last = loop.time()
            return message
        if timer is None:
            timer = loop.call_at(last + seconds, check)
        waiting = task
        try:
            message = await receive()
        except asyncio.CancelledError:
            if fired:
                fired = False
                if task.uncancel() == 0:
                    raise IdleTimeout(seconds) from None
            raise
        finally:
            waiting = None
        if message["type"] == "websocket.receive":
            last = loop.time()
        elif message["type"] == "websocket.disconnect" and timer is not None:
            timer.cancel()
        return message

    return receive_before_timeout


async def _receive_before(receive: Receive, deadline: float, seconds: float) -> Message:
    """`receive()`, or `IdleTimeout` at `deadline` (loop time), with a cancel scope: slower, for tasks not asyncio's."""
    with anyio.move_on_at(deadline):
        return await receive()
    raise IdleTimeout(seconds)
