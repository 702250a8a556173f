"""Handshakes over every server: a refusal, a denial response, a crash before accepting, a subprotocol.

Each server of `tests.support.launchers` serves `tests.support.handshakes:app`
as a child process; where servers answer differently (a denial response, a
crash), the test expects what the launcher's row says.
"""

from __future__ import annotations

from collections.abc import Iterator

import anyio
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.handshakes import CRASH, DENIAL
from tests.support.launchers import Launcher
from tests.support.servers import ChildProcess

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def server(launcher: Launcher, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChildProcess]:
    """The server of the module's launcher, serving the handshake app."""
    with launcher.serve("tests.support.handshakes:app", tmp_path_factory.mktemp("server") / "server.log") as child:
        yield child


async def refusal(url: str) -> InvalidStatus:
    """The HTTP response refusing the handshake at `url`."""
    with pytest.raises(InvalidStatus) as refused:
        async with connect(url):
            pass
    return refused.value


async def test_reject_answers_403(server: ChildProcess) -> None:
    assert (await refusal(server.url("ws") + "/reject")).response.status_code == 403


async def test_a_denial_response_is_sent_where_the_server_has_the_extension(
    launcher: Launcher, server: ChildProcess
) -> None:
    """Without ASGI's Denial Response extension, `send_denial_response` raises: the server answers as for a crash."""
    response = (await refusal(server.url("ws") + "/deny")).response
    if launcher.differences.denial_response:
        assert (response.status_code, response.body) == (DENIAL.status_code, DENIAL.body)
    else:
        assert response.status_code == launcher.differences.crash_before_accept_status


async def test_a_crash_before_accepting_gets_the_servers_status_and_is_logged(
    launcher: Launcher, server: ChildProcess
) -> None:
    response = (await refusal(server.url("ws") + "/crash")).response
    assert response.status_code == launcher.differences.crash_before_accept_status
    with anyio.fail_after(10):  # Daphne looks for ended handlers once a second
        while CRASH not in server.output():
            await anyio.sleep(0.05)


async def test_a_subprotocol_is_negotiated(server: ChildProcess) -> None:
    async with connect(server.url("ws") + "/subprotocol", subprotocols=["chat.v2", "chat.v1"]) as client:  # type: ignore[list-item]
        assert client.subprotocol == "chat.v2"
        assert await client.recv() == "chat.v2"
