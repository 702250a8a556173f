"""The classic API's promises, as bocadillo's and Starlette's own tests state them, kept by `typedws.WebSocket`.

Ports (rewritten, not copied) of the cases of bocadillo's `tests/test_websocket.py`
and Starlette's `tests/test_websockets.py` that concern the connection. Where a
port differs from the original, the difference is one of the deviations listed
in `docs/classic-api.md`, named in the test's docstring.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from starlette import status
from starlette.responses import Response
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.types import Message, Receive, Scope, Send
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import InvalidStatus

from tests.support.servers import UVICORN_DENIAL_ERROR, serve
from typedws import WebSocket, WebSocketClosed, WebSocketDisconnect

Handler = Callable[[WebSocket[Any, Any]], Awaitable[None]]

# Every close code a peer can send (RFC 6455's registered ones, and application codes).
CLOSE_CODES = (1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 3000, 4000, 4999)


def app_of(handler: Handler, **options: Any) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await handler(WebSocket(scope, receive, send, **options))

    return app


def client_of(handler: Handler, **options: Any) -> TestClient:
    return TestClient(app_of(handler, **options))


# bocadillo: caught_close_codes, value types, reject, errors --------------------------------------


@pytest.mark.parametrize(
    ("caught", "code", "quiet"),
    [
        *((None, code, True) for code in CLOSE_CODES),  # deviation: "all" is the default (bocadillo: 1000, 1001)
        ((1000,), 1001, False),
        ((1000,), 1000, True),
        *(((), code, False) for code in CLOSE_CODES),
        *((all, code, True) for code in CLOSE_CODES),
        *(("all", code, True) for code in CLOSE_CODES),
    ],
)
def test_caught_close_codes_decide_whether_a_close_ends_async_with_quietly(
    caught: Any, code: int, quiet: bool
) -> None:
    ended_quietly = False

    async def chat(ws: WebSocket[Any, Any]) -> None:
        nonlocal ended_quietly
        try:
            async with ws:
                await ws.receive()  # never answered: the peer closes
            ended_quietly = True
        except WebSocketDisconnect as exc:
            assert exc.code not in ws.caught_close_codes
            assert exc.code == code

    with client_of(chat, caught_close_codes=caught).websocket_connect("/chat") as client:
        client.close(code)
    assert ended_quietly is quiet


@pytest.mark.parametrize(
    ("value_type", "sent", "expected"),
    [("bytes", b"Hello", bytes), ("text", "Hello", str), ("json", {"message": "Hello"}, dict)],
)
def test_value_type_sets_what_receive_returns_and_send_takes(value_type: str, sent: Any, expected: type) -> None:
    async def chat(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            message = await ws.receive()
            assert type(message) is expected
            await ws.send(message)

    with client_of(chat, value_type=value_type).websocket_connect("/chat") as client:
        getattr(client, f"send_{value_type}")(sent)
        assert getattr(client, f"receive_{value_type}")() == sent


def test_the_event_value_type_receives_and_sends_raw_asgi_events() -> None:
    async def chat(ws: WebSocket[Message, Message]) -> None:
        async with ws:
            message = await ws.receive()
            assert message == {"type": "websocket.receive", "text": "ping"}
            await ws.send({"type": "websocket.send", "text": "pong"})
            assert (await ws.receive())["type"] == "websocket.disconnect"  # the peer's close is an event too

    with client_of(chat, value_type="event").websocket_connect("/chat") as client:
        client.send_text("ping")
        assert client.receive_text() == "pong"
        client.close(4000)


def test_the_event_value_type_iterates_over_received_events_until_the_peer_leaves() -> None:
    seen: list[Message] = []

    async def chat(ws: WebSocket[Message, Message]) -> None:
        async with ws:
            async for event in ws:
                seen.append(event)

    with client_of(chat, receive_type="event").websocket_connect("/chat") as client:
        client.send_text("a")
        client.send_bytes(b"b")
    assert [event.get("text") or event.get("bytes") for event in seen[:2]] == ["a", b"b"]


def test_reject_refuses_the_handshake_with_403() -> None:
    async def foo(ws: WebSocket[Any, Any]) -> None:
        await ws.reject()

    with pytest.raises(WebSocketDisconnect) as refused, client_of(foo).websocket_connect("/foo"):
        pass
    assert refused.value.code == 1008  # what Starlette's TestClient reports; a real server answers HTTP 403


@pytest.mark.anyio
async def test_reject_is_an_http_403_for_a_real_client(ws_impl: str) -> None:
    async def foo(ws: WebSocket[Any, Any]) -> None:
        await ws.reject()

    with serve(app_of(foo), ws=ws_impl) as url:
        with pytest.raises(InvalidStatus) as refused:
            async with websockets_connect(url):
                pass
    assert refused.value.response.status_code == 403


def test_reject_after_accept_is_a_runtime_error() -> None:
    async def foo(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        with pytest.raises(RuntimeError, match="cannot reject: the connection is accepted"):
            await ws.reject()
        await ws.close()

    with client_of(foo).websocket_connect("/foo") as client, pytest.raises(WebSocketDisconnect):
        client.receive_text()


def test_close_within_the_block_is_kept() -> None:
    async def test(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            await ws.close(4242)

    with client_of(test).websocket_connect("/test") as client:
        assert client.receive() == {"type": "websocket.close", "code": 4242, "reason": ""}


def test_an_error_in_the_block_closes_with_1011_and_propagates() -> None:
    """Deviation: the close carries the reason "internal error" (bocadillo sends none)."""
    cleaned_up = False

    async def fail(ws: WebSocket[Any, Any]) -> None:
        nonlocal cleaned_up
        async with ws:
            raise LookupError("oops")
        cleaned_up = True  # pragma: no cover - the block re-raises

    with pytest.raises(LookupError), client_of(fail).websocket_connect("/fail") as client:
        assert client.receive() == {"type": "websocket.close", "code": 1011, "reason": "internal error"}
    assert not cleaned_up


def test_the_url_is_the_connections() -> None:
    async def test(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            assert ws.url == "ws://testserver/test?a=1"
            assert (ws.url.path, ws.url.port, ws.url.scheme, ws.url.hostname) == ("/test", None, "ws", "testserver")
            assert ws.url.is_secure is False

    with client_of(test).websocket_connect("/test?a=1"):
        pass


# Starlette: the aliases, modes, iteration, closing, denial responses, the scope ------------------


def test_send_and_receive_text_bytes_and_json() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.send_text("Message was: " + await ws.receive_text())
        await ws.send_bytes(b"Message was: " + await ws.receive_bytes())
        await ws.send_json({"message": await ws.receive_json()})
        await ws.close()

    with client_of(app).websocket_connect("/") as client:
        client.send_text("Hello, world!")
        assert client.receive_text() == "Message was: Hello, world!"
        client.send_bytes(b"Hello, world!")
        assert client.receive_bytes() == b"Message was: Hello, world!"
        client.send_json({"hello": "world"})
        assert client.receive_json() == {"message": {"hello": "world"}}


def test_json_in_binary_mode_both_ways() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.send_json(await ws.receive_json(mode="binary"), mode="binary")
        await ws.close()

    with client_of(app).websocket_connect("/") as client:
        client.send_json({"test": "data"}, mode="binary")
        assert client.receive_bytes() == b'{"test":"data"}'


def test_receive_json_takes_either_kind_of_frame_whatever_the_mode() -> None:
    """Deviation: Starlette's mode="text" refuses a binary frame; JSON is JSON in either frame here."""

    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        first, second = await ws.receive_json(mode="text"), await ws.receive_json(mode="binary")
        await ws.send_json([first, second])
        await ws.close()

    with client_of(app).websocket_connect("/") as client:
        client.send_bytes(b'{"a": 1}')
        client.send_text('{"b": 2}')
        assert client.receive_json() == [{"a": 1}, {"b": 2}]


