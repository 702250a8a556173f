"""Peers that leave abruptly, or with any close code: the handler ends quietly, logs nothing, leaks no task.

Each test runs the scenarios of `tests.support.probes` over a real uvicorn
server in this process (both WebSocket implementations), so that the
error-log check sees everything the server logs, and a `websockets` client
that drops its TCP connection without a close frame — `abort()` (the socket
is closed at once) or `close()` (the pending bytes are flushed, then the
socket is closed) — while the server waits for a message, while it is in the
middle of one, and while it streams messages. The same scenarios run over
every other server in `tests/integration/test_server_disconnects.py`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest

from tests.support import probes
from tests.support.probes import DROPS, NORMAL_CODES, OTHER_CODES, Drop, RemoteProbe
from tests.support.servers import serve
from tests.support.wire import close_of

pytestmark = pytest.mark.anyio

NewProbe = Callable[[], Awaitable[RemoteProbe]]


@pytest.fixture
def url(ws_impl: str) -> Iterator[str]:
    """The probe app served by uvicorn in this process, for one test."""
    with serve(probes.app, ws=ws_impl) as url:
        yield url


@pytest.fixture
async def new_probe(url: str) -> AsyncIterator[NewProbe]:
    """Makes probes of the test's server."""
    async with probes.probing(url) as new_probe:
        yield new_probe


def assert_no_error_logs(records: list[logging.LogRecord]) -> None:
    """For tests that carry `expect_error_log` only so that they can report the logs themselves."""
    assert [f"{r.name}: {r.getMessage()}" for r in records] == []


# Abrupt drops ----------------------------------------------------------------------------------


@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_waits_for_a_message(how: Drop, new_probe: NewProbe) -> None:
    probe = await probes.drop_while_waiting(await new_probe(), how)
    assert probe.close_code == 1005  # uvicorn reports no close frame as "no code"


async def test_a_drop_in_the_middle_of_a_message(new_probe: NewProbe) -> None:
    await probes.drop_in_the_middle_of_a_message(await new_probe())


@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_streams(how: Drop, new_probe: NewProbe) -> None:
    await probes.drop_after_three_ticks(await new_probe(), "/stream-paced", how)


@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_waits_to_send_to_a_peer_that_stopped_reading(
    how: Drop, new_probe: NewProbe
) -> None:
    await probes.drop_while_the_send_waits(await new_probe(), how)


async def test_a_drop_while_the_server_streams_without_pause(new_probe: NewProbe) -> None:
    probe = await probes.drop_after_three_ticks(await new_probe(), "/stream-without-pause", "abort")
    assert not probe.ran_out, f"the handler sent {probe.sent} messages without noticing the peer had left"


@pytest.mark.expect_error_log
async def test_a_drop_while_the_server_sends_and_receives_at_once(
    new_probe: NewProbe, no_error_logs: list[logging.LogRecord]
) -> None:
    await probes.drop_after_three_ticks(await new_probe(), "/send-and-receive", "abort")
    assert_no_error_logs(no_error_logs)


@pytest.mark.expect_error_log
async def test_a_drop_before_the_server_accepts(new_probe: NewProbe, no_error_logs: list[logging.LogRecord]) -> None:
    await probes.drop_before_the_server_accepts(await new_probe())
    assert_no_error_logs(no_error_logs)


# Closes with a close frame ---------------------------------------------------------------------


async def test_a_peer_closing_normally_ends_the_handler_quietly(new_probe: NewProbe) -> None:
    assert await probes.close_with_each_code(new_probe, NORMAL_CODES) == list(NORMAL_CODES)


@pytest.mark.expect_error_log
async def test_a_peer_closing_with_any_other_code_ends_the_handler_quietly(
    new_probe: NewProbe, no_error_logs: list[logging.LogRecord]
) -> None:
    assert await probes.close_with_each_code(new_probe, OTHER_CODES) == list(OTHER_CODES)
    assert_no_error_logs(no_error_logs)


@pytest.mark.expect_error_log
async def test_a_server_shutdown_ends_open_handlers_quietly(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    with serve(probes.app, ws=ws_impl) as url:
        async with probes.probing(url) as new_probe:
            probe = await new_probe()
            peer = await probes.open_connection(probe)
    code, _ = await close_of(peer)
    assert code == 1012
    ended = probes.app.probes[probe.id]
    assert ended.finished and ended.escaped is None and ended.quiet
    assert_no_error_logs(no_error_logs)
