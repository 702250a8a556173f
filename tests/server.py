"""Run an ASGI app in a real uvicorn server on 127.0.0.1 for the length of a test."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

WS_IMPLEMENTATIONS = ("websockets-sansio", "wsproto")
"""uvicorn's WebSocket protocol implementations that tests run against."""


@contextlib.contextmanager
def serve(
    app: ASGIApp,
    *,
    ws: str = "websockets-sansio",
    ws_max_size: int = 16 * 1024 * 1024,
    lifespan: Literal["on", "off"] = "off",
) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread; yield its base URL, `ws://127.0.0.1:PORT`.

    `lifespan="on"` runs the app's lifespan (for apps that start a Hub in it).

    Logs go to the standard `logging` tree (uvicorn's log config is left
    alone), so the error-log check in `conftest.py` sees them.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        ws=ws,
        ws_max_size=ws_max_size,
        lifespan=lifespan,
        log_config=None,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
