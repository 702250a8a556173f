"""Peers that leave abruptly, or with any close code: the handler ends quietly, logs nothing, leaks no task.

Each test runs a real uvicorn server (both WebSocket implementations) and a
`websockets` client that drops its TCP connection without a close frame —
`abort()` (the socket is closed at once) or `close()` (the pending bytes are
flushed, then the socket is closed) — while the server waits for a message,
while it is in the middle of one, and while it streams messages.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Literal

import anyio
import pytest
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import ClientConnection, connect

from tests.support.wire import close_of
from tests.support.servers import serve
from typedws import WebSocket

Drop = Literal["abort", "close"]
DROPS: tuple[Drop, ...] = ("abort", "close")

STREAM_GUARD_SECONDS = 1.0
"""How long a handler that streams without pausing may go on before it gives up on its own.

It bounds a test that would otherwise spin forever when a send never notices the peer is gone.
"""

Body = Callable[[WebSocket[str, str], "Probe"], Awaitable[None]]
"""What a test's handler does inside `async with ws:`."""


class Probe:
    """What the server side of one test saw: its event loop and how its one handler ended."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.tasks_at_start = 0
        """Tasks in the server's loop when the handler started, its own included."""
        self.inside = threading.Event()
        """Set once the handler is inside `async with ws:`."""
        self.finished = threading.Event()
        """Set once the handler has returned or raised."""
        self.quiet = False
        """Whether the code after `async with ws:` ran: the block ended without letting an exception out."""
        self.escaped: BaseException | None = None
        self.sent = 0
        self.ran_out = False
        """Whether a streaming handler stopped on its own guard, no send having noticed the peer left."""

    def app(self, body: Body) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
        """An ASGI app whose one connection runs `body` inside `async with ws:`, reporting to this probe."""

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            self.loop = asyncio.get_running_loop()
            self.tasks_at_start = len(asyncio.all_tasks())
            ws = WebSocket(scope, receive, send)
            try:
                async with ws:
                    self.inside.set()
                    await body(ws, self)
                self.quiet = True
            except BaseException as exc:
                self.escaped = exc
                raise
            finally:
                self.finished.set()

        return app

    async def wait_inside(self) -> None:
        """Wait until the handler is inside `async with ws:`."""
        with anyio.fail_after(10):
            while not self.inside.is_set():
                await anyio.sleep(0.005)

    async def assert_ended_quietly(self) -> None:
        """The handler ended, let no exception out, and the server's loop is back to its tasks before it."""
        with anyio.fail_after(10):
            while not self.finished.is_set():
                await anyio.sleep(0.005)
        assert self.escaped is None
        assert self.quiet
        assert self.loop is not None
        expected = self.tasks_at_start - 1
        tasks = await self._server_tasks()
        with anyio.move_on_after(10):  # the server cleans up the connection just after the handler returns
            while tasks != expected:
                await anyio.sleep(0.01)
                tasks = await self._server_tasks()
        assert tasks == expected, f"{tasks - expected} task(s) of the connection outlived its handler"

    async def _server_tasks(self) -> int:
        assert self.loop is not None

        async def count() -> int:
            return len(asyncio.all_tasks()) - 1  # not this counting task itself

        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(count(), self.loop))


def drop(peer: ClientConnection, how: Drop) -> None:
    """Drop the TCP connection under `peer` without a close frame."""
    if how == "abort":
        peer.transport.abort()
    else:
        peer.transport.close()


async def echo(ws: WebSocket[str, str], probe: Probe) -> None:
    async for message in ws:
        await ws.send(message)


async def stream_paced(ws: WebSocket[str, str], probe: Probe) -> None:
    """Send ticks forever, pausing a millisecond between them, as a feed or a ticker does."""
    while True:
        await ws.send("tick")
        probe.sent += 1
        await anyio.sleep(0.001)


async def stream_large(ws: WebSocket[str, str], probe: Probe) -> None:
    """Send 16 KiB messages forever, yielding between them: `send` waits once the peer's buffers are full."""
    while True:
        await ws.send("x" * 16384)
        probe.sent += 1
        await anyio.sleep(0)


async def stream_without_pause(ws: WebSocket[str, str], probe: Probe) -> None:
    """Send ticks as fast as `send` returns, as `for item in items: await ws.send(item)` does."""
    guard = time.monotonic() + STREAM_GUARD_SECONDS
    while time.monotonic() < guard:
        await ws.send("tick")
        probe.sent += 1
    probe.ran_out = True


async def send_and_receive_at_once(ws: WebSocket[str, str], probe: Probe) -> None:
    """Read in one task while sending ticks in another, as a chat client's connection does."""

    async def read() -> None:
        async for _ in ws:
            pass

    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(read())
        while True:
            await ws.send("tick")
            probe.sent += 1
            await anyio.sleep(0.001)


async def wait_forever(ws: WebSocket[str, str], probe: Probe) -> None:
    """Wait for messages and ignore them."""
    async for _ in ws:
        pass


