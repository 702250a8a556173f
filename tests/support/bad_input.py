"""Bad input: the handlers that receive it, the table of bad messages and their close codes, the scenarios.

`app` routes a connection by its path to one of the handlers below; it counts
the handlers running and keeps the name of every exception that escapes one,
and answers any HTTP request with them (`{"running": N, "escaped": [...]}`), so
that a test can wait for a server in this process or in a child process to
settle. `BAD_INPUTS` is the bad-input matrix: one bad message per row, sent
where it is refused, with the error (and so the close code) it must get.

The scenarios (`assert_*`) are what every server runs: `tests/integration/test_bad_input.py`
over uvicorn in a thread, `tests/integration/test_server_bad_input.py` over
every server in `tests.support.launchers`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

import anyio
import httpx
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.types import Message, Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.wire import close_of, parse_standard_json
from tests.support.apps import run_empty_lifespan
from typedws import (
    DEFAULT_MAX_SIZE,
    InvalidMessage,
    MalformedMessage,
    MessageError,
    MessageTooLarge,
    UnexpectedFrame,
    WebSocket,
)

CANARY = "peer-data-5f0c"
"""Put in every bad payload that can carry text: it must never come back in a close reason."""

LIMIT = 1000
"""The `max_size` of the endpoints that test size limits, in bytes."""

MAX_REASON_BYTES = 123
"""The most a close frame's reason can hold (RFC 6455, section 5.5)."""

class Chat(BaseModel):
    """The message most endpoints receive and echo."""

    room: str
    n: int
    x: float = 0.0


class FiniteChat(Chat):
    """A chat whose float refuses infinities and NaN, as `allow_inf_nan=False` asks."""

    model_config = ConfigDict(allow_inf_nan=False)


class Problem(BaseModel):
    """The answer to a message the server cannot accept, when the handler keeps the connection."""

    kind: Literal["problem"] = "problem"
    close_code: int
    reason: str


class Said(BaseModel):
    """The answer to a valid chat message."""

    kind: Literal["said"] = "said"
    chat: Chat


T = TypeVar("T")

REPLIES = TypeAdapter[Said | Problem](Annotated[Said | Problem, Field(discriminator="kind")])




# The server ----------------------------------------------------------------------------------


async def echo(ws: WebSocket[T, T]) -> None:
    """Echo every message until the peer leaves; bad input ends the `async for` with its close code."""
    async with ws:
        async for value in ws:
            await ws.send(value)


async def chat(scope: Scope, receive: Receive, send: Send) -> None:
    await echo(WebSocket(scope, receive, send, value_type=Chat))


async def small_chat(scope: Scope, receive: Receive, send: Send) -> None:
    await echo(WebSocket(scope, receive, send, value_type=Chat, max_size=LIMIT))


async def unlimited_text(scope: Scope, receive: Receive, send: Send) -> None:
    await echo(WebSocket(scope, receive, send, max_size=None))


async def finite_chat(scope: Scope, receive: Receive, send: Send) -> None:
    await echo(WebSocket(scope, receive, send, value_type=FiniteChat))


async def any_json(scope: Scope, receive: Receive, send: Send) -> None:
    await echo(WebSocket(scope, receive, send, value_type="json"))


async def text(scope: Scope, receive: Receive, send: Send) -> None:
    await echo(WebSocket(scope, receive, send, max_size=LIMIT))


async def binary(scope: Scope, receive: Receive, send: Send) -> None:
    await echo(WebSocket(scope, receive, send, value_type="bytes", max_size=LIMIT))


async def crash(scope: Scope, receive: Receive, send: Send) -> None:
    ws = WebSocket(scope, receive, send, value_type=Chat)
    async with ws:
        async for value in ws:
            raise RuntimeError(f"a bug in the handler, holding the peer's {value.room}")


