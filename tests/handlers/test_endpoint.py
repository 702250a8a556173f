"""`typedws.endpoint`: types read from annotations, decoration errors, metadata, and the connection's lifecycle."""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.exceptions import WebSocketException
from starlette.routing import Mount, WebSocketRoute
from starlette.websockets import WebSocket as StarletteWebSocket

import typedws
from typedws import EndpointInfo, InvalidMessage, WebSocket, WebSocketDisconnect, typed_routes
from typedws.routing import Endpoint
from typedws.testing import TestClient


class Join(BaseModel):
    """Join a room."""

    kind: Literal["join"] = "join"
    room: str


class Leave(BaseModel):
    """Leave the room."""

    kind: Literal["leave"] = "leave"


Command = Annotated[Join | Leave, Field(discriminator="kind")]


class Joined(BaseModel):
    """Someone joined."""

    room: str


@dataclass
class Point:
    x: int
    y: int


class Opaque:
    """A class Pydantic cannot validate."""


def app_of(endpoint: Endpoint[Any, Any], path: str = "/ws") -> Starlette:
    return Starlette(routes=[WebSocketRoute(path, endpoint)])


# Types read from the annotation ------------------------------------------------------------


async def bare(ws: WebSocket) -> None: ...  # bare: means WebSocket[str, str]
async def one_argument(ws: WebSocket[Point]) -> None: ...  # means WebSocket[Point, str]
async def text_bytes(ws: WebSocket[str, bytes]) -> None: ...
async def any_json(ws: WebSocket[Any, Any]) -> None: ...
async def models(ws: WebSocket[Command, Joined]) -> None: ...
async def dataclasses(ws: WebSocket[Point, list[Point]]) -> None: ...


@pytest.mark.parametrize(
    ("handler", "receive", "send"),
    [
        (bare, ("text", str), ("text", str)),
        (one_argument, ("Point", Point), ("text", str)),
        (text_bytes, ("text", str), ("bytes", bytes)),
        (any_json, ("json", Any), ("json", Any)),
        (models, ("application/json", Command), ("Joined", Joined)),
        (dataclasses, ("Point", Point), ("application/json", list[Point])),
    ],
)
def test_types_come_from_the_annotation(handler: Any, receive: tuple[str, Any], send: tuple[str, Any]) -> None:
    info = typedws.endpoint(handler).info
    assert receive[0] in (info.receive_codec.name, info.receive_codec.media_type)
    assert info.receive_type == receive[1]
    assert send[0] in (info.send_codec.name, info.send_codec.media_type)
    assert info.send_type == send[1]


def test_string_annotations_are_resolved() -> None:
    """This module uses `from __future__ import annotations`; a quoted annotation resolves the same way."""

    async def quoted(ws: "WebSocket[Join, Joined]") -> None: ...  # noqa: UP037

    info = typedws.endpoint(quoted).info
    assert (info.receive_type, info.send_type) == (Join, Joined)


def test_a_discriminated_union_keeps_its_discriminator() -> None:
    info = typedws.endpoint(models).info
    assert info.receive_codec.decode('{"kind": "leave"}') == Leave()
    with pytest.raises(InvalidMessage) as error:
        info.receive_codec.decode('{"kind": "dance"}')
    assert error.value.errors[0]["type"] == "union_tag_invalid"


def test_validation_errors_hold_their_details_without_the_peer_s_data() -> None:
    info = typedws.endpoint(models).info
    with pytest.raises(InvalidMessage) as error:
        info.receive_codec.decode('{"kind": "join", "room": ["secret"]}')
    assert error.value.errors == [
        {"type": "string_type", "loc": ("join", "room"), "msg": "Input should be a valid string"}
    ]
    assert "secret" not in str(error.value)


def test_metadata_carries_the_docstring_and_options() -> None:
    @typedws.endpoint(caught_close_codes=(1000, 4000), max_size=512)
    async def room(ws: WebSocket[Command, Joined]) -> None:
        """A room.

        Join it, then leave.
        """

    assert room.info == EndpointInfo(
        name="room",
        description="A room.\n\nJoin it, then leave.",
        kind="endpoint",
        receive_codec=room.info.receive_codec,
        send_codec=room.info.send_codec,
        caught_close_codes=frozenset({1000, 4000}),
        max_size=512,
    )
    assert 4000 in typedws.endpoint(bare).info.caught_close_codes  # "all" by default
    assert typedws.endpoint(bare).info.max_size == typedws.DEFAULT_MAX_SIZE
    assert typedws.endpoint(bare).info.description is None
    assert getattr(room, "__typedws_info__") is room.info
    assert room.__name__ == "room"


