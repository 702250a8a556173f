"""The typed-handler examples, over a real uvicorn server and through the typed test clients."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from pydantic import TypeAdapter
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from examples import fastapi_app, starlette_app
from examples.fastapi_app import Members, Post, Posted, Roster, Who
from examples.starlette_app import Refused, Said, Say, Shout
from tests.support.wire import close_of
from tests.support.servers import serve
from typedws import WebSocketDisconnect
from typedws.testing import AsyncTestClient, TestClient

pytestmark = pytest.mark.anyio

TOKEN = {"x-token": fastapi_app.ACCESS_TOKEN}


async def test_starlette_example_over_uvicorn(ws_impl: str) -> None:
    with serve(starlette_app.app, ws=ws_impl) as url:
        async with connect(f"{url}/chat") as client:
            await client.send('{"kind": "say", "text": "hello"}')
            assert json.loads(await client.recv()) == {"kind": "said", "text": "hello"}
            await client.send('{"kind": "shout", "text": "hello"}')
            assert json.loads(await client.recv()) == {"kind": "said", "text": "HELLO"}
            await client.send('{"kind": "whisper", "text": "hello"}')
            assert await close_of(client) == (1007, "invalid message")
        async with connect(f"{url}/echo") as client:
            await client.send('{"kind": "say", "text": "hi"}')
            assert json.loads(await client.recv()) == {"kind": "said", "text": "hi"}
            await client.send('{"kind": "say", "text": ""}')
            refused = json.loads(await client.recv())
            assert refused["kind"] == "refused"
            assert refused["detail"].startswith("message is not a valid Say: text:")
            await client.send("x" * 5000)  # over the listener's max_size of 4096 bytes
            assert json.loads(await client.recv()) == {"kind": "refused", "detail": "message of 5000 bytes exceeds max_size of 4096 bytes"}
            await client.send('{"kind": "say", "text": "still here"}')
            assert json.loads(await client.recv()) == {"kind": "said", "text": "still here"}


def test_starlette_example_with_the_typed_test_client() -> None:
    client = TestClient(starlette_app.app)
    with client.websocket_connect("/chat", send_type=TypeAdapter(starlette_app.Command), receive_type=Said) as chat:
        chat.send(Shout(text="quiet"))
        assert chat.receive() == Said(text="QUIET")
    with client.websocket_connect("/echo", send_type=Say, receive_type=TypeAdapter(starlette_app.Reply)) as echo:
        echo.send(Say(text="one"))
        assert echo.receive() == Said(text="one")
        echo.send_frame(b"\xff")
        refused = echo.receive()
        assert isinstance(refused, Refused)
        assert refused.detail.startswith("malformed JSON")


@pytest.fixture
def roster() -> Iterator[Roster]:
    """A fresh roster for each test, through FastAPI's dependency overrides."""
    fresh = Roster()
    fastapi_app.app.dependency_overrides[fastapi_app.get_roster] = lambda: fresh
    yield fresh
    fastapi_app.app.dependency_overrides.clear()


async def test_fastapi_example_over_uvicorn(ws_impl: str, roster: Roster) -> None:
    with serve(fastapi_app.app, ws=ws_impl) as url:
        async with connect(f"{url}/rooms/lobby?user=ana", additional_headers=TOKEN) as ana:
            await ana.send('{"kind": "post", "text": "hello"}')
            assert json.loads(await ana.recv()) == {"kind": "posted", "room": "lobby", "user": "ana", "text": "hello"}
            async with connect(f"{url}/rooms/lobby?user=bo", additional_headers=TOKEN) as bo:
                await bo.send('{"kind": "who"}')
                assert json.loads(await bo.recv()) == {"kind": "members", "room": "lobby", "users": ["ana", "bo"]}
        for path, headers in (
            ("/rooms/lobby?user=ana", {"x-token": "guess"}),  # refused by the handler
            ("/rooms/lobby", TOKEN),  # no `user`: refused by FastAPI's validation
        ):
            with pytest.raises(InvalidStatus) as refused:
                async with connect(f"{url}{path}", additional_headers=headers):
                    pass
            assert refused.value.response.status_code == 403
        async with connect(f"{url}/echo?user=cy") as client:
            await client.send('{"kind": "post", "text": "echo"}')
            assert json.loads(await client.recv()) == {"kind": "posted", "room": "echo", "user": "cy", "text": "echo"}


async def test_fastapi_example_with_the_async_test_client(roster: Roster) -> None:
    client = AsyncTestClient(fastapi_app.app)
    command = TypeAdapter(fastapi_app.RoomCommand)
    event = TypeAdapter(fastapi_app.RoomEvent)
    async with client.websocket_connect(
        "/rooms/kitchen?user=ana", send_type=command, receive_type=event, headers=TOKEN
    ) as ana:
        await ana.send(Who())
        assert await ana.receive() == Members(room="kitchen", users=["ana"])
        await ana.send(Post(text="hi"))
        assert await ana.receive() == Posted(room="kitchen", user="ana", text="hi")
    assert roster.members("kitchen") == []
    with pytest.raises(WebSocketDisconnect) as refused:
        async with client.websocket_connect("/rooms/kitchen?user=ana", headers={"x-token": "guess"}):
            pass
    assert (refused.value.code, refused.value.reason) == (1008, "bad token")
