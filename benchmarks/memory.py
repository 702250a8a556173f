"""Memory per idle open connection: in process (Python allocations) and in a uvicorn process (resident memory)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import tracemalloc

from starlette.types import ASGIApp, Message, Receive, Scope
from websockets.asyncio.client import connect

from .apps import contender_apps
from .end_to_end import SERVERS
from .inprocess import websocket_scope
from .payloads import Case
from .servers import uvicorn_process


async def python_bytes_per_connection(app: ASGIApp, count: int) -> float:
    """Bytes Python allocates per connection while `count` connections sit accepted and idle in `app`.

    Counts what the app and its task hold (connection objects, coroutine
    frames); the scopes and the in-memory receive/send are built beforehand
    and not counted.
    """
    release = asyncio.Event()
    accepted = 0

    def receiver() -> Receive:
        events: list[Message] = [{"type": "websocket.connect"}]

        async def receive() -> Message:
            if events:
                return events.pop()
            await release.wait()
            return {"type": "websocket.disconnect", "code": 1001}

        return receive

    async def send(message: Message) -> None:
        nonlocal accepted
        if message["type"] == "websocket.accept":
            accepted += 1

    async def connection(scope: Scope, receive: Receive) -> None:
        await app(scope, receive, send)

    peers = [(websocket_scope(), receiver()) for _ in range(count)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tasks = [asyncio.create_task(connection(scope, receive)) for scope, receive in peers]
        while accepted < count:
            await asyncio.sleep(0)
        await asyncio.sleep(0)  # let every handler reach its wait for a message
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        release.set()
    await asyncio.gather(*tasks)
    return (after - before) / count


async def measure_in_process(case: Case, count: int) -> dict[str, float]:
    """Bytes per idle connection of each in-process contender declaring `case`'s type."""
    return {name: await python_bytes_per_connection(app, count) for name, app in contender_apps(case).items()}


async def _resident_bytes_per_connection(app: str, count: int) -> float:
    with uvicorn_process(app) as server:
        async with contextlib.AsyncExitStack() as warmup:  # first connections load code and grow pools
            for _ in range(min(count, 20)):
                await warmup.enter_async_context(connect(server.url, compression=None))
        await asyncio.sleep(0.2)
        before = server.rss_bytes()
        async with contextlib.AsyncExitStack() as clients:
            for _ in range(count):
                await clients.enter_async_context(connect(server.url, compression=None))
            await asyncio.sleep(0.2)
            after = server.rss_bytes()
    return (after - before) / count


async def measure_resident(count: int) -> dict[str, float]:
    """Resident bytes per idle connection of each end-to-end server, with `count` connections open."""
    return {name: await _resident_bytes_per_connection(app, count) for name, app in SERVERS.items()}