def test_send_json_keeps_unicode_and_is_compact() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.send_json(await ws.receive_json(mode="text"), mode="text")
        await ws.close()

    with client_of(app).websocket_connect("/") as client:
        client.send_json({"test": "数据"}, mode="text")
        assert client.receive_text() == '{"test":"数据"}'


@pytest.mark.parametrize("method", ["send_json", "receive_json"])
def test_an_invalid_json_mode_is_a_runtime_error(method: str) -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        call: Any = getattr(ws, method)
        with pytest.raises(RuntimeError, match='The "mode" argument should be "text" or "binary"'):
            await (call({}, mode="invalid") if method == "send_json" else call(mode="invalid"))
        await ws.close()

    with client_of(app).websocket_connect("/") as client, pytest.raises(WebSocketDisconnect):
        client.receive_text()


@pytest.mark.parametrize(
    ("method", "frames", "expected"),
    [
        ("iter_text", ["a", "b"], ["a", "b"]),
        ("iter_bytes", [b"a", b"b"], [b"a", b"b"]),
        ("iter_json", ['{"a": 1}', "[2]"], [{"a": 1}, [2]]),
    ],
)
def test_the_iter_methods_yield_until_the_peer_leaves(method: str, frames: list[Any], expected: list[Any]) -> None:
    received: list[Any] = []

    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        async for value in getattr(ws, method)():
            received.append(value)

    with client_of(app).websocket_connect("/") as client:
        for frame in frames:
            client.send_text(frame) if isinstance(frame, str) else client.send_bytes(frame)
        client.close(4321)  # any code ends them
    assert received == expected


