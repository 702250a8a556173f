"""A responder over a real uvicorn, asked by a real `websockets` client speaking raw JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from tests.rpc.protocol import Gauge, rooms_app
from tests.support.servers import serve
from tests.support.wire import close_of


@pytest.fixture
def gauge() -> Gauge:
    """Counts the `Wait` answers of the server."""
    return Gauge()


@pytest.fixture
def url(gauge: Gauge, ws_impl: str) -> Iterator[str]:
    """The `/rooms` responder, served by each of uvicorn's WebSocket implementations."""
    with serve(rooms_app(gauge, concurrency=4), ws=ws_impl) as base:
        yield f"{base}/rooms"


async def ask(ws: ClientConnection, **request: Any) -> None:
    await ws.send(json.dumps(request))


async def answer(ws: ClientConnection) -> dict[str, Any]:
    reply: dict[str, Any] = json.loads(await ws.recv())
    return reply


@pytest.mark.anyio
async def test_a_reply_carries_its_requests_correlation_id_and_declared_type(url: str) -> None:
    async with connect(url) as ws:
        await ask(ws, id=7, type="get_room", name="lobby")
        assert await answer(ws) == {"id": 7, "type": "room", "name": "lobby", "users": ["ana", "bo"]}
        await ask(ws, id="seven", type="get_room", name="attic")
        assert await answer(ws) == {"id": "seven", "type": "no_such_room", "name": "attic"}


@pytest.mark.anyio
async def test_replies_come_as_answers_finish_so_a_slow_request_blocks_no_other(url: str) -> None:
    async with connect(url) as ws:
        await ask(ws, id=1, type="wait", seconds=1.0, tag="slow")
        await ask(ws, id=2, type="wait", seconds=0, tag="quick")
        await ask(ws, id=3, type="get_room", name="lobby")
        replies = [await answer(ws) for _ in range(3)]
    assert replies[-1] == {"id": 1, "type": "waited", "tag": "slow"}
    assert {reply["id"] for reply in replies[:2]} == {2, 3}
    assert {"id": 2, "type": "waited", "tag": "quick"} in replies


@pytest.mark.anyio
async def test_the_answers_running_at_once_never_exceed_the_concurrency(url: str, gauge: Gauge) -> None:
    async with connect(url) as ws:
        for n in range(12):
            await ask(ws, id=n, type="wait", seconds=0.05, tag=str(n))
        replies = [await answer(ws) for _ in range(12)]
    assert sorted(reply["id"] for reply in replies) == list(range(12))
    assert all(reply["tag"] == str(reply["id"]) for reply in replies)
    assert gauge.most == 4


@pytest.mark.anyio
async def test_an_invalid_request_is_answered_with_a_typed_error_and_the_connection_stays_open(url: str) -> None:
    async with connect(url) as ws:
        await ask(ws, id=1, type="get_room", name="")
        error = await answer(ws)
        assert error["id"] == 1
        assert error["error"]["code"] == "invalid_request"
        assert error["error"]["errors"] == [
            {
                "type": "string_too_short",
                "loc": ["get_room", "name"],
                "msg": "String should have at least 1 character",
                "ctx": {"min_length": 1},
            }
        ]
        await ask(ws, id=2, type="teleport")
        assert (await answer(ws))["error"]["code"] == "invalid_request"
        await ask(ws, id=3, type="get_room", name="lobby")
        assert (await answer(ws))["type"] == "room"


@pytest.mark.anyio
async def test_a_declared_application_error_is_an_error_reply(url: str) -> None:
    async with connect(url) as ws:
        await ask(ws, id=5, type="refuse")
        assert await answer(ws) == {"id": 5, "error": {"code": "refused_on_purpose", "message": "refused, as asked"}}
        await ask(ws, id=6, type="get_room", name="lobby")
        assert (await answer(ws))["id"] == 6


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_an_undeclared_error_in_an_answer_closes_the_connection_with_1011(url: str) -> None:
    async with connect(url) as ws:
        await ask(ws, id=1, type="crash")
        assert await close_of(ws) == (1011, "internal error")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ('{"type": "get_room", "name": "lobby"}', 1007),  # a request without its id: this endpoint takes requests
        ('{"id": {"n": 1}, "type": "get_room", "name": "lobby"}', 1007),  # an id that is no id
        ('{"id": 1, "type": "get_room", "name": "lobby"', 1007),  # malformed JSON: no id to answer with
        (b'{"id": 1, "type": "get_room", "name": "\xff"}', 1007),  # binary, not UTF-8
    ],
)
async def test_a_frame_that_cannot_be_answered_closes_with_its_code(url: str, frame: str | bytes, code: int) -> None:
    async with connect(url) as ws:
        await ws.send(frame)
        assert (await close_of(ws))[0] == code


@pytest.mark.anyio
async def test_an_error_reply_that_answers_nothing_is_dropped_and_a_stray_reply_is_an_invalid_request(
    url: str,
) -> None:
    async with connect(url) as ws:
        await ask(ws, id=1, error={"code": "late", "message": ""})
        await ask(ws, id=2, type="room", name="lobby", users=[])  # no request of the server's: read as a bad request
        assert (await answer(ws))["error"]["code"] == "invalid_request"
        await ask(ws, id=3, type="get_room", name="lobby")
        assert (await answer(ws))["id"] == 3


@pytest.mark.anyio
async def test_the_correlation_field_is_the_apps_to_name(ws_impl: str) -> None:
    with serve(rooms_app(correlation_field="ref"), ws=ws_impl) as base:
        async with connect(f"{base}/rooms") as ws:
            await ask(ws, ref="a1", type="get_room", name="attic")
            assert await answer(ws) == {"ref": "a1", "type": "no_such_room", "name": "attic"}
            await ask(ws, id=1, type="get_room", name="attic")  # "id" is just an extra field now: no correlation id
            assert (await close_of(ws))[0] == 1007
