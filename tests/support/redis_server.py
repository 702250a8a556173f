"""Run a real Redis server (Debian's `redis-server`) on a free port of 127.0.0.1 for a test.

Without `redis-server` the test is skipped, except when the environment
variable `CI` is set: there the test fails, so CI cannot skip it silently.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path

from tests.support.programs import require_program
from tests.support.servers import child_process


@contextlib.contextmanager
def running_redis() -> Iterator[str]:
    """Start `redis-server` without persistence; yield its URL, `redis://127.0.0.1:PORT/0`; stop it."""
    executable = require_program("redis-server", "apt-get install redis-server")
    with tempfile.TemporaryDirectory(prefix="typedws-redis-") as workdir:

        def command(port: int) -> list[str]:
            return [
                executable,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--save", "",
                "--appendonly", "no",
                "--dir", workdir,
            ]  # fmt: skip

        with child_process(command, Path(workdir) / "redis.log", ready=answers_ping) as redis:
            yield redis.url("redis") + "/0"


def answers_ping(port: int) -> bool:
    """Whether a Redis server on 127.0.0.1:`port` answers PING."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False
