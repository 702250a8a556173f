"""Run a real Redis server (Debian's `redis-server`) on a free port of 127.0.0.1 for a test.

`running_redis()` yields its URL; `redis_server()` yields a `RedisServer`
that a test can stop, start again on the same port (with its data when
persistence is on), and drive with `redis-cli`.

Without `redis-server` the test is skipped, except when the environment
variable `CI` is set: there the test fails, so CI cannot skip it silently.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.programs import require_program
from tests.support.servers import PROCESS_WAIT, ROOT, child_process, free_port


@contextlib.contextmanager
def running_redis() -> Iterator[str]:
    """Start `redis-server` without persistence; yield its URL, `redis://127.0.0.1:PORT/0`; stop it."""
    executable = require_program("redis-server", "apt-get install redis-server")
    with tempfile.TemporaryDirectory(prefix="typedws-redis-") as workdir:

        def command(port: int) -> list[str]:
            return [executable, *_options(port, workdir, persistence=False)]

        with child_process(command, Path(workdir) / "redis.log", ready=answers_ping) as redis:
            yield redis.url("redis") + "/0"


class RedisServer:
    """A `redis-server` process on a port of its own, which a test may stop and start again on that port."""

    def __init__(self, workdir: Path, *, persistence: bool) -> None:
        self.executable = require_program("redis-server", "apt-get install redis-server")
        self.workdir = workdir
        self.persistence = persistence
        """Whether the data outlives a restart (an append-only file, synced at every write)."""
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        """`redis://127.0.0.1:PORT/0`."""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server on its port; return once it answers PING."""
        log = (self.workdir / "redis.log").open("ab")
        with log:
            self._process = subprocess.Popen(
                [self.executable, *_options(self.port, str(self.workdir), persistence=self.persistence)],
                cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            )  # fmt: skip
        deadline = time.monotonic() + PROCESS_WAIT
        while not answers_ping(self.port):
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start on port {self.port}:\n{self.log()}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop the server (SIGTERM: it writes its data first when persistence is on) and wait for it to exit."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=PROCESS_WAIT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def restart(self) -> None:
        """Stop the server and start it again on the same port."""
        self.stop()
        self.start()

    def cli(self, *arguments: str | bytes) -> str:
        """Run `redis-cli` against the server with `arguments`; return what it printed."""
        executable = require_program("redis-cli", "apt-get install redis-tools")
        result = subprocess.run(
            [executable, "-p", str(self.port), *arguments], capture_output=True, check=True, timeout=PROCESS_WAIT
        )
        return result.stdout.decode(errors="replace")

    def log(self) -> str:
        """What the server wrote to its log so far."""
        path = self.workdir / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextlib.contextmanager
def redis_server(*, persistence: bool = False) -> Iterator[RedisServer]:
    """A started `RedisServer` for the length of a test; stopped at the end."""
    with tempfile.TemporaryDirectory(prefix="typedws-redis-") as workdir:
        server = RedisServer(Path(workdir), persistence=persistence)
        server.start()
        try:
            yield server
        finally:
            server.stop()


def _options(port: int, workdir: str, *, persistence: bool) -> list[str]:
    durability = ["--appendonly", "yes", "--appendfsync", "always"] if persistence else ["--appendonly", "no"]
    return ["--bind", "127.0.0.1", "--port", str(port), "--save", "", *durability, "--dir", workdir]


def answers_ping(port: int) -> bool:
    """Whether a Redis server on 127.0.0.1:`port` answers PING."""
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False
