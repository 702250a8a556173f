"""Typed endpoints and listeners over a real uvicorn server, with the `websockets` client."""

from __future__ import annotations

import json
import logging
import threading
from typing import Annotated, Literal

import pytest
from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.exceptions import WebSocketException
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

import typedws
from tests.support.wire import close_of
from tests.support.servers import serve
from typedws import MessageError, WebSocket

pytestmark = pytest.mark.anyio


class Push(BaseModel):
    kind: Literal["push"] = "push"
    value: int


class Pop(BaseModel):
    kind: Literal["pop"] = "pop"


Op = Annotated[Push | Pop, Field(discriminator="kind")]


class Stack(BaseModel):
    items: list[int]


class Oops(BaseModel):
    error: str


def stack_app(ended: threading.Event | None = None, codes: list[int] | None = None) -> Starlette:
    @typedws.endpoint
    async def stack(ws: WebSocket[Op, Stack]) -> None:
        if ws.query_params.get("refuse"):
            await ws.close(1008)
            return
        items: list[int] = []
        try:
            async with ws:
                async for op in ws:
                    if isinstance(op, Push):
                        items.append(op.value)
                    elif items:
                        items.pop()
                    else:
                        raise RuntimeError("pop from an empty stack")
                    await ws.send(Stack(items=items))
        finally:
            if ended is not None:
                ended.set()

    @typedws.listener
    async def doubler(message: Push) -> Push | Oops:
        return Push(value=message.value * 2)

    @doubler.on_error
    async def explain(ws: WebSocket[Push, Push | Oops], error: MessageError) -> Oops:
        return Oops(error=error.reason)

    @doubler.on_disconnect
    async def left(ws: WebSocket[Push, Push | Oops], code: int) -> None:
        if codes is not None:
            codes.append(code)
        if ended is not None:
            ended.set()

    @typedws.endpoint
    async def forbidden(ws: WebSocket[str, str]) -> None:
        raise WebSocketException(1008)

    return Starlette(
        routes=[WebSocketRoute("/stack", stack), WebSocketRoute("/double", doubler), WebSocketRoute("/no", forbidden)]
    )


async def test_endpoint_round_trip_and_a_bad_message(ws_impl: str) -> None:
    with serve(stack_app(), ws=ws_impl) as url:
        async with connect(f"{url}/stack") as client:
            await client.send('{"kind": "push", "value": 1}')
            assert json.loads(await client.recv()) == {"items": [1]}
            await client.send('{"kind": "push", "value": 2}')
            await client.recv()
            await client.send('{"kind": "pop"}')
            assert json.loads(await client.recv()) == {"items": [1]}
            await client.send('{"kind": "peek"}')
            assert await close_of(client) == (1007, "invalid message")
        async with connect(f"{url}/stack") as client:  # the server is still up
            await client.send('{"kind": "push", "value": 7}')
            assert json.loads(await client.recv()) == {"items": [7]}


async def test_a_refused_handshake_is_an_http_403(ws_impl: str) -> None:
    with serve(stack_app(), ws=ws_impl) as url:
        for path in ("/stack?refuse=1", "/no"):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"{url}{path}"):
                    pass
            assert refused.value.response.status_code == 403


@pytest.mark.expect_error_log
async def test_a_crash_closes_1011_and_is_logged(ws_impl: str, no_error_logs: list[logging.LogRecord]) -> None:
    with serve(stack_app(), ws=ws_impl) as url:
        async with connect(f"{url}/stack") as client:
            await client.send('{"kind": "pop"}')
            assert await close_of(client) == (1011, "internal error")
    assert any("pop from an empty stack" in str(record.exc_info) for record in no_error_logs)


