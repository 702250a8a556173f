"""A FastAPI app with schema-typed handlers; FastAPI still injects the handlers' other parameters.

Run it with `uvicorn examples.fastapi_app:app` (or `python -m examples.fastapi_app`)
and connect to `ws://127.0.0.1:8000/rooms/lobby?user=ana` with the header
`x-token: letmein`, e.g. `python -m websockets -H "x-token: letmein" ...`,
then send `{"kind": "post", "text": "hello"}` or `{"kind": "who"}`.

- `/rooms/{room}` is an endpoint taking a path parameter, a query parameter,
  a header and a dependency.
- `/echo` is a listener whose `on_message` also takes the connection.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Header, Query
from pydantic import BaseModel, Field
from starlette import status

import typedws
from typedws import WebSocket

ACCESS_TOKEN = "letmein"
"""The `x-token` header a client needs to enter a room (a stand-in for real authentication)."""


class Roster:
    """Who is in which room, in this process."""

    def __init__(self) -> None:
        self._rooms: dict[str, list[str]] = {}

    def join(self, room: str, user: str) -> None:
        """Add `user` to `room`."""
        self._rooms.setdefault(room, []).append(user)

    def leave(self, room: str, user: str) -> None:
        """Remove `user` from `room`."""
        members = self._rooms.get(room, [])
        if user in members:
            members.remove(user)

    def members(self, room: str) -> list[str]:
        """The users in `room`, in the order they came."""
        return list(self._rooms.get(room, []))


roster = Roster()


def get_roster() -> Roster:
    """The app's roster (a dependency, so tests can override it)."""
    return roster


class Post(BaseModel):
    """Post a line to the room."""

    kind: Literal["post"] = "post"
    text: str = Field(min_length=1, max_length=500)


class Who(BaseModel):
    """Ask who is in the room."""

    kind: Literal["who"] = "who"


RoomCommand = Annotated[Post | Who, Field(discriminator="kind")]
"""What a client sends to a room."""


class Posted(BaseModel):
    """A line posted to a room."""

    kind: Literal["posted"] = "posted"
    room: str
    user: str
    text: str


class Members(BaseModel):
    """Who is in a room."""

    kind: Literal["members"] = "members"
    room: str
    users: list[str]


RoomEvent = Annotated[Posted | Members, Field(discriminator="kind")]
"""What a room sends to a client."""


app = FastAPI(title="typedws FastAPI example")


@app.websocket("/rooms/{room}")
@typedws.endpoint(close_codes={1008: "The `x-token` header is missing or wrong."})
async def room(
    ws: WebSocket[RoomCommand, RoomEvent],
    room: str,
    user: Annotated[str, Query(min_length=1, max_length=32)],
    roster: Annotated[Roster, Depends(get_roster)],
    x_token: Annotated[str | None, Header()] = None,
) -> None:
    """A chat room: `post` a line and it comes back as `posted`; ask `who` is here.

    The handshake is refused (close code 1008) without the right `x-token` header.
    """
    if x_token != ACCESS_TOKEN:
        await ws.close(status.WS_1008_POLICY_VIOLATION, "bad token")
        return
    async with ws:
        roster.join(room, user)
        try:
            async for command in ws:
                if isinstance(command, Post):
                    await ws.send(Posted(room=room, user=user, text=command.text))
                else:
                    await ws.send(Members(room=room, users=roster.members(room)))
        finally:
            roster.leave(room, user)


@app.websocket("/echo")
@typedws.listener
async def echo(message: Post, ws: WebSocket[Post, Posted]) -> Posted:
    """Every `post` comes back as `posted`, signed with the `user` query parameter."""
    return Posted(room="echo", user=ws.query_params.get("user", "anonymous"), text=message.text)


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
