"""Frames in ASGI events: a text frame is a `str`, a binary frame is `bytes`."""

from __future__ import annotations

from typing import Literal

from starlette.types import Message

__all__ = ["event_of", "frame_of"]


def frame_of(message: Message) -> str | bytes:
    """The frame a `websocket.receive` or `websocket.send` event carries: `str` for text, `bytes` for binary."""
    text: str | None = message.get("text")
    if text is None:
        data: bytes = message["bytes"]
        return data
    return text


def event_of(kind: Literal["websocket.receive", "websocket.send"], frame: str | bytes) -> Message:
    """The ASGI event of type `kind` that carries `frame`."""
    if type(frame) is str:
        return {"type": kind, "text": frame}
    return {"type": kind, "bytes": frame}
