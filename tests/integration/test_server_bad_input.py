"""The bad-input matrix over every server: the close codes 1003/1007/1009/1011, max sizes, and what each server does itself.

The cases and scenarios are those `tests/integration/test_bad_input.py` runs over
uvicorn in this process (`tests.support.bad_input`); here each server of
`tests.support.launchers` serves `tests.support.bad_input:app` as a child
process. Where a server delivers a close differently (Daphne), the test
expects what the launcher's row says, and so do the docs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support import bad_input
from tests.support.bad_input import BAD_INPUTS, CANARY, EXACTLY_MAX_SIZE, BadInput, assert_echoes
from tests.support.launchers import SERVER_MAX_SIZE, Launcher
from tests.support.wire import close_frame

pytestmark = pytest.mark.anyio

APP = "tests.support.bad_input:app"

CRASH = "RuntimeError: a bug in the handler"
"""The line of the handler's crash in the server's log."""


@pytest.fixture(scope="module")
def server(launcher: Launcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of the server of the module's launcher, serving the bad-input app; it must log no error."""
    with launcher.serve(APP, tmp_path_factory.mktemp("server") / "server.log") as child:
        yield child.url("ws")
    child.assert_clean()


@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[bad.name for bad in BAD_INPUTS])
async def test_bad_input_closes_with_its_code_and_harms_no_one_else(
    bad: BadInput, launcher: Launcher, server: str
) -> None:
    await bad_input.assert_closes_with_its_code(server, bad, launcher.differences.close_seen)


@pytest.mark.parametrize(("path", "message"), EXACTLY_MAX_SIZE, ids=["ASCII", "non-ASCII", "binary", "JSON"])
async def test_a_message_of_exactly_max_size_is_accepted(path: str, message: str | bytes, server: str) -> None:
    await bad_input.assert_exactly_max_size_is_accepted(server, path, message)


async def test_max_size_none_takes_a_message_over_the_default_limit(server: str) -> None:
    await bad_input.assert_max_size_none_takes_a_large_message(server)


async def test_a_handler_that_catches_the_error_answers_and_keeps_the_connection(server: str) -> None:
    await bad_input.assert_a_caught_error_is_answered(server)


async def test_bad_input_to_a_handler_running_two_tasks_closes_with_its_code(launcher: Launcher, server: str) -> None:
    await bad_input.assert_two_tasks_close_with_its_code(server, launcher.differences.close_seen)


async def test_a_message_over_the_servers_own_limit_gets_the_servers_answer(launcher: Launcher, server: str) -> None:
    """typedws's `max_size=None` lets the message through to the server's limit, where the server answers."""
    async with connect(server + "/unlimited", max_size=None) as bystander:
        await bystander.send("still here")
        assert await bystander.recv() == "still here"
        async with connect(server + "/unlimited", max_size=None) as peer:
            with contextlib.suppress(ConnectionClosed):  # a server may close before it has read the whole frame
                await peer.send("a" * (SERVER_MAX_SIZE + 1))
            closed = await close_frame(peer)
        assert (None if closed is None else (closed.code, closed.reason)) == launcher.differences.server_limit_close
        await bystander.send("still here")
        assert await bystander.recv() == "still here"
    await bad_input.settle(server)


async def test_a_handler_crash_closes_with_1011_and_is_logged_once(launcher: Launcher, tmp_path: Path) -> None:
    with launcher.serve(APP, tmp_path / "server.log") as child:
        await bad_input.assert_crash_closes_with_1011(child.url("ws"), launcher.differences.close_seen)
        with anyio.fail_after(10):  # Daphne looks for ended handlers once a second
            while CRASH not in child.output():
                await anyio.sleep(0.05)
    output = child.output()
    assert output.count(CRASH) == 1, output


async def test_invalid_utf8_in_a_text_frame_gets_the_servers_answer(launcher: Launcher, tmp_path: Path) -> None:
    """The protocol layer refuses the frame before the app sees it; the app ends quietly, others are still served."""
    with launcher.serve(APP, tmp_path / "server.log") as child:
        url = child.url("ws")
        async with connect(url + "/chat") as bystander:
            async with connect(url + "/chat") as peer:
                await peer.send(b'{"room": "\xff' + CANARY.encode() + b'", "n": 1}', text=True)
                closed = await close_frame(peer)
            assert (None if closed is None else (closed.code, closed.reason)) == launcher.differences.invalid_utf8_close
            await assert_echoes(bystander)
        await bad_input.settle(url)
    assert "typedws" not in child.output()  # the server may log the frame, but nothing reached the app
