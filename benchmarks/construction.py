"""The cost of opening a connection object: a typed `WebSocket` against a plain Starlette `WebSocket`."""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.types import Message
from starlette.websockets import WebSocket as StarletteWebSocket

from typedws import WebSocket

from .inprocess import websocket_scope
from .payloads import EVENT_ADAPTER, Chat
from .rounds import Samples, Trial, interleave


async def _receive() -> Message:
    return {"type": "websocket.disconnect", "code": 1000}


async def _send(message: Message) -> None:
    pass


def _constructors() -> dict[str, Callable[[], object]]:
    scope = websocket_scope()
    return {
        "starlette": lambda: StarletteWebSocket(scope, _receive, _send),
        "typed text": lambda: WebSocket(scope, _receive, _send),
        "typed model": lambda: WebSocket(scope, _receive, _send, value_type=Chat),
        "typed adapter": lambda: WebSocket(scope, _receive, _send, value_type=EVENT_ADAPTER),
    }


def _trial(construct: Callable[[], object], count: int) -> Trial:
    async def trial() -> float:
        start = time.perf_counter()
        for _ in range(count):
            construct()
        return (time.perf_counter() - start) / count * 1e9

    return trial


async def measure(count: int, rounds: int) -> Samples:
    """Nanoseconds per constructed connection object, in interleaved rounds.

    "typed model" declares `value_type=Chat`, "typed adapter" a
    `TypeAdapter` of a 5-model union built once up front, "typed text" nothing.
    """
    trials = {name: _trial(construct, count) for name, construct in _constructors().items()}
    return await interleave(trials, rounds=rounds, unit="ns/connection")
