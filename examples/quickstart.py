from typing import Annotated, Literal

from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

import typedws
from typedws import WebSocket


class Join(BaseModel):
    kind: Literal["join"] = "join"
    room: str


class Say(BaseModel):
    kind: Literal["say"] = "say"
    text: str = Field(max_length=500)


Command = Annotated[Join | Say, Field(discriminator="kind")]


class Event(BaseModel):
    room: str
    text: str


@typedws.endpoint
async def chat(ws: WebSocket[Command, Event]) -> None:
    """Join a room, then say things in it."""
    room = "lobby"
    async with ws:  # accepts; closes with the right code on the way out
        async for command in ws:  # Join | Say, validated straight from the frame
            match command:
                case Join():
                    room = command.room
                    await ws.send(Event(room=room, text="joined"))
                case Say():
                    await ws.send(Event(room=room, text=command.text))
            # await ws.send(command) would be a mypy error: expected "Event"


app = Starlette(routes=[WebSocketRoute("/chat", chat)])