def test_a_reader_and_a_writer_task_share_the_connection() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        to_writer, from_reader = anyio.create_memory_object_stream[Any](1)
        await ws.accept()

        async def reader() -> None:
            async with to_writer:
                async for data in ws.iter_json():
                    await to_writer.send(data)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(reader)
            async with from_reader:
                async for message in from_reader:
                    await ws.send_json(message)
        await ws.close()  # after the peer left: harmless, as in Starlette

    with client_of(app).websocket_connect("/") as client:
        client.send_json({"hello": "world"})
        assert client.receive_json() == {"hello": "world"}


def test_the_peers_close_code_and_reason_reach_the_handler() -> None:
    seen: list[tuple[int, str]] = []

    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        try:
            await ws.receive_text()
        except WebSocketDisconnect as exc:
            seen.append((exc.code, exc.reason))
        assert (ws.close_code, ws.close_reason) == (status.WS_1001_GOING_AWAY, "Going Away")

    with client_of(app).websocket_connect("/") as client:
        client.close(code=status.WS_1001_GOING_AWAY, reason="Going Away")
    assert seen == [(1001, "Going Away")]


@pytest.mark.anyio
async def test_a_send_the_server_refuses_with_oserror_is_a_1006_disconnect() -> None:
    async def receive() -> Message:
        return {"type": "websocket.connect"}

    async def send(message: Message) -> None:
        if message["type"] != "websocket.accept":
            raise OSError("the peer is gone")  # what a server raises once the client has disconnected

    ws = WebSocket({"type": "websocket", "path": "/"}, receive, send)
    await ws.accept()
    with pytest.raises(WebSocketDisconnect) as lost:
        await ws.send_text("Hello, world!")
    assert lost.value.code == ws.close_code == status.WS_1006_ABNORMAL_CLOSURE


def test_the_applications_close_code_and_reason_reach_the_peer() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.close(code=status.WS_1001_GOING_AWAY, reason="Going Away")

    with client_of(app).websocket_connect("/") as client:
        with pytest.raises(WebSocketDisconnect) as closed:
            client.receive_text()
    assert (closed.value.code, closed.value.reason) == (1001, "Going Away")


def test_close_before_accept_rejects_the_connection_with_its_code() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        assert await ws.receive_event() == {"type": "websocket.connect"}
        await ws.close(status.WS_1001_GOING_AWAY)

    with pytest.raises(WebSocketDisconnect) as refused, client_of(app).websocket_connect("/"):
        pass  # pragma: no cover
    assert refused.value.code == status.WS_1001_GOING_AWAY


