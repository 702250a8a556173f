"""Run a real Redis server (Debian's `redis-server`) on a free port of 127.0.0.1 for a test.

Without `redis-server` the test is skipped, except when the environment
variable `CI` is set: there the test fails, so CI cannot skip it silently.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from tests.server import free_port

_START_ATTEMPTS = 3
_START_TIMEOUT = 10.0


@contextlib.contextmanager
def running_redis() -> Iterator[str]:
    """Start `redis-server` without persistence; yield its URL, `redis://127.0.0.1:PORT/0`; stop it."""
    executable = shutil.which("redis-server")
    if executable is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with tempfile.TemporaryDirectory(prefix="typedws-redis-") as workdir:
        for _ in range(_START_ATTEMPTS):  # another process may take the free port first
            port = free_port()
            process = _start(executable, port, workdir)
            if _wait_until_ready(process, port):
                break
            _stop(process)
        else:
            log = os.path.join(workdir, "redis.log")
            raise RuntimeError(f"redis-server did not start:\n{open(log).read() if os.path.exists(log) else ''}")
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            _stop(process)


def _start(executable: str, port: int, workdir: str) -> subprocess.Popen[bytes]:
    command = [
        executable,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--dir", workdir,
        "--logfile", os.path.join(workdir, "redis.log"),
    ]  # fmt: skip
    return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_until_ready(process: subprocess.Popen[bytes], port: int) -> bool:
    """Whether the server answers PING before the deadline (False when it exits first)."""
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            if sock.recv(16).startswith(b"+PONG"):
                return True
        time.sleep(0.02)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