async def answer(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer every message, a bad one with a `Problem`, and keep the connection."""
    ws = WebSocket(scope, receive, send, receive_type=Chat, send_type=REPLIES, max_size=LIMIT)
    async with ws:
        while True:
            try:
                value = await ws.receive()
            except MessageError as error:
                await ws.send(Problem(close_code=error.close_code, reason=error.reason))
            else:
                await ws.send(Said(chat=value))


async def float_repr(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer each chat with `repr()` of the float the handler received."""
    ws = WebSocket(scope, receive, send, receive_type=Chat, send_type="text")
    async with ws:
        async for value in ws:
            await ws.send(repr(value.x))


async def send_non_finite(scope: Scope, receive: Receive, send: Send) -> None:
    """Send chats holding NaN and the infinities, made by the server itself."""
    ws = WebSocket(scope, receive, send, value_type=Chat)
    async with ws:
        for x in (math.nan, math.inf, -math.inf):
            await ws.send(Chat(room="r", n=1, x=x))


async def chat_in_two_tasks(scope: Scope, receive: Receive, send: Send) -> None:
    """Read chats in one task while another sends ticks, as a chat server does; a bad chat ends both."""
    ws = WebSocket(scope, receive, send, receive_type=Chat, send_type="text")

    async def read() -> None:
        async for value in ws:
            await ws.send(f"read {value.room}")

    async with ws, anyio.create_task_group() as tasks:
        tasks.start_soon(read)
        while True:
            await ws.send("tick")
            await anyio.sleep(0.01)


ROUTES: dict[str, Callable[[Scope, Receive, Send], Awaitable[None]]] = {
    "/chat": chat,
    "/small-chat": small_chat,
    "/finite": finite_chat,
    "/json": any_json,
    "/text": text,
    "/unlimited": unlimited_text,
    "/bytes": binary,
    "/crash": crash,
    "/answer": answer,
    "/float-repr": float_repr,
    "/non-finite": send_non_finite,
    "/two-tasks": chat_in_two_tasks,
}


class TrackedApp:
    """Routes a connection by its path to one of `ROUTES`, counting the handlers running and keeping what escapes one.

    Tests that share one server check the escaped exceptions themselves
    (`settle`), once every handler they started has ended, so a failure is
    reported by the test that caused it.
    """

    def __init__(self) -> None:
        self.running = 0
        self.escaped: list[str] = []
        """The names of the exceptions that escaped a handler."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await run_empty_lifespan(receive, send)
            return
        if scope["type"] == "http":
            await _answer(receive, send, {"running": self.running, "escaped": self.escaped})
            return
        self.running += 1
        try:
            await ROUTES[scope["path"]](scope, receive, send)
        except BaseException as exc:
            self.escaped.append(type(exc).__name__)
            raise
        finally:
            self.running -= 1


async def _answer(receive: Receive, send: Send, answer: object) -> None:
    await receive()
    start: Message = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
    await send(start)
    await send({"type": "http.response.body", "body": json.dumps(answer).encode()})


app = TrackedApp()
"""The app every server serves for the bad-input scenarios (`tests.support.bad_input:app`)."""


async def settle(url: str) -> None:
    """Wait until no handler of the server at `url` runs, then check that none let an exception out."""
    async with httpx.AsyncClient(base_url=url.replace("ws://", "http://")) as http:
        with anyio.fail_after(10):
            while (status := (await http.get("/")).json())["running"]:
                await anyio.sleep(0.01)
    assert status["escaped"] == []


# Client helpers ------------------------------------------------------------------------------


async def assert_echoes(ws: ClientConnection, room: str = "healthy") -> None:
    """Check that `ws` still gets a valid chat echoed, in standard JSON."""
    with anyio.fail_after(10):
        await ws.send(Chat(room=room, n=7).model_dump_json())
        reply = await ws.recv()
    assert parse_standard_json(reply) == {"room": room, "n": 7, "x": 0.0}


def assert_safe_reason(reason: str) -> None:
    """A close reason fits a close frame and holds none of the peer's data."""
    assert len(reason.encode()) <= MAX_REASON_BYTES
    assert CANARY not in reason


# The bad-input matrix ------------------------------------------------------------------------


@dataclass(frozen=True)
class BadInput:
    """One bad message, where it is sent, and the close it must get."""

    name: str
    path: str
    message: str | bytes | list[str]
    """A frame's payload; a list is sent as the fragments of one message."""
    error: type[MessageError]
    """The error the message raises, which gives its close code and reason."""


def nested(depth: int) -> str:
    """A JSON array nested `depth` deep."""
    return "[" * depth + "]" * depth


BAD_INPUTS = [
    BadInput("binary frame where text is expected", "/text", f"bytes {CANARY}".encode(), UnexpectedFrame),
    BadInput("text frame where bytes are expected", "/bytes", f"text {CANARY}", UnexpectedFrame),
    BadInput(
        "invalid UTF-8 in a binary JSON frame",
        "/chat",
        b'{"room": "\xff\xfe' + CANARY.encode() + b'", "n": 1}',
        MalformedMessage,
    ),
    BadInput("invalid UTF-8 in a binary frame, any JSON", "/json", b"\xc3\x28" + CANARY.encode(), MalformedMessage),
    BadInput("truncated JSON", "/chat", f'{{"room": "{CANARY}", "n": 1', MalformedMessage),
    BadInput("not JSON at all", "/chat", CANARY, MalformedMessage),
    BadInput("an empty frame", "/chat", "", MalformedMessage),
    BadInput("JSON followed by garbage", "/chat", f'{{"room": "a", "n": 1}} {CANARY}', MalformedMessage),
    BadInput("JSON nested 5000 deep", "/chat", nested(5000), MalformedMessage),
    BadInput("JSON nested 5000 deep in a field", "/chat", f'{{"room": "a", "n": {nested(5000)}}}', MalformedMessage),
    BadInput("JSON nested 5000 deep, any JSON", "/json", nested(5000), MalformedMessage),
    BadInput("a NaN token", "/chat", f'{{"room": "{CANARY}", "n": 1, "x": NaN}}', MalformedMessage),
    BadInput("an Infinity token", "/chat", f'{{"room": "{CANARY}", "n": 1, "x": Infinity}}', MalformedMessage),
    BadInput("a -Infinity token", "/chat", f'{{"room": "{CANARY}", "n": 1, "x": -Infinity}}', MalformedMessage),
    BadInput("a NaN token, any JSON", "/json", f'["{CANARY}", NaN]', MalformedMessage),
    BadInput("a NaN token in a binary frame", "/chat", b'{"room": "a", "n": 1, "x": NaN}', MalformedMessage),
    BadInput("an integer of 5000 digits", "/chat", '{"room": "a", "n": ' + "9" * 5000 + "}", MalformedMessage),
    BadInput("an integer of 5000 digits, any JSON", "/json", "9" * 5000, MalformedMessage),
    BadInput("1e400 for an integer", "/chat", '{"room": "a", "n": 1e400}', InvalidMessage),
    BadInput("1e400 for a finite float", "/finite", '{"room": "a", "n": 1, "x": 1e400}', InvalidMessage),
    BadInput('"NaN" as a string for a finite float', "/finite", '{"room": "a", "n": 1, "x": "NaN"}', InvalidMessage),
    BadInput("fields of the wrong type", "/chat", f'{{"room": 5, "n": "{CANARY}"}}', InvalidMessage),
    BadInput("missing fields", "/chat", f'{{"{CANARY}": 1}}', InvalidMessage),
    BadInput("an array instead of an object", "/chat", f'["{CANARY}"]', InvalidMessage),
    BadInput("null", "/chat", "null", InvalidMessage),
    BadInput("text over max_size", "/text", CANARY + "a" * LIMIT, MessageTooLarge),
    BadInput("binary over max_size", "/bytes", CANARY.encode() + b"a" * LIMIT, MessageTooLarge),
    BadInput(
        "non-ASCII text under max_size in characters, over it in UTF-8 bytes",
        "/text",
        "é" * (LIMIT // 2 + 1),
        MessageTooLarge,
    ),
    BadInput("text over max_size in small fragments", "/text", ["a" * 100] * 11, MessageTooLarge),
    BadInput("JSON over max_size", "/small-chat", f'{{"room": "{CANARY}{"a" * LIMIT}", "n": 1}}', MessageTooLarge),
    BadInput(
        "non-ASCII JSON under max_size in characters, over it in UTF-8 bytes",
        "/small-chat",
        '{"room": "' + "é" * (LIMIT // 2) + '", "n": 1}',
        MessageTooLarge,
    ),
    BadInput(
        "JSON over the default max_size of 1 MiB",
        "/chat",
        f'{{"room": "{CANARY}{"a" * DEFAULT_MAX_SIZE}", "n": 1}}',
        MessageTooLarge,
    ),
    BadInput("binary JSON over max_size", "/small-chat", b'{"room": "' + b"a" * LIMIT + b'", "n": 1}', MessageTooLarge),
]


EXACTLY_MAX_SIZE: list[tuple[str, str | bytes]] = [
    ("/text", "a" * LIMIT),
    ("/text", "é" * (LIMIT // 2)),
    ("/bytes", b"\xff" * LIMIT),
    ("/small-chat", '{"room": "' + "é" * ((LIMIT - 20) // 2) + '", "n": 1}'),
]




# The scenarios ---------------------------------------------------------------------------------

Seen = Callable[[int, str], tuple[int, str]]
"""How a server delivers the app's close (code, reason) to the peer."""


def as_sent(code: int, reason: str) -> tuple[int, str]:
    """The close as the app sent it: what most servers deliver."""
    return code, reason


async def assert_closes_with_its_code(url: str, bad: BadInput, seen: Seen = as_sent) -> None:
    """The bad message closes its connection with its code; a bystander and a newcomer are still served."""
    async with connect(url + "/chat") as bystander:
        await assert_echoes(bystander)
        async with connect(url + bad.path) as peer:
            await peer.send(bad.message)
            code, reason = await close_of(peer)
        assert (code, reason) == seen(bad.error.close_code, bad.error.reason)
        assert_safe_reason(reason)
        await assert_echoes(bystander)
    async with connect(url + "/chat") as newcomer:
        await assert_echoes(newcomer)
    await settle(url)


async def assert_crash_closes_with_1011(url: str, seen: Seen = as_sent) -> None:
    """A handler's crash closes its connection with 1011; a bystander and a newcomer are still served.

    The crash escapes the handler, for the server to log: the caller checks that it is logged once.
    """
    async with connect(url + "/chat") as bystander:
        await assert_echoes(bystander)
        async with connect(url + "/crash") as peer:
            await peer.send(Chat(room=CANARY, n=1).model_dump_json())
            code, reason = await close_of(peer)
        assert (code, reason) == seen(1011, "internal error")
        assert_safe_reason(reason)
        await assert_echoes(bystander)
    async with connect(url + "/chat") as newcomer:
        await assert_echoes(newcomer)


async def assert_exactly_max_size_is_accepted(url: str, path: str, message: str | bytes) -> None:
    """A message of exactly `max_size` bytes is echoed."""
    assert len(message.encode() if isinstance(message, str) else message) == LIMIT
    async with connect(url + path) as peer:
        await peer.send(message)
        with anyio.fail_after(10):
            reply = await peer.recv()
    await settle(url)
    if path == "/small-chat":
        assert isinstance(message, str)
        assert parse_standard_json(reply) == {**json.loads(message), "x": 0.0}
    else:
        assert reply == message


async def assert_max_size_none_takes_a_large_message(url: str) -> None:
    """`max_size=None` takes a message twice the default limit."""
    message = "a" * (2 * DEFAULT_MAX_SIZE)
    async with connect(url + "/unlimited", max_size=None) as peer:
        await peer.send(message)
        with anyio.fail_after(10):
            assert await peer.recv() == message
    await settle(url)


async def assert_a_caught_error_is_answered(url: str) -> None:
    """A handler that catches each `MessageError` answers it with a `Problem` and keeps the connection."""
    bad_messages: list[tuple[str | bytes, type[MessageError]]] = [
        (f'{{"room": "{CANARY}"', MalformedMessage),
        (b'{"room": "\xff", "n": 1}', MalformedMessage),
        ('{"room": "a", "n": 1, "x": NaN}', MalformedMessage),
        (f'{{"room": 5, "n": "{CANARY}"}}', InvalidMessage),
        ("a" * (LIMIT + 1), MessageTooLarge),
    ]
    async with connect(url + "/answer") as peer:
        for message, error in bad_messages:
            await peer.send(message)
            with anyio.fail_after(10):
                reply = REPLIES.validate_json(await peer.recv())
            assert reply == Problem(close_code=error.close_code, reason=error.reason)
        await peer.send('{"room": "a", "n": 1}')
        with anyio.fail_after(10):
            assert REPLIES.validate_json(await peer.recv()) == Said(chat=Chat(room="a", n=1))
    await settle(url)


async def assert_two_tasks_close_with_its_code(url: str, seen: Seen = as_sent) -> None:
    """A bad message read in one task of a task group closes the connection with its code (the group ends quietly)."""
    async with connect(url + "/two-tasks") as peer:
        with anyio.fail_after(10):
            assert await peer.recv() == "tick"
        await peer.send(f'{{"room": "{CANARY}"')
        with anyio.fail_after(10):
            while True:
                try:
                    await peer.recv()  # ticks sent before the server read the bad chat
                except ConnectionClosed as closed:
                    assert closed.rcvd is not None
                    assert (closed.rcvd.code, closed.rcvd.reason) == seen(1007, "malformed message")
                    break
    await settle(url)