def test_send_denial_response_answers_the_handshake_with_http() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        assert await ws.receive_event() == {"type": "websocket.connect"}
        await ws.send_denial_response(Response(status_code=404, content="foo"))

    with pytest.raises(WebSocketDenialResponse) as denied, client_of(app).websocket_connect("/"):
        pass  # pragma: no cover
    assert (denied.value.status_code, denied.value.content) == (404, b"foo")


def test_a_denial_response_can_be_sent_in_raw_events() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.receive_event()
        start = {"type": "websocket.http.response.start", "status": 404, "headers": [(b"foo", b"bar")]}
        await ws.send_event(start)
        await ws.send_event({"type": "websocket.http.response.body", "body": b"hard", "more_body": True})
        await ws.send_event({"type": "websocket.http.response.body", "body": b"body"})

    with pytest.raises(WebSocketDenialResponse) as denied, client_of(app).websocket_connect("/"):
        pass  # pragma: no cover
    assert (denied.value.status_code, denied.value.content, denied.value.headers["foo"]) == (404, b"hardbody", "bar")


def test_send_denial_response_without_the_servers_support_is_a_runtime_error() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        del scope["extensions"]["websocket.http.response"]
        ws = WebSocket(scope, receive, send)
        await ws.receive_event()
        with pytest.raises(RuntimeError, match="The server doesn't support the Websocket Denial Response extension."):
            await ws.send_denial_response(Response(status_code=404, content="foo"))
        await ws.close()

    with pytest.raises(WebSocketDisconnect) as refused, TestClient(app).websocket_connect("/"):
        pass  # pragma: no cover
    assert refused.value.code == status.WS_1000_NORMAL_CLOSURE


def test_a_second_response_start_is_a_runtime_error() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.receive_event()
        start = {"type": "websocket.http.response.start", "status": 404, "headers": []}
        await ws.send_event(start)
        await ws.send_event(start)

    with pytest.raises(RuntimeError, match=r"'websocket\.http\.response\.start' now: expected 'websocket\.http"):
        with client_of(app).websocket_connect("/"):
            pass  # pragma: no cover


def test_subprotocols_and_extra_headers() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        assert ws["subprotocols"] == ["soap", "wamp"]
        await ws.accept(subprotocol="wamp", headers=[(b"additional", b"header")])
        await ws.close()

    with client_of(app).websocket_connect("/", subprotocols=["soap", "wamp"]) as client:
        accepted: object = client.accepted_subprotocol  # both typed `None` by Starlette
        headers: object = client.extra_headers
        assert (accepted, headers) == ("wamp", [(b"additional", b"header")])


def test_a_second_close_is_a_runtime_error() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.close()
        await ws.close()

    with pytest.raises(RuntimeError), client_of(app).websocket_connect("/"):
        pass  # pragma: no cover


def test_a_receive_after_the_disconnect_is_a_runtime_error() -> None:
    """Deviation: what is raised is `WebSocketClosed`, a `RuntimeError` that is also a `WebSocketDisconnect`."""
    raised: list[BaseException] = []

    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        assert (await ws.receive_event())["type"] == "websocket.disconnect"
        try:
            await ws.receive_event()
        except RuntimeError as error:
            raised.append(error)

    with client_of(app).websocket_connect("/") as client:
        client.close()
    assert [type(error) for error in raised] == [WebSocketClosed]


def test_the_connection_is_a_mapping_of_its_scope_compared_by_identity() -> None:
    async def never(*args: Any) -> Any:  # pragma: no cover - the connection is not used
        raise AssertionError

    scope: Scope = {"type": "websocket", "path": "/abc/", "headers": []}
    ws = WebSocket(scope, never, never)
    assert ws["type"] == "websocket"
    assert dict(ws) == {"type": "websocket", "path": "/abc/", "headers": []}
    assert len(ws) == 3
    assert ws != WebSocket(dict(scope), never, never)
    assert ws == ws and ws in {ws} and {ws} == {ws}


