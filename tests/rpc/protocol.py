"""The request/reply protocol the tests speak, and the apps that answer and ask.

Client → server requests: `GetRoom` (answered with `Room` or `NoSuchRoom`),
`Wait` (answered with `Waited` after some time: replies come out of order),
`Refuse` (answered with an error reply), `Crash` (its answer has a bug).
Server → client requests: `Ping`, answered with `Pong`. `Note` is a plain
message, without correlation id.
"""

from __future__ import annotations

import queue
from typing import Annotated, Literal, TypeAlias

import anyio
from pydantic import BaseModel, Field, TypeAdapter
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

import typedws
from typedws import MessageError, Peer, RequestError, RequestFor, RequestTimeout, WebSocket, WebSocketDisconnect


class Room(BaseModel):
    """A room and who is in it."""

    type: Literal["room"] = "room"
    name: str
    users: list[str] = []


class NoSuchRoom(BaseModel):
    """There is no room of that name."""

    type: Literal["no_such_room"] = "no_such_room"
    name: str


class GetRoom(BaseModel, RequestFor[Annotated[Room | NoSuchRoom, Field(discriminator="type")]]):
    """Ask for a room."""

    type: Literal["get_room"] = "get_room"
    name: str = Field(min_length=1, max_length=32)


class Waited(BaseModel):
    """The reply to `Wait`, once its time has passed."""

    type: Literal["waited"] = "waited"
    tag: str


class Wait(BaseModel, RequestFor[Waited]):
    """Answered after `seconds`."""

    type: Literal["wait"] = "wait"
    seconds: float = Field(ge=0, le=5)
    tag: str


class Refuse(BaseModel, RequestFor[Room]):
    """Always refused, with the error code `"refused_on_purpose"`."""

    type: Literal["refuse"] = "refuse"


class Crash(BaseModel, RequestFor[Room]):
    """Its answer raises an exception it does not declare."""

    type: Literal["crash"] = "crash"


class Note(BaseModel):
    """A plain message."""

    type: Literal["note"] = "note"
    text: str


class Pong(BaseModel):
    """The reply to `Ping`."""

    type: Literal["pong"] = "pong"
    n: int


class Ping(BaseModel, RequestFor[Pong]):
    """The server asks the client for a `Pong` of the same `n`."""

    type: Literal["ping"] = "ping"
    n: int


ClientRequest: TypeAlias = Annotated[GetRoom | Wait | Refuse | Crash, Field(discriminator="type")]
"""What a client may ask the server."""

ServerReply: TypeAlias = Room | NoSuchRoom | Waited
"""What the server may answer."""

CLIENT_REQUESTS: TypeAdapter[GetRoom | Wait | Refuse | Crash] = TypeAdapter(ClientRequest)
"""A client's send type."""

SERVER_REPLIES: TypeAdapter[Room | NoSuchRoom | Waited] = TypeAdapter(ServerReply)
"""A client's receive type (what the responder answers)."""

PINGS_OR_NOTES: TypeAdapter[Ping | Note] = TypeAdapter(Ping | Note)
"""What the client of `/ask` receives."""

ROOMS = {"lobby": ["ana", "bo"]}
"""The rooms `GetRoom` finds."""


class Gauge:
    """Counts the answers running at once, and the most that ever did."""

    def __init__(self) -> None:
        self.running = 0
        self.most = 0
        self.answered = 0

    def enter(self) -> None:
        """An answer starts."""
        self.running += 1
        self.most = max(self.most, self.running)

    def leave(self) -> None:
        """An answer is through."""
        self.running -= 1
        self.answered += 1


async def get_room(request: GetRoom) -> Room | NoSuchRoom:
    """The room of that name, or `NoSuchRoom`."""
    users = ROOMS.get(request.name)
    return NoSuchRoom(name=request.name) if users is None else Room(name=request.name, users=users)


async def refuse(request: Refuse) -> Room:
    """Refuse with a declared application error."""
    raise RequestError("refused, as asked", code="refused_on_purpose")


async def crash(request: Crash) -> Room:
    """A bug: an exception no one declared."""
    raise ZeroDivisionError("a bug in an answer")


def rooms_app(gauge: Gauge | None = None, *, concurrency: int = 8, correlation_field: str = "id") -> Starlette:
    """An app whose `/rooms` answers `ClientRequest`s with a responder (`gauge` counts the `Wait` answers)."""
    counted = gauge or Gauge()

    async def wait(request: Wait) -> Waited:
        counted.enter()
        try:
            await anyio.sleep(request.seconds)
        finally:
            counted.leave()
        return Waited(tag=request.tag)

    rooms = typedws.responder(
        get_room, wait, refuse, crash, name="rooms", concurrency=concurrency, correlation_field=correlation_field
    )
    return Starlette(routes=[WebSocketRoute("/rooms", rooms)])


def asking_app(outcomes: queue.Queue[str], *, timeout: float = 5.0) -> Starlette:
    """An app whose `/ask` asks the client for pongs.

    Each `Note` with a number N makes the server send N `Ping`s at once and
    answer with a `Note` listing the outcomes in order: the `n` of each
    pong, `timeout`, `refused:CODE` or `invalid`. Any other `Note` is echoed. How the
    server's requests ended when the client left goes to `outcomes`.
    """

    @typedws.endpoint
    async def ask(ws: WebSocket[Note, Ping | Note]) -> None:
        async with ws, Peer(ws, timeout=timeout) as client:
            async for note in client:
                if not note.text.isdigit():
                    await client.send(note)
                    continue
                results = [""] * int(note.text)

                async def one(n: int) -> None:
                    try:
                        results[n] = str((await client.request(Ping(n=n))).n)
                    except RequestTimeout:
                        results[n] = "timeout"
                    except RequestError as error:
                        results[n] = f"refused:{error.code}"
                    except MessageError:
                        results[n] = "invalid"
                    except WebSocketDisconnect as error:
                        outcomes.put(f"disconnect {error.code}")

                async with anyio.create_task_group() as tasks:
                    for n in range(len(results)):
                        tasks.start_soon(one, n)
                await client.send(Note(text=" ".join(results)))

    return Starlette(routes=[WebSocketRoute("/ask", ask)])
