"""`WebSocket[In, Out]` over a real uvicorn server with the `websockets` client."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.wire import close_of
from tests.support.apps import Chat, Join, Say, app_of, echo_app
from tests.support.servers import UVICORN_DENIAL_ERROR, serve
from typedws import WebSocket

pytestmark = pytest.mark.anyio


async def test_typed_echo(ws_impl: str) -> None:
    with serve(echo_app(value_type=Chat), ws=ws_impl) as url:
        async with connect(url) as client:
            await client.send('{"user": "ana", "text": "hello"}')
            assert json.loads(await client.recv()) == {"user": "ana", "text": "hello"}
            await client.send(b'{"user": "bo", "text": "binary JSON"}')
            reply = await client.recv()
            assert isinstance(reply, str)  # JSON always leaves in text frames
            assert json.loads(reply) == {"user": "bo", "text": "binary JSON"}


async def test_different_types_each_way(ws_impl: str) -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            async for join in ws:
                await ws.send(Say(text=f"welcome to {join.room}"))

    with serve(app_of(handler, receive_type=Join, send_type=Say), ws=ws_impl) as url:
        async with connect(url) as client:
            await client.send('{"kind": "join", "room": "lobby"}')
            assert json.loads(await client.recv()) == {"kind": "say", "text": "welcome to lobby"}


@pytest.mark.parametrize(
    ("options", "frame", "code", "reason"),
    [
        ({}, b"\x00binary", 1003, "unsupported frame type"),
        ({"value_type": Chat}, "{not json", 1007, "malformed message"),
        ({"value_type": Chat}, '{"user": 1, "text": []}', 1007, "invalid message"),
        ({"value_type": Chat, "max_size": 64}, json.dumps({"user": "a", "text": "x" * 64}), 1009, "message too large"),
    ],
)
async def test_bad_input_close_codes(ws_impl: str, options: dict[str, Any], frame: str | bytes, code: int, reason: str) -> None:
    with serve(echo_app(**options), ws=ws_impl) as url:
        async with connect(url) as client:
            await client.send(frame)
            assert await close_of(client) == (code, reason)
        async with connect(url) as client:  # the server is still up
            await client.send('{"user": "a", "text": "b"}' if options else "still here")
            assert await client.recv()


@pytest.mark.expect_error_log
async def test_handler_crash_closes_1011(ws_impl: str, no_error_logs: list[Any]) -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            await ws.receive()
            raise RuntimeError("bug in the handler")

    with serve(app_of(handler), ws=ws_impl) as url:
        async with connect(url) as client:
            await client.send("trigger")
            assert await close_of(client) == (1011, "internal error")
    assert any("bug in the handler" in str(record.exc_info) for record in no_error_logs)


async def test_client_closing_normally_ends_the_handler_quietly(ws_impl: str) -> None:
    finished: list[str] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            async for value in ws:
                await ws.send(value)
        finished.append("done")

    with serve(app_of(handler), ws=ws_impl) as url:
        async with connect(url) as client:
            await client.send("hi")
            assert await client.recv() == "hi"
    assert finished == ["done"]


@pytest.mark.expect_error_log
async def test_a_handler_can_deny_the_handshake_with_an_http_response(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        await ws.receive_event()
        await ws.send_event({"type": "websocket.http.response.start", "status": 401, "headers": []})
        await ws.send_event({"type": "websocket.http.response.body", "body": b"who ", "more_body": True})
        await ws.send_event({"type": "websocket.http.response.body", "body": b"are you?"})
        await ws.ensure_closed()  # the response ended the connection: nothing to close

    with serve(app_of(handler), ws=ws_impl) as url:
        with pytest.raises(InvalidStatus) as denied:
            async with connect(url):
                pass
    assert (denied.value.response.status_code, denied.value.response.body) == (401, b"who are you?")
    expected = [UVICORN_DENIAL_ERROR] if ws_impl == "websockets-sansio" else []
    assert [record.getMessage() for record in no_error_logs] == expected

