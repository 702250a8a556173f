"""`typedws.testing`: typed test sessions, threaded (`TestClient`) and in the test's loop (`AsyncTestClient`)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send

import typedws
from typedws import InvalidMessage, WebSocket, WebSocketClosed, WebSocketDisconnect
from typedws.testing import AsyncTestClient, TestClient

pytestmark = pytest.mark.anyio


class Ping(BaseModel):
    """A client's ping."""

    n: int


class Pong(BaseModel):
    """The server's answer."""

    n: int


events: list[str] = []


@typedws.endpoint
async def ping(ws: WebSocket[Ping, Pong]) -> None:
    async with ws:
        async for message in ws:
            if message.n < 0:
                await ws.close(4000, "negative")
                return
            await ws.send(Pong(n=message.n + 1))


@typedws.endpoint
async def liar(ws: WebSocket[str, Any]) -> None:
    """Sends whatever JSON it is told to, valid `Pong` or not."""
    async with ws:
        async for text in ws:
            await ws.send_text(text)


@typedws.endpoint
async def echo_bytes(ws: WebSocket[bytes, bytes]) -> None:
    async with ws:
        async for data in ws:
            await ws.send(data[::-1])


@typedws.endpoint
async def handshake(ws: WebSocket[str, str]) -> None:
    await ws.accept(subprotocol=ws.subprotocols[-1] if ws.subprotocols else None)
    await ws.send(f"{ws.headers.get('x-who', '?')} {ws.query_params.get('q', '?')} {getattr(ws.state, 'db', '?')}")
    await ws.close()


@typedws.endpoint
async def pusher(ws: WebSocket[str, str]) -> None:
    """Sends without ever reading: only a failed send tells it the client left."""
    try:
        async with ws:
            n = 0
            while True:
                await ws.send(str(n))
                n += 1
                await anyio.sleep(0)
    finally:
        events.append("pusher ended")


@typedws.endpoint
async def watcher(ws: WebSocket[str, str]) -> None:
    try:
        async with ws:
            async for _ in ws:
                pass
            events.append(f"left with {ws.close_code}")
    finally:
        events.append("watcher ended")


