"""`topic.forward_to(ws)`: values sent straight to connections, encoded once, slow connections left behind alone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import anyio
import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import Message

import typedws
from tests.support.redis_server import RedisServer, redis_server
from tests.support.servers import serve
from typedws import Codec, Hub, WebSocket
from typedws.client import ClientWebSocket, connect

pytestmark = pytest.mark.anyio

WAIT = 15
"""Seconds a test waits before it fails (a hang guard, not a timing assertion)."""


class Note(BaseModel):
    """A line said in a room."""

    user: str
    text: str


class Peer:
    """The far end of an in-process connection: what the server sent it; its sends can be held."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self.held: asyncio.Event | None = None
        """While set to an unset event, every send waits for it (a peer that does not read)."""

    async def receive(self) -> Message:
        return {"type": "websocket.connect"}

    async def send(self, message: Message) -> None:
        if self.held is not None and message["type"] == "websocket.send":
            await self.held.wait()
        self.sent.append(message)

    def texts(self) -> list[str]:
        """The text frames sent."""
        return [m["text"] for m in self.sent if m["type"] == "websocket.send"]

    def close_code(self) -> int | None:
        """The code of the close sent, if any."""
        return next((m.get("code", 1000) for m in self.sent if m["type"] == "websocket.close"), None)


async def accepted(peer: Peer, value_type: Any = Note) -> WebSocket[Any, Any]:
    """An accepted in-process connection to `peer`."""
    scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b"", "subprotocols": []}
    ws: WebSocket[Any, Any] = WebSocket(scope, peer.receive, peer.send, value_type=value_type)
    await ws.accept()
    return ws


async def until(condition: Any) -> None:
    """Let the event loop run until `condition()` holds."""
    while not condition():
        await asyncio.sleep(0)


def note_json(n: int) -> str:
    return Note(user="ana", text=str(n)).model_dump_json()


class CountingCodec(Codec[Note]):
    """Notes as JSON, counting how many times a note is encoded."""

    def __init__(self) -> None:
        self.name = "note"
        self.media_type = "application/json"
        self.encoded = 0

    def decode(self, frame: str | bytes, max_size: int | None = None) -> Note:
        return Note.model_validate_json(frame)

    def encode(self, value: Note) -> str:
        self.encoded += 1
        return value.model_dump_json()


async def test_a_value_is_encoded_once_however_many_connections_it_is_forwarded_to() -> None:
    codec = CountingCodec()
    peers = [Peer() for _ in range(50)]
    with anyio.fail_after(WAIT):
        async with Hub() as hub, AsyncExitStack() as stack:
            notes = hub.topic("notes", codec)
            for peer in peers:
                await stack.enter_async_context(notes.forward_to(await accepted(peer, codec)))
            for n in range(3):
                await notes.publish(Note(user="ana", text=str(n)))
            await until(lambda: all(len(peer.texts()) == 3 for peer in peers))
    assert all(peer.texts() == [note_json(n) for n in range(3)] for peer in peers)
    assert codec.encoded == 3 + 3  # once to publish, once for every connection's frame


async def test_a_connection_whose_sends_wait_falls_behind_alone_and_drops_its_oldest_values() -> None:
    slow, fast = Peer(), Peer()
    slow.held = asyncio.Event()
    with anyio.fail_after(WAIT):
        async with Hub() as hub:
            notes = hub.topic("notes", Note)
            async with (
                notes.forward_to(await accepted(slow), queue_size=3, overflow="drop_oldest") as slow_forwarding,
                notes.forward_to(await accepted(fast)),
            ):
                for n in range(10):
                    await notes.publish(Note(user="ana", text=str(n)))
                await until(lambda: len(fast.texts()) == 10)
                assert fast.texts() == [note_json(n) for n in range(10)]
                slow.held.set()  # the peer reads again: the waiting send goes through, then the queue
                await until(lambda: len(slow.texts()) == 4)
                assert slow.texts() == [note_json(n) for n in (0, 7, 8, 9)]
                assert (slow_forwarding.dropped, slow_forwarding.complete) == (6, False)
                await notes.publish(Note(user="ana", text="10"))  # and it is sent in place again
                await until(lambda: len(slow.texts()) == 5 and len(fast.texts()) == 11)


