"""uvicorn servers in child processes on 127.0.0.1, so a benchmark's client does not share their CPU."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Server:
    """A running uvicorn process and where its output goes."""

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
        """The CPU time the process's main thread has run so far, to the nanosecond (uvicorn runs in one thread)."""
        with open(f"/proc/{self.process.pid}/schedstat") as schedstat:
            return int(schedstat.read().split()[0]) / 1e9

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
        """The lines uvicorn logged at ERROR; complete once `stop()` has returned."""
        return [line for line in self.log.read_text(errors="replace").splitlines() if line.startswith("ERROR")]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def uvicorn_process(
    app: str, *, ws: str = "websockets-sansio", backlog: int = 2048, options: Sequence[str] = ()
) -> Iterator[Server]:
    """Run `uvicorn APP` (`module:attribute`) on a free port of 127.0.0.1 for the length of the block.

    Returns once the server listens. No lifespan, no access log, warnings and
    errors to `Server.log`; `options` are more of uvicorn's command-line
    options. The server is stopped when the block ends.
    """
    port = _free_port()
    command = [
        sys.executable, "-m", "uvicorn", app,
        "--host", "127.0.0.1", "--port", str(port), "--ws", ws, "--backlog", str(backlog),
        "--lifespan", "off", "--log-level", "warning", "--no-access-log", *options,
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="typedws-bench-") as folder:
        log = Path(folder) / "server.log"
        with log.open("wb") as output:
            process = subprocess.Popen(command, cwd=_ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
        server = Server(f"ws://127.0.0.1:{port}/", process, log)
        try:
            _wait_until_listening(server, port)
            yield server
        finally:
            server.stop()


def _wait_until_listening(server: Server, port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            output = server.log.read_text(errors="replace")
            raise RuntimeError(f"uvicorn exited with status {server.process.returncode} before it listened:\n{output}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"uvicorn did not listen on port {port} within {timeout} s")
        time.sleep(0.05)
