"""`typedws.listener`: one typed function per message, replies sent, hooks for connect, disconnect and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

import typedws
from typedws import MessageError, MessageTooLarge, WebSocket, WebSocketDisconnect
from typedws.routing import Listener
from typedws.testing import AsyncTestClient, TestClient

pytestmark = pytest.mark.anyio


class Ask(BaseModel):
    """A question."""

    question: str
    silent: bool = False


class Answer(BaseModel):
    """An answer."""

    answer: str


class Problem(BaseModel):
    """Why a message was refused."""

    problem: str


def app_of(listener: Listener[Any, Any], path: str = "/ws") -> Starlette:
    return Starlette(routes=[WebSocketRoute(path, listener)])


def make_oracle() -> Listener[Ask, Answer]:
    @typedws.listener
    async def oracle(message: Ask) -> Answer | None:
        """Answers every question that is not silent."""
        return None if message.silent else Answer(answer=f"yes to {message.question}")

    return oracle


def test_types_come_from_the_message_parameter_and_the_return_annotation() -> None:
    info = make_oracle().info
    assert (info.kind, info.name, info.receive_type, info.send_type) == ("listener", "oracle", Ask, Answer)
    assert info.description == "Answers every question that is not silent."


async def test_returned_values_are_sent_and_none_sends_nothing() -> None:
    async with AsyncTestClient(app_of(make_oracle())).websocket_connect(
        "/ws", send_type=Ask, receive_type=Answer
    ) as session:
        await session.send(Ask(question="first", silent=True))
        await session.send(Ask(question="second"))
        assert await session.receive() == Answer(answer="yes to second")


async def test_on_message_may_take_the_connection() -> None:
    @typedws.listener
    async def room_echo(message: str, ws: WebSocket[str, str]) -> str:
        return f"{ws.path_params['room']}: {message}"

    app = Starlette(routes=[WebSocketRoute("/rooms/{room}", room_echo)])
    async with AsyncTestClient(app).websocket_connect("/rooms/lobby") as session:
        await session.send("hi")
        assert await session.receive() == "lobby: hi"


async def test_hooks_see_the_connection_begin_and_end() -> None:
    oracle = make_oracle()
    events: list[object] = []

    @oracle.on_connect
    async def greet(ws: WebSocket[Ask, Answer]) -> None:
        events.append("connected")
        await ws.send(Answer(answer="welcome"))

    @oracle.on_disconnect
    async def bye(ws: WebSocket[Ask, Answer], code: int) -> None:
        events.append(code)

    async with AsyncTestClient(app_of(oracle)).websocket_connect("/ws", send_type=Ask, receive_type=Answer) as session:
        assert await session.receive() == Answer(answer="welcome")
        await session.send(Ask(question="ok?"))
        assert await session.receive() == Answer(answer="yes to ok?")
        await session.close(4001)
    assert events == ["connected", 4001]


async def test_a_bad_message_closes_with_its_code_and_calls_on_disconnect() -> None:
    oracle = make_oracle()
    codes: list[int] = []

    @oracle.on_disconnect
    async def bye(ws: WebSocket[Ask, Answer], code: int) -> None:
        codes.append(code)

    async with AsyncTestClient(app_of(oracle)).websocket_connect("/ws", receive_type=Answer) as session:
        await session.send('{"question": 42}')
        with pytest.raises(WebSocketDisconnect) as closed:
            await session.receive()
    assert (closed.value.code, closed.value.reason) == (1007, "invalid message")
    assert codes == [1007]


async def answer(message: Ask) -> Answer | Problem:
    return Answer(answer=message.question)


async def explain(ws: WebSocket[Ask, Answer | Problem], error: MessageError) -> Answer | Problem | None:
    if isinstance(error, MessageTooLarge):
        return None  # closes with the error's code
    return Problem(problem=error.reason)


async def test_on_error_may_answer_a_bad_message_and_keep_the_connection() -> None:
    lenient = typedws.listener(answer)
    lenient.on_error(explain)
    small = typedws.listener(max_size=64)(answer)
    small.on_error(explain)

    app = Starlette(routes=[WebSocketRoute("/lenient", lenient), WebSocketRoute("/small", small)])
    async with AsyncTestClient(app) as client:
        replies = TypeAdapter(Answer | Problem)
        async with client.websocket_connect("/lenient", receive_type=replies) as session:
            await session.send("not json")
            assert await session.receive() == Problem(problem="malformed message")
            await session.send_frame(b"\xff")
            assert await session.receive() == Problem(problem="malformed message")
            await session.send('{"question": 1}')
            assert await session.receive() == Problem(problem="invalid message")
            await session.send('{"question": "still there?"}')
            assert await session.receive() == Answer(answer="still there?")
        async with client.websocket_connect("/small") as session:
            await session.send('{"question": "' + "x" * 100 + '"}')
            with pytest.raises(WebSocketDisconnect) as closed:
                await session.receive_frame()
            assert (closed.value.code, closed.value.reason) == (1009, "message too large")


async def test_a_crash_in_on_message_closes_1011_calls_on_disconnect_and_propagates() -> None:
    codes: list[int] = []

    @typedws.listener
    async def buggy(message: str) -> str:
        raise ZeroDivisionError("bug")

    @buggy.on_disconnect
    async def bye(ws: WebSocket[str, str], code: int) -> None:
        codes.append(code)

    with pytest.raises(ZeroDivisionError):
        async with AsyncTestClient(app_of(buggy)).websocket_connect("/ws") as session:
            await session.send("go")
            with pytest.raises(WebSocketDisconnect) as closed:
                await session.receive()
            assert closed.value.code == 1011
    assert codes == [1011]


def test_the_listener_works_through_the_threaded_test_client() -> None:
    with TestClient(app_of(make_oracle())).websocket_connect("/ws", send_type=Ask, receive_type=Answer) as session:
        session.send(Ask(question="sync?"))
        assert session.receive() == Answer(answer="yes to sync?")


def test_a_listener_that_never_replies_sends_text() -> None:
    @typedws.listener
    async def sink(message: bytes) -> None:
        return None

    assert (sink.info.receive_type, sink.info.send_type) == (bytes, str)

    @typedws.listener
    async def quiet(message: Ask, ws: WebSocket[Ask]) -> None: ...

    assert (quiet.info.receive_type, quiet.info.send_type) == (Ask, str)


async def test_a_listener_that_never_replies_sends_what_its_connection_says() -> None:
    @typedws.listener
    async def relay(message: Ask, ws: WebSocket[Ask, Answer]) -> None:
        await ws.send(Answer(answer=message.question))
        await ws.send(Answer(answer="and again"))

    assert (relay.info.receive_type, relay.info.send_type) == (Ask, Answer)
    async with AsyncTestClient(app_of(relay)).websocket_connect("/ws", send_type=Ask, receive_type=Answer) as session:
        await session.send(Ask(question="echo"))
        assert [await session.receive(), await session.receive()] == [
            Answer(answer="echo"),
            Answer(answer="and again"),
        ]


async def test_a_never_replying_listener_s_hooks_send_text() -> None:
    @typedws.listener
    async def log(message: Ask) -> None: ...

    @log.on_connect
    async def hello(ws: WebSocket[Ask]) -> None:
        await ws.send("hello")

    async with AsyncTestClient(app_of(log)).websocket_connect("/ws", send_type=Ask) as session:
        assert await session.receive() == "hello"


class Oracle:
    """A listener and its hooks written as methods: each instance is one oracle."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.events: list[str] = []

    @typedws.listener
    async def answer(self, message: Ask) -> Answer | None:
        return None if message.silent else Answer(answer=f"{self.name} says yes to {message.question}")

    @answer.on_connect
    async def greet(self, ws: WebSocket[Ask, Answer]) -> None:
        await ws.send(Answer(answer=f"{self.name} listens"))

    @answer.on_error
    async def explain(self, ws: WebSocket[Ask, Answer], error: MessageError) -> Answer:
        return Answer(answer=f"{self.name} did not get that")

    @answer.on_disconnect
    async def bye(self, ws: WebSocket[Ask, Answer], code: int) -> None:
        self.events.append(f"{self.name} saw {code}")


