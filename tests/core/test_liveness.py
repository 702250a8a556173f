"""Liveness over a real uvicorn server: the idle timeout, the heartbeat (`Ping` → `Pong`), a receive with a timeout.

Nothing here measures speed: a test waits for an outcome (a close, a pong)
within a generous hang guard. The one test whose outcome depends on time —
heartbeats keeping a connection open past its idle timeout — leaves a
margin of four pings per timeout.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import connect

from tests.support.apps import Chat, app_of, echo_app
from tests.support.servers import serve
from tests.support.wire import close_of
from typedws import IdleTimeout, Ping, Pong, WebSocket

pytestmark = pytest.mark.anyio

CHAT = '{"user": "ana", "text": "hi"}'


async def test_a_silent_peer_is_closed_with_1001_after_the_idle_timeout(ws_impl: str) -> None:
    with serve(echo_app(value_type=Chat, idle_timeout=0.2), ws=ws_impl) as url:
        async with connect(url) as peer:
            await peer.send(CHAT)
            assert json.loads(await peer.recv()) == json.loads(CHAT)
            assert await close_of(peer) == (IdleTimeout.close_code, IdleTimeout.reason) == (1001, "idle timeout")


async def test_a_handler_can_catch_the_idle_timeout_and_close_its_own_way(ws_impl: str) -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            try:
                await ws.receive()
            except IdleTimeout as timeout:
                await ws.close(4000, f"silent for {timeout.seconds:g} s")

    with serve(app_of(handler, idle_timeout=0.1), ws=ws_impl) as url:
        async with connect(url) as peer:
            assert await close_of(peer) == (4000, "silent for 0.1 s")


async def test_the_idle_timeout_reaches_a_reader_in_a_task_group(ws_impl: str) -> None:
    """The timeout cancels only the waiting receive: the reader's task raises `IdleTimeout`, which ends the group."""

    async def handler(ws: WebSocket[str, str]) -> None:
        async def read() -> None:
            async for text in ws:
                await ws.send(text)

        async with ws, anyio.create_task_group() as tasks:
            tasks.start_soon(read)
            await anyio.sleep_forever()

    with serve(app_of(handler, idle_timeout=0.2), ws=ws_impl) as url:
        async with connect(url) as peer:
            await peer.send("hello")
            assert await peer.recv() == "hello"
            assert await close_of(peer) == (1001, "idle timeout")


async def test_a_cancellation_while_receiving_stays_a_cancellation(ws_impl: str) -> None:
    ended: list[str] = []

    async def handler(ws: WebSocket[str, str]) -> None:
        async with ws:
            with anyio.move_on_after(0.05):
                await ws.receive()
            ended.append("moved on")
            await ws.send("still open")

    with serve(app_of(handler, idle_timeout=5), ws=ws_impl) as url:
        async with connect(url) as peer:
            assert await peer.recv() == "still open"
    assert ended == ["moved on"]


async def test_pings_are_answered_out_of_the_handlers_sight(ws_impl: str) -> None:
    received: list[str] = []

    async def handler(ws: WebSocket[str, str]) -> None:
        async with ws:
            async for text in ws:
                received.append(text)
                await ws.send(f"got {text}")

    with serve(app_of(handler, heartbeat=True), ws=ws_impl) as url:
        async with connect(url) as peer:
            await peer.send('{"type": "ping"}')
            assert Pong.model_validate_json(await peer.recv()) == Pong()
            await peer.send(Ping(id="t-42").model_dump_json())
            assert json.loads(await peer.recv()) == {"type": "pong", "id": "t-42"}
            for not_a_ping in ('{"type": "ping", "extra": 1}', '{"type": "ping"', "ping", '{"type": "pong"}'):
                await peer.send(not_a_ping)
                assert await peer.recv() == f"got {not_a_ping}"
    assert received == ['{"type": "ping", "extra": 1}', '{"type": "ping"', "ping", '{"type": "pong"}']


async def test_heartbeats_keep_a_connection_open_past_its_idle_timeout(ws_impl: str) -> None:
    with serve(echo_app(value_type=Chat, idle_timeout=1.0, heartbeat=True), ws=ws_impl) as url:
        async with connect(url) as peer:
            for n in range(6):  # 1.5 s in all, a ping every quarter of the timeout
                await peer.send(Ping(id=n).model_dump_json())
                assert Pong.model_validate_json(await peer.recv()) == Pong(id=n)
                await anyio.sleep(0.25)
            await peer.send(CHAT)
            assert json.loads(await peer.recv()) == json.loads(CHAT)


async def test_a_receive_with_a_timeout_raises_timeout_error_and_keeps_the_connection(ws_impl: str) -> None:
    async def handler(ws: WebSocket[str, str]) -> None:
        async with ws:
            with pytest.raises(TimeoutError):
                await ws.receive(timeout=0.05)
            await ws.send("nothing yet")
            await ws.send(f"then {await ws.receive(timeout=10)}")

    with serve(app_of(handler), ws=ws_impl) as url:
        async with connect(url) as peer:
            assert await peer.recv() == "nothing yet"
            await peer.send("hello")
            assert await peer.recv() == "then hello"
            assert await close_of(peer) == (1000, "")


def test_the_options_are_checked_when_the_endpoint_is_made() -> None:
    import typedws

    async def handler(ws: WebSocket[str, str]) -> None:
        pass

    with pytest.raises(ValueError, match="idle_timeout must be a positive number of seconds"):
        typedws.endpoint(idle_timeout=0)(handler)
    with pytest.raises(TypeError, match="heartbeat must be True or False"):
        typedws.endpoint(heartbeat="yes")(handler)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="unknown connection option"):
        typedws.endpoint(idle_timout=5)(handler)  # type: ignore[call-overload]


def test_the_heartbeat_is_in_the_endpoints_asyncapi_document() -> None:
    from starlette.applications import Starlette
    from starlette.routing import WebSocketRoute

    import typedws
    from typedws import asyncapi

    @typedws.endpoint(heartbeat=True, idle_timeout=30)
    async def chat(ws: WebSocket[Chat, Chat]) -> None:
        """A chat that a browser keeps alive with pings."""

    @typedws.endpoint
    async def quiet(ws: WebSocket[Chat, Chat]) -> None:
        """A chat without a heartbeat."""

    app = Starlette(routes=[WebSocketRoute("/chat", chat), WebSocketRoute("/quiet", quiet)])
    document: dict[str, Any] = asyncapi.document(app, title="t", version="1")  # read as JSON, unchecked

    keys = {channel["address"]: key for key, channel in document["channels"].items()}

    def messages(action: str, address: str) -> list[str]:
        operation = document["operations"][f"{action}_{keys[address]}"]
        return [reference["$ref"].rpartition("/")[2] for reference in operation["messages"]]

    # (The key of `/chat`, whose messages are a union, is not `chat`: Modelina names the union after it.)
    assert (messages("receive", "/chat"), messages("send", "/chat")) == (["Chat", "Ping"], ["Chat", "Pong"])
    assert (messages("receive", "/quiet"), messages("send", "/quiet")) == (["Chat"], ["Chat"])
    assert document["components"]["messages"]["Ping"]["summary"].startswith("A client's heartbeat")
    ping, pong = (document["components"]["schemas"][name] for name in ("Ping", "Pong"))
    assert ping["properties"]["type"]["const"] == "ping" and "required" not in ping
    assert pong["properties"]["type"]["const"] == "pong" and pong["required"] == ["type"]  # no id without the ping's