def test_codecs_are_resolved_once_not_per_connection() -> None:
    seen: list[WebSocket[Join, Joined]] = []

    @typedws.endpoint
    async def handler(ws: WebSocket[Join, Joined]) -> None:
        seen.append(ws)
        await ws.accept()

    client = TestClient(app_of(handler))
    for _ in range(2):
        with client.websocket_connect("/ws"):
            pass
    assert len(seen) == 2
    for ws in seen:
        assert ws.receive_codec is handler.info.receive_codec
        assert ws.send_codec is handler.info.send_codec


# Errors at decoration time ------------------------------------------------------------------------


async def no_websocket(name: str) -> None: ...
async def starlette_websocket(websocket: StarletteWebSocket) -> None: ...
async def two_websockets(a: WebSocket[str, str], b: WebSocket[str, str]) -> None: ...
async def positional_only(ws: WebSocket[str, str], /) -> None: ...
async def opaque(ws: WebSocket[Opaque, str]) -> None: ...
async def opaque_out(ws: WebSocket[str, Opaque]) -> None: ...
async def unresolvable(ws: WebSocket[Missing, str]) -> None: ...  # type: ignore[name-defined]  # noqa: F821

T = typing.TypeVar("T")


async def generic(ws: WebSocket[T, T]) -> None: ...


def not_async(ws: WebSocket[str, str]) -> None: ...


class TypingTypedDict(typing.TypedDict):
    """A TypedDict from `typing`, which Pydantic refuses before Python 3.12."""

    x: int


