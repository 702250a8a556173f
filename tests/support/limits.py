"""The production options on a small app, for the server matrix: idle timeout, heartbeat, receive timeout, rate limit.

`app` routes by path: `/idle` echoes text with a 0.3 s idle timeout and the
heartbeat on; `/timeout` lets a receive time out, says so, then echoes the
next message (which a server must not lose to the cancelled receive);
`/limited` echoes with a rate limit of three messages at once.
"""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from tests.support.apps import run_empty_lifespan
from typedws import RateLimit, WebSocket

IDLE_TIMEOUT = 0.3
"""The idle timeout of `/idle`, in seconds."""


async def _echo(ws: WebSocket[str, str]) -> None:
    async with ws:
        async for text in ws:
            await ws.send(text)


async def _after_a_timeout(ws: WebSocket[str, str]) -> None:
    async with ws:
        try:
            await ws.receive(timeout=0.05)
        except TimeoutError:
            await ws.send("timed out")
        await ws.send(await ws.receive())


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one of the routes above, by path."""
    if scope["type"] == "lifespan":
        await run_empty_lifespan(receive, send)
    elif scope["path"] == "/idle":
        await _echo(WebSocket(scope, receive, send, idle_timeout=IDLE_TIMEOUT, heartbeat=True))
    elif scope["path"] == "/timeout":
        await _after_a_timeout(WebSocket(scope, receive, send))
    else:
        await _echo(WebSocket(scope, receive, send, rate_limit=RateLimit(messages_per_second=0.5, burst=6)))
