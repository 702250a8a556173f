"""The server asks the client (`Peer.request` on a server connection) over a real uvicorn.

The client is a raw `websockets` client here, so that each test chooses
exactly what comes back: replies out of order, none at all, late ones,
error replies, a disconnect.
"""

from __future__ import annotations

import json
import queue
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.rpc.protocol import asking_app
from tests.support.servers import serve


@pytest.fixture
def outcomes() -> queue.Queue[str]:
    """How the server's requests ended when the client left."""
    return queue.Queue()


@pytest.fixture
def url(outcomes: queue.Queue[str], ws_impl: str) -> Iterator[str]:
    """The `/ask` endpoint, whose requests time out after half a second."""
    with serve(asking_app(outcomes, timeout=0.5), ws=ws_impl) as base:
        yield f"{base}/ask"


async def pings(ws: ClientConnection, count: int) -> list[dict[str, Any]]:
    """Ask the server to ping `count` times; return its pings."""
    await ws.send(json.dumps({"type": "note", "text": str(count)}))
    return [json.loads(await ws.recv()) for _ in range(count)]


async def pong(ws: ClientConnection, ping: dict[str, Any], **changes: Any) -> None:
    await ws.send(json.dumps({"id": ping["id"], "type": "pong", "n": ping["n"]} | changes))


async def results(ws: ClientConnection) -> str:
    note: dict[str, Any] = json.loads(await ws.recv())
    assert note["type"] == "note"
    text: str = note["text"]
    return text


@pytest.mark.anyio
async def test_the_servers_requests_carry_distinct_ids_and_replies_out_of_order_are_matched(url: str) -> None:
    async with connect(url) as ws:
        asked = await pings(ws, 3)
        assert sorted(ping["n"] for ping in asked) == [0, 1, 2]
        assert len({ping["id"] for ping in asked}) == 3
        for ping in reversed(asked):
            await pong(ws, ping)
        assert await results(ws) == "0 1 2"


@pytest.mark.anyio
async def test_a_request_without_reply_times_out_and_a_late_reply_is_dropped(url: str) -> None:
    async with connect(url) as ws:
        (first, second) = await pings(ws, 2)
        await pong(ws, second)
        assert await results(ws) == "timeout 1"
        await pong(ws, first)  # too late: dropped, the connection goes on
        await ws.send(json.dumps({"type": "note", "text": "still there?"}))
        assert await results(ws) == "still there?"


@pytest.mark.anyio
async def test_an_error_reply_fails_the_request_with_its_code(url: str) -> None:
    async with connect(url) as ws:
        (ping,) = await pings(ws, 1)
        await ws.send(json.dumps({"id": ping["id"], "error": {"code": "busy", "message": "try later"}}))
        assert await results(ws) == "refused:busy"


@pytest.mark.anyio
async def test_an_invalid_reply_fails_its_request_and_the_connection_stays_open(url: str) -> None:
    async with connect(url) as ws:
        (ping,) = await pings(ws, 1)
        await pong(ws, ping, n="not a number")
        assert await results(ws) == "invalid"
        await ws.send(json.dumps({"type": "note", "text": "and then?"}))
        assert await results(ws) == "and then?"


@pytest.mark.anyio
async def test_a_reply_with_an_id_the_server_never_used_is_answered_as_an_invalid_request(url: str) -> None:
    async with connect(url) as ws:
        await ws.send(json.dumps({"id": 999, "type": "pong", "n": 1}))
        error = json.loads(await ws.recv())
        assert error["id"] == 999
        assert error["error"]["code"] == "invalid_request"


@pytest.mark.anyio
async def test_the_requests_pending_when_the_client_leaves_fail_with_its_disconnect(
    url: str, outcomes: queue.Queue[str]
) -> None:
    async with connect(url) as ws:
        await pings(ws, 3)
        await ws.close(4000, "gone")
    with anyio.fail_after(5):
        ended = [await anyio.to_thread.run_sync(outcomes.get) for _ in range(3)]
    assert ended == ["disconnect 4000"] * 3
