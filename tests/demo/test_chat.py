"""The chat demo over a real uvicorn server, driven by the typed client with the demo's own message types."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import TypeVar

import anyio
import httpx
import pytest
from starlette.applications import Starlette

from examples.chat.__main__ import parse_arguments
from examples.chat.app import MAX_MESSAGE_SIZE, PAGE_POLICY, create_app
from examples.chat.messages import (
    CLIENT_MESSAGES,
    SERVER_MESSAGES,
    Error,
    Join,
    Joined,
    Leave,
    Left,
    Said,
    Say,
    ServerMessage,
    Users,
)
from tests.support.servers import serve
from typedws import WebSocketDisconnect
from typedws.client import ClientWebSocket, connect

pytestmark = pytest.mark.anyio

WAIT = 10
"""Seconds a test waits for the server or a message before it fails (a hang guard)."""

Chat = ClientWebSocket[ServerMessage, Join | Say | Leave]
"""A typed client connection to the chat."""

M = TypeVar("M")


@contextlib.contextmanager
def running_chat(app: Starlette | None = None) -> Iterator[str]:
    """Serve the chat (its lifespan included) with uvicorn in a thread; yield `http://127.0.0.1:PORT`."""
    with serve(app or create_app("memory://"), lifespan="on") as url:
        yield url.replace("ws://", "http://")


def chat_client(base_url: str) -> AbstractAsyncContextManager[Chat]:
    """A typed client connection to the chat at `base_url`."""
    return connect(
        base_url.replace("http://", "ws://") + "/chat", send_type=CLIENT_MESSAGES, receive_type=SERVER_MESSAGES
    )


async def receive_until(ws: Chat, found: Callable[[ServerMessage], bool]) -> list[ServerMessage]:
    """Receive messages up to the first that is `found`; return them all (the found one last)."""
    received: list[ServerMessage] = []
    while not received or not found(received[-1]):
        received.append(await ws.receive())
    return received


async def join(ws: Chat, room: str, user: str) -> list[str]:
    """Join `room` as `user`; return the room's user list the server answers with."""
    await ws.send(Join(room=room, user=user))
    assert await ws.receive() == Joined(room=room, user=user)
    users = await ws.receive()
    assert isinstance(users, Users)
    return users.users


async def expect(ws: Chat, kind: type[M]) -> M:
    """The next message, which must be a `kind`."""
    message = await ws.receive()
    assert isinstance(message, kind), message
    return message


async def assert_said(clients: tuple[Chat, ...], user: str, text: str) -> None:
    """Each of `clients` receives next a `Said` of `text` by `user`."""
    for ws in clients:
        said = await expect(ws, Said)
        assert (said.user, said.text) == (user, text)


@pytest.fixture
def chat_url() -> Iterator[str]:
    """The base URL of a chat served for one test, on the memory hub."""
    with running_chat() as url:
        yield url


@pytest.fixture
async def guard() -> AsyncIterator[None]:
    """Fail a test that waits too long instead of hanging."""
    with anyio.fail_after(WAIT):
        yield


async def test_join_say_leave(chat_url: str, guard: None) -> None:
    async with chat_client(chat_url) as ana:
        assert await join(ana, "lobby", "  ana ") == ["ana"]  # names are stripped

        await ana.send(Say(text="hello, <b>world</b> "))
        said = await expect(ana, Said)
        assert (said.room, said.user, said.text) == ("lobby", "ana", "hello, <b>world</b>")
        assert said.time.utcoffset() == timedelta(0)

        await ana.send(Leave())
        assert await ana.receive() == Left(room="lobby", user="ana")
        await ana.send(Say(text="anyone?"))
        assert await expect(ana, Error) == Error(code="not_in_room", detail="join a room first")

        assert await join(ana, "lobby", "ana") == ["ana"]  # the name is free again


async def test_two_clients_in_a_room_see_each_other(chat_url: str, guard: None) -> None:
    async with chat_client(chat_url) as ana, chat_client(chat_url) as bob:
        await join(ana, "lobby", "ana")
        assert await join(bob, "lobby", "bob") == ["ana", "bob"]
        assert await ana.receive() == Joined(room="lobby", user="bob")
        assert await ana.receive() == Users(room="lobby", users=["ana", "bob"])

        await bob.send(Say(text="hi ana"))
        await assert_said((ana, bob), "bob", "hi ana")
        await ana.send(Say(text="hi bob"))
        await assert_said((ana, bob), "ana", "hi bob")

        await bob.send(Leave())
        assert await bob.receive() == Left(room="lobby", user="bob")
        assert await ana.receive() == Left(room="lobby", user="bob")
        assert await ana.receive() == Users(room="lobby", users=["ana"])


async def test_a_client_that_disconnects_leaves_its_room(chat_url: str, guard: None) -> None:
    async with chat_client(chat_url) as ana:
        await join(ana, "lobby", "ana")
        async with chat_client(chat_url) as eve:
            await join(eve, "lobby", "eve")
            await receive_until(ana, lambda m: m == Users(room="lobby", users=["ana", "eve"]))
        assert await ana.receive() == Left(room="lobby", user="eve")
        assert await ana.receive() == Users(room="lobby", users=["ana"])


