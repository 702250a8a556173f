"""Handshakes an app refuses or negotiates: the app the server matrix serves to see each server's HTTP answers.

`app` routes by path: `/reject` refuses with `reject()` (HTTP 403), `/deny`
with a denial response of its own (HTTP 401 and a body, where the server has
ASGI's WebSocket Denial Response extension), `/crash` raises before
accepting, and `/subprotocol` accepts with the first subprotocol offered
and sends its name.
"""

from __future__ import annotations

from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from tests.support.apps import run_empty_lifespan
from typedws import WebSocket

DENIAL = PlainTextResponse("sign in first", status_code=401)
"""The denial response of `/deny`."""

CRASH = "RuntimeError: a bug before accepting"
"""The line of `/crash`'s exception in the server's log."""


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Refuse, crash or negotiate the handshake, by path."""
    if scope["type"] == "lifespan":
        await run_empty_lifespan(receive, send)
        return
    ws = WebSocket(scope, receive, send)
    path = scope["path"]
    if path == "/reject":
        await ws.reject()
    elif path == "/deny":
        await ws.send_denial_response(DENIAL)
    elif path == "/crash":
        raise RuntimeError(CRASH.removeprefix("RuntimeError: "))
    else:
        await ws.accept(subprotocol=ws.subprotocols[0])
        await ws.send(ws.subprotocols[0])
        await ws.close()