async def test_a_connection_that_falls_behind_under_raise_is_closed_with_1013() -> None:
    slow, fast = Peer(), Peer()
    slow.held = asyncio.Event()
    with anyio.fail_after(WAIT):
        async with Hub() as hub:
            notes = hub.topic("notes", Note)
            async with (
                notes.forward_to(await accepted(slow), queue_size=3, overflow="raise"),
                notes.forward_to(await accepted(fast)),
            ):
                for n in range(10):
                    await notes.publish(Note(user="ana", text=str(n)))
                await until(lambda: len(fast.texts()) == 10)
                slow.held.set()
                await until(lambda: slow.close_code() is not None)
    assert slow.close_code() == 1013
    assert slow.texts() == [note_json(0)]  # the send under way, then the close


async def test_a_connection_that_ended_stops_its_forwarding_quietly() -> None:
    gone, staying = Peer(), Peer()
    with anyio.fail_after(WAIT):
        async with Hub() as hub:
            notes = hub.topic("notes", Note)
            gone_ws = await accepted(gone)
            async with notes.forward_to(gone_ws), notes.forward_to(await accepted(staying)):
                await gone_ws.close()
                for n in range(3):
                    await notes.publish(Note(user="ana", text=str(n)))
                await until(lambda: len(staying.texts()) == 3)
    assert gone.texts() == []


async def test_a_topic_is_forwarded_to_a_connection_once() -> None:
    async with Hub() as hub:
        notes = hub.topic("notes", Note)
        ws = await accepted(Peer())
        async with notes.forward_to(ws):
            with pytest.raises(RuntimeError, match="forwarded to .* already"):
                async with notes.forward_to(ws):
                    pass


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A Redis server of the test's own."""
    with redis_server() as started:
        yield started


async def test_forwarded_connections_are_closed_with_1013_when_redis_stays_away(server: RedisServer) -> None:
    peer = Peer()
    with anyio.fail_after(WAIT):
        async with Hub(server.url, recovery_timeout=0.5) as hub:
            async with hub.topic("notes", Note).forward_to(await accepted(peer)):
                await anyio.to_thread.run_sync(server.stop)
                await until(lambda: peer.close_code() is not None)
    assert peer.close_code() == 1013


def room_app(hub: Hub) -> Starlette:
    """Rooms whose notes every connection in the room gets, forwarded."""

    @typedws.endpoint
    async def room(ws: WebSocket[Note, Note]) -> None:
        topic = hub.topic(f"room:{ws.path_params['name']}", Note)
        async with ws, topic.forward_to(ws):
            async for note in ws:
                await topic.publish(note)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with hub:
            yield

    return Starlette(routes=[WebSocketRoute("/rooms/{name}", room)], lifespan=lifespan)


@pytest.mark.parametrize("hub_url", ["memory://", "redis"])
async def test_a_room_over_uvicorn_forwards_every_note_to_every_connection(
    hub_url: str, request: pytest.FixtureRequest, ws_impl: str
) -> None:
    url = request.getfixturevalue("redis_url") if hub_url == "redis" else hub_url
    with serve(room_app(Hub(url)), ws=ws_impl, lifespan="on") as base:
        with anyio.fail_after(WAIT):
            async with connect(base + "/rooms/lobby", value_type=Note) as ana:
                # A note comes back once its sender's forwarding is in place.
                await ana.send(Note(user="ana", text="in"))
                assert await ana.receive() == Note(user="ana", text="in")
                async with connect(base + "/rooms/lobby", value_type=Note) as bob:
                    await bob.send(Note(user="bob", text="in"))
                    assert await bob.receive() == await ana.receive() == Note(user="bob", text="in")
                    await say_and_hear(ana, bob)


async def say_and_hear(ana: ClientWebSocket[Note, Note], bob: ClientWebSocket[Note, Note]) -> None:
    """Ana says 100 notes; both hear every one, in order."""
    for n in range(100):
        await ana.send(Note(user="ana", text=str(n)))
    for client in (ana, bob):
        assert [await client.receive() for _ in range(100)] == [Note(user="ana", text=str(n)) for n in range(100)]
