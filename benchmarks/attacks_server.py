"""What a hostile client costs a uvicorn server, measured: `python -m benchmarks.attacks_server [--seconds 10]`.

Starts uvicorn in a child process on 127.0.0.1 (a typed app: `/read` reads
and drops messages, `/stream` sends 1 KiB messages without pause), once per
WebSocket implementation and set of options, and attacks it with a raw
socket that speaks RFC 6455 by hand:

- `fragments`: a text frame that does not finish, then empty continuation
  frames as fast as the server reads them (the message never grows, so no
  size limit applies);
- `pings`: ping frames (125 bytes, the most a control frame holds) as fast
  as the server reads them, never reading an answer;
- `stalled`: the client opens `/stream` and then stops reading.

Each attack runs for `--seconds` (and stops early past `--max-server-mb` of
server memory, or `--max-mb` sent). It prints what was sent, the server's
resident memory before, at its peak and at the end, the server's CPU time,
and how the connection stood at the end: closed by the server, the server no
longer reading, the app's stream still blocked. Not a test: numbers for
`docs/security.md`.
"""

from __future__ import annotations

import argparse
import base64
import os
import platform
import socket
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib.metadata import version

from starlette.types import Receive, Scope, Send
from websockets.frames import Frame, Opcode

from typedws import WebSocket, WebSocketDisconnect

from .servers import Server, uvicorn_process

IMPLEMENTATIONS = ("websockets-sansio", "wsproto")

VARIANTS: dict[str, list[str]] = {
    "defaults (ping 20 s / 20 s)": [],
    "--ws-ping-interval 2 --ws-ping-timeout 2": ["--ws-ping-interval", "2", "--ws-ping-timeout", "2"],
}
"""uvicorn's options for each run: its defaults, and short keepalive pings."""

STREAM_ENDED = "STREAM-ENDED"
"""What `/stream` prints when its sending loop ends."""

_MB = 1024 * 1024
_SAMPLE_EVERY = 0.25
"""Seconds between two samples of the server's memory."""
_STALLED = 2.0
"""Seconds without the server reading a byte, at the end of a flood, that count as the server no longer reading."""


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The server under attack: `/read` reads and drops text messages; `/stream` sends 1 KiB text messages for ever."""
    ws = WebSocket(scope, receive, send)
    async with ws:
        if scope["path"] == "/stream":
            try:
                while True:
                    await ws.send("x" * 1024)
            except WebSocketDisconnect as disconnect:
                print(f"{STREAM_ENDED} {type(disconnect).__name__} {disconnect.code}", file=sys.stderr, flush=True)
                raise
        async for _ in ws:
            pass


def client_frame(opcode: Opcode, payload: bytes = b"", *, fin: bool = True) -> bytes:
    """A frame as a client sends it (masked)."""
    return Frame(opcode, payload, fin=fin).serialize(mask=True, extensions=[])


def opened(url: str, path: str) -> socket.socket:
    """A TCP connection to `url` whose WebSocket opening handshake for `path` is done."""
    host, port = url.removeprefix("ws://").rstrip("/").split(":")
    sock = socket.create_connection((host, int(port)), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(4096)
        if not chunk:
            raise ConnectionError("the server closed the connection during the handshake")
        response += chunk
    if not response.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(f"the handshake failed: {response.splitlines()[0]!r}")
    return sock


@dataclass
class Outcome:
    """What one attack cost the server, and how the connection stood at its end."""

    attack: str
    ws: str
    variant: str
    seconds: float = 0.0
    sent_bytes: int = 0
    frames: int = 0
    rss_start: int = 0
    rss_peak: int = 0
    rss_end: int = 0
    cpu_seconds: float = 0.0
    end: str = "open"

    def row(self) -> str:
        """One line of the report."""
        return (
            f"{self.attack:<10} {self.ws:<18} {self.variant:<42} {self.seconds:5.1f} s "
            f"{self.frames:>11,} frames {self.sent_bytes / _MB:8.1f} MB sent | server RSS "
            f"{self.rss_start / _MB:6.1f} -> peak {self.rss_peak / _MB:7.1f} -> {self.rss_end / _MB:7.1f} MB, "
            f"CPU {self.cpu_seconds:5.1f} s | {self.end}"
        )


class Meter:
    """Samples the server's memory while an attack runs."""

    def __init__(self, server: Server, outcome: Outcome, max_server_bytes: int) -> None:
        self.server = server
        self.outcome = outcome
        self.max_server_bytes = max_server_bytes
        self.start = time.monotonic()
        self.cpu_start = server.cpu_seconds()
        self.next_sample = self.start
        outcome.rss_start = outcome.rss_peak = server.rss_bytes()

    def elapsed(self) -> float:
        """Seconds since the attack began."""
        return time.monotonic() - self.start

    def sample(self) -> bool:
        """Take a sample if one is due; whether the server is still under the memory cap."""
        now = time.monotonic()
        if now >= self.next_sample:
            self.next_sample = now + _SAMPLE_EVERY
            self.outcome.rss_peak = max(self.outcome.rss_peak, self.server.rss_bytes())
        return self.outcome.rss_peak < self.max_server_bytes

    def finish(self) -> Outcome:
        """Record the end of the attack."""
        self.outcome.seconds = self.elapsed()
        self.outcome.rss_end = self.server.rss_bytes()
        self.outcome.rss_peak = max(self.outcome.rss_peak, self.outcome.rss_end)
        self.outcome.cpu_seconds = self.server.cpu_seconds() - self.cpu_start
        return self.outcome


