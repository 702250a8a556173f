"""A Starlette app with schema-typed handlers: the message types are read from the annotations.

Run it with `uvicorn examples.starlette_app:app` (or `python -m examples.starlette_app`)
and talk to it, e.g. `python -m websockets ws://127.0.0.1:8000/chat` and
`{"kind": "say", "text": "hello"}`.

- `/chat` is an endpoint: the handler owns the connection.
- `/echo` is a listener: one function per message, what it returns is sent.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

import typedws
from typedws import MessageError, WebSocket


class Say(BaseModel):
    """Say something to the server."""

    kind: Literal["say"] = "say"
    text: str = Field(min_length=1, max_length=500)


class Shout(BaseModel):
    """Say something loudly: it comes back in capitals."""

    kind: Literal["shout"] = "shout"
    text: str = Field(min_length=1, max_length=500)


Command = Annotated[Say | Shout, Field(discriminator="kind")]
"""What a client sends to `/chat`."""


class Said(BaseModel):
    """What the server heard."""

    kind: Literal["said"] = "said"
    text: str


class Refused(BaseModel):
    """A message the server could not accept, and why."""

    kind: Literal["refused"] = "refused"
    detail: str


Reply = Annotated[Said | Refused, Field(discriminator="kind")]
"""What `/echo` sends back."""


@typedws.endpoint
async def chat(ws: WebSocket[Command, Said]) -> None:
    """Every `say` comes back as `said`; a `shout` comes back in capitals.

    A message that is not a valid command closes the connection with 1007.
    """
    async with ws:
        async for command in ws:
            text = command.text.upper() if isinstance(command, Shout) else command.text
            await ws.send(Said(text=text))


@typedws.listener(max_size=4096)
async def echo(message: Say) -> Reply:
    """Every `say` comes back as `said`; a bad message is answered with `refused`."""
    return Said(text=message.text)


@echo.on_error
async def refuse(ws: WebSocket[Say, Reply], error: MessageError) -> Reply:
    """Answer a bad message instead of closing the connection."""
    return Refused(detail=str(error))


app = Starlette(routes=[WebSocketRoute("/chat", chat), WebSocketRoute("/echo", echo)])

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