@pytest.mark.parametrize("code", [1000, 1001, 4000, 4999])
async def test_a_peer_leaving_with_any_code_is_not_an_error(ws_impl: str, code: int) -> None:
    """4000 is not a caught code: the disconnect leaves `async with`, and the endpoint ends it quietly."""
    ended = threading.Event()
    with serve(stack_app(ended), ws=ws_impl) as url:
        async with connect(f"{url}/stack") as client:
            await client.send('{"kind": "push", "value": 1}')
            await client.recv()
            await client.close(code)
        assert ended.wait(10)


async def test_a_peer_dropping_the_connection_is_not_an_error(ws_impl: str) -> None:
    ended = threading.Event()
    with serve(stack_app(ended), ws=ws_impl) as url:
        async with connect(f"{url}/stack") as client:
            await client.send('{"kind": "push", "value": 1}')
            await client.recv()
            client.transport.abort()
        assert ended.wait(10)


async def test_listener_answers_bad_messages_and_reports_the_close_code(ws_impl: str) -> None:
    ended = threading.Event()
    codes: list[int] = []
    with serve(stack_app(ended, codes), ws=ws_impl) as url:
        async with connect(f"{url}/double") as client:
            await client.send('{"kind": "push", "value": 21}')
            assert json.loads(await client.recv()) == {"kind": "push", "value": 42}
            await client.send(b"\x00\xff")
            assert json.loads(await client.recv()) == {"error": "malformed message"}
            await client.send('{"kind": "push", "value": "many"}')
            assert json.loads(await client.recv()) == {"error": "invalid message"}
            await client.close(4321)
        assert ended.wait(10)
    assert codes == [4321]


class Token(BaseModel):
    user: str


def check_token(x_token: Annotated[str, Header()]) -> Token:
    if not x_token.startswith("user:"):
        raise WebSocketException(1008, "bad token")
    return Token(user=x_token.removeprefix("user:"))


def fastapi_app() -> FastAPI:
    app = FastAPI()

    @app.websocket("/count/{start}")
    @typedws.endpoint
    async def count(ws: WebSocket[Pop, Push], start: int, token: Annotated[Token, Depends(check_token)], step: int = 1) -> None:
        value = start
        async with ws:
            async for _ in ws:
                await ws.send(Push(value=value))
                value += step

    @app.websocket("/double")
    @typedws.listener
    async def double(message: Push, ws: WebSocket[Push, Push]) -> Push:
        return Push(value=message.value * int(ws.query_params.get("factor", "2")))

    return app


async def test_fastapi_dependency_injection_over_uvicorn(ws_impl: str) -> None:
    with serve(fastapi_app(), ws=ws_impl) as url:
        async with connect(f"{url}/count/10?step=5", additional_headers={"x-token": "user:ana"}) as client:
            for expected in (10, 15, 20):
                await client.send('{"kind": "pop"}')
                assert json.loads(await client.recv()) == {"kind": "push", "value": expected}
        with pytest.raises(InvalidStatus) as refused:
            async with connect(f"{url}/count/10", additional_headers={"x-token": "nobody"}):
                pass
        assert refused.value.response.status_code == 403
        with pytest.raises(InvalidStatus):  # path parameter that is not an int
            async with connect(f"{url}/count/ten", additional_headers={"x-token": "user:ana"}):
                pass
        async with connect(f"{url}/double?factor=3") as client:
            await client.send('{"kind": "push", "value": 5}')
            assert json.loads(await client.recv()) == {"kind": "push", "value": 15}


async def test_an_endpoint_is_an_app_uvicorn_serves_as_it_is_not_taken_for_an_app_factory(
    ws_impl: str, caplog: pytest.LogCaptureFixture
) -> None:
    @typedws.endpoint
    async def shout(ws: WebSocket[str, str]) -> None:
        async with ws:
            async for text in ws:
                await ws.send(text.upper())

    with caplog.at_level(logging.WARNING), serve(shout, ws=ws_impl) as url:
        async with connect(url) as client:
            await client.send("hi")
            assert await client.recv() == "HI"
    assert not [record for record in caplog.records if "factory" in record.getMessage()]
