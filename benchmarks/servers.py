"""uvicorn servers in child processes on 127.0.0.1, so a benchmark's client does not share their CPU."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from websockets.asyncio.client import connect

_ROOT = Path(__file__).resolve().parent.parent
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Server:
    """A running uvicorn process."""

    url: str
    """Its WebSocket URL, `ws://127.0.0.1:PORT/`."""

    pid: int
    """Its process id."""

    def rss_bytes(self) -> int:
        """The process's resident memory now."""
        with open(f"/proc/{self.pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE

    def cpu_seconds(self) -> float:
        """The CPU time the process's main thread has run so far, to the nanosecond (uvicorn runs in one thread)."""
        with open(f"/proc/{self.pid}/schedstat") as schedstat:
            return int(schedstat.read().split()[0]) / 1e9


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_ready(url: str, timeout: float = 20.0) -> None:
    """Return once a WebSocket handshake with `url` succeeds; raise `TimeoutError` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            async with connect(url, compression=None, open_timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no server answered at {url}") from None
            await asyncio.sleep(0.05)


@contextlib.contextmanager
def uvicorn_process(app: str) -> Iterator[Server]:
    """Run `uvicorn benchmarks.apps:<app>` on a free port of 127.0.0.1 for the length of the block.

    The server uses the `websockets-sansio` protocol, no lifespan, no access
    log; call `wait_ready` before connecting.
    """
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", f"benchmarks.apps:{app}",
        "--host", "127.0.0.1", "--port", str(port),
        "--ws", "websockets-sansio", "--lifespan", "off",
        "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=_ROOT)
    try:
        yield Server(f"ws://127.0.0.1:{port}/", process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
