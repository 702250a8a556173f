"""Bad input over a real uvicorn server: a defined close code, a safe close reason, no harm to anyone else.

Every test runs against both of uvicorn's WebSocket implementations, in this
process (so that the error-log check sees everything the server logs), with
the `websockets` client, which can send exactly the frames a hostile peer
would. In the matrix and the crash test, a second, healthy connection stays
open across the bad one and must still echo afterwards, and a new connection
must still be served. The table and the scenarios live in
`tests.support.bad_input`; `tests/integration/test_server_bad_input.py` runs
them over every other server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import anyio
import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter
from starlette.types import Scope
from websockets.asyncio.client import connect

from tests.support import bad_input
from tests.support.bad_input import (
    BAD_INPUTS,
    CANARY,
    EXACTLY_MAX_SIZE,
    BadInput,
    Chat,
    assert_echoes,
    assert_safe_reason,
    settle,
)
from tests.support.servers import WS_IMPLEMENTATIONS, serve
from tests.support.wire import close_frame, parse_standard_json
from typedws import WebSocket

UVICORN_UTF8_ERROR = "Invalid UTF-8 sequence received from client."
"""What uvicorn's `websockets-sansio` protocol itself logs, at ERROR, for a text frame of invalid UTF-8."""


class ConstantsChat(Chat):
    """A chat whose model asks Pydantic to write NaN and Infinity as the bare, non-standard tokens."""

    model_config = ConfigDict(ser_json_inf_nan="constants")


@pytest.fixture(scope="module", params=WS_IMPLEMENTATIONS)
def server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of one server per uvicorn WebSocket implementation, for the tests that expect no error at all."""
    with serve(bad_input.TrackedApp(), ws=request.param) as url:
        yield url


# The bad-input matrix ------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("bad", BAD_INPUTS, ids=[bad.name for bad in BAD_INPUTS])
async def test_bad_input_closes_with_its_code_and_harms_no_one_else(bad: BadInput, server: str) -> None:
    await bad_input.assert_closes_with_its_code(server, bad)


@pytest.mark.anyio
@pytest.mark.parametrize(("path", "message"), EXACTLY_MAX_SIZE, ids=["ASCII", "non-ASCII", "binary", "JSON"])
async def test_a_message_of_exactly_max_size_is_accepted(path: str, message: str | bytes, server: str) -> None:
    await bad_input.assert_exactly_max_size_is_accepted(server, path, message)


@pytest.mark.anyio
async def test_max_size_none_takes_a_message_over_the_default_limit(server: str) -> None:
    await bad_input.assert_max_size_none_takes_a_large_message(server)


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_a_handler_crash_closes_with_1011_and_logs_once(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    with serve(bad_input.TrackedApp(), ws=ws_impl) as url:
        await bad_input.assert_crash_closes_with_1011(url)
    [record] = no_error_logs  # uvicorn's report of the exception, nothing else
    assert record.exc_info is not None and isinstance(record.exc_info[1], RuntimeError)


@pytest.mark.anyio
async def test_a_handler_that_catches_the_error_answers_and_keeps_the_connection(server: str) -> None:
    await bad_input.assert_a_caught_error_is_answered(server)


@pytest.mark.anyio
async def test_bad_input_to_a_handler_running_two_tasks_closes_with_its_code(server: str) -> None:
    """The task group wraps the reader's `MessageError` in an exception group; it still ends the handler quietly."""
    await bad_input.assert_two_tasks_close_with_its_code(server)


# Non-finite numbers --------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("x", "received"),
    [("1e400", "inf"), ("-1e400", "-inf"), ('"NaN"', "nan"), ('"Infinity"', "inf"), ('"-inf"', "-inf")],
)
async def test_a_plain_float_field_takes_overflowing_numbers_and_nan_strings_as_non_finite(
    x: str, received: str, server: str
) -> None:
    """Pydantic's default: a `float` field without `allow_inf_nan=False` accepts these, as non-finite floats.

    They are standard JSON (a number too large for a double, or a string), so
    typedws lets the model decide; a model that must stay finite sets
    `allow_inf_nan=False` (see the matrix: 1007).
    """
    async with connect(server + "/float-repr") as peer:
        await peer.send(f'{{"room": "a", "n": 1, "x": {x}}}')
        with anyio.fail_after(10):
            assert await peer.recv() == received
    await settle(server)


@pytest.mark.anyio
async def test_an_echoed_non_finite_float_goes_out_as_null(server: str) -> None:
    """What the server sends stays standard JSON, at the price of the value: `x` comes back as `null`."""
    async with connect(server + "/chat") as peer:
        await peer.send('{"room": "a", "n": 1, "x": 1e400}')
        with anyio.fail_after(10):
            assert parse_standard_json(await peer.recv()) == {"room": "a", "n": 1, "x": None}
    await settle(server)


@pytest.mark.anyio
async def test_non_finite_floats_the_server_sends_are_standard_json(server: str) -> None:
    async with connect(server + "/non-finite") as peer:
        with anyio.fail_after(10):
            replies = [parse_standard_json(await peer.recv()) for _ in range(3)]
    assert replies == [{"room": "r", "n": 1, "x": None}] * 3
    await settle(server)


class HoldsConstants(BaseModel):
    """A model that nests a model writing bare NaN tokens."""

    chats: list[ConstantsChat]


@pytest.mark.parametrize(
    "value_type",
    [ConstantsChat, HoldsConstants, TypeAdapter(list[float], config=ConfigDict(ser_json_inf_nan="constants"))],
)
def test_a_type_set_to_write_nan_tokens_is_refused_when_the_connection_is_built(value_type: Any) -> None:
    """What we send is always standard JSON: a type that would write bare NaN can never be sent."""
    scope: Scope = {"type": "websocket", "path": "/", "headers": []}

    async def never(*args: Any) -> Any:
        raise AssertionError("nothing is received or sent")

    with pytest.raises(TypeError, match="ser_json_inf_nan='constants'"):
        WebSocket(scope, never, never, value_type=value_type)


# Invalid UTF-8 in a text frame -------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.expect_error_log
async def test_invalid_utf8_in_a_text_frame_closes_the_connection_quietly(
    ws_impl: str, no_error_logs: list[logging.LogRecord]
) -> None:
    """The protocol layer refuses the frame before the app sees it; the app must end quietly.

    uvicorn's `websockets-sansio` protocol logs the frame itself, at ERROR
    (`UVICORN_UTF8_ERROR`): that one record is uvicorn's, not typedws's, and
    is the only one allowed. Under `wsproto` the connection drops without a
    close frame.
    """
    with serve(bad_input.TrackedApp(), ws=ws_impl) as url:
        async with connect(url + "/chat") as bystander:
            async with connect(url + "/chat") as peer:
                await peer.send(b'{"room": "\xff' + CANARY.encode() + b'", "n": 1}', text=True)
                closed = await close_frame(peer)
            if closed is not None:
                assert closed.code == 1007
                assert_safe_reason(closed.reason)
            await assert_echoes(bystander)
    assert [r.getMessage() for r in no_error_logs if r.getMessage() != UVICORN_UTF8_ERROR] == []
