"""Small typed ASGI apps the core tests run, in process and over uvicorn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Receive, Scope, Send

from typedws import WebSocket


class Chat(BaseModel):
    """A chat line."""

    user: str
    text: str


class Measurement(BaseModel):
    """A value with a float, to check what non-finite numbers become."""

    value: float


class Join(BaseModel):
    """A client joins a room."""

    kind: Literal["join"] = "join"
    room: str


class Say(BaseModel):
    """A client says something."""

    kind: Literal["say"] = "say"
    text: str = Field(max_length=500)


class Aliased(BaseModel):
    """A model whose wire names differ from its attribute names."""

    model_config = ConfigDict(populate_by_name=True)
    user_name: str = Field(alias="userName")


Handler = Callable[[WebSocket[Any, Any]], Awaitable[None]]


def app_of(handler: Handler, **options: Any) -> ASGIApp:
    """An ASGI app that builds `WebSocket(scope, receive, send, **options)` and runs `handler` on it."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await handler(WebSocket(scope, receive, send, **options))

    return app


async def echo(ws: WebSocket[Any, Any]) -> None:
    """Accept, then send every received value back until the peer leaves."""
    async with ws:
        async for value in ws:
            await ws.send(value)


def echo_app(**options: Any) -> ASGIApp:
    """A typed echo server; `options` go to the `WebSocket` constructor."""
    return app_of(echo, **options)


async def run_empty_lifespan(receive: Receive, send: Send) -> None:
    """Complete a lifespan's startup and shutdown, for an app that needs neither (servers start it anyway)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        else:
            await send({"type": "lifespan.shutdown.complete"})
            return
