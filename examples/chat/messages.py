"""The chat's messages: `ClientMessage` (client → server) and `ServerMessage` (server → client).

Each direction is a union discriminated by its `type` field, so a frame like
`{"type": "say", "text": "hi"}` is validated straight into a `Say`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal, TypeAlias

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, TypeAdapter

from typedws import RequestFor

RoomName: TypeAlias = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$"), Field(examples=["lobby"])
]
"""A room's name: 1 to 32 lowercase letters, digits and dashes, not starting with a dash."""

UserName: TypeAlias = Annotated[
    str,
    # The pattern asks for a visible character, so the JSON Schema refuses blank names too.
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=24, pattern=r"^[^\x00-\x1f\x7f]*[^\s\x7f][^\x00-\x1f\x7f]*$"
    ),
    Field(examples=["ana"]),
]
"""A user's name: 1 to 24 characters without control characters, surrounding spaces removed."""

Text: TypeAlias = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"\S"), Field(examples=["hello"])
]
"""What a user says: 1 to 500 characters, surrounding spaces removed."""


# Client → server ---------------------------------------------------------------------------


class Join(BaseModel, RequestFor["Users"]):
    """Enter a room under a name: a request, answered with the room's `Users` (you included).

    A refused join is answered with an error reply, whose code is
    `name_taken` or `already_in_room` (`invalid_request` for a join that is
    not valid). Everyone in the room, you included, also gets `Joined`. A
    join sent without a correlation id is answered as before requests
    existed: `Joined` and `Users`, or an `Error`.
    """

    type: Literal["join"] = "join"
    room: RoomName
    user: UserName


class Say(BaseModel):
    """Say something in the room you are in; everyone there, you included, gets it as `Said`."""

    type: Literal["say"] = "say"
    text: Text


class Leave(BaseModel):
    """Leave the room you are in. Answered by `Left`."""

    type: Literal["leave"] = "leave"


ClientMessage: TypeAlias = Annotated[Join | Say | Leave, Field(discriminator="type")]
"""What a client sends."""


# Server → client ---------------------------------------------------------------------------


class Joined(BaseModel):
    """Someone entered the room (you, right after your `Join`)."""

    type: Literal["joined"] = "joined"
    room: RoomName
    user: UserName


class Left(BaseModel):
    """Someone left the room (you, right after your `Leave`)."""

    type: Literal["left"] = "left"
    room: RoomName
    user: UserName


class Users(BaseModel):
    """Who is in the room now, in every server process, sorted; sent whenever it changes."""

    type: Literal["users"] = "users"
    room: RoomName
    users: list[UserName]


class Said(BaseModel):
    """Something a user said in the room, stamped with the server's time (UTC)."""

    type: Literal["said"] = "said"
    room: RoomName
    user: UserName
    text: Text
    time: AwareDatetime


ErrorCode: TypeAlias = Literal["invalid_message", "name_taken", "not_in_room", "already_in_room"]
"""Why a client message was refused."""


class Error(BaseModel):
    """A client message the server refused, and why; the connection stays open.

    - `invalid_message`: not a valid `ClientMessage` (bad JSON, unknown type, a field out of bounds);
    - `name_taken`: someone in the room already has this name (compared case-insensitively);
    - `not_in_room`: `say` or `leave` outside a room;
    - `already_in_room`: `join` while in a room (leave it first).
    """

    type: Literal["error"] = "error"
    code: ErrorCode
    detail: str


ServerMessage: TypeAlias = Annotated[Joined | Left | Users | Said | Error, Field(discriminator="type")]
"""What the server sends."""

CLIENT_MESSAGES: TypeAdapter[Join | Say | Leave] = TypeAdapter(ClientMessage)
"""Validates and serializes `ClientMessage` values (e.g. `connect(..., send_type=CLIENT_MESSAGES)`)."""

SERVER_MESSAGES: TypeAdapter[Joined | Left | Users | Said | Error] = TypeAdapter(ServerMessage)
"""Validates and serializes `ServerMessage` values (e.g. `connect(..., receive_type=SERVER_MESSAGES)`)."""


def said_now(room: str, user: str, text: str) -> Said:
    """A `Said` stamped with the current time, in UTC."""
    return Said(room=room, user=user, text=text, time=datetime.now(timezone.utc))
