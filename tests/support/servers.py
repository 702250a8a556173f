"""Servers on 127.0.0.1 for the length of a test: an ASGI app in uvicorn (a thread), or a child process."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import uvicorn
from starlette.types import ASGIApp

WS_IMPLEMENTATIONS = ("websockets-sansio", "wsproto")
"""uvicorn's WebSocket protocol implementations that tests run against."""

UVICORN_DENIAL_ERROR = "ASGI callable returned without completing handshake."
"""What uvicorn's `websockets-sansio` protocol logs, at ERROR, after any denial response (an upstream quirk)."""

ROOT = Path(__file__).resolve().parents[2]
"""The checkout: the working directory of child processes, so that `tests` and `examples` import."""

PROCESS_WAIT = 10.0
"""Seconds a child process may take to be ready, or to exit once asked, before the test fails (a hang guard)."""

_START_ATTEMPTS = 3
"""How many times `child_process` starts a process that exits before it is ready (its free port may be taken)."""


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


def listens(port: int) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        return True
    return False


@dataclass
class ChildProcess:
    """A process `child_process` started: where it listens, and the file its stdout and stderr go to."""

    command: list[str]
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    stop_signal: signal.Signals

    def url(self, scheme: str) -> str:
        """Where the process listens, as `SCHEME://127.0.0.1:PORT`."""
        return f"{scheme}://127.0.0.1:{self.port}"

    def output(self) -> str:
        """What the process wrote so far."""
        return self.log.read_text(errors="replace")

    def assert_clean(self) -> None:
        """The process logged no error and no traceback."""
        output = self.output()
        assert "ERROR" not in output and "Traceback" not in output, output

    def stop(self) -> int:
        """Send the stop signal (kill the process if it has not exited after `PROCESS_WAIT` s); return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout=PROCESS_WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@contextlib.contextmanager
def child_process(
    command: Callable[[int], Sequence[str]],
    log: Path,
    *,
    stop_signal: signal.Signals = signal.SIGTERM,
    env: Mapping[str, str] | None = None,
    ready: Callable[[int], bool] = listens,
) -> Iterator[ChildProcess]:
    """Run `command(port)` for a free port of 127.0.0.1; yield it once `ready(port)`; stop it with `stop_signal`.

    The process runs in the checkout, with `env` added to this process's
    environment, its stdout and stderr in `log`. One that exits before it is
    ready is started again on another port (another process may have taken
    the free one), up to three times; after that, or when it is not ready
    within `PROCESS_WAIT` s, a `RuntimeError` carries its exit code and output.
    """
    child = _start(command, log, stop_signal, env, ready)
    try:
        yield child
    finally:
        child.stop()


def _start(
    command: Callable[[int], Sequence[str]],
    log: Path,
    stop_signal: signal.Signals,
    env: Mapping[str, str] | None,
    ready: Callable[[int], bool],
) -> ChildProcess:
    failure = ""
    for _ in range(_START_ATTEMPTS):
        port = free_port()
        arguments = list(command(port))
        with log.open("wb") as output:
            process = subprocess.Popen(
                arguments, cwd=ROOT, env={**os.environ, **(env or {})},
                stdin=subprocess.DEVNULL, stdout=output, stderr=output,
            )  # fmt: skip
        child = ChildProcess(arguments, process, port, log, stop_signal)
        try:
            if _wait_until_ready(child, ready):
                return child
        except BaseException:
            child.stop()
            raise
        failure = f"`{shlex.join(arguments)}` exited with {process.returncode}:\n{child.output()}"
    raise RuntimeError(failure)


def _wait_until_ready(child: ChildProcess, ready: Callable[[int], bool]) -> bool:
    """Whether the process got ready (False when it exited first); `RuntimeError` when it takes too long."""
    deadline = time.monotonic() + PROCESS_WAIT
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            return False
        if ready(child.port):
            return True
        time.sleep(0.05)
    raise RuntimeError(f"`{shlex.join(child.command)}` was not ready on port {child.port}:\n{child.output()}")
