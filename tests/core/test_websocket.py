"""`WebSocket[In, Out]` driven in process through Starlette's TestClient."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from pydantic import Field, TypeAdapter
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from typing_extensions import TypedDict

import typedws
from tests.support.apps import Aliased, Chat, Join, Measurement, Say, app_of, echo_app
from typedws import (
    InvalidMessage,
    MalformedMessage,
    MessageError,
    MessageTooLarge,
    UnexpectedFrame,
    WebSocket,
    WebSocketClosed,
)

SCOPE: Scope = {"type": "websocket", "path": "/ws", "headers": [], "query_string": b""}


async def _never(*args: Any) -> Any:
    raise AssertionError("not called")


def connect(app: Any, path: str = "/ws", **kwargs: Any) -> Any:
    return TestClient(app).websocket_connect(path, **kwargs)


def close_of(session: Any) -> tuple[int, str]:
    """Receive until the server closes; return its code and reason."""
    with pytest.raises(WebSocketDisconnect) as closed:
        while True:
            session.receive_text()
    return closed.value.code, closed.value.reason or ""


# Construction --------------------------------------------------------------------


def test_default_types_are_text() -> None:
    ws = WebSocket(SCOPE, _never, _never)
    assert ws.receive_codec.name == ws.send_codec.name == "text"
    assert typedws.DEFAULT_CAUGHT_CLOSE_CODES == "all"
    assert all(code in ws.caught_close_codes for code in (1000, 1001, 1005, 1006, 1011, 4000, 4999))
    assert ws.max_size == typedws.DEFAULT_MAX_SIZE == 1024 * 1024


def test_value_type_sets_both_directions_and_overrides() -> None:
    ws: WebSocket[Any, Any] = WebSocket(SCOPE, _never, _never, value_type=Chat)
    assert ws.receive_codec is ws.send_codec
    assert ws.receive_codec.name == "Chat"
    classic: Any = WebSocket
    overridden = classic(SCOPE, _never, _never, value_type="bytes", receive_type="json", send_type="text")
    assert (overridden.receive_codec.name, overridden.send_codec.name) == ("bytes", "bytes")


def test_codecs_are_built_once_per_type() -> None:
    first = WebSocket(SCOPE, _never, _never, receive_type=Chat, send_type=Join)
    second = WebSocket(SCOPE, _never, _never, receive_type=Chat, send_type=Join)
    assert first.receive_codec is second.receive_codec
    assert first.send_codec is second.send_codec


@pytest.mark.parametrize("name", ["xml", "TEXT", "binary", ""])
def test_unknown_name_is_a_value_error_naming_the_accepted_forms(name: str) -> None:
    anything: Any = name
    with pytest.raises(ValueError, match="expected 'text', 'bytes', 'json', 'event', a type"):
        WebSocket(SCOPE, _never, _never, value_type=anything)


@pytest.mark.parametrize("value", [42, 1.5, b"text", Chat(user="a", text="b")])
def test_non_type_is_a_type_error(value: Any) -> None:
    with pytest.raises(TypeError, match="is not a value type; expected 'text', 'bytes', 'json'"):
        WebSocket(SCOPE, _never, _never, receive_type=value)


def test_type_pydantic_cannot_validate_is_a_type_error() -> None:
    class Opaque:
        pass

    with pytest.raises(TypeError, match="Pydantic cannot validate it"):
        WebSocket(SCOPE, _never, _never, send_type=Opaque)


def test_scope_and_size_are_checked() -> None:
    with pytest.raises(ValueError, match="'websocket' scope"):
        WebSocket({"type": "http"}, _never, _never)
    with pytest.raises(ValueError, match="max_size must be a positive number"):
        WebSocket(SCOPE, _never, _never, max_size=0)


# Every value type round-trips --------------------------------------------------------


class Point(TypedDict):
    x: int
    y: int


@dataclass
class Pair:
    left: int
    right: str


Command = Annotated[Join | Say, Field(discriminator="kind")]

ROUND_TRIPS: list[tuple[Any, str | bytes]] = [
    ("text", "héllo"),
    ("bytes", b"\x00\xff binary"),
    ("json", '{"a":[1,2.5,null,true,"x"]}'),
    (Chat, '{"user":"ana","text":"hi"}'),
    (Point, '{"x":1,"y":2}'),
    (Pair, '{"left":1,"right":"r"}'),
    (TypeAdapter(Command), '{"kind":"say","text":"hey"}'),
    (TypeAdapter(Join | Say), '{"kind":"join","room":"lobby"}'),
    (TypeAdapter(list[Chat]), '[{"user":"a","text":"1"},{"user":"b","text":"2"}]'),
    (Aliased, '{"userName":"ana"}'),
]


@pytest.mark.parametrize(("value_type", "frame"), ROUND_TRIPS, ids=lambda v: getattr(v, "__name__", None))
def test_every_value_type_round_trips(value_type: Any, frame: str | bytes) -> None:
    with connect(echo_app(value_type=value_type)) as session:
        if isinstance(frame, bytes):
            session.send_bytes(frame)
            assert session.receive_bytes() == frame
        elif value_type == "text":
            session.send_text(frame)
            assert session.receive_text() == frame
        else:
            session.send_text(frame)
            assert json.loads(session.receive_text()) == json.loads(frame)


def test_json_arrives_in_utf8_binary_frames_and_leaves_in_text_frames() -> None:
    with connect(echo_app(value_type=Chat)) as session:
        session.send_bytes('{"user":"zoë","text":"ça va"}'.encode())
        message = session.receive()
        assert message["type"] == "websocket.send"
        assert json.loads(message["text"]) == {"user": "zoë", "text": "ça va"}


def test_received_values_are_validated_instances() -> None:
    seen: list[object] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            seen.append(await ws.receive())

    with connect(app_of(handler, value_type=TypeAdapter(Command))) as session:
        session.send_text('{"kind": "join", "room": "lobby"}')
        close_of(session)
    assert seen == [Join(room="lobby")]


def test_models_are_sent_by_alias() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            await ws.send(Aliased(user_name="ana"))

    with connect(app_of(handler, value_type=Aliased)) as session:
        assert json.loads(session.receive_text()) == {"userName": "ana"}


def test_non_finite_floats_are_sent_as_standard_json() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            await ws.send(Measurement(value=float("nan")))
            await ws.send_json([float("inf")])

    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")

    with connect(app_of(handler, value_type=Measurement)) as session:
        assert json.loads(session.receive_text(), parse_constant=refuse) == {"value": None}
        assert json.loads(session.receive_text(), parse_constant=refuse) == [None]


# Sending the wrong type --------------------------------------------------------------


@pytest.mark.parametrize(
    ("send_type", "wrong"),
    [
        ("text", b"bytes"),
        ("bytes", "text"),
        (Chat, Join(room="x")),
        (Chat, {"user": "a", "text": "b"}),
        (TypeAdapter(Join | Say), Chat(user="a", text="b")),
        (Point, {"x": "not an int", "y": 1}),
        (TypeAdapter(list[Chat]), [Join(room="x")]),
        ("json", object()),
    ],
)
def test_sending_the_wrong_type_raises_before_anything_is_sent(send_type: Any, wrong: object) -> None:
    errors: list[TypeError] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            try:
                await ws.send(wrong)
            except TypeError as error:
                errors.append(error)
            await ws.send_text("still open")

    with connect(app_of(handler, send_type=send_type)) as session:
        assert session.receive_text() == "still open"
    assert len(errors) == 1
    assert "cannot send" in str(errors[0])


# Bad input gets a defined close code ---------------------------------------------------


@pytest.mark.parametrize(
    ("options", "frame", "code", "reason"),
    [
        ({}, b"binary", 1003, "unsupported frame type"),
        ({"value_type": "bytes"}, "text", 1003, "unsupported frame type"),
        ({"value_type": Chat}, '{"user": "a", "text": ', 1007, "malformed message"),
        ({"value_type": Chat}, b'{"user": "\xff", "text": "b"}', 1007, "malformed message"),
        ({"value_type": Chat}, '{"user": "a"}', 1007, "invalid message"),
        ({"value_type": Measurement}, '{"value": NaN}', 1007, "malformed message"),
        ({"value_type": "json"}, "[1, -Infinity]", 1007, "malformed message"),
        ({"max_size": 10}, "x" * 11, 1009, "message too large"),
        ({"max_size": 10}, "é" * 6, 1009, "message too large"),
        ({"value_type": "bytes", "max_size": 10}, b"x" * 11, 1009, "message too large"),
    ],
)
def test_bad_input_closes_with_its_code(options: dict[str, Any], frame: str | bytes, code: int, reason: str) -> None:
    with connect(echo_app(**options)) as session:
        if isinstance(frame, bytes):
            session.send_bytes(frame)
        else:
            session.send_text(frame)
        assert close_of(session) == (code, reason)


def test_nan_inside_a_string_is_just_text() -> None:
    with connect(echo_app(value_type=Chat)) as session:
        session.send_text('{"user": "NaN", "text": "Infinity"}')
        assert json.loads(session.receive_text()) == {"user": "NaN", "text": "Infinity"}


def test_messages_up_to_max_size_pass() -> None:
    with connect(echo_app(max_size=10)) as session:
        session.send_text("x" * 10)
        assert session.receive_text() == "x" * 10
    with connect(echo_app(max_size=None)) as session:
        session.send_text("x" * (2 * 1024 * 1024))
        assert len(session.receive_text()) == 2 * 1024 * 1024


@pytest.mark.expect_error_log
def test_handler_crash_closes_1011_and_reraises() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            await ws.receive()
            raise LookupError("handler bug")

    with pytest.raises(LookupError, match="handler bug"), connect(app_of(handler)) as session:
        session.send_text("boom")
        assert close_of(session) == (1011, "internal error")


def test_errors_carry_details_but_close_reasons_never_echo_the_peer() -> None:
    caught: list[MessageError] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            try:
                await ws.receive()
            except MessageError as error:
                caught.append(error)
                raise

    secret = "SECRET-PEER-DATA"
    with connect(app_of(handler, value_type=Chat)) as session:
        session.send_text(json.dumps({"user": secret, "text": 5}))
        code, reason = close_of(session)
    assert (code, reason) == (1007, "invalid message")
    [error] = caught
    assert isinstance(error, InvalidMessage)
    assert error.close_code == 1007
    assert [e["loc"] for e in error.errors] == [("text",)]
    assert secret not in str(error) and all("input" not in e for e in error.errors)
    assert error.__cause__ is None and error.__suppress_context__  # Pydantic's error quotes the input


def test_a_handler_can_answer_a_bad_message_and_keep_the_connection() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            while True:
                try:
                    message = await ws.receive()
                except (InvalidMessage, MalformedMessage, UnexpectedFrame, MessageTooLarge) as error:
                    await ws.send(Chat(user="server", text=f"error {error.close_code}"))
                    continue
                await ws.send(message)

    with connect(app_of(handler, value_type=Chat, max_size=100)) as session:
        for frame in ['{"user": 1}', "not json", "x" * 101]:
            session.send_text(frame)
            assert json.loads(session.receive_text())["user"] == "server"
        session.send_bytes(b'{"user": "a", "text": "b"}')
        assert json.loads(session.receive_text()) == {"user": "a", "text": "b"}


# Lifecycle: async with, async for, close ------------------------------------------------


def test_async_with_accepts_and_closes_normally() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            await ws.send("hi")

    with connect(app_of(handler)) as session:
        assert session.receive_text() == "hi"
        assert close_of(session) == (1000, "")


@pytest.mark.parametrize("code", [1000, 1001, 1005, 1006])
def test_caught_disconnects_end_iteration_and_async_with_quietly(code: int) -> None:
    after: list[str] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            async for _ in ws:
                pass
            after.append("loop ended")
        after.append("block ended")

    with connect(app_of(handler)) as session:
        session.send_text("one")
        session.close(code)
    assert after == ["loop ended", "block ended"]


def test_by_default_every_close_code_ends_the_iteration_quietly_and_close_code_tells_which() -> None:
    seen: list[tuple[int | None, str | None]] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            assert (ws.close_code, ws.close_reason) == (None, None)
            async for _ in ws:
                pass
            seen.append((ws.close_code, ws.close_reason))

    with connect(app_of(handler)) as session:
        session.close(4000, "bye")
    assert seen == [(4000, "bye")]


def test_with_explicit_codes_another_code_raises_out_of_the_iteration_and_out_of_async_with() -> None:
    raised: list[str] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        try:
            async with ws:
                try:
                    async for _ in ws:
                        pass
                except WebSocketDisconnect as exc:
                    raised.append(f"iteration {exc.code}")
                    raise
        except WebSocketDisconnect as exc:
            raised.append(f"block {exc.code}")

    with connect(app_of(handler, caught_close_codes=(1000, 1001))) as session:
        session.close(4000)
    assert raised == ["iteration 4000", "block 4000"]


@pytest.mark.parametrize("spelling", ["all", all])
def test_all_in_either_spelling_catches_every_code_4000_to_4999_included(spelling: Any) -> None:
    ended: list[int | None] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            async for _ in ws:
                pass
        ended.append(ws.close_code)

    app = app_of(handler, caught_close_codes=spelling)
    for code in (1000, 1011, 4000, 4999):
        with connect(app) as session:
            session.close(code)
    assert ended == [1000, 1011, 4000, 4999]


def test_caught_close_codes_are_configurable() -> None:
    outcome: list[str] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            try:
                async for _ in ws:
                    pass
                outcome.append("quiet")
            except WebSocketDisconnect as exc:
                outcome.append(f"raised {exc.code}")

    app = app_of(handler, caught_close_codes=(4000,))
    with connect(app) as session:
        session.close(4000)
    with connect(app) as session:
        session.close(1000)
    assert outcome == ["quiet", "raised 1000"]


def test_iteration_closes_on_a_bad_message_and_raises() -> None:
    raised: list[type[Exception]] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        try:
            async for _ in ws:
                pass
        except MessageError as error:
            raised.append(type(error))

    async def accepting(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await handler(ws)

    with connect(app_of(accepting, value_type=Chat)) as session:
        session.send_text("{")
        assert close_of(session) == (1007, "malformed message")
    assert raised == [MalformedMessage]


def test_ensure_closed_is_idempotent_and_safe_after_the_peer_left() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        with pytest.raises(WebSocketDisconnect):
            await ws.receive()
        await ws.ensure_closed()
        await ws.ensure_closed(1011)

    with connect(app_of(handler)) as session:
        session.close(1000)

    async def closer(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.ensure_closed(4001, "done")
        await ws.ensure_closed()
        await ws.close()  # a second explicit close is a usage error
    with pytest.raises(WebSocketClosed, match="it is closed"), connect(app_of(closer)) as session:
        assert close_of(session) == (4001, "done")


def test_close_reasons_are_cut_to_123_bytes_of_utf8() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        await ws.accept()
        await ws.close(4000, "é" * 100)

    with connect(app_of(handler)) as session:
        code, reason = close_of(session)
    assert code == 4000
    assert reason == "é" * 61 and len(reason.encode()) <= 123


def test_close_before_accept_refuses_the_handshake() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        await ws.close()

    with pytest.raises(WebSocketDisconnect), connect(app_of(handler)):
        pass


def test_subprotocol_and_headers_on_accept() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        assert ws.subprotocols == ["v2", "v1"]
        await ws.accept(subprotocol="v1", headers=[(b"x-server", b"typedws")])
        await ws.close()

    with connect(app_of(handler), subprotocols=["v2", "v1"]) as session:
        assert session.accepted_subprotocol == "v1"
        assert session.extra_headers == [(b"x-server", b"typedws")]


def test_state_errors_are_clear() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        with pytest.raises(RuntimeError, match='call "accept" first'):
            await ws.receive()
        with pytest.raises(RuntimeError, match='call "accept" first'):
            await ws.send("early")
        await ws.accept()
        await ws.close()
        with pytest.raises(WebSocketClosed, match=r"cannot send on the connection: it is closed \(close code 1000\)"):
            await ws.send("late")

    with connect(app_of(handler)) as session:
        assert close_of(session) == (1000, "")


# The classic aliases and raw events ------------------------------------------------------


def test_classic_aliases_ignore_the_declared_types() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            await ws.send_text(await ws.receive_text())
            await ws.send_bytes(await ws.receive_bytes())
            await ws.send_json(await ws.receive_json())

    with connect(app_of(handler, value_type=Chat)) as session:
        session.send_text("plain")
        assert session.receive_text() == "plain"
        session.send_bytes(b"\x01")
        assert session.receive_bytes() == b"\x01"
        session.send_bytes(b'{"any": ["json"]}')
        assert json.loads(session.receive_text()) == {"any": ["json"]}


def test_raw_events_track_state() -> None:
    states: list[tuple[str, typedws.WebSocketState, typedws.WebSocketState]] = []

    async def received(ws: WebSocket[Any, Any]) -> Any:
        message = await ws.receive_event()
        states.append((message["type"], ws.client_state, ws.application_state))
        return message

    async def handler(ws: WebSocket[Any, Any]) -> None:
        await received(ws)
        await ws.send_event({"type": "websocket.accept"})
        message = await received(ws)
        await ws.send_event({"type": "websocket.send", "text": message["text"].upper()})
        await received(ws)

    with connect(app_of(handler)) as session:
        session.send_text("shout")
        assert session.receive_text() == "SHOUT"
    connecting, connected, disconnected = (
        typedws.WebSocketState.CONNECTING,
        typedws.WebSocketState.CONNECTED,
        typedws.WebSocketState.DISCONNECTED,
    )
    assert states == [
        ("websocket.connect", connected, connecting),
        ("websocket.receive", connected, connected),
        ("websocket.disconnect", disconnected, connected),
    ]


def test_request_data_is_typed_and_read_only() -> None:
    seen: dict[str, Any] = {}

    async def handler(ws: WebSocket[Any, Any]) -> None:
        seen.update(
            url=str(ws.url),
            header=ws.headers["x-token"],
            query=ws.query_params["room"],
            cookie=ws.cookies.get("session"),
            client=ws.client is not None,
            scope=ws.scope["type"],
        )
        ws.state.user = "ana"
        seen["state"] = ws.scope["state"]["user"]
        await ws.close()

    client = TestClient(app_of(handler), cookies={"session": "abc"})
    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/ws?room=lobby", headers={"x-token": "t"}):
        pass
    assert seen == {
        "url": "ws://testserver/ws?room=lobby",
        "header": "t",
        "query": "lobby",
        "cookie": "abc",
        "client": True,
        "scope": "websocket",
        "state": "ana",
    }


def test_repr_names_the_types() -> None:
    ws = WebSocket(SCOPE, _never, _never, receive_type=Chat, send_type="bytes")
    assert repr(ws) == "<WebSocket '/ws' receive=Chat send=bytes connecting>"


async def _app(scope: Scope, receive: Receive, send: Send) -> None:
    """A module-level app, to check `app_of` is not needed for plain use."""
    ws = WebSocket(scope, receive, send, value_type=Chat)
    async with ws:
        async for chat in ws:
            await ws.send(Chat(user="echo", text=chat.text.upper()))


def test_typed_app_without_helpers() -> None:
    with connect(_app) as session:
        session.send_text('{"user": "a", "text": "hey"}')
        assert json.loads(session.receive_text()) == {"user": "echo", "text": "HEY"}


# State rules shared by every call ---------------------------------------------------------


def test_the_classic_receives_need_an_accepted_connection_as_receive_does() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        for receive in (ws.receive, ws.receive_text, ws.receive_bytes, ws.receive_json):
            with pytest.raises(RuntimeError, match='call "accept" first'):
                await receive()
        await ws.accept()
        await ws.send_text(await ws.receive_text())

    with connect(app_of(handler)) as session:
        session.send_text("still connected")
        assert session.receive_text() == "still connected"


@pytest.mark.anyio
async def test_a_peer_leaving_during_the_handshake_gives_every_call_the_same_close_code() -> None:
    events: list[Message] = [{"type": "websocket.disconnect"}]  # no code: the peer's close had none
    sent: list[Message] = []

    async def receive() -> Message:
        return events.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    ws = WebSocket(SCOPE, receive, send)
    codes: list[int] = []
    for call in (ws.accept, ws.receive, ws.receive_text, lambda: ws.send("late")):
        with pytest.raises(WebSocketDisconnect) as left:
            await call()
        codes.append(left.value.code)
    assert codes == [1005] * 4
    async with ws:  # the peer left: nothing to accept, nothing to close
        pass
    assert sent == []


def test_once_the_peer_left_every_send_raises_its_disconnect_and_close_does_nothing() -> None:
    """Starlette's TestClient, unlike uvicorn, takes a send after the peer left without complaint."""
    codes: list[int] = []

    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            with pytest.raises(WebSocketDisconnect):
                await ws.receive()
            sends: list[Callable[[], Awaitable[None]]] = [
                lambda: ws.send("late"),
                lambda: ws.send_text("late"),
                lambda: ws.send_event({"type": "websocket.send", "text": "late"}),
            ]
            for send in sends:
                try:
                    await send()
                except WebSocketDisconnect as left:
                    codes.append(left.code)
            await ws.close()  # Starlette's pattern, `async for ...` then `close()`: harmless once the peer left

    with connect(app_of(handler)) as session:
        session.close(4001)
    assert codes == [4001] * 3


