"""Requests and replies over the test clients' sessions: `Peer` on the async one, `SyncPeer` on the sync one."""

from __future__ import annotations

import queue

import pytest
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from tests.rpc.protocol import (
    CLIENT_REQUESTS,
    PINGS_OR_NOTES,
    SERVER_REPLIES,
    GetRoom,
    Note,
    NoSuchRoom,
    Ping,
    Pong,
    Refuse,
    Room,
    Wait,
    Waited,
    asking_app,
    get_room,
    rooms_app,
)
import typedws
from typedws import InvalidMessage, Peer, RequestError, RequestTimeout, WebSocket, WebSocketDisconnect
from typedws.testing import AsyncTestClient, SyncPeer, TestClient


@pytest.mark.anyio
async def test_the_async_session_asks_and_gets_typed_replies() -> None:
    async with AsyncTestClient(rooms_app()) as client:
        async with client.websocket_connect("/rooms", receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws:
            async with Peer(ws) as app:
                assert await app.request(GetRoom(name="attic")) == NoSuchRoom(name="attic")
                with pytest.raises(RequestError, match="refused_on_purpose"):
                    await app.request(Refuse())
                with pytest.raises(RequestTimeout):
                    await app.request(Wait(seconds=1, tag="slow"), timeout=0.05)


@pytest.mark.anyio
async def test_the_async_session_answers_the_apps_requests_and_iterates_its_messages() -> None:
    async def pong(ping: Ping) -> Pong:
        return Pong(n=ping.n)

    async with AsyncTestClient(asking_app(queue.Queue())) as client:
        async with client.websocket_connect("/ask", receive_type=PINGS_OR_NOTES, send_type=Note) as ws:
            async with Peer(ws, answers=[pong]) as app:
                await app.send(Note(text="2"))
                await app.send(Note(text="bye"))
                notes: list[Ping | Note] = []
                async for note in app:
                    notes.append(note)
                    if len(notes) == 2:
                        await ws.close()
    assert notes == [Note(text="0 1"), Note(text="bye")]


def test_the_sync_session_asks_and_gets_typed_replies() -> None:
    with TestClient(rooms_app()) as client:
        with client.websocket_connect("/rooms", receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws:
            with SyncPeer(ws) as app:
                assert app.request(GetRoom(name="lobby")) == Room(name="lobby", users=["ana", "bo"])
                with pytest.raises(RequestError) as caught:
                    app.request(Refuse())
                assert caught.value.code == "refused_on_purpose"
                with pytest.raises(RequestTimeout):
                    app.request(Wait(seconds=0.5, tag="slow"), timeout=0.05)
                assert app.request(Wait(seconds=0, tag="quick")) == Waited(tag="quick")  # the slow one is dropped


def test_the_sync_session_answers_the_apps_requests_while_it_waits() -> None:
    answered: list[int] = []

    def pong(ping: Ping) -> Pong:
        answered.append(ping.n)
        return Pong(n=ping.n)

    with TestClient(asking_app(queue.Queue())) as client:
        with client.websocket_connect("/ask", receive_type=PINGS_OR_NOTES, send_type=Note) as ws:
            with SyncPeer(ws, answers=[pong]) as app:
                app.send(Note(text="3"))
                assert app.receive() == Note(text="0 1 2")
    assert sorted(answered) == [0, 1, 2]


def test_a_sync_session_request_fails_with_the_disconnect_of_an_app_that_closes() -> None:
    with TestClient(rooms_app()) as client:
        with client.websocket_connect("/rooms", receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws:
            with SyncPeer(ws) as app:
                ws.send_frame('{"type": "get_room", "name": "lobby"}')  # no id: the responder closes with 1007
                with pytest.raises(WebSocketDisconnect) as caught:
                    app.request(GetRoom(name="lobby"))
                assert caught.value.code == 1007


def test_answers_of_a_sync_peer_must_be_plain_functions() -> None:
    async def pong(ping: Ping) -> Pong:
        return Pong(n=ping.n)

    with TestClient(asking_app(queue.Queue())) as client:
        with client.websocket_connect("/ask", receive_type=PINGS_OR_NOTES, send_type=Note) as ws:
            with pytest.raises(TypeError, match="must be a plain function"):
                SyncPeer(ws, answers=[pong])


@pytest.mark.anyio
async def test_a_bad_message_raises_from_receive_and_the_connection_stays_open() -> None:
    @typedws.endpoint
    async def sends_a_bad_note(ws: WebSocket[str, str]) -> None:
        async with ws:
            await ws.send('{"type": "note"}')
            await ws.send('{"type": "note", "text": "fine"}')
            await ws.receive()

    async with AsyncTestClient(Starlette(routes=[WebSocketRoute("/", sends_a_bad_note)])) as client:
        async with client.websocket_connect("/", receive_type=PINGS_OR_NOTES, send_type="text") as ws:
            async with Peer(ws) as app:
                with pytest.raises(InvalidMessage):
                    await app.receive()
                assert await app.receive() == Note(text="fine")


def test_a_responder_serves_under_fastapi_too() -> None:
    app = FastAPI()
    app.websocket("/rooms")(typedws.responder(get_room))
    with TestClient(app) as client:
        with client.websocket_connect("/rooms", receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws:
            with SyncPeer(ws) as server:
                assert server.request(GetRoom(name="attic")) == NoSuchRoom(name="attic")
