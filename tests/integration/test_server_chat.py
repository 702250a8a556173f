"""The chat demo's client tests over every server: the typed client, the page, its assets and the message docs.

The tests are those of `tests/demo/test_chat.py`, collected here again with
`chat_url` served by each server of `tests.support.launchers` as a child
process (a fresh one per test, as there), running `tests.support.chat_app`.
Daphne runs no lifespan, so there the app starts its hub on its first request.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from examples.chat.app import MAX_MESSAGE_SIZE
from tests.demo.test_chat import (
    chat_client,
    guard,
    test_a_client_that_disconnects_leaves_its_room,
    test_errors_are_typed_messages_and_the_connection_stays_open,
    test_join_say_leave,
    test_rooms_are_isolated,
    test_the_page_its_assets_and_the_message_docs_are_served,
    test_two_clients_in_a_room_see_each_other,
)
from tests.support.launchers import Launcher
from typedws import WebSocketDisconnect

pytestmark = pytest.mark.anyio

__all__ = [
    "guard",
    "test_a_client_that_disconnects_leaves_its_room",
    "test_errors_are_typed_messages_and_the_connection_stays_open",
    "test_join_say_leave",
    "test_rooms_are_isolated",
    "test_the_page_its_assets_and_the_message_docs_are_served",
    "test_two_clients_in_a_room_see_each_other",
]


@pytest.fixture
def chat_url(launcher: Launcher, tmp_path: Path) -> Iterator[str]:
    """The chat served by the module's launcher for one test, `http://127.0.0.1:PORT`; it must log no error."""
    app = "app" if launcher.differences.lifespan else "started_on_first_request"
    with launcher.serve(f"tests.support.chat_app:{app}", tmp_path / "server.log") as child:
        yield child.url("http")
    child.assert_clean()


async def test_a_message_over_the_size_limit_closes_the_connection_with_1009(
    launcher: Launcher, chat_url: str, guard: None
) -> None:
    async with chat_client(chat_url) as ana:
        await ana.connection.send('{"type": "say", "text": "' + "x" * MAX_MESSAGE_SIZE + '"}')
        with pytest.raises(WebSocketDisconnect) as closed:
            await ana.receive()
        assert closed.value.code == launcher.differences.close_seen(1009, "")[0]