@pytest.mark.parametrize("call", ["receive_text", "receive_bytes", "receive_json", "receive", "send"])
def test_receiving_or_sending_before_accept_is_a_runtime_error(call: str) -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        method: Any = getattr(ws, call)
        await (method("early") if call == "send" else method())

    with pytest.raises(RuntimeError, match='call "accept" first'), client_of(app).websocket_connect("/"):
        pass  # pragma: no cover


def test_a_second_accept_is_a_runtime_error() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.send_event({"type": "websocket.accept"})
        await ws.send_event({"type": "websocket.accept"})

    with pytest.raises(RuntimeError, match="cannot accept"), client_of(app).websocket_connect("/"):
        pass  # pragma: no cover


# A protocol error is never a disconnect ------------------------------------------------------------


STRAY_EVENTS: list[Message] = [{"type": "websocket.connect"}, {"type": "http.request", "body": b""}]


@pytest.mark.anyio
@pytest.mark.parametrize("stray", STRAY_EVENTS, ids=lambda event: str(event["type"]))
@pytest.mark.parametrize("call", ["receive", "iteration", "receive_text", "receive_bytes", "receive_json", "receive_event"])
async def test_a_stray_asgi_event_after_the_handshake_is_a_runtime_error_naming_it(stray: Message, call: str) -> None:
    events: list[Message] = [{"type": "websocket.connect"}, stray]

    async def receive() -> Message:
        return events.pop(0)

    async def send(message: Message) -> None:
        pass

    ws = WebSocket({"type": "websocket", "path": "/"}, receive, send)
    await ws.accept()
    with pytest.raises(RuntimeError, match=repr(stray["type"])) as raised:
        if call == "iteration":
            async for _ in ws:
                pass  # pragma: no cover
        else:
            await getattr(ws, call)()
    assert not isinstance(raised.value, WebSocketDisconnect)
    assert ws.close_code is None  # not taken for the peer's close


@pytest.mark.anyio
async def test_a_stray_event_before_the_handshake_is_a_runtime_error_naming_it() -> None:
    async def receive() -> Message:
        return {"type": "websocket.receive", "text": "too early"}

    async def send(message: Message) -> None:  # pragma: no cover - nothing is sent
        pass

    ws = WebSocket({"type": "websocket", "path": "/"}, receive, send)
    with pytest.raises(RuntimeError, match="expected the ASGI event \"websocket.connect\", got 'websocket.receive'"):
        await ws.accept()


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_a_denial_response_is_an_http_response_for_a_real_client(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.send_denial_response(Response("no entry", status_code=401, headers={"x-why": "token"}))

    with serve(app_of(app), ws=ws_impl) as url:
        with pytest.raises(InvalidStatus) as denied:
            async with websockets_connect(url):
                pass  # pragma: no cover
    response = denied.value.response
    assert (response.status_code, response.headers["x-why"], response.body) == (401, "token", b"no entry")
    expected = [UVICORN_DENIAL_ERROR] if ws_impl == "websockets-sansio" else []
    assert [record.getMessage() for record in no_error_logs] == expected


@pytest.mark.anyio
async def test_starlettes_pattern_iterate_then_close_runs_unchanged_over_a_real_server(ws_impl: str) -> None:
    ended: list[int | None] = []

    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        async for message in ws:
            await ws.send(f"echo {message}")
        await ws.close()  # the peer left already: harmless
        ended.append(ws.close_code)

    with serve(app_of(app), ws=ws_impl) as url:
        async with websockets_connect(url) as client:
            await client.send("hi")
            assert await client.recv() == "echo hi"
            await client.close(4000)
        with anyio.fail_after(5):
            while not ended:
                await anyio.sleep(0.01)
    assert ended == [4000]


def test_json_values_are_sent_as_standard_json() -> None:
    async def app(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.send_json({"n": 1, "list": [1, 2]})
        await ws.close()

    with client_of(app).websocket_connect("/") as client:
        assert json.loads(client.receive_text()) == {"n": 1, "list": [1, 2]}
