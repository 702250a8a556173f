"""`Peer` over the typed client (`typedws.client`), against a real uvicorn: both directions."""

from __future__ import annotations

import queue
from collections.abc import Iterator

import anyio
import pytest

from tests.rpc.protocol import (
    CLIENT_REQUESTS,
    PINGS_OR_NOTES,
    SERVER_REPLIES,
    Crash,
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
    rooms_app,
)
from tests.support.servers import serve
from typedws import Peer, RequestError, RequestTimeout, WebSocketDisconnect
from typedws.client import connect


@pytest.fixture(scope="module")
def rooms() -> Iterator[str]:
    """The `/rooms` responder's URL."""
    with serve(rooms_app()) as base:
        yield f"{base}/rooms"


@pytest.mark.anyio
async def test_a_request_returns_the_reply_of_its_declared_type(rooms: str) -> None:
    async with connect(rooms, receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws, Peer(ws) as server:
        assert await server.request(GetRoom(name="lobby")) == Room(name="lobby", users=["ana", "bo"])
        assert await server.request(GetRoom(name="attic")) == NoSuchRoom(name="attic")


@pytest.mark.anyio
async def test_concurrent_requests_each_get_their_own_reply(rooms: str) -> None:
    async with connect(rooms, receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws, Peer(ws) as server:
        replies: dict[str, Waited] = {}

        async def wait(tag: str, seconds: float) -> None:
            replies[tag] = await server.request(Wait(seconds=seconds, tag=tag))

        async with anyio.create_task_group() as tasks:
            for n in range(6):
                tasks.start_soon(wait, str(n), (6 - n) / 20)
    assert replies == {str(n): Waited(tag=str(n)) for n in range(6)}


@pytest.mark.anyio
async def test_an_error_reply_raises_request_error_with_its_code(rooms: str) -> None:
    async with connect(rooms, receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws, Peer(ws) as server:
        with pytest.raises(RequestError) as caught:
            await server.request(Refuse())
        assert (caught.value.code, caught.value.message) == ("refused_on_purpose", "refused, as asked")
        assert str(caught.value) == "the peer refused the request (refused_on_purpose)"
        assert await server.request(GetRoom(name="lobby")) == Room(name="lobby", users=["ana", "bo"])


@pytest.mark.anyio
async def test_a_slow_reply_times_out_and_the_connection_goes_on(rooms: str) -> None:
    async with connect(rooms, receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws, Peer(ws) as server:
        with pytest.raises(RequestTimeout) as caught:
            await server.request(Wait(seconds=1, tag="slow"), timeout=0.1)
        assert isinstance(caught.value, TimeoutError)
        assert str(caught.value) == "no reply to Wait within 0.1 s"
        assert await server.request(Wait(seconds=0, tag="quick")) == Waited(tag="quick")
        await anyio.sleep(1)  # the slow reply arrives, and is dropped
        assert await server.request(GetRoom(name="attic")) == NoSuchRoom(name="attic")
        assert server.correlator.pending == 0


@pytest.mark.anyio
async def test_what_is_not_a_request_of_the_send_type_is_refused_before_sending(rooms: str) -> None:
    async with connect(rooms, receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws, Peer(ws) as server:
        with pytest.raises(TypeError, match="not a request type"):
            await server.request(Note(text="hi"))  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="cannot send Ping"):
            await server.request(Ping(n=1))
        assert server.correlator.pending == 0


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_requests_pending_when_the_server_closes_fail_with_its_close(rooms: str) -> None:
    async with connect(rooms, receive_type=SERVER_REPLIES, send_type=CLIENT_REQUESTS) as ws, Peer(ws) as server:
        errors: list[WebSocketDisconnect] = []

        async def wait() -> None:
            try:
                await server.request(Wait(seconds=3, tag="never"))
            except WebSocketDisconnect as error:
                errors.append(error)

        with pytest.raises(WebSocketDisconnect) as crashed:
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(wait)
                tasks.start_soon(wait)
                await anyio.sleep(0.1)
                await server.request(Crash())
        assert crashed.value.code == 1011
        assert [error.code for error in errors] == [1011, 1011]
        with pytest.raises(WebSocketDisconnect):
            await server.request(GetRoom(name="lobby"))


@pytest.mark.anyio
async def test_the_client_answers_the_servers_requests(ws_impl: str) -> None:
    async def pong(ping: Ping) -> Pong:
        await anyio.sleep((3 - ping.n) / 50)  # the first ping is answered last
        return Pong(n=ping.n)

    with serve(asking_app(queue.Queue()), ws=ws_impl) as base:
        async with connect(f"{base}/ask", receive_type=PINGS_OR_NOTES, send_type=Note) as ws:
            async with Peer(ws, answers=[pong]) as server:
                await server.send(Note(text="3"))
                assert await server.receive() == Note(text="0 1 2")
                await server.send(Note(text="echo"))
                assert await server.receive() == Note(text="echo")
