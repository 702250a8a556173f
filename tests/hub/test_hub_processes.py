"""The Hub inside real uvicorn processes: rooms shared by connections, and by two processes through Redis.

`create_app()` is the app each uvicorn process runs (`--factory`): a room
endpoint that publishes every `Note` a client sends to the room's topic and
forwards every `Note` of the topic to the client, with the hub in the
lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from pathlib import Path

import anyio
import pytest
import redis.asyncio
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from tests.support.servers import ChildProcess, child_process
from typedws import Hub, WebSocket, WebSocketDisconnect
from typedws.client import connect
from typedws.hub import Subscription

HUB_URL_VARIABLE = "TYPEDWS_TEST_HUB_URL"
WAIT = 10
"""Seconds a test waits for a message before it fails (a hang guard)."""


class Note(BaseModel):
    """A line said in a room."""

    user: str
    text: str


def create_app() -> Starlette:
    """The app each uvicorn process runs, on the hub named by `$TYPEDWS_TEST_HUB_URL`."""
    hub = Hub(os.environ[HUB_URL_VARIABLE])

    async def room(websocket: StarletteWebSocket) -> None:
        ws = WebSocket(websocket.scope, websocket.receive, websocket.send, value_type=Note)
        topic = hub.topic(f"room:{websocket.path_params['name']}", Note)
        async with topic.subscribe() as notes, ws:  # accepted once subscribed
            forwarding = asyncio.create_task(forward(notes, ws))
            try:
                async for note in ws:
                    await topic.publish(note)
            finally:
                forwarding.cancel()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with hub:
            yield

    return Starlette(routes=[WebSocketRoute("/rooms/{name}", room)], lifespan=lifespan)


async def forward(notes: Subscription[Note], ws: WebSocket[Note, Note]) -> None:
    """Send every note of the room to the connection."""
    with contextlib.suppress(WebSocketDisconnect):
        async for note in notes:
            await ws.send(note)


def uvicorn_process(hub_url: str, log: Path) -> AbstractContextManager[ChildProcess]:
    """Run `create_app()` in a uvicorn subprocess on a free port, its output to `log`; stop it (SIGTERM) on exit."""

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", f"{__name__}:create_app", "--factory",
            "--host", "127.0.0.1", "--port", str(port),
            "--ws", "websockets-sansio", "--lifespan", "on", "--log-level", "warning",
        ]  # fmt: skip

    return child_process(command, log, env={HUB_URL_VARIABLE: hub_url})


@pytest.mark.anyio
async def test_connections_in_one_process_share_a_room_through_the_memory_hub(tmp_path: Path) -> None:
    with uvicorn_process("memory://", tmp_path / "single.log") as server:
        with anyio.fail_after(WAIT):
            async with (
                connect(server.url("ws") + "/rooms/lobby", value_type=Note) as ana,
                connect(server.url("ws") + "/rooms/lobby", value_type=Note) as bob,
                connect(server.url("ws") + "/rooms/attic", value_type=Note) as eve,
            ):
                await ana.send(Note(user="ana", text="hello"))
                assert await bob.receive() == Note(user="ana", text="hello")
                assert await ana.receive() == Note(user="ana", text="hello")
                await eve.send(Note(user="eve", text="alone"))
                assert await eve.receive() == Note(user="eve", text="alone")
                await bob.send(Note(user="bob", text="hi ana"))
                assert await ana.receive() == Note(user="bob", text="hi ana")
    server.assert_clean()


@pytest.mark.anyio
async def test_two_uvicorn_processes_share_a_room_through_redis(tmp_path: Path, redis_url: str) -> None:
    with (
        uvicorn_process(redis_url, tmp_path / "first.log") as first,
        uvicorn_process(redis_url, tmp_path / "second.log") as second,
    ):
        with anyio.fail_after(WAIT):
            async with (
                connect(first.url("ws") + "/rooms/lobby", value_type=Note) as ana,
                connect(second.url("ws") + "/rooms/lobby", value_type=Note) as bob,
            ):
                await ana.send(Note(user="ana", text="from the first process"))
                assert await bob.receive() == Note(user="ana", text="from the first process")

                # A message on the room's channel that is no Note: each process logs and skips it.
                async with redis.asyncio.Redis.from_url(redis_url) as broker:
                    assert await broker.publish("room:lobby", '{"user": "mallory"}') == 2
                await bob.send(Note(user="bob", text="from the second process"))
                assert await ana.receive() == Note(user="ana", text="from the first process")
                assert await ana.receive() == Note(user="bob", text="from the second process")
                assert await bob.receive() == Note(user="bob", text="from the second process")
    for process in (first, second):
        assert "skipped a message of 19 bytes on 'room:lobby': invalid message" in process.output()
        process.assert_clean()