def test_async_with_keeps_an_explicit_accept_and_a_second_accept_is_refused() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        await ws.accept(subprotocol="v1")
        async with ws:
            with pytest.raises(RuntimeError, match="cannot accept: the connection is accepted already"):
                await ws.accept()
            await ws.send(await ws.receive())

    with connect(app_of(handler), subprotocols=["v1"]) as session:
        assert session.accepted_subprotocol == "v1"
        session.send_text("echo")
        assert session.receive_text() == "echo"
        assert close_of(session) == (1000, "")


def test_raw_events_are_checked_against_the_state() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        with pytest.raises(RuntimeError, match=r"cannot send the ASGI event 'websocket\.http\.response\.body' now"):
            await ws.send_event({"type": "websocket.http.response.body", "body": b""})
        await ws.accept()
        with pytest.raises(RuntimeError, match=r"cannot send the ASGI event 'websocket\.http\.response\.start' now"):
            await ws.send_event({"type": "websocket.http.response.start", "status": 403, "headers": []})
        await ws.send_text("accepted")
        await ws.close()

    with connect(app_of(handler)) as session:
        assert session.receive_text() == "accepted"
        assert close_of(session) == (1000, "")


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"max_size": -1}, ValueError, "max_size must be a positive number of bytes or None, got -1"),
        ({"max_size": "1 MiB"}, ValueError, "max_size must be a positive number of bytes or None, got '1 MiB'"),
        ({"caught_close_codes": 1000}, TypeError, r"caught_close_codes must be \"all\" or close codes \(ints\)"),
        ({"caught_close_codes": "1000"}, TypeError, r"caught_close_codes must be \"all\" or close codes \(ints\)"),
    ],
)
def test_bad_options_are_refused_with_exact_messages(options: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        WebSocket(SCOPE, _never, _never, **options)


def test_message_too_large_counts_the_bytes_of_a_text_too_long_in_characters() -> None:
    async def handler(ws: WebSocket[Any, Any]) -> None:
        async with ws:
            try:
                await ws.receive()
            except MessageTooLarge as error:
                await ws.send(f"{error.size} > {error.max_size}")

    with connect(app_of(handler, max_size=1000)) as session:
        session.send_text("é" * 1001)
        assert session.receive_text() == "2002 > 1000"
