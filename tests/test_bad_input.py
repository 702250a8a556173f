"""Bad input over a real uvicorn server: a defined close code, a safe close reason, no harm to anyone else.

Every test runs against both of uvicorn's WebSocket implementations with the
`websockets` client, which can send exactly the frames a hostile peer would.
In the matrix and the crash test, a second, healthy connection stays open
across the bad one and must still echo afterwards, and a new connection must
still be served.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar

import anyio
import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.wire import close_frame, close_of, parse_standard_json
from tests.support.servers import WS_IMPLEMENTATIONS, serve
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

UVICORN_UTF8_ERROR = "Invalid UTF-8 sequence received from client."
"""What uvicorn's `websockets-sansio` protocol itself logs, at ERROR, for a text frame of invalid UTF-8."""


class Chat(BaseModel):
    """The message most endpoints receive and echo."""

    room: str
    n: int
    x: float = 0.0


class FiniteChat(Chat):
    """A chat whose float refuses infinities and NaN, as `allow_inf_nan=False` asks."""

    model_config = ConfigDict(allow_inf_nan=False)


class ConstantsChat(Chat):
    """A chat whose model asks Pydantic to write NaN and Infinity as the bare, non-standard tokens."""

    model_config = ConfigDict(ser_json_inf_nan="constants")


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


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Route a connection by its path to one of the handlers above."""
    await ROUTES[scope["path"]](scope, receive, send)


class TrackedApp:
    """`app`, counting the handlers running and keeping every exception that escapes one.

    Tests that share one server check `escaped` themselves, once every
    handler they started has ended, so a failure is reported by the test
    that caused it.
    """

    def __init__(self) -> None:
        self.running = 0
        self.escaped: list[BaseException] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.running += 1
        try:
            await app(scope, receive, send)
        except BaseException as exc:
            self.escaped.append(exc)
            raise
        finally:
            self.running -= 1

    async def settle(self) -> None:
        """Wait until no handler is running, then check that none let an exception out."""
        with anyio.fail_after(10):
            while self.running:
                await anyio.sleep(0.01)
        assert self.escaped == []


@dataclass(frozen=True)
class Server:
    """A uvicorn server shared by the tests of one WebSocket implementation."""

    url: str
    app: TrackedApp


@pytest.fixture(scope="module", params=WS_IMPLEMENTATIONS)
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """One server per uvicorn WebSocket implementation, for the tests that expect no error at all."""
    tracked = TrackedApp()
    with serve(tracked, ws=request.param) as url:
        yield Server(url, tracked)


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


@pytest.mark.anyio
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[bad.name for bad in BAD_INPUTS])
async def test_bad_input_closes_with_its_code_and_harms_no_one_else(bad: BadInput, server: Server) -> None:
    async with connect(server.url + "/chat") as bystander:
        await assert_echoes(bystander)
        async with connect(server.url + bad.path) as peer:
            await peer.send(bad.message)
            code, reason = await close_of(peer)
        assert (code, reason) == (bad.error.close_code, bad.error.reason)
        assert_safe_reason(reason)
        await assert_echoes(bystander)
    async with connect(server.url + "/chat") as newcomer:
        await assert_echoes(newcomer)
    await server.app.settle()


EXACTLY_MAX_SIZE: list[tuple[str, str | bytes]] = [
    ("/text", "a" * LIMIT),
    ("/text", "é" * (LIMIT // 2)),
    ("/bytes", b"\xff" * LIMIT),
    ("/small-chat", '{"room": "' + "é" * ((LIMIT - 20) // 2) + '", "n": 1}'),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("path", "message"), EXACTLY_MAX_SIZE, ids=["ASCII", "non-ASCII", "binary", "JSON"])
async def test_a_message_of_exactly_max_size_is_accepted(path: str, message: str | bytes, server: Server) -> None:
    assert len(message.encode() if isinstance(message, str) else message) == LIMIT
    async with connect(server.url + path) as peer:
        await peer.send(message)
        with anyio.fail_after(10):
            reply = await peer.recv()
    await server.app.settle()
    if path == "/small-chat":
        assert isinstance(message, str)
        assert parse_standard_json(reply) == {**json.loads(message), "x": 0.0}
    else:
        assert reply == message


@pytest.mark.anyio
async def test_max_size_none_takes_a_message_over_the_default_limit(server: Server) -> None:
    message = "a" * (2 * DEFAULT_MAX_SIZE)
    async with connect(server.url + "/unlimited", max_size=None) as peer:
        await peer.send(message)
        with anyio.fail_after(10):
            assert await peer.recv() == message
    await server.app.settle()


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_a_handler_crash_closes_with_1011_and_logs_once(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    with serve(app, ws=ws_impl) as url:
        async with connect(url + "/chat") as bystander:
            await assert_echoes(bystander)
            async with connect(url + "/crash") as peer:
                await peer.send(Chat(room=CANARY, n=1).model_dump_json())
                code, reason = await close_of(peer)
            assert (code, reason) == (1011, "internal error")
            assert_safe_reason(reason)
            await assert_echoes(bystander)
        async with connect(url + "/chat") as newcomer:
            await assert_echoes(newcomer)
    [record] = no_error_logs  # uvicorn's report of the exception, nothing else
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.anyio
async def test_a_handler_that_catches_the_error_answers_and_keeps_the_connection(server: Server) -> None:
    bad_messages: list[tuple[str | bytes, type[MessageError]]] = [
        (f'{{"room": "{CANARY}"', MalformedMessage),
        (b'{"room": "\xff", "n": 1}', MalformedMessage),
        ('{"room": "a", "n": 1, "x": NaN}', MalformedMessage),
        (f'{{"room": 5, "n": "{CANARY}"}}', InvalidMessage),
        ("a" * (LIMIT + 1), MessageTooLarge),
    ]
    async with connect(server.url + "/answer") as peer:
        for message, error in bad_messages:
            await peer.send(message)
            with anyio.fail_after(10):
                reply = REPLIES.validate_json(await peer.recv())
            assert reply == Problem(close_code=error.close_code, reason=error.reason)
        await peer.send('{"room": "a", "n": 1}')
        with anyio.fail_after(10):
            assert REPLIES.validate_json(await peer.recv()) == Said(chat=Chat(room="a", n=1))
    await server.app.settle()


@pytest.mark.anyio
async def test_bad_input_to_a_handler_running_two_tasks_closes_with_its_code(server: Server) -> None:
    """The task group wraps the reader's `MessageError` in an exception group; it still ends the handler quietly."""
    async with connect(server.url + "/two-tasks") as peer:
        with anyio.fail_after(10):
            assert await peer.recv() == "tick"
        await peer.send(f'{{"room": "{CANARY}"')
        with anyio.fail_after(10):
            while True:
                try:
                    await peer.recv()  # ticks sent before the server read the bad chat
                except ConnectionClosed as closed:
                    assert closed.rcvd is not None
                    assert (closed.rcvd.code, closed.rcvd.reason) == (1007, "malformed message")
                    break
    await server.app.settle()