async def test_rooms_are_isolated(chat_url: str, guard: None) -> None:
    async with chat_client(chat_url) as ana, chat_client(chat_url) as bob, chat_client(chat_url) as ana2:
        await join(ana, "lobby", "ana")
        assert await join(bob, "games", "bob") == ["bob"]
        assert await join(ana2, "games", "ana") == ["ana", "bob"]  # a name is unique per room only
        await receive_until(bob, lambda m: isinstance(m, Users))

        await bob.send(Say(text="in games"))
        for ws in (bob, ana2):
            assert (await expect(ws, Said)).text == "in games"
        await ana.send(Say(text="in the lobby"))
        said = await expect(ana, Said)  # bob's line, had it leaked, would have come first
        assert (said.room, said.text) == ("lobby", "in the lobby")

        await bob.send(Say(text="still in games"))
        assert (await expect(ana2, Said)).text == "still in games"  # nothing from the lobby in between


async def test_errors_are_typed_messages_and_the_connection_stays_open(chat_url: str, guard: None) -> None:
    async with chat_client(chat_url) as ana, chat_client(chat_url) as other:
        await join(other, "lobby", "Ana")
        raw = ana.connection

        await raw.send("{not json")
        error = await expect(ana, Error)
        assert error.code == "invalid_message" and error.detail.startswith("malformed JSON")

        await raw.send('{"type": "shout", "text": "hi"}')
        error = await expect(ana, Error)
        assert error.code == "invalid_message" and "'join', 'say', 'leave'" in error.detail

        await raw.send('{"type": "join", "room": "No Spaces!", "user": "ana"}')
        error = await expect(ana, Error)
        assert error.code == "invalid_message" and error.detail.startswith("message is not a valid Join | Say | Leave: join.room: String should match pattern")

        await raw.send(b"\x89PNG\r\n")
        assert (await expect(ana, Error)).code == "invalid_message"  # a binary frame that is no JSON

        await ana.send(Say(text="hello"))
        assert await expect(ana, Error) == Error(code="not_in_room", detail="join a room first")
        await ana.send(Leave())
        assert await expect(ana, Error) == Error(code="not_in_room", detail="you are not in a room")

        await ana.send(Join(room="lobby", user="ANA"))
        assert await expect(ana, Error) == Error(
            code="name_taken", detail="someone in room 'lobby' is called 'ANA' already"
        )

        assert await join(ana, "lobby", "ana2") == ["Ana", "ana2"]
        await ana.send(Join(room="games", user="ana"))
        error = await expect(ana, Error)
        assert error == Error(code="already_in_room", detail="you are in room 'lobby': leave it first")

        await raw.send('{"type": "say", "text": "' + "x" * 501 + '"}')
        error = await expect(ana, Error)
        assert error.code == "invalid_message" and error.detail == "message is not a valid Join | Say | Leave: say.text: String should have at most 500 characters"

        await ana.send(Say(text="still here"))
        assert (await expect(ana, Said)).text == "still here"


async def test_a_message_over_the_size_limit_closes_the_connection_with_1009(chat_url: str, guard: None) -> None:
    async with chat_client(chat_url) as ana:
        await ana.connection.send('{"type": "say", "text": "' + "x" * MAX_MESSAGE_SIZE + '"}')
        with pytest.raises(WebSocketDisconnect) as closed:
            await ana.receive()
        assert closed.value.code == 1009


async def test_the_page_its_assets_and_the_message_docs_are_served(chat_url: str) -> None:
    async with httpx.AsyncClient(base_url=chat_url) as http:
        page = await http.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["content-security-policy"] == PAGE_POLICY
        assert '<script src="/static/chat.js" defer></script>' in page.text
        for asset, media_type in (("/static/chat.js", "text/javascript"), ("/static/chat.css", "text/css")):
            response = await http.get(asset)
            assert response.status_code == 200
            assert response.headers["content-type"].startswith(media_type)
        assert "innerHTML" not in (await http.get("/static/chat.js")).text

        document = (await http.get("/asyncapi.json")).json()
        assert document["channels"]["chat"]["address"] == "/chat"

        def messages(references: list[dict[str, str]]) -> set[str]:
            return {reference["$ref"].rpartition("/")[2] for reference in references}

        operations = document["operations"]
        assert messages(operations["receive_chat"]["messages"]) == {"Say", "Leave"}  # what clients send
        assert messages(operations["send_chat"]["messages"]) == {"Joined", "Left", "Users", "Said", "Error"}
        join = operations["receive_chat_Join"]  # a request, and its replies
        assert (messages(join["messages"]), messages(join["reply"]["messages"])) == ({"Join"}, {"Users_reply", "ErrorReply"})
        docs = await http.get("/asyncapi")
        assert docs.status_code == 200 and "typedws chat" in docs.text


def test_the_command_line_defaults_to_the_memory_hub_on_localhost(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAT_HUB_URL", raising=False)
    options = parse_arguments([])
    assert (options.host, options.port, options.hub_url) == ("127.0.0.1", 8000, "memory://")
    options = parse_arguments(["--port", "8001", "--hub-url", "redis://127.0.0.1:6379/0"])
    assert (options.port, options.hub_url) == (8001, "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("CHAT_HUB_URL", "redis://127.0.0.1:6380/0")
    assert parse_arguments([]).hub_url == "redis://127.0.0.1:6380/0"
