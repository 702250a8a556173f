"""Message types the typing tests share."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Chat(BaseModel):
    """A line of chat."""

    text: str


class Cmd(BaseModel):
    """A command, one member of the `Cmd | Event` union."""

    kind: Literal["cmd"] = "cmd"


class Event(BaseModel):
    """An event, the other member of the `Cmd | Event` union."""

    kind: Literal["event"] = "event"
