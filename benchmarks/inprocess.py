"""Per-message cost in process: an ASGI echo app driven by in-memory receive and send, no sockets."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Message, Scope

from .apps import contender_apps
from .payloads import Case
from .rounds import Samples, Trial, interleave


class EchoMismatch(AssertionError):
    """A contender did not echo every message back unchanged."""


def websocket_scope(path: str = "/") -> Scope:
    """A fresh ASGI scope of a WebSocket handshake, as a server would pass it."""
    return {
        "type": "websocket",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "scheme": "ws",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:8000")],
        "subprotocols": [],
        "state": {},
        "extensions": {},
    }


async def seconds_per_message(app: ASGIApp, frame: str, count: int) -> float:
    """Echo `count` copies of `frame` through one connection; return the seconds per message after the handshake.

    Raises `EchoMismatch` unless every message came back holding the same
    JSON as `frame`.
    """
    incoming: Message = {"type": "websocket.receive", "text": frame}
    connect: Message = {"type": "websocket.connect"}
    disconnect: Message = {"type": "websocket.disconnect", "code": 1000}
    events = iter([connect, *([incoming] * count), disconnect])
    next_event = events.__next__
    sent: list[Message] = []
    record = sent.append
    accepted_at = 0.0

    async def receive() -> Message:
        return next_event()

    async def send(message: Message) -> None:
        nonlocal accepted_at
        if message["type"] == "websocket.send":
            record(message)
        elif message["type"] == "websocket.accept":
            accepted_at = time.perf_counter()

    await app(websocket_scope(), receive, send)
    elapsed = time.perf_counter() - accepted_at
    expected = json.loads(frame)
    echoes = {message.get("text") for message in sent}  # the same text each time, unless an app changes it
    if len(sent) != count or any(text is None or json.loads(text) != expected for text in echoes):
        raise EchoMismatch(f"{app!r} echoed {len(sent)} of {count} messages, or changed them")
    return elapsed / count


def trial_of(app: ASGIApp, frame: str, count: int) -> Trial:
    """A trial echoing `count` copies of `frame` through `app`: its figure is µs per message."""

    async def trial() -> float:
        return await seconds_per_message(app, frame, count) * 1e6

    return trial


async def measure_case(case: Case, count: int, rounds: int) -> Samples:
    """Microseconds per message of each contender echoing `case`'s message, in interleaved rounds."""
    trials = {name: trial_of(app, case.frame, count) for name, app in contender_apps(case).items()}
    return await interleave(trials, rounds=rounds, unit="µs/message")
