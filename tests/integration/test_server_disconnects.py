"""Peers that leave abruptly, or with any close code, over every server: the handler ends quietly and leaks no task.

The scenarios are those `tests/integration/test_disconnects.py` runs over uvicorn in this
process (`tests.support.probes`); here each server of
`tests.support.launchers` serves `tests.support.probes:app` as a child
process, whose output must hold no error. The close code the app sees for a
peer's close, and what a peer gets when the server shuts down, are each
server's own: the test expects what the launcher's row says.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import anyio
import pytest
from websockets.asyncio.client import connect

from tests.support import probes
from tests.support.launchers import Launcher
from tests.support.probes import DROPS, NORMAL_CODES, OTHER_CODES, Drop, RemoteProbe
from tests.support.wire import close_frame

pytestmark = pytest.mark.anyio

APP = "tests.support.probes:app"

NewProbe = Callable[[], Awaitable[RemoteProbe]]


@pytest.fixture(scope="module")
def server(launcher: Launcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the server of the module's launcher, serving the probe app; it must log no error."""
    with launcher.serve(APP, tmp_path_factory.mktemp("server") / "server.log") as child:
        yield child.url("ws")
    child.assert_clean()


@pytest.fixture
async def new_probe(server: str) -> AsyncIterator[NewProbe]:
    """Makes probes of the module's server."""
    async with probes.probing(server) as new_probe:
        yield new_probe


@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_waits_for_a_message(how: Drop, launcher: Launcher, new_probe: NewProbe) -> None:
    probe = await probes.drop_while_waiting(await new_probe(), how)
    assert probe.close_code == launcher.differences.abrupt_drop_code


async def test_a_drop_in_the_middle_of_a_message(new_probe: NewProbe) -> None:
    await probes.drop_in_the_middle_of_a_message(await new_probe())


@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_streams(how: Drop, launcher: Launcher, new_probe: NewProbe) -> None:
    sends_fail = launcher.differences.send_fails_after_drop
    await probes.drop_after_three_ticks(await new_probe(), "/stream-paced", how, sends_fail=sends_fail)


@pytest.mark.parametrize("how", DROPS)
async def test_a_drop_while_the_server_waits_to_send_to_a_peer_that_stopped_reading(
    how: Drop, launcher: Launcher, new_probe: NewProbe
) -> None:
    if not launcher.differences.send_waits_for_a_slow_reader:
        pytest.skip("the server never makes a send wait (test_a_peer_that_reads_nothing_...)")
    await probes.drop_while_the_send_waits(await new_probe(), how, sends_fail=launcher.differences.send_fails_after_drop)


async def test_a_peer_that_reads_nothing_makes_sends_wait_or_the_server_buffer_them(
    launcher: Launcher, new_probe: NewProbe
) -> None:
    """Where a send never waits (Daphne), the server holds every unread message in memory."""
    probe = await new_probe()
    if launcher.differences.send_waits_for_a_slow_reader:
        peer = await connect(probe.path("/stream-large"), compression=None, max_queue=1)
        await probe.wait_inside()
        await probe.wait_until_sends_stall()
        await probe.stop()
        probes.drop(peer, "abort")
        await probe.assert_ended_quietly()
    else:
        await probes.stop_reading(probe)


async def test_a_drop_while_the_server_streams_without_pause(launcher: Launcher, new_probe: NewProbe) -> None:
    """Where sends to a peer that left are dropped silently, the handler streams on until its own guard stops it."""
    probe = await probes.drop_after_three_ticks(await new_probe(), "/stream-without-pause", "abort")
    assert probe.ran_out is not launcher.differences.send_fails_after_drop


async def test_a_drop_while_the_server_sends_and_receives_at_once(new_probe: NewProbe) -> None:
    await probes.drop_after_three_ticks(await new_probe(), "/send-and-receive", "abort")


async def test_a_drop_before_the_server_accepts(new_probe: NewProbe) -> None:
    await probes.drop_before_the_server_accepts(await new_probe())


@pytest.mark.parametrize("codes", [NORMAL_CODES, OTHER_CODES], ids=["normal", "other"])
async def test_a_peer_closing_with_any_code_ends_the_handler_quietly(
    codes: tuple[int, ...], launcher: Launcher, new_probe: NewProbe
) -> None:
    seen = await probes.close_with_each_code(new_probe, codes)
    reported = launcher.differences.peer_close_code
    assert seen == (list(codes) if reported is None else [reported] * len(codes))


async def test_a_server_shutdown_ends_open_handlers_as_its_row_says(launcher: Launcher, tmp_path: Path) -> None:
    differences = launcher.differences
    with launcher.serve(APP, tmp_path / "server.log") as child:
        async with probes.probing(child.url("ws")) as new_probe:
            probe = await new_probe()
            peer = await probes.open_connection(probe)
            await anyio.to_thread.run_sync(child.stop)  # the exit status differs: uvicorn re-raises the signal
    closed = await close_frame(peer)
    assert (None if closed is None else (closed.code, closed.reason)) == differences.shutdown_close
    output = child.output()
    [ending] = [line.partition(": ")[2] for line in output.splitlines() if line.startswith(f"probe {probe.id}: ")] or [
        "never"
    ]
    assert ending in differences.shutdown_endings
    if differences.shutdown_logs_traceback:
        assert "Traceback" in output and "typedws" not in output, output
    else:
        child.assert_clean()
