"""The typed client against a typed server app running in a real uvicorn."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

import anyio
import pytest
from pydantic import BaseModel
from starlette.types import Receive, Scope, Send
from websockets.asyncio.server import ServerConnection
from websockets.asyncio.server import serve as websockets_serve

from tests.support.servers import serve
from typedws import (
    InvalidMessage,
    MalformedMessage,
    MessageError,
    MessageTooLarge,
    UnexpectedFrame,
    WebSocket,
    WebSocketClosed,
    WebSocketDisconnect,
)
from typedws.client import ClientWebSocket, connect


class Command(BaseModel):
    """What the client sends."""

    text: str


class Reply(BaseModel):
    """What the server sends."""

    text: str
    count: int


class Server:
    """A typed server app whose behaviour is chosen by the path; it records how each connection ended.

    - `/echo`: answers every `Command` with a `Reply`.
    - `/say?text=...` (or `/say-bytes?text=...`): first sends that raw text
      (or binary) frame, then echoes like `/echo`.
    - `/big?size=N`: sends a `Reply` whose text is N characters, then echoes.
    - `/close?code=N&reason=...`: closes at once with that code.
    - `/headers`: accepts with the first subprotocol offered and sends the
      `x-token` header back as a `Reply`, then echoes.
    """

    def __init__(self) -> None:
        self.closes: queue.Queue[tuple[int, str | None]] = queue.Queue()

    def close_seen(self) -> tuple[int, str | None]:
        """The code and reason of the next connection the client closed."""
        return self.closes.get(timeout=10)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send, receive_type=Command, send_type=Reply)
        path, params = scope["path"], ws.query_params
        await ws.accept(subprotocol=ws.subprotocols[0] if path == "/headers" and ws.subprotocols else None)
        try:
            if path == "/close":
                await ws.close(int(params["code"]), params.get("reason"))
                return
            if path == "/say":
                await ws.send_text(params["text"])
            elif path == "/say-bytes":
                await ws.send_bytes(params["text"].encode())
            elif path == "/big":
                await ws.send(Reply(text="x" * int(params["size"]), count=0))
            elif path == "/headers":
                await ws.send(Reply(text=ws.headers.get("x-token", ""), count=0))
            count = 0
            while True:
                command = await ws.receive()
                count += 1
                await ws.send(Reply(text=command.text, count=count))
        except WebSocketDisconnect as exc:
            self.closes.put((exc.code, exc.reason))


def say(frame: str, *, binary: bool = False) -> str:
    """The path of a `Server` connection that first sends `frame` (as a binary frame if `binary`)."""
    return f"/say{'-bytes' if binary else ''}?{urlencode({'text': frame})}"


@dataclass
class Running:
    """A running `Server` and its base URL."""

    app: Server
    url: str


@pytest.fixture
def server(ws_impl: str) -> Iterator[Running]:
    """A fresh `Server` in uvicorn, once per uvicorn WebSocket implementation."""
    app = Server()
    with serve(app, ws=ws_impl) as url:
        yield Running(app, url)


@pytest.mark.anyio
async def test_values_round_trip_with_their_types(server: Running) -> None:
    async with connect(f"{server.url}/echo", send_type=Command, receive_type=Reply) as ws:
        assert isinstance(ws, ClientWebSocket)
        await ws.send(Command(text="hello"))
        reply = await ws.receive()
        assert reply == Reply(text="hello", count=1)
        await ws.send(Command(text="again"))
        assert await ws.receive() == Reply(text="again", count=2)
    assert server.app.close_seen() == (1000, "")


@pytest.mark.anyio
async def test_iteration_yields_typed_values_until_a_normal_close(server: Running) -> None:
    replies: list[Reply] = []
    async with connect(server.url + say('{"text": "first", "count": 0}'), send_type=Command, receive_type=Reply) as ws:
        await ws.send(Command(text="second"))
        async for reply in ws:
            replies.append(reply)
            if reply.text == "second":
                await ws.close()
    assert replies == [Reply(text="first", count=0), Reply(text="second", count=1)]


@pytest.mark.anyio
@pytest.mark.parametrize("code", [1000, 1001])
async def test_a_normal_close_by_the_server_ends_iteration_and_the_block_quietly(server: Running, code: int) -> None:
    received: list[Reply] = []
    async with connect(f"{server.url}/close?code={code}", receive_type=Reply) as ws:
        async for reply in ws:
            received.append(reply)
    assert received == []


@pytest.mark.anyio
async def test_the_servers_close_code_and_reason_surface_as_a_disconnect(server: Running) -> None:
    async with connect(f"{server.url}/close?code=4000&reason=bye", receive_type=Reply) as ws:
        with pytest.raises(WebSocketDisconnect) as caught:
            await ws.receive()
    assert (caught.value.code, caught.value.reason) == (4000, "bye")
    assert (ws.close_code, ws.close_reason) == (4000, "bye")


@pytest.mark.anyio
async def test_by_default_every_server_close_ends_the_block_quietly_and_close_code_tells_which(server: Running) -> None:
    async with connect(f"{server.url}/close?code=4000&reason=bye", receive_type=Reply) as ws:
        async for _ in ws:
            raise AssertionError("the server sent nothing")
    assert (ws.close_code, ws.close_reason) == (4000, "bye")


@pytest.mark.anyio
async def test_with_chosen_close_codes_another_code_raises_out_of_the_block(server: Running) -> None:
    async with connect(f"{server.url}/close?code=4000", receive_type=Reply, caught_close_codes=[4000]) as ws:
        async for _ in ws:
            raise AssertionError("the server sent nothing")
    with pytest.raises(WebSocketDisconnect) as caught:
        async with connect(f"{server.url}/close?code=4001", receive_type=Reply, caught_close_codes=[4000]) as ws:
            async for _ in ws:
                raise AssertionError("the server sent nothing")
    assert caught.value.code == 4001


BAD_FRAMES = [
    pytest.param(say('{"text": 5, "count": 0}'), Reply, InvalidMessage, 1007, id="invalid"),
    pytest.param(say("{not json"), Reply, MalformedMessage, 1007, id="malformed"),
    pytest.param(say("NaN"), Reply, MalformedMessage, 1007, id="nan"),
    pytest.param(say("abc", binary=True), "text", UnexpectedFrame, 1003, id="binary-for-text"),
    pytest.param(say("abc"), "bytes", UnexpectedFrame, 1003, id="text-for-bytes"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("path", "receive_type", "error", "code"), BAD_FRAMES)
async def test_a_bad_server_message_raises_its_error_and_closes_with_its_code(
    server: Running,
    path: str,
    receive_type: type[Reply] | Literal["text", "bytes"],
    error: type[MessageError],
    code: int,
) -> None:
    raised: list[MessageError] = []
    async with connect(server.url + path, receive_type=receive_type) as ws:
        try:
            await ws.receive()
        except MessageError as bad:
            raised.append(bad)
            raise  # uncaught in the block: the connection closes with its code, quietly
    assert [type(bad) for bad in raised] == [error]
    assert raised[0].close_code == code
    assert server.app.close_seen() == (code, raised[0].reason)
    assert ws.close_code == code


@pytest.mark.anyio
async def test_a_bad_server_message_during_iteration_closes_with_its_code(server: Running) -> None:
    received: list[Reply] = []
    raised: list[type[Exception]] = []
    async with connect(server.url + say("[]"), receive_type=Reply) as ws:
        try:
            async for reply in ws:
                received.append(reply)
        except InvalidMessage as error:
            raised.append(type(error))
            raise
    assert received == []
    assert raised == [InvalidMessage]
    assert server.app.close_seen() == (1007, "invalid message")


@pytest.mark.anyio
async def test_a_caught_message_error_keeps_the_connection(server: Running) -> None:
    async with connect(server.url + say("[]"), send_type=Command, receive_type=Reply) as ws:
        with pytest.raises(InvalidMessage) as caught:
            await ws.receive()
        assert caught.value.errors[0]["type"] == "model_type"
        await ws.send(Command(text="still here"))
        assert await ws.receive() == Reply(text="still here", count=1)
    assert server.app.close_seen() == (1000, "")


@pytest.mark.anyio
@pytest.mark.parametrize("compression", ["deflate", None])
async def test_a_message_over_max_size_raises_message_too_large_and_closes_with_1009(
    server: Running, compression: str | None
) -> None:
    big = f"{server.url}/big?size=1000"
    async with connect(big, receive_type=Reply, max_size=200, compression=compression) as ws:
        with pytest.raises(MessageTooLarge) as caught:
            await ws.receive()
    assert ws.close_code == 1009
    assert caught.value.max_size == 200
    assert caught.value.close_code == 1009
    assert server.app.close_seen()[0] == 1009


@pytest.mark.anyio
async def test_a_message_too_large_is_raised_once_then_the_disconnect(server: Running) -> None:
    """The protocol layer closed the connection: a handler that catches the error and goes on must not spin."""
    errors: list[type[Exception]] = []
    async with connect(f"{server.url}/big?size=1000", receive_type=Reply, max_size=200, caught_close_codes=[1009]) as ws:
        for _ in range(3):
            try:
                await ws.receive()
            except (MessageError, WebSocketDisconnect) as error:
                errors.append(type(error))
    assert errors == [MessageTooLarge, WebSocketClosed, WebSocketClosed]
    assert server.app.close_seen()[0] == 1009


@pytest.mark.anyio
async def test_a_message_within_max_size_arrives(server: Running) -> None:
    async with connect(f"{server.url}/big?size=1000", receive_type=Reply, max_size=2000) as ws:
        assert len((await ws.receive()).text) == 1000


@pytest.mark.anyio
async def test_sending_a_value_of_the_wrong_type_raises_type_error_and_sends_nothing(server: Running) -> None:
    async with connect(f"{server.url}/echo", send_type=Command, receive_type=Reply) as ws:
        with pytest.raises(TypeError):
            await ws.send(Reply(text="not a command", count=0))  # type: ignore[arg-type]
        await ws.send(Command(text="first"))
        assert await ws.receive() == Reply(text="first", count=1)


@pytest.mark.anyio
async def test_close_sends_the_code_and_reason(server: Running) -> None:
    async with connect(f"{server.url}/echo", send_type=Command, receive_type=Reply) as ws:
        await ws.close(4001, "done")
    assert server.app.close_seen() == (4001, "done")
    async with connect(f"{server.url}/echo", send_type=Command, receive_type=Reply) as ws:
        await ws.close(4002, "é" * 100)
    assert server.app.close_seen() == (4002, "é" * 61)


@pytest.mark.anyio
async def test_after_its_own_close_receive_and_send_raise_websocket_closed_as_on_the_server(server: Running) -> None:
    async with connect(f"{server.url}/echo", receive_type=Reply) as ws:
        await ws.close(4001)
        with pytest.raises(WebSocketClosed) as caught:
            await ws.receive()
        with pytest.raises(WebSocketClosed):
            await ws.send("late")
    assert caught.value.code == 4001
    assert isinstance(caught.value, RuntimeError)  # as Starlette's WebSocketDisconnected is


@pytest.mark.anyio
async def test_an_exception_in_the_block_closes_with_1011_and_propagates(server: Running) -> None:
    with pytest.raises(LookupError):
        async with connect(f"{server.url}/echo", receive_type=Reply):
            raise LookupError("client bug")
    assert server.app.close_seen() == (1011, "internal error")


@pytest.mark.anyio
async def test_cancelling_the_block_closes_with_1001(server: Running) -> None:
    with anyio.move_on_after(0.2):
        async with connect(f"{server.url}/echo", receive_type=Reply) as ws:
            await ws.receive()
    assert server.app.close_seen() == (1001, "")


@pytest.mark.anyio
async def test_a_normal_close_seen_by_a_reader_and_a_writer_task_ends_the_block_quietly(server: Running) -> None:
    """The writer's disconnect comes out of the task group in an exception group: it ends the block all the same."""
    async with connect(f"{server.url}/close?code=1000", receive_type=Reply) as ws:

        async def read() -> None:
            async for _ in ws:
                pass

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(read)
            while True:
                await ws.send("tick")
                await anyio.sleep(0.01)


