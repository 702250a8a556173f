"""Test sessions close by the one close policy, and never swallow the test's own exception."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

import typedws
from typedws import InvalidMessage, WebSocket
from typedws.testing import AsyncTestClient, TestClient

pytestmark = pytest.mark.anyio

endings: list[int | None] = []


@typedws.endpoint
async def watcher(ws: WebSocket[str, str]) -> None:
    async with ws:
        async for _ in ws:
            pass
    endings.append(ws.close_code)


app = Starlette(routes=[WebSocketRoute("/watch", watcher)])


@pytest.mark.parametrize(
    ("error", "code"),
    [(LookupError("the test's bug"), 1011), (InvalidMessage("a bad message seen by the test"), 1007)],
)
async def test_an_async_session_left_by_an_exception_closes_with_the_policys_code_and_raises_it(
    error: Exception, code: int
) -> None:
    endings.clear()
    with pytest.raises(type(error)):
        async with AsyncTestClient(app).websocket_connect("/watch") as session:
            await session.send("hello")
            raise error
    assert session.close_code == code


async def test_an_async_session_left_normally_closes_with_1000() -> None:
    endings.clear()
    async with AsyncTestClient(app).websocket_connect("/watch") as session:
        await session.send("hello")
    assert endings == [1000]


def test_a_session_left_by_an_exception_tells_the_app_the_policys_code_and_raises_it() -> None:
    endings.clear()
    with pytest.raises(LookupError), TestClient(app).websocket_connect("/watch") as session:
        session.send("hello")
        raise LookupError("the test's bug")
    assert session.close_code == 1011
