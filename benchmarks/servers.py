"""Servers in child processes on 127.0.0.1, so a benchmark's client does not share their CPU.

uvicorn for most benchmarks; every server of the server matrix
(`tests.support.launchers`) for the comparison of servers.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.launchers import Launcher

_ROOT = Path(__file__).resolve().parent.parent
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Server:
    """A running server process and where its output goes."""

    url: str
    """Its WebSocket URL, `ws://127.0.0.1:PORT/`."""

    process: subprocess.Popen[bytes]
    """The child process."""

    log: Path
    """The file its standard output and error go to."""

    def rss_bytes(self) -> int:
        """The process's resident memory now."""
        with open(f"/proc/{self.process.pid}/statm") as statm:
            return int(statm.read().split()[1]) * _PAGE_SIZE

    def peak_rss_bytes(self) -> int:
        """The process's peak resident memory so far (VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        raise RuntimeError("no VmHWM line in /proc/PID/status")

    def cpu_seconds(self) -> float:
        """The CPU time the server has run so far, to the nanosecond: every thread of the process and its children.

        Granian serves in a worker process, with threads of its own; uvicorn
        and Daphne in one thread of the process itself.
        """
        total = 0
        for pid in _process_tree(self.process.pid):
            for task in Path(f"/proc/{pid}/task").glob("*"):
                with contextlib.suppress(OSError), open(task / "schedstat") as schedstat:
                    total += int(schedstat.read().split()[0])
        return total / 1e9

    def stop(self) -> None:
        """Stop the server (as Ctrl-C does) and wait until it has exited."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def error_lines(self) -> list[str]:
        """The lines the server logged at ERROR; complete once `stop()` has returned."""
        return [line for line in self.log.read_text(errors="replace").splitlines() if line.startswith("ERROR")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _process_tree(root: int) -> list[int]:
    """`root` and every process descending from it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            pid, _, rest = stat.read_text().partition(" (")
            parent = int(rest.rpartition(") ")[2].split()[1])
            children.setdefault(parent, []).append(int(pid))
    tree, index = [root], 0
    while index < len(tree):
        tree += children.get(tree[index], [])
        index += 1
    return tree


@contextlib.contextmanager
def uvicorn_process(
    app: str, *, ws: str = "websockets-sansio", backlog: int = 2048, options: Sequence[str] = ()
) -> Generator[Server]:
    """Run `uvicorn APP` (`module:attribute`) on a free port of 127.0.0.1 for the length of the block.

    Returns once the server listens. No lifespan, no access log, warnings and
    errors to `Server.log`; `options` are more of uvicorn's command-line
    options. The server is stopped when the block ends.
    """

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", app,
            "--host", "127.0.0.1", "--port", str(port), "--ws", ws, "--backlog", str(backlog),
            "--lifespan", "off", "--log-level", "warning", "--no-access-log", *options,
        ]  # fmt: skip

    with _server(command, "uvicorn") as server:
        yield server


@contextlib.contextmanager
def launched(launcher: Launcher, app: str) -> Generator[Server]:
    """Serve `app` (`module:attribute`) with one server of the matrix, started as the matrix starts it."""
    with _server(lambda port: launcher.command(app, port), launcher.name) as server:
        yield server


@contextlib.contextmanager
def _server(command: Callable[[int], list[str]], name: str) -> Generator[Server]:
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="typedws-bench-") as folder:
        log = Path(folder) / "server.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                command(port), cwd=_ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=output
            )  # fmt: skip
        server = Server(f"ws://127.0.0.1:{port}/", process, log)
        try:
            _wait_until_listening(server, port, name)
            yield server
        finally:
            server.stop()


def _wait_until_listening(server: Server, port: int, name: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            output = server.log.read_text(errors="replace")
            raise RuntimeError(f"{name} exited with status {server.process.returncode} before it listened:\n{output}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} did not listen on port {port} within {timeout} s")
        time.sleep(0.05)
