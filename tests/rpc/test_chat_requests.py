"""The chat demo's join as a request, over a real uvicorn: answered with the room's users or a typed refusal."""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest

from examples.chat.messages import Join, Joined, Said, Say, Users
from tests.demo.test_chat import chat_client, running_chat
from typedws import Peer, RequestError

pytestmark = pytest.mark.anyio


@pytest.fixture
def chat_url() -> Iterator[str]:
    """The base URL of a chat served for one test, on the memory hub."""
    with running_chat() as url:
        yield url


async def test_a_join_request_is_answered_with_the_rooms_users(chat_url: str) -> None:
    with anyio.fail_after(10):
        async with chat_client(chat_url) as ana, Peer(ana) as server:
            assert await server.request(Join(room="lobby", user="ana")) == Users(room="lobby", users=["ana"])
            assert await server.receive() == Joined(room="lobby", user="ana")
            async with chat_client(chat_url) as bob, Peer(bob) as bobs_server:
                assert await bobs_server.request(Join(room="lobby", user="bob")) == Users(
                    room="lobby", users=["ana", "bob"]
                )
                await bobs_server.send(Say(text="hi"))
                while not isinstance(message := await server.receive(), Said):
                    pass
                assert (message.user, message.text) == ("bob", "hi")


async def test_a_refused_join_is_a_typed_error_reply_and_the_connection_stays_open(chat_url: str) -> None:
    with anyio.fail_after(10):
        async with chat_client(chat_url) as ana, Peer(ana) as ana_server, chat_client(chat_url) as eve, Peer(eve) as server:
            await ana_server.request(Join(room="lobby", user="ana"))
            with pytest.raises(RequestError) as taken:
                await server.request(Join(room="lobby", user="ANA"))
            assert taken.value.code == "name_taken"
            assert taken.value.message == "someone in room 'lobby' is called 'ANA' already"
            assert await server.request(Join(room="lobby", user="eve")) == Users(room="lobby", users=["ana", "eve"])
            with pytest.raises(RequestError) as again:
                await server.request(Join(room="games", user="eve"))
            assert again.value.code == "already_in_room"


async def test_an_invalid_join_request_is_answered_with_invalid_request(chat_url: str) -> None:
    with anyio.fail_after(10):
        async with chat_client(chat_url) as ws, Peer(ws) as server:
            with pytest.raises(RequestError) as invalid:
                await server.request(Join.model_construct(room="No Spaces!", user="ana"))
            assert invalid.value.code == "invalid_request"
            assert [error["loc"] for error in invalid.value.errors] == [("join", "room")]
            assert await server.request(Join(room="lobby", user="ana")) == Users(room="lobby", users=["ana"])
