"""The production options over every server: the idle timeout and the heartbeat, a receive's timeout, a rate limit.

The idle timeout and a receive's timeout cancel the server's own `receive`
while it waits: each server must take that without losing the next message.
Each server of `tests.support.launchers` serves `tests.support.limits:app`
as a child process; a close is expected as the launcher's row delivers it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from websockets.asyncio.client import connect

from tests.support.launchers import Launcher
from tests.support.wire import close_of
from typedws import Ping, Pong

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def server(launcher: Launcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the server of the module's launcher, serving the limits app; it must log no error."""
    with launcher.serve("tests.support.limits:app", tmp_path_factory.mktemp("server") / "server.log") as child:
        yield child.url("ws")
    child.assert_clean()


async def test_a_silent_peer_is_closed_after_the_idle_timeout_and_pings_are_answered(
    launcher: Launcher, server: str
) -> None:
    async with connect(server + "/idle") as peer:
        await peer.send(Ping(id=1).model_dump_json())
        assert Pong.model_validate_json(await peer.recv()) == Pong(id=1)
        await peer.send("hello")
        assert await peer.recv() == "hello"
        assert await close_of(peer) == launcher.differences.close_seen(1001, "idle timeout")


async def test_a_receive_that_timed_out_loses_no_message(server: str) -> None:
    async with connect(server + "/timeout") as peer:
        assert await peer.recv() == "timed out"
        await peer.send("the next message")
        assert await peer.recv() == "the next message"


async def test_a_burst_over_the_rate_limit_is_closed(launcher: Launcher, server: str) -> None:
    async with connect(server + "/limited") as peer:
        for n in range(5):
            await peer.send(str(n))
        assert [await peer.recv() for _ in range(3)] == ["0", "1", "2"]
        assert await close_of(peer) == launcher.differences.close_seen(1008, "rate limit exceeded")
