"""What a `websockets` client checks in a server's answers: its close frame, standard JSON."""

from __future__ import annotations

import json
from typing import NoReturn

import anyio
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close


async def close_frame(ws: ClientConnection) -> Close | None:
    """Wait for the server to close `ws`; return its close frame (`None` if the connection just dropped).

    The test fails if a message comes first.
    """
    with anyio.fail_after(10):
        try:
            unexpected = await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd
    pytest.fail(f"expected the server to close the connection, got a message: {unexpected!r}")


async def close_of(ws: ClientConnection) -> tuple[int, str]:
    """Wait for the server to close `ws` with a close frame; return its code and reason."""
    closed = await close_frame(ws)
    assert closed is not None, "the connection dropped without a close frame"
    return closed.code, closed.reason


def parse_standard_json(frame: str | bytes) -> object:
    """Parse `frame` as RFC 8259 JSON, refusing NaN and Infinity as a browser's `JSON.parse` does."""

    def refuse(token: str) -> NoReturn:
        raise ValueError(f"{token} is not standard JSON")

    value: object = json.loads(frame, parse_constant=refuse)
    return value
