"""The typing contract of `typedws.endpoint` and `typedws.listener`.

Lines that must be errors carry an ignore for each checker (see `tests/typing`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute
from starlette.types import ASGIApp
from typing_extensions import assert_type

import typedws
from typedws import EndpointInfo, MessageError, WebSocket
from typedws.routing import Endpoint, Listener


class Cmd(BaseModel):
    kind: Literal["cmd"] = "cmd"


class Other(BaseModel):
    kind: Literal["other"] = "other"


class Event(BaseModel):
    kind: Literal["event"] = "event"


Union = Annotated[Cmd | Other, Field(discriminator="kind")]


# endpoint: In and Out come from the WebSocket parameter -------------------------------------------


@typedws.endpoint
async def chat(ws: WebSocket[Cmd, Event]) -> None:
    async with ws:
        async for cmd in ws:
            assert_type(cmd, Cmd)
            await ws.send(Event())
            await ws.send(Cmd())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


assert_type(chat, Endpoint[Cmd, Event])
assert_type(chat.info, EndpointInfo)


@typedws.endpoint
async def plain(ws: WebSocket) -> None: ...


assert_type(plain, Endpoint[str, str])


@typedws.endpoint(max_size=None, caught_close_codes=(1000,))
async def raw(ws: WebSocket[bytes, str]) -> None: ...


assert_type(raw, Endpoint[bytes, str])


@typedws.endpoint
async def json_out(ws: WebSocket[bytes, Any]) -> None: ...


assert_type(json_out, Endpoint[bytes, Any])


@typedws.endpoint
async def discriminated(ws: WebSocket[Union, Event], room: str, page: int = 1) -> None: ...


assert_type(discriminated, Endpoint[Cmd | Other, Event])


# The connection need not come first (FastAPI's path parameters may precede it) ----------------------


@typedws.endpoint
async def second(room: str, ws: WebSocket[Cmd, Event]) -> None: ...


@typedws.endpoint
async def third(room: str, page: int, ws: WebSocket[Cmd, Event], *, limit: int = 10) -> None: ...


@typedws.endpoint(max_size=1024)
async def fourth(a: str, b: str, c: str, ws: WebSocket[bytes, Event]) -> None: ...


assert_type(second, Endpoint[Cmd, Event])
assert_type(third, Endpoint[Cmd, Event])
assert_type(fourth, Endpoint[bytes, Event])


# Methods: the endpoint of an instance serves that instance's method ----------------------------------


class Room:
    def __init__(self, name: str) -> None:
        self.name = name

    @typedws.endpoint
    async def chat(self, ws: WebSocket[Cmd, Event]) -> None:
        async with ws:
            await ws.send(Event())

    @typedws.endpoint
    async def with_path(self, room: str, ws: WebSocket[Cmd, Other]) -> None: ...

    @typedws.listener
    async def answer(self, message: Cmd) -> Event | None:
        return Event()

    @answer.on_connect
    async def greet(self, ws: WebSocket[Cmd, Event]) -> None:
        await ws.send(Event())

    @answer.on_error
    async def explain(self, ws: WebSocket[Cmd, Event], error: MessageError) -> Event | None:
        return None

    @typedws.listener
    async def log(self, message: Cmd) -> None: ...

    @typedws.listener
    async def relay(self, message: Cmd, ws: WebSocket[Cmd, Event]) -> None:
        await ws.send(Event())


room = Room("lobby")
assert_type(room.chat, Endpoint[Cmd, Event])
assert_type(room.with_path, Endpoint[Cmd, Other])
assert_type(room.answer, Listener[Cmd, Event])
assert_type(room.log, Listener[Cmd, str])
assert_type(room.relay, Listener[Cmd, Event])
method_app = Starlette(routes=[WebSocketRoute("/chat", room.chat), WebSocketRoute("/answer", room.answer)])


# Mistakes are type errors --------------------------------------------------------------------------


async def no_connection(room: str) -> None: ...


typedws.endpoint(no_connection)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


async def connection_fifth(a: str, b: str, c: str, d: str, ws: WebSocket[Cmd, Event]) -> None: ...


typedws.endpoint(connection_fifth)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


def sync_handler(ws: WebSocket[Cmd, Event]) -> None: ...


typedws.endpoint(sync_handler)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]
typedws.endpoint(max_size="big")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]


async def returns_a_value(ws: WebSocket[Cmd, Event]) -> int:
    return 1


typedws.endpoint(returns_a_value)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


async def calling_an_endpoint_is_for_servers() -> None:
    await chat()  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
    await chat(ws=None)  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]


# listener: In from the message parameter, Out from the return annotation --------------------------------


@typedws.listener
async def answer(message: Cmd) -> Event | None:
    return None


assert_type(answer, Listener[Cmd, Event])


@typedws.listener(max_size=1024)
async def with_connection(message: Cmd, ws: WebSocket[Cmd, Event]) -> Event:
    return Event()


assert_type(with_connection, Listener[Cmd, Event])


@typedws.listener
async def text(message: str) -> str:
    return message


assert_type(text, Listener[str, str])


@answer.on_connect
async def greet(ws: WebSocket[Cmd, Event]) -> None:
    await ws.send(Event())


@answer.on_disconnect
async def bye(ws: WebSocket[Cmd, Event], code: int) -> None: ...


@answer.on_error
async def explain(ws: WebSocket[Cmd, Event], error: MessageError) -> Event | None:
    return Event()


async def wrong_reply(ws: WebSocket[Cmd, Event], error: MessageError) -> Cmd:
    return Cmd()


answer.on_error(wrong_reply)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


async def wrong_connection(ws: WebSocket[Event, Event]) -> None: ...


answer.on_connect(wrong_connection)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


def sync_listener(message: Cmd) -> Event:
    return Event()


typedws.listener(sync_listener)  # type: ignore[arg-type]  # pyright: ignore[reportCallIssue, reportArgumentType]


# A listener that never replies (`-> None`) sends text, unless its connection says otherwise -------------------


@typedws.listener
async def log(message: Cmd) -> None: ...


assert_type(log, Listener[Cmd, str])


@log.on_connect
async def hello(ws: WebSocket[Cmd]) -> None:
    await ws.send("hello")


@log.on_disconnect
async def gone(ws: WebSocket[Cmd, str], code: int) -> None: ...


@typedws.listener
async def relay(message: Cmd, ws: WebSocket[Cmd, Event]) -> None:
    await ws.send(Event())


assert_type(relay, Listener[Cmd, Event])


# Both fit Starlette and FastAPI routes, and are ASGI apps ---------------------------------------------------


asgi: ASGIApp = chat
also_asgi: ASGIApp = answer
starlette_app = Starlette(routes=[WebSocketRoute("/chat", chat), Mount("/a", routes=[WebSocketRoute("/b", answer)])])

fastapi_app = FastAPI()
assert_type(fastapi_app.websocket("/chat")(chat), Endpoint[Cmd, Event])
assert_type(fastapi_app.websocket("/answer")(answer), Listener[Cmd, Event])
fastapi_app.add_api_websocket_route("/rooms/{room}", room.with_path)


def routes() -> Iterator[tuple[str, EndpointInfo]]:
    return typedws.typed_routes(starlette_app)