async def typing_typed_dict(ws: WebSocket[TypingTypedDict, str]) -> None: ...


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        (no_websocket, r"no_websocket\(\) has no typedws.WebSocket parameter; annotate"),
        (starlette_websocket, r"starlette.websockets.WebSocket carries no message types"),
        (two_websockets, r"more than one WebSocket parameter: a, b"),
        (positional_only, r"must be passable by keyword"),
        (opaque, r"opaque\(\): the receive type of 'ws' is not usable: cannot use .*Opaque.*Pydantic cannot validate"),
        (opaque_out, r"opaque_out\(\): the send type of 'ws' is not usable"),
        (unresolvable, r"cannot resolve the annotations of unresolvable\(\): name 'Missing' is not defined"),
        (generic, r"type variable T"),
        (not_async, r"not_async\(\) must be an `async def` function"),
    ],
)
def test_bad_handlers_fail_at_decoration(handler: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        typedws.endpoint(handler)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Pydantic takes typing.TypedDict from Python 3.12 on")
def test_a_typing_typed_dict_before_python_3_12_is_refused_in_one_line_that_says_what_to_write() -> None:
    with pytest.raises(TypeError) as refused:
        typedws.endpoint(typing_typed_dict)
    assert str(refused.value) == (
        "typing_typed_dict(): the receive type of 'ws' is not usable: cannot use TypingTypedDict as a value type:"
        " before Python 3.12, Pydantic needs `from typing_extensions import TypedDict`"
    )


def test_every_decoration_error_is_one_line() -> None:
    bad: list[Any] = [no_websocket, starlette_websocket, two_websockets, positional_only, opaque, generic, not_async]
    for handler in bad:
        with pytest.raises(TypeError) as refused:
            typedws.endpoint(handler)
        assert "\n" not in str(refused.value)


async def path_first(room: str, ws: WebSocket[Join, Joined]) -> None: ...
async def third(room: str, page: int, ws: WebSocket[bytes, Joined], *, limit: int = 10) -> None: ...


@pytest.mark.parametrize(("handler", "types"), [(path_first, (Join, Joined)), (third, (bytes, Joined))])
def test_the_connection_may_come_after_other_parameters(handler: Any, types: tuple[Any, Any]) -> None:
    info = typedws.endpoint(handler).info
    assert (info.receive_type, info.send_type) == types


def test_bad_options_fail_at_decoration() -> None:
    with pytest.raises(ValueError, match="max_size must be a positive number of bytes or None"):
        typedws.endpoint(max_size=0)(bare)


# Metadata over an app's routes -------------------------------------------------------------------


def test_typed_routes_walks_mounts() -> None:
    @typedws.endpoint
    async def inner(ws: WebSocket[Join, Joined]) -> None: ...

    @typedws.listener
    async def echo(message: Join) -> Joined:
        return Joined(room=message.room)

    async def untyped(websocket: StarletteWebSocket) -> None: ...

    app = Starlette(
        routes=[
            WebSocketRoute("/echo", echo),
            WebSocketRoute("/plain", untyped),
            Mount("/api", routes=[WebSocketRoute("/rooms/{room}", inner)]),
        ]
    )
    assert [(path, info.name, info.kind) for path, info in typed_routes(app)] == [
        ("/echo", "echo", "listener"),
        ("/api/rooms/{room}", "inner", "endpoint"),
    ]


# The connection's lifecycle --------------------------------------------------------------------------


def test_handler_chooses_when_to_accept_and_may_refuse() -> None:
    @typedws.endpoint
    async def guarded(ws: WebSocket[str, str]) -> None:
        if ws.query_params.get("token") != "ok":
            await ws.close(1008, "bad token")
            return
        async with ws:
            await ws.send("welcome")

    client = TestClient(app_of(guarded))
    with pytest.raises(WebSocketDisconnect) as refused:
        with client.websocket_connect("/ws?token=no"):
            pass
    assert (refused.value.code, refused.value.reason) == (1008, "bad token")
    with client.websocket_connect("/ws?token=ok") as session:
        assert session.receive() == "welcome"
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive()
        assert closed.value.code == 1000


def test_a_handler_that_returns_without_accepting_refuses_the_handshake() -> None:
    @typedws.endpoint
    async def idle(ws: WebSocket[str, str]) -> None:
        return None

    with pytest.raises(WebSocketDisconnect) as refused:
        with TestClient(app_of(idle)).websocket_connect("/ws"):
            pass
    assert refused.value.code == 1000


def test_the_connection_is_closed_after_the_handler_returns() -> None:
    @typedws.endpoint
    async def once(ws: WebSocket[str, str]) -> None:
        await ws.accept()
        await ws.send(await ws.receive())

    with TestClient(app_of(once)).websocket_connect("/ws") as session:
        session.send("ping")
        assert session.receive() == "ping"
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive()
        assert closed.value.code == 1000


def test_a_message_error_out_of_the_handler_closes_with_its_code() -> None:
    @typedws.endpoint
    async def strict(ws: WebSocket[Join, Joined]) -> None:
        await ws.accept()
        while True:  # no `async with`: the endpoint applies the same rules
            join = await ws.receive()
            await ws.send(Joined(room=join.room))

    with TestClient(app_of(strict)).websocket_connect("/ws", send_type=Join, receive_type=Joined) as session:
        session.send(Join(room="a"))
        assert session.receive() == Joined(room="a")
        session.send_frame('{"kind": "join"}')
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive()
        assert (closed.value.code, closed.value.reason) == (1007, "invalid message")


def test_a_websocket_exception_closes_with_its_code() -> None:
    @typedws.endpoint
    async def policy(ws: WebSocket[str, str]) -> None:
        await ws.accept()
        raise WebSocketException(4403, "not allowed")

    with TestClient(app_of(policy)).websocket_connect("/ws") as session:
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive()
    assert (closed.value.code, closed.value.reason) == (4403, "not allowed")


def test_a_websocket_exception_inside_async_with_closes_with_its_code() -> None:
    @typedws.endpoint
    async def policy(ws: WebSocket[str, str]) -> None:
        async with ws:
            raise WebSocketException(4403, "not allowed")

    with TestClient(app_of(policy)).websocket_connect("/ws") as session:
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive()
    assert (closed.value.code, closed.value.reason) == (4403, "not allowed")


def test_a_crash_closes_1011_and_propagates() -> None:
    @typedws.endpoint
    async def buggy(ws: WebSocket[str, str]) -> None:
        async with ws:
            await ws.receive()
            raise LookupError("bug")

    with pytest.raises(LookupError, match="bug"):
        with TestClient(app_of(buggy)).websocket_connect("/ws") as session:
            session.send("go")
            with pytest.raises(WebSocketDisconnect) as closed:
                session.receive()
            assert (closed.value.code, closed.value.reason) == (1011, "internal error")


def test_other_parameters_than_path_parameters_need_fastapi() -> None:
    @typedws.endpoint
    async def needs_room(ws: WebSocket[str, str], room: str) -> None: ...

    with pytest.raises(TypeError, match=r"^needs_room\(\) takes room, which is not a path parameter of its route;"):
        with TestClient(app_of(needs_room)).websocket_connect("/ws"):
            pass


def test_under_starlette_path_parameters_fill_the_handler_s_parameters_typed() -> None:
    @typedws.endpoint
    async def page(room: str, number: Annotated[int, Field(ge=1)], ws: WebSocket[str, str], size: int = 10) -> None:
        async with ws:
            await ws.send(f"{room} {number + 1} {size}")

    app = Starlette(routes=[WebSocketRoute("/rooms/{room}/pages/{number}", page)])
    with TestClient(app).websocket_connect("/rooms/lobby/pages/41") as session:
        assert session.receive() == "lobby 42 10"
    with pytest.raises(WebSocketDisconnect) as refused:
        with TestClient(app).websocket_connect("/rooms/lobby/pages/0"):
            pass
    assert (refused.value.code, refused.value.reason) == (1008, "invalid path parameter 'number'")


def test_an_endpoint_served_as_a_whole_app_answers_http_and_lifespan() -> None:
    @typedws.endpoint
    async def alone(ws: WebSocket[str, str]) -> None:
        async with ws:
            await ws.send("only websockets here")

    with TestClient(alone) as client:  # runs the lifespan protocol
        assert client.get("/").status_code == 404
        with client.websocket_connect("/") as session:
            assert session.receive() == "only websockets here"