async def drop_after_three_ticks(body: Body, how: Drop, ws_impl: str) -> Probe:
    """Serve a handler running `body`, read three ticks from it, drop the connection `how`.

    Returns the handler's probe once it has ended quietly (`Probe.assert_ended_quietly`).
    """
    probe = Probe()
    with serve(probe.app(body), ws=ws_impl) as url:
        peer = await connect(url)
        with anyio.fail_after(10):
            for _ in range(3):
                assert await peer.recv() == "tick"
        drop(peer, how)
        await probe.assert_ended_quietly()
    return probe


def assert_no_error_logs(records: list[logging.LogRecord]) -> None:
    """For tests that carry `expect_error_log` only so that they can report the logs themselves."""
    assert [f"{r.name}: {r.getMessage()}" for r in records] == []


# Abrupt drops ----------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_waits_for_a_message(how: Drop, ws_impl: str) -> None:
    probe = Probe()
    with serve(probe.app(echo), ws=ws_impl) as url:
        peer = await connect(url)
        await peer.send("hello")
        with anyio.fail_after(10):
            assert await peer.recv() == "hello"
        drop(peer, how)
        await probe.assert_ended_quietly()


@pytest.mark.anyio
async def test_a_drop_in_the_middle_of_a_message(ws_impl: str) -> None:
    probe = Probe()
    with serve(probe.app(echo), ws=ws_impl) as url:
        peer = await connect(url)
        await probe.wait_inside()
        peer.protocol.send_text(b'{"first": "half of a message, ', fin=False)
        peer.transport.write(b"".join(peer.protocol.data_to_send()))
        drop(peer, "close")  # close() sends the fragment before the end of the stream
        await probe.assert_ended_quietly()


@pytest.mark.anyio
@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_streams(how: Drop, ws_impl: str) -> None:
    await drop_after_three_ticks(stream_paced, how, ws_impl)


@pytest.mark.anyio
@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_waits_to_send_to_a_peer_that_stopped_reading(how: Drop, ws_impl: str) -> None:
    probe = Probe()
    with serve(probe.app(stream_large), ws=ws_impl) as url:
        peer = await connect(url, compression=None, max_queue=1)  # reads one message, then no more
        await probe.wait_inside()
        with anyio.fail_after(10):  # until uvicorn's flow control stalls the sends on the full buffers
            sent = -1
            while probe.sent != sent:
                sent = probe.sent
                await anyio.sleep(0.2)
        drop(peer, how)
        await probe.assert_ended_quietly()


@pytest.mark.anyio
async def test_a_drop_while_the_server_streams_without_pause(ws_impl: str) -> None:
    probe = await drop_after_three_ticks(stream_without_pause, "abort", ws_impl)
    assert not probe.ran_out, f"the handler sent {probe.sent} messages without noticing the peer had left"


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_a_drop_while_the_server_sends_and_receives_at_once(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    await drop_after_three_ticks(send_and_receive_at_once, "abort", ws_impl)
    assert_no_error_logs(no_error_logs)


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_a_drop_before_the_server_accepts(ws_impl: str, no_error_logs: list[logging.LogRecord]) -> None:
    peer_left = threading.Event()

    async def slow_to_accept(scope: Scope, receive: Receive, send: Send) -> None:
        while not peer_left.is_set():  # e.g. a look-up before accepting
            await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)  # let the server see the connection go
        await accepted_later(scope, receive, send)

    probe = Probe()
    accepted_later = probe.app(echo)
    with serve(slow_to_accept, ws=ws_impl) as url:
        host, port = url.removeprefix("ws://").split(":")
        async with await anyio.connect_tcp(host, int(port)) as stream:
            await stream.send(
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            )
        peer_left.set()
        await probe.assert_ended_quietly()
    assert_no_error_logs(no_error_logs)


# Closes with a close frame ---------------------------------------------------------------------


async def close_with_each_code(codes: tuple[int, ...], ws_impl: str) -> None:
    """Open a connection per code and close it from the client with that code; each handler must end quietly."""
    probes: list[Probe] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await probes[-1].app(wait_forever)(scope, receive, send)

    with serve(app, ws=ws_impl) as url:
        for code in codes:
            probes.append(probe := Probe())
            peer = await connect(url)
            await probe.wait_inside()
            await peer.close(code)
            await probe.assert_ended_quietly()


@pytest.mark.anyio
async def test_a_peer_closing_normally_ends_the_handler_quietly(ws_impl: str) -> None:
    await close_with_each_code((1000, 1001), ws_impl)


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_a_peer_closing_with_any_other_code_ends_the_handler_quietly(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    await close_with_each_code((1002, 1003, 1007, 1008, 1011, 3000, 4000, 4999), ws_impl)
    assert_no_error_logs(no_error_logs)


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_a_server_shutdown_ends_open_handlers_quietly(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    probe = Probe()
    with serve(probe.app(wait_forever), ws=ws_impl) as url:
        peer = await connect(url)
        await probe.wait_inside()
    code, _ = await close_of(peer)
    assert code == 1012
    assert probe.finished.is_set() and probe.escaped is None and probe.quiet
    assert_no_error_logs(no_error_logs)
