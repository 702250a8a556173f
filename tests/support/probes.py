"""Peers that leave abruptly, or with any close code: the handlers, the app that reports on them, the scenarios.

`app` serves one handler body per path (`BODIES`) and keeps a `Probe` per
connection, named by the client in the query string (`?probe=ID`). It
answers, over HTTP, what each probe saw and how many tasks its event loop
runs (`GET /probes/ID`, `GET /tasks`), so that a test can check a handler's
ending in any server, in this process or in a child process. Each ending
is also written to standard error (`probe ID: quiet` or `probe ID: escaped
NAME`), for a server that has stopped.

The scenarios (`drop_*`, `close_with_each_code`, `open_connection`) are the
disconnect cases every server runs: `tests/integration/test_disconnects.py` over
uvicorn in a thread, `tests/integration/test_server_disconnects.py` over
every server in `tests.support.launchers`.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal

import anyio
import httpx
from pydantic import TypeAdapter
from starlette.types import Message, Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect

from tests.support.apps import run_empty_lifespan
from typedws import WebSocket

Drop = Literal["abort", "close"]
"""How a peer drops its TCP connection without a close frame: at once (`abort`), or after flushing (`close`)."""

DROPS: tuple[Drop, ...] = ("abort", "close")

NORMAL_CODES = (1000, 1001)
"""Close codes of a peer that leaves normally."""

OTHER_CODES = (1002, 1003, 1007, 1008, 1011, 3000, 4000, 4999)
"""Every other kind of close code a peer may send: protocol codes, registered and private ones."""

STREAM_GUARD_SECONDS = 1.0
"""How long a handler that streams without pausing may go on before it gives up on its own.

It bounds a test that would otherwise spin forever when a send never notices the peer is gone.
"""

WAIT = 10.0
"""Seconds a scenario waits for the server before it fails (a hang guard)."""


@dataclass
class Probe:
    """What the server saw of one connection's handler."""

    inside: bool = False
    """Whether the handler got inside `async with ws:`."""
    finished: bool = False
    """Whether the handler has returned or raised."""
    quiet: bool = False
    """Whether the code after `async with ws:` ran: the block let no exception out."""
    escaped: str | None = None
    """The name of the exception that escaped the handler, if one did."""
    sent: int = 0
    """Messages the handler sent."""
    ran_out: bool = False
    """Whether a streaming handler stopped on its own guard, no send having noticed the peer left."""
    close_code: int | None = None
    """The connection's `close_code` once the handler ended: the peer's code, as the server reported it."""
    released: bool = False
    """Whether a `/slow-accept` handler may accept now (the client asks once it has left)."""
    stopping: bool = False
    """Whether a streaming handler is asked to stop (the client asks when the server lets it stream to no one)."""


@dataclass
class Report:
    """What `GET /probes/ID` answers: the tasks the server's event loop runs now, and the probe."""

    tasks: int
    probe: Probe


_REPORT = TypeAdapter(Report)

Body = Callable[[WebSocket[str, str], Probe], Awaitable[None]]
"""What a handler does inside `async with ws:`."""


async def echo(ws: WebSocket[str, str], probe: Probe) -> None:
    async for message in ws:
        await ws.send(message)


async def stream_paced(ws: WebSocket[str, str], probe: Probe) -> None:
    """Send ticks forever, pausing a millisecond between them, as a feed or a ticker does."""
    while not probe.stopping:
        await ws.send("tick")
        probe.sent += 1
        await anyio.sleep(0.001)


async def stream_large(ws: WebSocket[str, str], probe: Probe) -> None:
    """Send 16 KiB messages forever, yielding between them: `send` waits once the peer's buffers are full."""
    while not probe.stopping:
        await ws.send("x" * 16384)
        probe.sent += 1
        await anyio.sleep(0)


async def stream_without_pause(ws: WebSocket[str, str], probe: Probe) -> None:
    """Send ticks as fast as `send` returns, as `for item in items: await ws.send(item)` does."""
    guard = time.monotonic() + STREAM_GUARD_SECONDS
    while time.monotonic() < guard:
        await ws.send("tick")
        probe.sent += 1
    probe.ran_out = not probe.stopping


async def send_and_receive_at_once(ws: WebSocket[str, str], probe: Probe) -> None:
    """Read in one task while sending ticks in another, as a chat client's connection does."""

    async def read() -> None:
        async for _ in ws:
            pass

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(read())
        while not probe.stopping:
            await ws.send("tick")
            probe.sent += 1
            await anyio.sleep(0.001)


async def wait_forever(ws: WebSocket[str, str], probe: Probe) -> None:
    """Wait for messages and ignore them."""
    async for _ in ws:
        pass


BODIES: dict[str, Body] = {
    "/echo": echo,
    "/stream-paced": stream_paced,
    "/stream-large": stream_large,
    "/stream-without-pause": stream_without_pause,
    "/send-and-receive": send_and_receive_at_once,
    "/wait-forever": wait_forever,
}
"""The handler bodies, by the path that serves them."""


