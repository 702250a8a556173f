"""Attacks, tried as an attacker would over a real uvicorn server: no ERROR record, no peer data in any log record.

Each test provokes one attack with a real `websockets` client, asserts the
close code the attack is answered with, and checks every log record of the
run (DEBUG included) for the marker the attacker put in its data. The
autouse fixture of `tests/conftest.py` fails any test that logs an ERROR.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import anyio
import pytest
from pydantic import BaseModel, ConfigDict, Field
from websockets.asyncio.client import ClientConnection
from websockets.asyncio.client import connect as websockets_connect
from websockets.exceptions import ConnectionClosed

import typedws
from tests.support.servers import serve
from typedws import WebSocket

pytestmark = pytest.mark.anyio

MARKER = "PEER-SECRET-7d1f"
"""What the attacker puts in its data; no log record may contain it."""


class Note(BaseModel):
    user: str
    text: str


class Join(BaseModel):
    model_config = ConfigDict(extra="forbid")  # a peer's key is then named in the error's location

    kind: Literal["join"] = "join"
    room: str


class Leave(BaseModel):
    kind: Literal["leave"] = "leave"
    room: str


Command = Annotated[Join | Leave, Field(discriminator="kind")]


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every record logged during the test (`.records`), at any level and from any logger, typedws's DEBUG too."""
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="typedws"):
        yield caplog


def assert_no_peer_data(records: list[logging.LogRecord]) -> None:
    """No server-side record (message, arguments, traceback) holds the marker or a line forged from peer data.

    The attacking client's own DEBUG records (`websockets.client`) quote what it sends, and are left out.
    """
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    for record in records:
        if record.name.startswith("websockets.client"):
            continue
        text = handler.format(record)
        assert MARKER not in text, f"peer data in a log record: {text!r}"
        assert "CRITICAL forged" not in text, f"a forged line in a log record: {text!r}"


async def closed_with(client: ClientConnection) -> int:
    """Read (and drop) whatever the server still sends, until it closes; its close code."""
    with anyio.fail_after(20):
        try:
            while True:
                await client.recv()
        except ConnectionClosed as closed:
            assert closed.rcvd is not None, "the connection dropped without a close frame"
            return closed.rcvd.code


@typedws.endpoint
async def forwarder(ws: WebSocket[Note, Note]) -> None:
    """The two-task pattern of docs/hub.md: one task forwards values to the peer, the other reads the peer."""
    async with ws, anyio.create_task_group() as tasks:

        async def forward() -> None:
            count = 0
            while True:
                await ws.send(Note(user="hub", text=f"tick {count} " + "x" * 1000))
                count += 1
                await anyio.sleep(0)

        tasks.start_soon(forward)
        async for _ in ws:
            pass
        tasks.cancel_scope.cancel()


@pytest.mark.parametrize("garbage", ["{not json " + MARKER, json.dumps({"user": MARKER, "text": 5})])
async def test_a_peer_that_stalls_then_sends_garbage_to_a_two_task_handler_gets_1007_and_no_error(
    ws_impl: str, garbage: str, debug_logs: pytest.LogCaptureFixture
) -> None:
    with serve(forwarder, ws=ws_impl) as url:
        async with websockets_connect(url, max_queue=2) as client:  # stops reading once 2 messages wait
            await anyio.sleep(2)  # the server's sends back up meanwhile
            await client.send(garbage)
            assert await closed_with(client) == 1007
        async with websockets_connect(url) as bystander:  # the server is still serving
            assert json.loads(await bystander.recv())["user"] == "hub"
    assert_no_peer_data(debug_logs.records)


async def test_a_send_the_server_refuses_after_closing_by_itself_is_a_disconnect_not_a_crash(
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    """wsproto closes by itself (1009) past uvicorn's own --ws-max-size, then refuses the app's next send."""
    with serve(forwarder, ws="wsproto", ws_max_size=4096) as url:
        async with websockets_connect(url) as client:
            await client.send(json.dumps({"user": "ana", "text": "hello"}))
            await client.send(json.dumps({"user": MARKER, "text": "x" * 10_000}))
            assert await closed_with(client) == 1009
        async with websockets_connect(url) as bystander:
            assert json.loads(await bystander.recv())["user"] == "hub"
    assert_no_peer_data(debug_logs.records)


@typedws.endpoint
async def commands(ws: WebSocket[list[Command], str]) -> None:
    """Reads lists of commands; a bad one closes the connection with its code."""
    async with ws:
        async for batch in ws:
            await ws.send(f"{len(batch)} commands")


BAD_INPUTS = {
    "a union tag with a line break": [{"kind": f"x\nCRITICAL forged {MARKER}", "room": "a"}],
    "a peer's dict key": [{"kind": "join", "room": "a", MARKER: 1}],
    "a wrong value": [{"kind": "join", "room": {MARKER: MARKER}}],
    "a string where a list is": MARKER,
    "a bare NaN": [{"kind": "join", "room": "a", "n": float("nan")}],
}


@pytest.mark.parametrize("message", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
async def test_bad_input_is_refused_with_1007_and_never_quoted_in_a_log_record(
    ws_impl: str, message: Any, debug_logs: pytest.LogCaptureFixture
) -> None:
    with serve(commands, ws=ws_impl) as url:
        async with websockets_connect(url) as client:
            await client.send(json.dumps(message))
            assert await closed_with(client) == 1007
    assert any(record.name == "typedws" for record in debug_logs.records), "typedws logs the refusal at DEBUG"
    assert_no_peer_data(debug_logs.records)


@pytest.mark.parametrize(
    "frame",
    [
        "[" + ",".join(["[" * 100 + "]" * 100] * 400) + "]",  # about 80 KB of nested arrays
        "[" + ",".join(["{}"] * 30_000) + "]",  # about 90 KB of empty objects
    ],
    ids=["nested arrays", "empty objects"],
)
async def test_a_frame_denser_in_arrays_and_objects_than_the_budget_is_refused_before_parsing(
    ws_impl: str, frame: str
) -> None:
    @typedws.endpoint
    async def anything(ws: WebSocket[Any, str]) -> None:
        async with ws:
            async for _ in ws:
                await ws.send("parsed")

    with serve(anything, ws=ws_impl) as url:
        async with websockets_connect(url) as client:
            await client.send(frame)
            assert await closed_with(client) == 1007


async def test_brackets_inside_strings_do_not_count_against_the_budget(ws_impl: str) -> None:
    @typedws.endpoint
    async def anything(ws: WebSocket[Any, str]) -> None:
        async with ws:
            async for value in ws:
                await ws.send(f"{len(value)} strings")

    frame = json.dumps(["[{[{" * 10] * 1000)  # about 45 KB, a third brackets, all in strings
    with serve(anything, ws=ws_impl) as url:
        async with websockets_connect(url) as client:
            await client.send(frame)
            assert await client.recv() == "1000 strings"