async def test_a_listener_and_its_hooks_may_be_methods() -> None:
    delphi, dodona = Oracle("delphi"), Oracle("dodona")
    app = Starlette(routes=[WebSocketRoute("/delphi", delphi.answer), WebSocketRoute("/dodona", dodona.answer)])
    client = AsyncTestClient(app)
    for oracle in (delphi, dodona):
        async with client.websocket_connect(f"/{oracle.name}", send_type=Ask, receive_type=Answer) as session:
            assert await session.receive() == Answer(answer=f"{oracle.name} listens")
            await session.send(Ask(question="rain?"))
            assert await session.receive() == Answer(answer=f"{oracle.name} says yes to rain?")
            await session.send_frame("{}")
            assert await session.receive() == Answer(answer=f"{oracle.name} did not get that")
            await session.close(4000)
    assert (delphi.events, dodona.events) == (["delphi saw 4000"], ["dodona saw 4000"])


def test_hooks_are_registered_on_the_class_s_listener_not_an_instance_s() -> None:
    async def late(ws: WebSocket[Ask, Answer]) -> None: ...

    with pytest.raises(TypeError, match=r"register the hooks of Oracle.answer\(\) in its class body"):
        Oracle("delphi").answer.on_connect(late)


def test_a_hook_must_be_async() -> None:
    def sync_hook(ws: WebSocket[Ask, Answer]) -> None: ...

    with pytest.raises(TypeError, match="must be an `async def` function"):
        make_oracle().on_connect(sync_hook)  # type: ignore[arg-type]