@pytest.mark.anyio
async def test_a_bad_message_in_a_task_group_closes_with_its_code(server: Running) -> None:
    async def read(ws: ClientWebSocket[Reply, str]) -> None:
        await ws.receive()

    async with connect(server.url + say("[]"), receive_type=Reply) as ws, anyio.create_task_group() as tasks:
        tasks.start_soon(read, ws)
    assert server.app.close_seen() == (1007, "invalid message")
    assert ws.close_code == 1007


@pytest.mark.anyio
async def test_websockets_options_pass_through(server: Running) -> None:
    async with connect(
        f"{server.url}/headers", receive_type=Reply, additional_headers={"x-token": "abc"}, subprotocols=["typed.v1"]
    ) as ws:
        assert ws.accepted_subprotocol == "typed.v1"
        assert await ws.receive() == Reply(text="abc", count=0)


@pytest.mark.anyio
async def test_value_type_sets_both_directions(server: Running) -> None:
    async with connect(f"{server.url}/echo", value_type="json") as ws:
        await ws.send({"text": "hi"})
        assert await ws.receive() == {"text": "hi", "count": 1}


def test_bad_arguments_are_refused_before_connecting() -> None:
    with pytest.raises(ValueError, match="unknown value type"):
        connect("ws://127.0.0.1:9/", receive_type="xml")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="max_size"):
        connect("ws://127.0.0.1:9/", max_size=0)
    with pytest.raises(TypeError, match=r"caught_close_codes must be \"all\" or close codes \(ints\)"):
        connect("ws://127.0.0.1:9/", caught_close_codes=1000)  # type: ignore[call-overload]


@pytest.mark.anyio
async def test_invalid_utf8_in_a_text_frame_raises_malformed_message_and_closes_with_1007() -> None:
    closed: list[int | None] = []

    async def handler(connection: ServerConnection) -> None:
        await connection.send(b"\xff\xfe not utf-8", text=True)
        await connection.wait_closed()
        closed.append(connection.close_code)

    async with websockets_serve(handler, "127.0.0.1", 0) as raw_server:
        port = next(iter(raw_server.sockets)).getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/", receive_type="text") as ws:
            with pytest.raises(MalformedMessage) as caught:
                await ws.receive()
    assert caught.value.close_code == ws.close_code == 1007
    assert closed == [1007]
