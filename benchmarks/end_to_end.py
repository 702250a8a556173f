"""End to end on 127.0.0.1: one client echoes messages through each server in turn.

`measure` compares the contenders' apps over uvicorn; `measure_servers`
compares the servers of the server matrix, each serving the typed echo.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial

from websockets.asyncio.client import ClientConnection, connect

from .inprocess import EchoMismatch
from .rounds import Samples, Trial, interleave
from tests.support.launchers import LAUNCHERS

from .servers import Server, launched, uvicorn_process

SERVERS = {
    "raw starlette": "benchmarks.apps:raw_server",
    "typed": "benchmarks.apps:typed_server",
    "floor": "benchmarks.apps:floor_server",
    "litestar": "benchmarks.apps:litestar_server",
}
"""The contenders by row name, and the app each uvicorn process serves.

The floor shows the best a validating echo can do; Litestar's listener does not validate.
"""

TYPED_SERVER = SERVERS["typed"]
"""The app every server of the matrix serves in `measure_servers`."""


@dataclass(frozen=True)
class EndToEnd:
    """The figures of the end-to-end benchmark."""

    throughput: Samples
    """Messages per second each server echoed."""

    server_cpu: Samples
    """Microseconds of the server process's CPU time per message."""


async def _echo(ws: ClientConnection, frame: str, count: int) -> None:
    """Send `count` copies of `frame` without waiting, while reading the `count` echoes; check every echo."""

    async def send_all() -> None:
        for _ in range(count):
            await ws.send(frame)

    sender = asyncio.create_task(send_all())
    replies = {await ws.recv() for _ in range(count)}
    await sender
    for reply in replies:
        if json.loads(reply) != json.loads(frame):
            raise EchoMismatch(f"the server echoed {reply!r} for {frame!r}")


async def measure(frame: str, count: int, rounds: int) -> EndToEnd:
    """Echo `count` messages per round through each contender's uvicorn process, in interleaved rounds."""
    return await _compare({name: partial(uvicorn_process, app) for name, app in SERVERS.items()}, frame, count, rounds)


async def measure_servers(frame: str, count: int, rounds: int) -> EndToEnd:
    """Echo `count` messages per round through the typed echo on each server of the matrix, in interleaved rounds."""
    servers = {launcher.name: partial(launched, launcher, TYPED_SERVER) for launcher in LAUNCHERS}
    return await _compare(servers, frame, count, rounds)


async def _compare(
    servers: Mapping[str, Callable[[], AbstractContextManager[Server]]], frame: str, count: int, rounds: int
) -> EndToEnd:
    server_cpu = Samples("server µs/message", {name: [] for name in servers})
    with contextlib.ExitStack() as stack:
        running = {name: stack.enter_context(start()) for name, start in servers.items()}
        async with contextlib.AsyncExitStack() as clients:
            connections = {
                name: await clients.enter_async_context(connect(server.url, compression=None, max_size=None))
                for name, server in running.items()
            }

            def trial(name: str, server: Server, ws: ClientConnection) -> Trial:
                async def run() -> float:
                    cpu_before, start = server.cpu_seconds(), time.perf_counter()
                    await _echo(ws, frame, count)
                    elapsed, cpu = time.perf_counter() - start, server.cpu_seconds() - cpu_before
                    server_cpu.by_contender[name].append(cpu / count * 1e6)
                    return count / elapsed

                return run

            trials = {name: trial(name, running[name], ws) for name, ws in connections.items()}
            throughput = await interleave(trials, rounds=rounds, unit="messages/s")
    # `interleave` drops its warm-up round from the throughput; drop it from the CPU figures too.
    server_cpu.by_contender = {name: figures[-rounds:] for name, figures in server_cpu.by_contender.items()}
    return EndToEnd(throughput, server_cpu)