@dataclass(frozen=True)
class Limits:
    """How long and how far an attack may go."""

    seconds: float
    max_sent_bytes: int
    max_server_bytes: int


def flood(server: Server, outcome: Outcome, limits: Limits, path: str, first: bytes, frame: bytes) -> Outcome:
    """Send `first`, then `frame` again and again, never reading, until a limit is reached or the server gives up."""
    sock = opened(server.url, path)
    meter = Meter(server, outcome, limits.max_server_bytes)
    chunk = memoryview(frame * max(1, 65536 // len(frame)))
    offset = 0
    stalled_since: float | None = None
    try:
        sock.sendall(first)
        sock.settimeout(0.5)
        while meter.elapsed() < limits.seconds and outcome.sent_bytes < limits.max_sent_bytes and meter.sample():
            try:
                sent = sock.send(chunk[offset:])
            except TimeoutError:
                stalled_since = meter.elapsed() if stalled_since is None else stalled_since
                continue
            except OSError:
                outcome.end = f"closed by the server after {meter.elapsed():.1f} s"
                break
            stalled_since = None
            offset = (offset + sent) % len(chunk)
            outcome.sent_bytes += sent
        else:
            if stalled_since is not None and meter.elapsed() - stalled_since > _STALLED:
                outcome.end = f"server stopped reading after {stalled_since:.1f} s, connection open"
            elif not meter.sample():
                outcome.end = "stopped: server memory cap reached"
    finally:
        outcome.frames = outcome.sent_bytes // len(frame)
        meter.finish()
        sock.close()
    return outcome


def fragments(server: Server, outcome: Outcome, limits: Limits) -> Outcome:
    """An unfinished text message, then empty continuation frames."""
    first = client_frame(Opcode.TEXT, b"x", fin=False)
    return flood(server, outcome, limits, "/read", first, client_frame(Opcode.CONT, fin=False))


def pings(server: Server, outcome: Outcome, limits: Limits) -> Outcome:
    """Ping frames of 125 bytes, never reading the pongs."""
    return flood(server, outcome, limits, "/read", b"", client_frame(Opcode.PING, b"p" * 125))


def stalled(server: Server, outcome: Outcome, limits: Limits) -> Outcome:
    """Open `/stream`, then never read."""
    sock = opened(server.url, "/stream")
    meter = Meter(server, outcome, limits.max_server_bytes)
    try:
        while meter.elapsed() < limits.seconds and meter.sample():
            time.sleep(_SAMPLE_EVERY)
        state = _server_socket_state(sock)
        ended = STREAM_ENDED in server.log.read_text(errors="replace")
        outcome.end = f"server socket {state}; the app's stream {'ended' if ended else 'still blocked in send()'}"
    finally:
        meter.finish()
        sock.close()
    return outcome


_TCP_STATES = {"01": "ESTABLISHED", "04": "FIN_WAIT1", "05": "FIN_WAIT2", "06": "TIME_WAIT", "08": "CLOSE_WAIT"}


def _server_socket_state(client: socket.socket) -> str:
    """The TCP state of the server's end of `client`'s connection and the bytes queued in it (from /proc/net/tcp)."""
    client_port = client.getsockname()[1]
    server_port = client.getpeername()[1]
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local, remote, state, queues = fields[1], fields[2], fields[3], fields[4]
            if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == client_port:
                queued = int(queues.split(":")[0], 16)
                return f"{_TCP_STATES.get(state, state)} with {queued / _MB:.1f} MB unsent"
    return "gone"


ATTACKS: dict[str, Callable[[Server, Outcome, Limits], Outcome]] = {
    "fragments": fragments,
    "pings": pings,
    "stalled": stalled,
}


def header() -> str:
    """The date, the machine and the versions the numbers were measured with."""
    versions = ", ".join(f"{name} {version(name)}" for name in ("uvicorn", "websockets", "wsproto"))
    return (
        f"{date.today().isoformat()}, {platform.machine()} Linux {platform.release()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {versions}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Run every attack against every implementation and set of options; print one line each."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.attacks_server", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each attack runs (default 10)")
    parser.add_argument("--attacks", nargs="+", choices=sorted(ATTACKS), default=list(ATTACKS))
    parser.add_argument("--ws", nargs="+", choices=IMPLEMENTATIONS, default=list(IMPLEMENTATIONS))
    parser.add_argument("--max-mb", type=int, default=4096, help="stop an attack after sending this much")
    parser.add_argument("--max-server-mb", type=int, default=1536, help="stop an attack past this server memory")
    args = parser.parse_args(argv)
    limits = Limits(args.seconds, args.max_mb * _MB, args.max_server_mb * _MB)
    print(header())
    for attack in args.attacks:
        for ws in args.ws:
            for variant, options in VARIANTS.items():
                with uvicorn_process("benchmarks.attacks_server:app", ws=ws, options=options) as server:
                    outcome = ATTACKS[attack](server, Outcome(attack, ws, variant), limits)
                    print(outcome.row(), flush=True)
                    server.stop()
                    errors = server.error_lines()
                    if errors:
                        print(f"    the server logged {len(errors)} ERROR lines, the first: {errors[0]}")


if __name__ == "__main__":
    main()
