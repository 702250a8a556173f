"""The typing contract of `typedws.endpoint` and `typedws.listener`, checked by mypy (never run).

Lines that must be mypy errors carry `# type: ignore[code]`; with
`warn_unused_ignores`, a line that stops failing is an error too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute
from starlette.types import ASGIApp
from typing_extensions import Never, assert_type

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
            await ws.send(Cmd())  # type: ignore[arg-type]


assert_type(chat, Endpoint[Cmd, Event])
assert_type(chat.info, EndpointInfo)


@typedws.endpoint
async def plain(ws: WebSocket) -> None: ...


assert_type(plain, Endpoint[str, str])


@typedws.endpoint(max_size=None, caught_close_codes=(1000,))
async def raw(ws: WebSocket[bytes, str]) -> None: ...


assert_type(raw, Endpoint[bytes, str])


@typedws.endpoint
async def json_out(ws: WebSocket[bytes, Any]) -> None:
    """With `Any` ("json") on one side, both overloads match and mypy makes the endpoint `[Any, Any]`."""


assert_type(json_out, Endpoint[Any, Any])


@typedws.endpoint
async def discriminated(ws: WebSocket[Union, Event], room: str, page: int = 1) -> None: ...


assert_type(discriminated, Endpoint[Cmd | Other, Event])


@typedws.endpoint
async def connection_not_first(room: str, ws: WebSocket[Cmd, Event]) -> None:
    """Valid at run time; mypy only knows the types when the connection comes first."""


assert_type(connection_not_first, Endpoint[object, Never])


def sync_handler(ws: WebSocket[Cmd, Event]) -> None: ...


typedws.endpoint(sync_handler)  # type: ignore[arg-type]
typedws.endpoint(max_size="big")  # type: ignore[call-overload]


async def returns_a_value(ws: WebSocket[Cmd, Event]) -> int:
    return 1


typedws.endpoint(returns_a_value)  # type: ignore[arg-type]


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


answer.on_error(wrong_reply)  # type: ignore[arg-type]


async def wrong_connection(ws: WebSocket[Event, Event]) -> None: ...


answer.on_connect(wrong_connection)  # type: ignore[arg-type]


def sync_listener(message: Cmd) -> Event:
    return Event()


typedws.listener(sync_listener)  # type: ignore[arg-type]


# Both fit Starlette and FastAPI routes, and are ASGI apps ---------------------------------------------------


asgi: ASGIApp = chat
also_asgi: ASGIApp = answer
starlette_app = Starlette(routes=[WebSocketRoute("/chat", chat), Mount("/a", routes=[WebSocketRoute("/b", answer)])])

fastapi_app = FastAPI()
assert_type(fastapi_app.websocket("/chat")(chat), Endpoint[Cmd, Event])
assert_type(fastapi_app.websocket("/answer")(answer), Listener[Cmd, Event])


def routes() -> Iterator[tuple[str, EndpointInfo]]:
    return typedws.typed_routes(starlette_app)