# The app --------------------------------------------------------------------------------------


class ProbeApp:
    """Serves `BODIES` over WebSocket, each connection reporting to its probe; answers HTTP with the probes."""

    def __init__(self) -> None:
        self.probes: dict[str, Probe] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await run_empty_lifespan(receive, send)
        elif scope["type"] == "http":
            await self._answer(scope, receive, send)
        else:
            probe_id = scope["query_string"].decode().removeprefix("probe=")
            probe = self.probes.setdefault(probe_id, Probe())
            if scope["path"] == "/slow-accept":  # e.g. a look-up before accepting
                while not probe.released:
                    await asyncio.sleep(0.005)
                await asyncio.sleep(0.05)  # let the server see the connection go
                await self._run(echo, probe_id, probe, scope, receive, send)
            else:
                await self._run(BODIES[scope["path"]], probe_id, probe, scope, receive, send)

    async def _run(self, body: Body, probe_id: str, probe: Probe, scope: Scope, receive: Receive, send: Send) -> None:
        ws = WebSocket(scope, receive, send)
        try:
            async with ws:
                probe.inside = True
                await body(ws, probe)
            probe.quiet = True
        except BaseException as exc:
            probe.escaped = type(exc).__name__
            raise
        finally:
            probe.close_code = ws.close_code
            probe.finished = True
            ending = "quiet" if probe.quiet else f"escaped {probe.escaped}"
            print(f"probe {probe_id}: {ending}", file=sys.stderr, flush=True)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        path: str = scope["path"]
        probe_id, _, action = path.removeprefix("/probes/").partition("/")
        probe = self.probes.setdefault(probe_id, Probe())
        if action == "release":
            probe.released = True
        elif action == "stop":
            probe.stopping = True
        answer = Report(len(asyncio.all_tasks()), probe)
        start: Message = {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
        await send(start)
        await send({"type": "http.response.body", "body": _REPORT.dump_json(answer)})


app = ProbeApp()
"""The app every server serves for the disconnect scenarios (`tests.support.probes:app`)."""


# The client side ------------------------------------------------------------------------------


class RemoteProbe:
    """The client's view of one connection's probe, read over HTTP from the server that runs it."""

    def __init__(self, url: str, http: httpx.AsyncClient) -> None:
        self.id = uuid.uuid4().hex
        self.url = url
        """The WebSocket URL of the server, `ws://127.0.0.1:PORT`."""
        self._http = http
        self._baseline = 0

    def path(self, path: str) -> str:
        """The WebSocket URL of `path` for this probe's connection."""
        return f"{self.url}{path}?probe={self.id}"

    async def report(self) -> Probe:
        """What the probe saw so far."""
        return (await self._get()).probe

    async def release(self) -> None:
        """Let a `/slow-accept` handler accept."""
        (await self._http.post(f"/probes/{self.id}/release")).raise_for_status()

    async def stop(self) -> None:
        """Ask a streaming handler to stop."""
        (await self._http.post(f"/probes/{self.id}/stop")).raise_for_status()

    async def assert_sends_never_wait(self, count: int) -> None:
        """The handler's sends go on while its peer reads nothing: the server buffers them all (`count` of them, at least)."""
        with anyio.fail_after(WAIT):
            while (await self.report()).sent < count:
                await anyio.sleep(0.05)

    async def assert_streams_on(self) -> None:
        """The handler goes on sending after its peer left: the server takes its sends and drops them."""
        await anyio.sleep(0.5)  # the server has seen the peer leave by now, or soon will: either way, the handler runs
        sent = (await self.report()).sent
        with anyio.fail_after(WAIT):
            while (probe := await self.report()).sent == sent:
                await anyio.sleep(0.01)
        assert not probe.finished

    async def count_tasks(self) -> None:
        """Note how many tasks the server runs now, before this probe's connection: `assert_ended_quietly` expects them back."""
        self._baseline = await self._tasks()

    async def wait_inside(self) -> None:
        """Wait until the handler is inside `async with ws:`."""
        with anyio.fail_after(WAIT):
            while not (await self.report()).inside:
                await anyio.sleep(0.005)

    async def wait_until_sends_stall(self) -> None:
        """Wait until the handler's sends stop going through (the peer's and the server's buffers are full)."""
        with anyio.fail_after(WAIT):
            sent = -1
            while (now := (await self.report()).sent) != sent:
                sent = now
                await anyio.sleep(0.2)

    async def assert_ended_quietly(self) -> Probe:
        """The handler ended, let no exception out, and the server is back to (at most) the tasks it ran before; returns the probe."""
        with anyio.fail_after(WAIT):
            while not (probe := await self.report()).finished:
                await anyio.sleep(0.005)
        assert probe.escaped is None
        assert probe.quiet
        tasks = await self._tasks()
        with anyio.move_on_after(WAIT):  # the server cleans up the connection just after the handler returns
            while tasks > self._baseline:  # fewer: connections of earlier tests were still ending at the count
                await anyio.sleep(0.01)
                tasks = await self._tasks()
        assert tasks <= self._baseline, f"{tasks - self._baseline} task(s) of the connection outlived its handler"
        return probe

    async def _tasks(self) -> int:
        return (await self._get()).tasks

    async def _get(self) -> Report:
        response = await self._http.get(f"/probes/{self.id}")
        response.raise_for_status()
        return _REPORT.validate_json(response.content)


@contextlib.asynccontextmanager
async def probing(url: str) -> AsyncGenerator[Callable[[], Awaitable[RemoteProbe]]]:
    """For the length of the block, a function making a new `RemoteProbe` of the server at `url` (its tasks counted)."""
    async with httpx.AsyncClient(base_url=url.replace("ws://", "http://"), timeout=WAIT) as http:

        async def new_probe() -> RemoteProbe:
            probe = RemoteProbe(url, http)
            await probe.count_tasks()
            return probe

        yield new_probe


def drop(peer: ClientConnection, how: Drop) -> None:
    """Drop the TCP connection under `peer` without a close frame."""
    if how == "abort":
        peer.transport.abort()
    else:
        peer.transport.close()


# The scenarios ---------------------------------------------------------------------------------


async def drop_while_waiting(probe: RemoteProbe, how: Drop) -> Probe:
    """The peer drops while the server waits for a message; returns the probe once it ended quietly."""
    peer = await connect(probe.path("/echo"))
    await peer.send("hello")
    with anyio.fail_after(WAIT):
        assert await peer.recv() == "hello"
    drop(peer, how)
    return await probe.assert_ended_quietly()


async def drop_in_the_middle_of_a_message(probe: RemoteProbe) -> None:
    """The peer drops after half of a fragmented message."""
    peer = await connect(probe.path("/echo"))
    await probe.wait_inside()
    peer.protocol.send_text(b'{"first": "half of a message, ', fin=False)
    peer.transport.write(b"".join(peer.protocol.data_to_send()))
    drop(peer, "close")  # close() sends the fragment before the end of the stream
    await probe.assert_ended_quietly()


async def drop_after_three_ticks(probe: RemoteProbe, path: str, how: Drop, *, sends_fail: bool = True) -> Probe:
    """The handler at `path` streams ticks; the peer reads three, then drops. Returns the probe once it ended quietly.

    Where a send to a peer that left does not fail (`sends_fail=False`), the
    handler must go on streaming until asked to stop.
    """
    peer = await connect(probe.path(path))
    with anyio.fail_after(WAIT):
        for _ in range(3):
            assert await peer.recv() == "tick"
    drop(peer, how)
    return await _ended(probe, sends_fail)


async def drop_while_the_send_waits(probe: RemoteProbe, how: Drop, *, sends_fail: bool = True) -> None:
    """The peer stops reading; once the server's sends stall on the full buffers, it drops.

    Where a send to a peer that left does not fail (`sends_fail=False`), the
    handler must go on streaming until asked to stop.
    """
    peer = await connect(probe.path("/stream-large"), compression=None, max_queue=1)  # reads one message, then no more
    await probe.wait_inside()
    await probe.wait_until_sends_stall()
    drop(peer, how)
    await _ended(probe, sends_fail)


async def stop_reading(probe: RemoteProbe) -> None:
    """The peer reads nothing while the handler sends 16 KiB messages: a server without backpressure buffers them all."""
    peer = await connect(probe.path("/stream-large"), compression=None, max_queue=1)  # reads one message, then no more
    await probe.assert_sends_never_wait(1024)  # 16 MiB
    await probe.stop()
    drop(peer, "abort")
    await probe.assert_ended_quietly()


async def _ended(probe: RemoteProbe, sends_fail: bool) -> Probe:
    if not sends_fail:
        await probe.assert_streams_on()
        await probe.stop()
    return await probe.assert_ended_quietly()


async def drop_before_the_server_accepts(probe: RemoteProbe) -> None:
    """The peer sends the handshake and leaves while the app has yet to accept."""
    host, port = probe.url.removeprefix("ws://").split(":")
    async with await anyio.connect_tcp(host, int(port)) as stream:
        await stream.send(
            f"GET /slow-accept?probe={probe.id} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
    await probe.release()
    await probe.assert_ended_quietly()


async def close_with_each_code(new_probe: Callable[[], Awaitable[RemoteProbe]], codes: tuple[int, ...]) -> list[int | None]:
    """Open a connection per code and close it from the peer with that code; each handler must end quietly.

    Returns the close code each handler saw.
    """
    seen: list[int | None] = []
    for code in codes:
        probe = await new_probe()
        peer = await connect(probe.path("/wait-forever"))
        await probe.wait_inside()
        await peer.close(code)
        seen.append((await probe.assert_ended_quietly()).close_code)
    return seen


async def open_connection(probe: RemoteProbe) -> ClientConnection:
    """A connection whose handler waits for messages (to see what a server's shutdown does to it); the caller closes it."""
    peer = await connect(probe.path("/wait-forever"))
    await probe.wait_inside()
    return peer
