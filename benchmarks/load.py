"""Load: many concurrent connections doing typed echo round trips against uvicorn on 127.0.0.1.

    python -m benchmarks.load --connections 1000 --round-trips 20 --ws websockets-sansio

Starts uvicorn in a child process serving `app` (a typed echo of `Echo`
messages), opens the connections with the `websockets` client, sends each
connection's messages one round trip at a time, checks every echo, and
prints messages/s, p50/p99 round-trip latency, the server's peak resident
memory (VmHWM) and the error lines the server logged. Exits with status 1
when an echo was wrong or missing or the server logged an error.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect

from typedws import WebSocket

from .servers import uvicorn_process


class Echo(BaseModel):
    """The message every connection sends and gets back."""

    connection: int
    seq: int
    text: str


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """The server under load: validate each `Echo` and send it back."""
    ws = WebSocket(scope, receive, send, value_type=Echo)
    async with ws:
        async for message in ws:
            await ws.send(message)


@dataclass
class LoadResult:
    """What a load run measured and every echo that went wrong."""

    connections: int
    round_trips: int
    """Round trips per connection."""
    seconds: float = 0.0
    """Wall time of the round trips, from when every connection was open."""
    latencies: list[float] = field(default_factory=list)
    """Seconds from sending each message to receiving its echo."""
    failures: list[str] = field(default_factory=list)
    """One line per wrong echo, or per connection that failed."""

    @property
    def messages_per_second(self) -> float:
        """Messages echoed per second: each is one message in and its echo out."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def latency_percentile(self, percent: int) -> float:
        """The round-trip latency below which `percent` % of the round trips fall, in seconds."""
        if len(self.latencies) < 2:
            return self.latencies[0] if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[percent - 1]


async def run_load(url: str, connections: int, round_trips: int, text_size: int = 64) -> LoadResult:
    """Open `connections` connections to `url` at once; each then does `round_trips` echo round trips.

    Every echo must be the `Echo` sent; anything else is recorded in `failures`.
    """
    result = LoadResult(connections, round_trips)
    filler = "x" * text_size
    opened = await asyncio.gather(
        *(connect(url, compression=None, max_queue=None, open_timeout=60) for _ in range(connections)),
        return_exceptions=True,
    )
    peers = [peer for peer in opened if isinstance(peer, ClientConnection)]
    result.failures += [f"connection failed: {error!r}" for error in opened if isinstance(error, BaseException)]

    async def round_trip_all(number: int, peer: ClientConnection) -> None:
        for seq in range(round_trips):
            sent = Echo(connection=number, seq=seq, text=filler)
            start = time.perf_counter()
            await peer.send(sent.model_dump_json())
            reply = await peer.recv()
            result.latencies.append(time.perf_counter() - start)
            if Echo.model_validate_json(reply) != sent:
                result.failures.append(f"connection {number}, message {seq}: sent {sent!r}, got {reply!r}")

    start = time.perf_counter()
    outcomes = await asyncio.gather(*(round_trip_all(n, peer) for n, peer in enumerate(peers)), return_exceptions=True)
    result.seconds = time.perf_counter() - start
    result.failures += [
        f"connection {n} failed: {outcome!r}"
        for n, outcome in enumerate(outcomes)
        if isinstance(outcome, BaseException)
    ]
    await asyncio.gather(*(peer.close() for peer in peers), return_exceptions=True)
    return result


def raise_open_file_limit(connections: int) -> None:
    """Raise the soft limit on open files to what `connections` sockets on both ends need, if the hard limit allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * connections + 256
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


def report(result: LoadResult, ws: str, peak_memory: int, error_lines: Sequence[str]) -> str:
    """The run's figures, one per line."""
    lines = [
        f"typed echo over uvicorn ({ws}): {result.connections} connections x {result.round_trips} round trips",
        f"  messages/s          {result.messages_per_second:,.0f}  (each: one message in, its echo out)",
        f"  latency p50         {result.latency_percentile(50) * 1000:.2f} ms",
        f"  latency p99         {result.latency_percentile(99) * 1000:.2f} ms",
        f"  server peak memory  {peak_memory / 2**20:.1f} MiB  (VmHWM)",
        f"  echoes              {len(result.latencies)} received, {len(result.failures)} failures",
        f"  server error logs   {len(error_lines)}",
    ]
    lines += [f"  ! {failure}" for failure in result.failures[:10]]
    lines += [f"  ! {line}" for line in error_lines[:10]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the load test the command line asks for, print its report; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=1000, help="concurrent connections (default 1000)")
    parser.add_argument("--round-trips", type=int, default=20, help="round trips per connection (default 20)")
    parser.add_argument("--ws", choices=("websockets-sansio", "wsproto"), default="websockets-sansio",
                        help="uvicorn's WebSocket implementation")  # fmt: skip
    parser.add_argument("--text-size", type=int, default=64, help="characters of text in each message (default 64)")
    args = parser.parse_args(argv)
    raise_open_file_limit(args.connections)
    with uvicorn_process("benchmarks.load:app", ws=args.ws, backlog=max(2048, args.connections)) as server:
        result = asyncio.run(run_load(server.url, args.connections, args.round_trips, args.text_size))
        peak_memory = server.peak_rss_bytes()
        server.stop()
        error_lines = server.error_lines()
    print(report(result, args.ws, peak_memory, error_lines))
    expected = args.connections * args.round_trips
    return 0 if not result.failures and len(result.latencies) == expected and not error_lines else 1


if __name__ == "__main__":
    sys.exit(main())