# Non-finite numbers --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("x", "received"),
    [("1e400", "inf"), ("-1e400", "-inf"), ('"NaN"', "nan"), ('"Infinity"', "inf"), ('"-inf"', "-inf")],
)
async def test_a_plain_float_field_takes_overflowing_numbers_and_nan_strings_as_non_finite(
    x: str, received: str, server: Server
) -> None:
    """Pydantic's default: a `float` field without `allow_inf_nan=False` accepts these, as non-finite floats.

    They are standard JSON (a number too large for a double, or a string), so
    typedws lets the model decide; a model that must stay finite sets
    `allow_inf_nan=False` (see the matrix: 1007).
    """
    async with connect(server.url + "/float-repr") as peer:
        await peer.send(f'{{"room": "a", "n": 1, "x": {x}}}')
        with anyio.fail_after(10):
            assert await peer.recv() == received
    await server.app.settle()


@pytest.mark.anyio
async def test_an_echoed_non_finite_float_goes_out_as_null(server: Server) -> None:
    """What the server sends stays standard JSON, at the price of the value: `x` comes back as `null`."""
    async with connect(server.url + "/chat") as peer:
        await peer.send('{"room": "a", "n": 1, "x": 1e400}')
        with anyio.fail_after(10):
            assert parse_standard_json(await peer.recv()) == {"room": "a", "n": 1, "x": None}
    await server.app.settle()


@pytest.mark.anyio
async def test_non_finite_floats_the_server_sends_are_standard_json(server: Server) -> None:
    async with connect(server.url + "/non-finite") as peer:
        with anyio.fail_after(10):
            replies = [parse_standard_json(await peer.recv()) for _ in range(3)]
    assert replies == [{"room": "r", "n": 1, "x": None}] * 3
    await server.app.settle()


class HoldsConstants(BaseModel):
    """A model that nests a model writing bare NaN tokens."""

    chats: list[ConstantsChat]


@pytest.mark.parametrize(
    "value_type",
    [ConstantsChat, HoldsConstants, TypeAdapter(list[float], config=ConfigDict(ser_json_inf_nan="constants"))],
)
def test_a_type_set_to_write_nan_tokens_is_refused_when_the_connection_is_built(value_type: Any) -> None:
    """What we send is always standard JSON: a type that would write bare NaN can never be sent."""
    scope: Scope = {"type": "websocket", "path": "/", "headers": []}

    async def never(*args: Any) -> Any:
        raise AssertionError("nothing is received or sent")

    with pytest.raises(TypeError, match="ser_json_inf_nan='constants'"):
        WebSocket(scope, never, never, value_type=value_type)


# Invalid UTF-8 in a text frame -------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_invalid_utf8_in_a_text_frame_closes_the_connection_quietly(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    """The protocol layer refuses the frame before the app sees it; the app must end quietly.

    uvicorn's `websockets-sansio` protocol logs the frame itself, at ERROR
    (`UVICORN_UTF8_ERROR`): that one record is uvicorn's, not typedws's, and
    is the only one allowed. Under `wsproto` the connection drops without a
    close frame.
    """
    with serve(app, ws=ws_impl) as url:
        async with connect(url + "/chat") as bystander:
            async with connect(url + "/chat") as peer:
                await peer.send(b'{"room": "\xff' + CANARY.encode() + b'", "n": 1}', text=True)
                closed = await close_frame(peer)
            if closed is not None:
                assert closed.code == 1007
                assert_safe_reason(closed.reason)
            await assert_echoes(bystander)
    assert [r.getMessage() for r in no_error_logs if r.getMessage() != UVICORN_UTF8_ERROR] == []