async def no_return(message: str):  # type: ignore[no-untyped-def]
    return message


async def no_message_type(message) -> str:  # type: ignore[no-untyped-def]
    return "x"


async def three(message: str, ws: WebSocket[str, str], extra: int) -> str:
    return message


async def keyword_only(message: str, *, flag: bool = False) -> str:
    return message


def not_async(message: str) -> str:
    return message


async def connection_first(ws: WebSocket[str, str], message: str) -> str:
    return message


async def disagreeing_message(message: Ask, ws: WebSocket[Answer, Answer]) -> Answer:
    return Answer(answer="x")


async def disagreeing_reply(message: Ask, ws: WebSocket[Ask, Problem]) -> Answer | None:
    return None


async def bare_connection(message: Ask, ws: WebSocket) -> None: ...


async def starlette_connection(message: Ask, ws: StarletteWebSocket) -> None: ...


class Opaque:
    """Not something Pydantic validates."""


async def opaque(message: Opaque) -> str:
    return "x"


@pytest.mark.parametrize(
    ("on_message", "error"),
    [
        (no_return, r"no_return\(\): annotate the return type with the type of replies"),
        (no_message_type, r"annotate the message parameter 'message'"),
        (three, r"must take the message and, optionally, the connection"),
        (keyword_only, r"must take the message and, optionally, the connection"),
        (not_async, r"must be an `async def` function"),
        (opaque, r"opaque\(\): the type of 'message' is not usable"),
        (connection_first, r"^connection_first\(\) takes the connection first; a listener takes the message first"),
        (
            disagreeing_message,
            r"^disagreeing_message\(\): the connection is annotated WebSocket\[Answer, Answer\], but the message"
            r" and return types make it WebSocket\[Ask, Answer\]$",
        ),
        (disagreeing_reply, r"annotated WebSocket\[Ask, Problem\], but .* make it WebSocket\[Ask, Answer\]$"),
        (bare_connection, r"annotated WebSocket\[str, str\], but .* make it WebSocket\[Ask, \.\.\.\]$"),
        (starlette_connection, r"annotate the connection as `WebSocket\[In, Out\]`, not WebSocket$"),
    ],
)
def test_bad_listeners_fail_at_decoration(on_message: Any, error: str) -> None:
    with pytest.raises(TypeError, match=error):
        typedws.listener(on_message)