async def returns_without_closing(scope: Scope, receive: Receive, send: Send) -> None:
    await receive()
    await send({"type": "websocket.accept"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[dict[str, str]]:
    events.append("startup")
    yield {"db": "connected"}
    events.append("shutdown")


app = Starlette(
    routes=[
        WebSocketRoute("/ping", ping),
        WebSocketRoute("/liar", liar),
        WebSocketRoute("/bytes", echo_bytes),
        WebSocketRoute("/handshake", handshake),
        WebSocketRoute("/pusher", pusher),
        WebSocketRoute("/watcher", watcher),
    ],
    lifespan=lifespan,
)


@pytest.fixture(autouse=True)
def clear_events() -> None:
    events.clear()


# The threaded TestClient ----------------------------------------------------------------------------


def test_typed_round_trip() -> None:
    with TestClient(app).websocket_connect("/ping", send_type=Ping, receive_type=Pong) as session:
        session.send(Ping(n=1))
        assert session.receive() == Pong(n=2)


def test_a_value_of_the_wrong_type_is_refused_before_sending() -> None:
    with TestClient(app).websocket_connect("/ping", send_type=Ping, receive_type=Pong) as session:
        with pytest.raises(TypeError, match="cannot send Pong"):
            session.send(Pong(n=1))  # type: ignore[arg-type]
        session.send(Ping(n=5))
        assert session.receive() == Pong(n=6)  # nothing else reached the server


def test_received_values_are_validated() -> None:
    with TestClient(app).websocket_connect("/liar", receive_type=Pong) as session:
        session.send('{"n": 1}')
        assert session.receive() == Pong(n=1)
        session.send('{"n": "one"}')
        with pytest.raises(InvalidMessage, match="message is not a valid Pong"):
            session.receive()


def test_bytes_both_ways() -> None:
    with TestClient(app).websocket_connect("/bytes", value_type="bytes") as session:
        session.send(b"abc")
        assert session.receive() == b"cba"
        with pytest.raises(TypeError):
            session.send("text")  # type: ignore[arg-type]


def test_a_close_from_the_app_raises_with_its_code_every_time() -> None:
    with TestClient(app).websocket_connect("/ping", value_type="json") as session:
        session.send({"n": -1})
        for _ in range(2):
            with pytest.raises(WebSocketDisconnect) as closed:
                session.receive()
            assert (closed.value.code, closed.value.reason) == (4000, "negative")
        with pytest.raises(WebSocketDisconnect):
            session.send({"n": 1})


def test_iteration_ends_on_a_normal_close_and_raises_on_others() -> None:
    with TestClient(app).websocket_connect("/liar") as session:
        for text in ("a", "b"):
            session.send(text)
        session.close()
        assert list(session) == []  # the session's own close ends its iteration
        with pytest.raises(WebSocketClosed, match="it is closed"):
            session.receive()
    with TestClient(app).websocket_connect("/handshake") as session:
        assert list(session) == ["? ? ?"]
    with TestClient(app).websocket_connect("/ping", send_type=Ping, receive_type=Pong) as pings:
        pings.send(Ping(n=1))
        pings.send(Ping(n=-1))
        assert list(pings) == [Pong(n=2)]  # every close code ends the iteration by default
        assert pings.close_code == 4000


def test_the_close_codes_that_end_iteration_can_be_chosen() -> None:
    with TestClient(app).websocket_connect(
        "/ping", send_type=Ping, receive_type=Pong, caught_close_codes=[4000]
    ) as pings:
        pings.send(Ping(n=1))
        pings.send(Ping(n=-1))
        assert list(pings) == [Pong(n=2)]
    with TestClient(app).websocket_connect(
        "/ping", send_type=Ping, receive_type=Pong, caught_close_codes=[1000]
    ) as pings:
        pings.send(Ping(n=1))
        pings.send(Ping(n=-1))
        received: list[Pong] = []
        with pytest.raises(WebSocketDisconnect) as closed:
            received.extend(pings)
        assert (received, closed.value.code) == ([Pong(n=2)], 4000)
    with pytest.raises(TypeError, match='caught_close_codes must be "all" or close codes'):
        TestClient(app).websocket_connect("/ping", caught_close_codes=4000)  # type: ignore[call-overload]


def test_raw_frames_for_bad_input() -> None:
    with TestClient(app).websocket_connect("/ping", send_type=Ping, receive_type=Pong) as session:
        session.send_frame(b"\x00")
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive_frame()
    assert closed.value.code == 1007


def test_subprotocols_headers_query_and_lifespan_state() -> None:
    with TestClient(app) as client:
        with client.websocket_connect(
            "/handshake?q=query", subprotocols=["v1", "v2"], headers={"x-who": "ana"}
        ) as session:
            assert session.accepted_subprotocol == "v2"
            assert session.receive() == "ana query connected"


def test_a_refused_handshake_raises_with_the_code() -> None:
    @typedws.endpoint
    async def refuse(ws: WebSocket[str, str]) -> None:
        await ws.close(4403)

    with pytest.raises(WebSocketDisconnect) as refused:
        with TestClient(Starlette(routes=[WebSocketRoute("/", refuse)])).websocket_connect("/"):
            pass
    assert refused.value.code == 4403


def test_no_deprecation_warning_from_starlettes_test_client() -> None:
    """Starlette warns when its TestClient runs on `httpx` instead of `httpx2`; the dev extra installs `httpx2`."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import typedws.testing"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


# The AsyncTestClient, in the test's own loop ---------------------------------------------------------------


async def test_async_round_trip_and_iteration() -> None:
    async with AsyncTestClient(app).websocket_connect("/ping", send_type=Ping, receive_type=Pong) as session:
        await session.send(Ping(n=1))
        assert await session.receive() == Pong(n=2)
        await session.send(Ping(n=2))
        await session.send(Ping(n=-1))
        received = [pong async for pong in session]
        assert (received, session.close_code) == ([Pong(n=3)], 4000)


async def test_async_lifespan_runs_and_its_state_reaches_connections() -> None:
    async with AsyncTestClient(app) as client:
        assert events == ["startup"]
        async with client.websocket_connect("/handshake?q=1", subprotocols=["v1"], headers={"X-Who": "bo"}) as session:
            assert session.accepted_subprotocol == "v1"
            assert [text async for text in session] == ["bo 1 connected"]
    assert events == ["startup", "shutdown"]


async def test_leaving_the_block_closes_and_waits_for_the_handler() -> None:
    async with AsyncTestClient(app).websocket_connect("/watcher") as session:
        await session.send("hello")
        await session.close(4001, "bye")
        with pytest.raises(WebSocketClosed, match="it is closed"):
            await session.send("more")
    assert events == ["left with 4001", "watcher ended"]
    async with AsyncTestClient(app).websocket_connect("/watcher"):
        pass
    assert events[2:] == ["left with 1000", "watcher ended"]


async def test_async_iteration_ends_on_the_chosen_close_codes() -> None:
    async with AsyncTestClient(app).websocket_connect(
        "/ping", send_type=Ping, receive_type=Pong, caught_close_codes=[4000]
    ) as pings:
        await pings.send(Ping(n=1))
        await pings.send(Ping(n=-1))
        assert [pong async for pong in pings] == [Pong(n=2)]


async def test_a_close_reason_reaches_the_app_cut_as_a_close_frame_carries_it() -> None:
    seen: list[tuple[int, str]] = []

    @typedws.endpoint
    async def note_the_close(ws: WebSocket[str, str]) -> None:
        async with ws:
            try:
                await ws.receive()
            except WebSocketDisconnect as left:
                seen.append((left.code, left.reason))

    async with AsyncTestClient(note_the_close).websocket_connect("/") as session:
        await session.close(4001, "é" * 100)
    with TestClient(note_the_close).websocket_connect("/") as threaded:
        threaded.close(4002, "é" * 100)
    assert seen == [(4001, "é" * 61), (4002, "é" * 61)]


async def test_a_handler_that_only_sends_ends_when_the_client_leaves() -> None:
    async with AsyncTestClient(app).websocket_connect("/pusher") as session:
        assert [await session.receive() for _ in range(3)] == ["0", "1", "2"]
    assert events == ["pusher ended"]


async def test_an_app_crash_is_raised_when_the_session_ends() -> None:
    @typedws.endpoint
    async def crash(ws: WebSocket[str, str]) -> None:
        async with ws:
            raise KeyError("bug")

    with pytest.raises(KeyError, match="bug"):
        async with AsyncTestClient(crash).websocket_connect("/") as session:
            with pytest.raises(WebSocketDisconnect) as closed:
                await session.receive()
            assert closed.value.code == 1011


async def test_an_async_refused_handshake_raises_with_the_code() -> None:
    @typedws.endpoint
    async def refuse(ws: WebSocket[str, str]) -> None:
        await ws.close(4403, "no")

    with pytest.raises(WebSocketDisconnect) as refused:
        async with AsyncTestClient(refuse).websocket_connect("/"):
            pass
    assert (refused.value.code, refused.value.reason) == (4403, "no")


async def test_an_app_that_ends_without_closing_looks_like_a_dropped_connection() -> None:
    async with AsyncTestClient(returns_without_closing).websocket_connect("/") as session:
        with pytest.raises(WebSocketDisconnect) as closed:
            await session.receive()
    assert closed.value.code == 1006


async def test_a_session_is_entered_once() -> None:
    session = AsyncTestClient(app).websocket_connect("/ping")
    async with session:
        with pytest.raises(RuntimeError, match="entered only once"):
            await session.__aenter__()


async def test_a_running_client_cannot_be_entered_again() -> None:
    async with AsyncTestClient(app) as client:
        with pytest.raises(RuntimeError, match="the client is running already"):
            await client.__aenter__()
    assert events == ["startup", "shutdown"]  # one lifespan, run once


async def test_a_failed_lifespan_startup_is_raised() -> None:
    def connect_database() -> None:
        raise OSError("database down")

    @asynccontextmanager
    async def broken(app: Starlette) -> AsyncIterator[None]:
        connect_database()
        yield

    with pytest.raises(OSError, match="database down"):
        async with AsyncTestClient(Starlette(lifespan=broken)):
            pass
