"""The chat demo as module attributes a server's command line can name, with its lifespan run where a server runs none.

`app` is the chat on the memory hub (`tests.support.chat_app:app`) for servers
that run the ASGI lifespan, which starts the hub. Daphne runs no lifespan:
`started_on_first_request` runs it before the first request reaches the app.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from examples.chat.app import create_app


class StartedOnFirstRequest:
    """An ASGI app whose lifespan startup runs before its first request, for a server that runs no lifespan.

    Its shutdown never runs: such a server ends without one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._started: asyncio.Task[None] | None = None
        self._state: dict[str, Any] = {}
        self._lifespan: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._started is None:
            self._started = asyncio.ensure_future(self._start())
        await asyncio.shield(self._started)
        await self.app({**scope, "state": dict(self._state)}, receive, send)

    async def _start(self) -> None:
        """Run the app's lifespan as a task until its startup completes; raise if it fails."""
        to_app: asyncio.Queue[Message] = asyncio.Queue()
        from_app: asyncio.Queue[Message] = asyncio.Queue()
        scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self._state}
        self._lifespan = asyncio.ensure_future(self.app(scope, to_app.get, from_app.put))
        await to_app.put({"type": "lifespan.startup"})
        answer = await from_app.get()
        if answer["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"the app's lifespan startup failed: {answer.get('message', '')}")


app = create_app("memory://")
"""The chat on the memory hub, for a server that runs its lifespan."""

started_on_first_request = StartedOnFirstRequest(create_app("memory://"))
"""The chat on the memory hub, its lifespan started by its first request (for Daphne)."""
