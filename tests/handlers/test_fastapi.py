"""Typed endpoints and listeners under FastAPI: dependency injection keeps working around the typed connection."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel
from starlette.exceptions import WebSocketException
from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketState

import typedws
from typedws import WebSocket, WebSocketDisconnect, typed_routes
from typedws.testing import AsyncTestClient, TestClient

pytestmark = pytest.mark.anyio


class Hello(BaseModel):
    """What a client says first."""

    name: str


class Welcome(BaseModel):
    """Everything the server was given, sent back."""

    room: str
    page: int
    token: str | None
    greeting: str
    name: str


class Greeter:
    """A dependency."""

    def __init__(self, greeting: str) -> None:
        self.greeting = greeting


def get_greeter() -> Greeter:
    return Greeter("hello")


def require_key(x_key: Annotated[str, Header()]) -> None:
    if x_key != "open sesame":
        raise WebSocketException(4401, "no key")


cleanups: list[str] = []


async def session_resource() -> AsyncIterator[str]:
    yield "resource"
    cleanups.append("cleaned up")


def make_app() -> FastAPI:
    app = FastAPI()
    router = APIRouter(prefix="/api")

    @router.websocket("/rooms/{room}", dependencies=[Depends(require_key)])
    @typedws.endpoint
    async def room(
        ws: WebSocket[Hello, Welcome],
        room: Annotated[str, Path(min_length=2)],
        greeter: Annotated[Greeter, Depends(get_greeter)],
        resource: Annotated[str, Depends(session_resource)],
        page: Annotated[int, Query(ge=1)] = 1,
        x_token: Annotated[str | None, Header()] = None,
    ) -> None:
        """A room that echoes what FastAPI injected."""
        assert resource == "resource"
        async with ws:
            async for hello in ws:
                await ws.send(Welcome(room=room, page=page, token=x_token, greeting=greeter.greeting, name=hello.name))

    @app.websocket("/echo")
    @typedws.listener
    async def echo(message: Hello) -> Hello:
        return Hello(name=message.name.upper())

    app.include_router(router)
    return app


KEY = {"x-key": "open sesame"}


def test_fastapi_injects_path_query_header_and_dependencies() -> None:
    client = TestClient(make_app())
    with client.websocket_connect(
        "/api/rooms/lobby?page=3", send_type=Hello, receive_type=Welcome, headers={**KEY, "x-token": "t0k"}
    ) as session:
        session.send(Hello(name="ana"))
        assert session.receive() == Welcome(room="lobby", page=3, token="t0k", greeting="hello", name="ana")


async def test_defaults_dependency_overrides_and_yield_dependencies() -> None:
    app = make_app()
    app.dependency_overrides[get_greeter] = lambda: Greeter("hi")
    cleanups.clear()
    async with AsyncTestClient(app).websocket_connect(
        "/api/rooms/lobby", send_type=Hello, receive_type=Welcome, headers=KEY
    ) as session:
        await session.send(Hello(name="bo"))
        assert await session.receive() == Welcome(room="lobby", page=1, token=None, greeting="hi", name="bo")
    assert cleanups == ["cleaned up"]


@pytest.mark.parametrize(
    ("url", "headers", "code"),
    [
        ("/api/rooms/lobby?page=0", KEY, 1008),  # FastAPI's validation refuses the handshake
        ("/api/rooms/x", KEY, 1008),
        ("/api/rooms/lobby", {}, 1008),  # missing required header
        ("/api/rooms/lobby", {"x-key": "wrong"}, 4401),  # a dependency raised WebSocketException
    ],
)
def test_fastapi_refuses_bad_handshakes_before_the_handler(url: str, headers: dict[str, str], code: int) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        with TestClient(make_app()).websocket_connect(url, headers=headers):
            pass
    assert refused.value.code == code


def test_a_bad_message_closes_1007_under_fastapi() -> None:
    with TestClient(make_app()).websocket_connect("/api/rooms/lobby", headers=KEY) as session:
        session.send('{"name": 5}')
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive()
    assert (closed.value.code, closed.value.reason) == (1007, "invalid message")


def test_a_listener_under_fastapi() -> None:
    with TestClient(make_app()).websocket_connect("/echo", value_type=Hello) as session:
        session.send(Hello(name="ana"))
        assert session.receive() == Hello(name="ANA")


def test_typed_routes_lists_fastapi_routes() -> None:
    routes = {path: (info.name, info.kind, info.receive_type, info.send_type) for path, info in typed_routes(make_app())}
    assert routes["/echo"] == ("echo", "listener", Hello, Hello)


def test_typed_routes_lists_routes_of_included_routers_with_their_prefixes() -> None:
    routes = {path: (info.name, info.kind, info.receive_type, info.send_type) for path, info in typed_routes(make_app())}
    assert routes["/api/rooms/{room}"] == ("room", "endpoint", Hello, Welcome)


def test_a_crash_closes_1011_and_fastapi_sees_the_connection_closed() -> None:
    seen: list[WebSocketState] = []
    app = FastAPI()

    async def on_lookup_error(websocket: StarletteWebSocket, exc: Exception) -> None:
        seen.append(websocket.application_state)

    app.add_exception_handler(LookupError, on_lookup_error)

    @app.websocket("/crash")
    @typedws.endpoint
    async def crash(ws: WebSocket[str, str]) -> None:
        async with ws:
            await ws.receive()
            raise LookupError("bug")

    with TestClient(app).websocket_connect("/crash") as session:
        session.send("go")
        with pytest.raises(WebSocketDisconnect) as closed:
            session.receive()
    assert closed.value.code == 1011
    assert seen == [WebSocketState.DISCONNECTED]


async def accept_first(websocket: StarletteWebSocket) -> None:
    """A dependency that accepts the connection itself."""
    await websocket.accept(subprotocol="v1")


def test_a_connection_a_dependency_accepted_is_served_as_accepted() -> None:
    app = FastAPI()

    @app.websocket("/echo")
    @typedws.endpoint
    async def echo(ws: WebSocket[Hello, Hello], _: Annotated[None, Depends(accept_first)]) -> None:
        async with ws:
            async for hello in ws:
                await ws.send(hello)

    @app.websocket("/shout", dependencies=[Depends(accept_first)])
    @typedws.listener
    async def shout(hello: Hello) -> Hello:
        return Hello(name=hello.name.upper())

    with TestClient(app).websocket_connect("/echo", value_type=Hello, subprotocols=["v1"]) as session:
        assert session.accepted_subprotocol == "v1"
        session.send(Hello(name="ana"))
        assert session.receive() == Hello(name="ana")
    with TestClient(app).websocket_connect("/shout", value_type=Hello, subprotocols=["v1"]) as session:
        session.send(Hello(name="bo"))
        assert session.receive() == Hello(name="BO")


def test_the_signature_fastapi_reads() -> None:
    app = make_app()
    route: Any = next(r for r in iter_route_contexts(app.routes) if r.path == "/api/rooms/{room}")
    parameters = inspect.signature(route.endpoint).parameters
    assert parameters["ws"].annotation is StarletteWebSocket
    assert list(parameters) == ["ws", "room", "greeter", "resource", "page", "x_token"]


FORGOTTEN = (
    r"^typedws.WebSocket is a connection, not a value: a FastAPI handler that takes one needs"
    r" @typedws.endpoint \(or @typedws.listener\) under @app.websocket\(...\)$"
)


def test_a_forgotten_endpoint_decorator_says_what_to_write() -> None:
    app = FastAPI()
    with pytest.raises(TypeError, match=FORGOTTEN):

        @app.websocket("/hello")
        async def hello(ws: WebSocket[Hello, Hello]) -> None: ...


def test_decorators_in_the_wrong_order_say_what_to_write() -> None:
    app = FastAPI()
    with pytest.raises(TypeError, match=FORGOTTEN):

        @typedws.endpoint
        @app.websocket("/hello")
        async def hello(ws: WebSocket[Hello, Hello]) -> None: ...
