"""A client that floods a responder with requests: the concurrency bound holds and memory stays flat."""

from __future__ import annotations

import json
import tracemalloc

import anyio
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.rpc.protocol import Gauge, rooms_app
from tests.support.servers import serve

ROUND = 1000
"""Requests per round of the flood."""

CONCURRENCY = 4
"""The responder's concurrency in these tests."""

MiB = 1024 * 1024


async def flood(ws: ClientConnection, count: int) -> None:
    """Send `count` requests as fast as the connection takes them while reading the replies; check every id came back."""

    async def send_all() -> None:
        for n in range(count):
            await ws.send(json.dumps({"id": n, "type": "wait", "seconds": 0.001, "tag": "flood"}))

    answered: set[int] = set()
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(send_all)
            for _ in range(count):
                answered.add(json.loads(await ws.recv())["id"])
    assert answered == set(range(count))


@pytest.mark.anyio
async def test_a_flood_of_requests_never_runs_more_answers_than_the_bound_and_memory_stays_flat() -> None:
    gauge = Gauge()
    with serve(rooms_app(gauge, concurrency=CONCURRENCY)) as base:
        async with connect(f"{base}/rooms") as ws:
            await flood(ws, ROUND // 2)  # warm-up: caches, buffers, lazily built schemas
            tracemalloc.start()
            try:
                await flood(ws, ROUND)
                settled, _ = tracemalloc.get_traced_memory()
                tracemalloc.reset_peak()
                for _ in range(3):
                    await flood(ws, ROUND)
                after, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert gauge.most == CONCURRENCY
    assert gauge.answered == ROUND // 2 + 4 * ROUND
    # Generous bounds (measured: ~0 KiB growth, ~0.6 MiB peak); without back-pressure the peak passed 5 MiB.
    assert after - settled < 1 * MiB, f"memory grew by {(after - settled) / MiB:.2f} MiB over 3 rounds"
    assert peak - settled < 2 * MiB, f"memory peaked {(peak - settled) / MiB:.2f} MiB above the settled level"
