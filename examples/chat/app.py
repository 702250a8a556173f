"""The chat app: the `/chat` WebSocket endpoint, the page at `/`, and the message docs at `/asyncapi`.

`create_app(hub_url)` builds it; with `memory://` (the default) the rooms live
in one process, with `redis://HOST:PORT/DB` every process on that Redis
server shares them. For uvicorn: `uvicorn --factory examples.chat.app:create_app`,
with the hub's URL in `$CHAT_HUB_URL`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

import typedws
from typedws import Hub, WebSocket, asyncapi

from .messages import ClientMessage, ServerMessage
from .rooms import Rooms
from .session import OUTBOX_SIZE, Session

__all__ = ["HUB_URL_VARIABLE", "MAX_MESSAGE_SIZE", "PAGE_POLICY", "create_app"]

HUB_URL_VARIABLE = "CHAT_HUB_URL"
"""The environment variable `create_app()` reads the hub's URL from when it is given none."""

MAX_MESSAGE_SIZE = 8 * 1024
"""The largest client message accepted, in bytes; a larger one closes the connection with 1009."""

STATIC = Path(__file__).resolve().parent / "static"
"""The folder of the page and its assets."""

PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:;"
    " base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
"""The page's Content-Security-Policy: its own script and style, WebSocket to its own host, nothing else."""


def create_app(hub_url: str | None = None) -> Starlette:
    """The chat app on the hub at `hub_url` (default: `$CHAT_HUB_URL`, else `memory://`)."""
    hub = Hub(hub_url or os.environ.get(HUB_URL_VARIABLE) or "memory://")
    rooms = Rooms(hub)

    @typedws.endpoint(max_size=MAX_MESSAGE_SIZE, close_codes={1013: f"The client fell {OUTBOX_SIZE} messages behind."})
    async def chat(ws: WebSocket[ClientMessage, ServerMessage]) -> None:
        """A multi-room chat: `join` a room under a name, `say` things, `leave`.

        Everyone in the room, in any server process, gets `joined`, `left`,
        `users` and `said`. A refused message is answered with an `error`
        and the connection stays open; a message over 8 KiB closes it with
        1009, and a client that falls 256 messages behind is closed with 1013.
        """
        async with ws:
            await Session(ws, rooms).run()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with hub, rooms:
            yield

    return Starlette(
        routes=[
            Route("/", page, methods=["GET"]),
            WebSocketRoute("/chat", chat),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            *asyncapi.routes(
                title="typedws chat",
                version="1.0.0",
                description="The messages of the typedws chat demo (`examples/chat`).",
            ),
        ],
        lifespan=lifespan,
    )


async def page(request: Request) -> Response:
    """The chat page."""
    return FileResponse(STATIC / "index.html", headers={"Content-Security-Policy": PAGE_POLICY})
