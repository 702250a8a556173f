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
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest
import redis.asyncio
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

from tests.redis_server import running_redis
from tests.server import free_port
from typedws import Hub, Topic, WebSocket, WebSocketDisconnect
from typedws.client import connect
from typedws.hub import Subscription

HUB_URL_VARIABLE = "TYPEDWS_TEST_HUB_URL"
WAIT = 10
"""Seconds a test waits for a process or a message before it fails (a hang guard)."""


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


@dataclass
class Process:
    """A uvicorn process serving `create_app()`."""

    url: str
    log: Path

    def output(self) -> str:
        """What the process wrote to stdout and stderr so far."""
        return self.log.read_text()


@contextlib.contextmanager
def uvicorn_process(hub_url: str, workdir: Path, name: str) -> Iterator[Process]:
    """Run `create_app()` in a uvicorn subprocess on a free port; stop it (SIGTERM) on exit."""
    port = free_port()
    log = workdir / f"{name}.log"
    command = [
        sys.executable, "-m", "uvicorn", f"{__name__}:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port),
        "--ws", "websockets-sansio", "--lifespan", "on", "--log-level", "warning",
    ]  # fmt: skip
    env = {**os.environ, HUB_URL_VARIABLE: hub_url}
    root = Path(__file__).resolve().parent.parent
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
    try:
        _wait_for_port(process, port, log)
        yield Process(f"ws://127.0.0.1:{port}", log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_port(process: subprocess.Popen[bytes], port: int, log: Path) -> None:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"uvicorn exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"uvicorn did not listen on port {port}:\n{log.read_text()}")


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A folder for the processes' logs."""
    with tempfile.TemporaryDirectory(prefix="typedws-hub-") as name:
        yield Path(name)


def assert_clean(process: Process) -> None:
    """The process logged no error and no traceback."""
    output = process.output()
    assert "ERROR" not in output and "Traceback" not in output, output


@pytest.mark.anyio
async def test_connections_in_one_process_share_a_room_through_the_memory_hub(workdir: Path) -> None:
    with uvicorn_process("memory://", workdir, "single") as server:
        with anyio.fail_after(WAIT):
            async with (
                connect(f"{server.url}/rooms/lobby", value_type=Note) as ana,
                connect(f"{server.url}/rooms/lobby", value_type=Note) as bob,
                connect(f"{server.url}/rooms/attic", value_type=Note) as eve,
            ):
                await ana.send(Note(user="ana", text="hello"))
                assert await bob.receive() == Note(user="ana", text="hello")
                assert await ana.receive() == Note(user="ana", text="hello")
                await eve.send(Note(user="eve", text="alone"))
                assert await eve.receive() == Note(user="eve", text="alone")
                await bob.send(Note(user="bob", text="hi ana"))
                assert await ana.receive() == Note(user="bob", text="hi ana")
    assert_clean(server)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis server for one test."""
    with running_redis() as url:
        yield url


@pytest.mark.anyio
async def test_two_uvicorn_processes_share_a_room_through_redis(workdir: Path, redis_url: str) -> None:
    with uvicorn_process(redis_url, workdir, "first") as first, uvicorn_process(redis_url, workdir, "second") as second:
        with anyio.fail_after(WAIT):
            async with (
                connect(f"{first.url}/rooms/lobby", value_type=Note) as ana,
                connect(f"{second.url}/rooms/lobby", value_type=Note) as bob,
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
        assert "skipped a message on topic 'room:lobby'" in process.output()
        assert_clean(process)
