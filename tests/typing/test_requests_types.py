"""The typing contract of requests and replies, checked by mypy and pyright (never run).

`request(value)` returns the reply type `value`'s class declares with
`RequestFor[...]`, on every side: the server's `Peer`, the client's, the
async test session's and `SyncPeer`. Lines that must be errors carry
`# type: ignore[code]`; with `warn_unused_ignores`, a line that stops failing
is an error too.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter
from starlette.applications import Starlette
from typing_extensions import assert_type

import typedws
from typedws import Peer, RequestError, RequestFor, RequestTimeout, Responder, WebSocket
from typedws.client import connect
from typedws.testing import AsyncTestClient, SyncPeer, TestClient


class Room(BaseModel):
    type: Literal["room"] = "room"
    name: str


class NoSuchRoom(BaseModel):
    type: Literal["no_such_room"] = "no_such_room"


class GetRoom(BaseModel, RequestFor[Annotated[Room | NoSuchRoom, Field(discriminator="type")]]):
    type: Literal["get_room"] = "get_room"
    name: str


class Pong(BaseModel):
    n: int


class Ping(BaseModel, RequestFor[Pong]):
    n: int


class Note(BaseModel):
    text: str


app = Starlette()
ROOM_REPLIES: TypeAdapter[Room | NoSuchRoom] = TypeAdapter(Room | NoSuchRoom)
ROOMS_OR_PINGS: TypeAdapter[Room | Ping] = TypeAdapter(Room | Ping)


async def server_side(ws: WebSocket[GetRoom | Note, Room | NoSuchRoom | Ping | Note]) -> None:
    async with Peer(ws) as client:
        assert_type(client, Peer[GetRoom | Note, Room | NoSuchRoom | Ping | Note])
        assert_type(await client.request(Ping(n=1)), Pong)
        assert_type(await client.request(Ping(n=1), timeout=2.5), Pong)
        assert_type(await client.receive(), GetRoom | Note)
        async for message in client:
            assert_type(message, GetRoom | Note)
        await client.send(Note(text="hi"))
        await client.send(Pong(n=1))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        await client.request(Note(text="hi"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def client_side() -> None:
    async with connect("ws://127.0.0.1/rooms", receive_type=ROOM_REPLIES, send_type=GetRoom) as ws:
        async with Peer(ws, correlation_field="ref", timeout=5, concurrency=2, max_queue=4) as server:
            assert_type(server, Peer[Room | NoSuchRoom, GetRoom])
            reply = await server.request(GetRoom(name="lobby"))
            assert_type(reply, Room | NoSuchRoom)
            try:
                await server.request(GetRoom(name="lobby"))
            except RequestError as error:
                assert_type(error.code, str)
            except RequestTimeout as timeout:
                assert_type(timeout, TimeoutError)  # type: ignore[assert-type]  # pyright: ignore[reportAssertTypeFailure]
                assert isinstance(timeout, TimeoutError)


async def async_test_session() -> None:
    async with AsyncTestClient(app) as client:
        async with client.websocket_connect("/rooms", receive_type=ROOM_REPLIES, send_type=GetRoom) as ws:
            async with Peer(ws) as server:
                assert_type(await server.request(GetRoom(name="lobby")), Room | NoSuchRoom)


def sync_test_session() -> None:
    def pong(ping: Ping) -> Pong:
        return Pong(n=ping.n)

    with TestClient(app).websocket_connect("/rooms", receive_type=ROOMS_OR_PINGS, send_type=GetRoom) as ws:
        with SyncPeer(ws, answers=[pong]) as server:
            assert_type(server, SyncPeer[Room | Ping, GetRoom])
            assert_type(server.request(GetRoom(name="lobby")), Room | NoSuchRoom)
            assert_type(server.receive(), Room | Ping)
            server.send(Note(text="hi"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def get_room(request: GetRoom) -> Room | NoSuchRoom:
    return Room(name=request.name)


async def join(request: GetRoom, peer: Peer[Any, Any]) -> Room:
    return Room(name=request.name)


def routes() -> None:
    assert_type(typedws.responder(get_room, concurrency=4, correlation_field="ref"), Responder)
    typedws.responder(get_room, concurrency="many")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
