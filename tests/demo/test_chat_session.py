"""A chat connection's outbox, and what a session does with a client that falls behind.

The session runs over a `typedws.WebSocket` on an in-memory ASGI peer whose
frames can be held back: a client that does not read is hard to make over
a real socket without filling kernel buffers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, timezone

import anyio
import pytest
from starlette.types import Message

from examples.chat.messages import CLIENT_MESSAGES, SERVER_MESSAGES, ClientMessage, Join, Joined, Left, Said, Users
from examples.chat.rooms import Rooms
from examples.chat.session import Outbox, Session
from tests.demo.test_chat_rooms import Inbox
from typedws import Hub, WebSocket

pytestmark = pytest.mark.anyio

WAIT = 10


def said(text: str) -> Said:
    return Said(room="lobby", user="ana", text=text, time=datetime(2026, 1, 1, tzinfo=timezone.utc))


async def test_an_outbox_hands_out_messages_in_order() -> None:
    outbox = Outbox(size=3)
    for text in ("a", "b", "c"):
        outbox.put(said(text))
    assert [await outbox.get() for _ in range(3)] == [said("a"), said("b"), said("c")]
    assert not outbox.overflowed


async def test_an_outbox_that_overflows_gives_up_on_its_connection() -> None:
    outbox = Outbox(size=2)
    for text in ("a", "b", "c", "d"):
        outbox.put(said(text))
    assert outbox.overflowed
    assert await outbox.get() is None  # the queued messages are dropped: the connection is to be closed
    assert await outbox.get() is None


async def test_an_outbox_wakes_its_reader() -> None:
    outbox = Outbox(size=2)
    got: list[Said | None] = []

    async def read() -> None:
        message = await outbox.get()
        assert message is None or isinstance(message, Said)
        got.append(message)

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(read)
        await anyio.wait_all_tasks_blocked()
        outbox.put(said("late"))
    assert got == [said("late")]


class SlowClient:
    """An ASGI WebSocket peer whose frames to the client wait while `reading` is clear."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[Message] = asyncio.Queue()
        self.incoming.put_nowait({"type": "websocket.connect"})
        self.sent: list[Message] = []
        self.reading = asyncio.Event()

    def command(self, message: ClientMessage) -> None:
        self.incoming.put_nowait({"type": "websocket.receive", "text": CLIENT_MESSAGES.dump_json(message).decode()})

    async def receive(self) -> Message:
        return await self.incoming.get()

    async def send(self, message: Message) -> None:
        if message["type"] == "websocket.send":
            await self.reading.wait()
        self.sent.append(message)


@pytest.fixture
async def rooms() -> AsyncIterator[Rooms]:
    async with Hub("memory://") as hub, Rooms(hub) as rooms:
        with anyio.fail_after(WAIT):
            yield rooms


async def test_a_client_that_falls_behind_is_closed_with_1013_and_leaves_its_room(rooms: Rooms) -> None:
    _, watcher = await Inbox.enter(rooms, "lobby", "watcher")
    client = SlowClient()
    scope = {"type": "websocket", "path": "/chat", "headers": []}
    ws = WebSocket(scope, client.receive, client.send, receive_type=CLIENT_MESSAGES, send_type=SERVER_MESSAGES)
    await ws.accept()
    session = Session(ws, rooms, outbox_size=4)
    running = asyncio.create_task(session.run())

    client.command(Join(room="lobby", user="ana"))
    await watcher.until(Users(room="lobby", users=["ana", "watcher"]))
    for number in range(10):  # the first is held in the send; four fit the outbox; the sixth overflows it
        await rooms.said_topic("lobby").publish(said(str(number)))
    await anyio.wait_all_tasks_blocked()
    assert session.outbox.overflowed

    client.reading.set()
    await running
    frames = [m for m in client.sent if m["type"] == "websocket.send"]
    assert [SERVER_MESSAGES.validate_json(m["text"]) for m in frames] == [Joined(room="lobby", user="ana")]
    assert client.sent[-1] == {"type": "websocket.close", "code": 1013, "reason": "too slow: fell behind"}
    assert await watcher.until(Left(room="lobby", user="ana")) == [Left(room="lobby", user="ana")]
