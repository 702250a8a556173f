"""Running an ASGI app's lifespan protocol as a task, in the caller's event loop."""

from __future__ import annotations

import math
from typing import Any, Literal

import anyio
from starlette.types import ASGIApp, Message

__all__ = ["Lifespan"]


class Lifespan:
    """An app's lifespan protocol, run as a task: startup, then shutdown."""

    def __init__(self, app: ASGIApp, state: dict[str, Any]) -> None:
        self._app = app
        self._state = state
        self._to_app, self._app_inbox = anyio.create_memory_object_stream[Message](math.inf)
        self._app_outbox, self._from_app = anyio.create_memory_object_stream[Message](math.inf)
        self._tasks = anyio.create_task_group()
        self._error: Exception | None = None
        self._ended = False

    async def start(self) -> None:
        """Run the app's lifespan task and its startup; raises what made the startup fail."""
        await self._tasks.__aenter__()
        self._tasks.start_soon(self._run)
        try:
            await self._step("startup")
        except BaseException:
            await self._end(cancel=True)
            raise

    async def stop(self) -> None:
        """Run the app's shutdown and wait for its lifespan task; raises what made the shutdown fail."""
        try:
            await self._step("shutdown")
        finally:
            await self._end(cancel=False)

    async def _run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": self._state}
        try:
            await self._app(scope, self._app_inbox.receive, self._app_outbox.send)
        except Exception as error:
            self._error = error
        finally:
            self._app_outbox.close()

    async def _step(self, phase: Literal["startup", "shutdown"]) -> None:
        await self._to_app.send({"type": f"lifespan.{phase}"})
        try:
            message = await self._from_app.receive()
        except anyio.EndOfStream:
            message = {"type": f"lifespan.{phase}.failed", "message": "the app ended its lifespan"}
        if message["type"] == f"lifespan.{phase}.failed":
            await self._end(cancel=False)  # the app's lifespan ends after a failure; it may raise the cause
            if self._error is not None:
                raise self._error
            raise RuntimeError(f"lifespan {phase} failed: {message.get('message', '')}")

    async def _end(self, *, cancel: bool) -> None:
        if self._ended:
            return
        self._ended = True
        self._to_app.close()  # the app's next receive ends its lifespan task
        try:
            if cancel:
                self._tasks.cancel_scope.cancel()
            await self._tasks.__aexit__(None, None, None)
        finally:
            for stream in (self._app_inbox, self._app_outbox, self._from_app):
                stream.close()
