"""The typed client against a server that misbehaves on purpose (`tests.support.hostile_server`).

Each test provokes one attack and checks the defined answer: the error
raised, the close code, what the server was sent, no ERROR record (the
autouse check) and none of the server's data in any log record. The
connection options shorten websockets' timeouts so that the tests are quick;
`anyio.fail_after` only guards against a hang.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator

import anyio
import pytest

from websockets.frames import Opcode

from tests.support.hostile_server import Peer, hostile_server
from typedws import MessageError, MessageTooFragmented, MessageTooLarge, WebSocketClosed, WebSocketDisconnect
from typedws.client import connect

MARKER = "HOSTILE-7f3a"
"""Sent by the hostile server in every attack: it must appear in no log record and no error message."""

CLOSE_TIMEOUT = 0.2
"""websockets' `close_timeout` in these tests: how long the client waits for the server to close the TCP connection."""

HANG_GUARD = 20
"""Seconds a test may take before it counts as hung."""


@pytest.fixture
def no_peer_data_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail the test if the server's data appears in any of its log records, DEBUG included.

    websockets' own loggers are kept at INFO: their DEBUG trace quotes frames
    by design (see docs/client.md, "Logs").
    """
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="websockets")
    yield
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")  # with the traceback, if any
    logged = [formatter.format(record) for record in caplog.get_records("call")]
    assert not [text for text in logged if MARKER in text]


def close_payload(code: int, reason: str = "") -> bytes:
    """The payload of a close frame."""
    return struct.pack("!H", code) + reason.encode()


def close_codes_sent(peer: Peer) -> list[int]:
    """The codes of the close frames the client sent."""
    return [struct.unpack("!H", payload[:2])[0] for opcode, payload in peer.received if opcode == Opcode.CLOSE]


class Attack:
    """A hostile behaviour that first sends `frames`, then ignores the client: no pong, no close, no TCP close."""

    def __init__(self, *frames: tuple[int, bytes, bool]) -> None:
        self.frames = frames
        self.peers: list[Peer] = []

    async def __call__(self, peer: Peer) -> None:
        self.peers.append(peer)
        for opcode, payload, fin in self.frames:
            await peer.send_frame(opcode, payload, fin=fin)
        await peer.ignore()

    def close_codes(self) -> list[int]:
        """The close codes the (only) client sent."""
        [peer] = self.peers
        return close_codes_sent(peer)


@pytest.mark.anyio
async def test_a_message_over_max_size_raises_message_too_large_though_the_server_never_closes(
    no_peer_data_logged: None,
) -> None:
    attack = Attack((Opcode.TEXT, MARKER.encode() * 100, True))
    raised: list[MessageError] = []
    with anyio.fail_after(HANG_GUARD):
        async with (
            hostile_server(attack) as url,
            connect(url, max_size=200, close_timeout=CLOSE_TIMEOUT, ping_interval=None) as ws,
        ):
            try:
                async for _ in ws:
                    pytest.fail("the oversized message was delivered")
            except MessageError as error:
                raised.append(error)
                raise  # uncaught in the block: quiet, as any bad message
    assert [type(error) for error in raised] == [MessageTooLarge]
    assert MARKER not in str(raised[0])
    assert ws.close_code == raised[0].close_code == 1009
    assert attack.close_codes() == [1009]


@pytest.mark.anyio
async def test_a_flood_of_empty_continuation_frames_raises_message_too_fragmented_with_1009(
    no_peer_data_logged: None,
) -> None:
    flood = [(Opcode.CONT, b"", False)] * 5000
    attack = Attack((Opcode.TEXT, MARKER.encode(), False), *flood)
    with anyio.fail_after(HANG_GUARD):
        async with hostile_server(attack) as url, connect(url, close_timeout=CLOSE_TIMEOUT, ping_interval=None) as ws:
            with pytest.raises(MessageTooFragmented) as caught:
                await ws.receive()
            with pytest.raises(WebSocketClosed):
                await ws.receive()  # raised once, then the connection is closed
    assert caught.value.close_code == ws.close_code == 1009
    assert MARKER not in str(caught.value)
    assert attack.close_codes() == [1009]


@pytest.mark.anyio
async def test_a_server_that_stops_answering_pings_ends_with_1011_and_a_reason_saying_so(
    no_peer_data_logged: None,
) -> None:
    attack = Attack((Opcode.TEXT, MARKER.encode(), True))
    received: list[str] = []
    with anyio.fail_after(HANG_GUARD):
        async with hostile_server(attack) as url:
            async with connect(url, ping_interval=0.1, ping_timeout=0.1, close_timeout=CLOSE_TIMEOUT) as ws:
                async for text in ws:  # every close code is caught by default: the loop ends quietly
                    received.append(text)
            assert (ws.close_code, ws.close_reason) == (1011, "keepalive ping timeout")
            with pytest.raises(WebSocketDisconnect) as caught:
                async with connect(
                    url,
                    caught_close_codes=[1000, 1001],
                    ping_interval=0.1,
                    ping_timeout=0.1,
                    close_timeout=CLOSE_TIMEOUT,
                ) as ws:
                    async for text in ws:
                        received.append(text)
    assert received == [MARKER, MARKER]
    assert type(caught.value) is WebSocketDisconnect  # the server's doing, not a use after this side's close
    assert (caught.value.code, caught.value.reason) == (1011, "keepalive ping timeout")


@pytest.mark.anyio
async def test_a_close_frame_without_a_tcp_close_ends_within_the_close_timeout_even_without_pings(
    no_peer_data_logged: None,
) -> None:
    attack = Attack((Opcode.TEXT, MARKER.encode(), True), (Opcode.CLOSE, close_payload(4000, "bye"), True))
    with anyio.fail_after(HANG_GUARD):
        async with hostile_server(attack) as url, connect(url, close_timeout=CLOSE_TIMEOUT, ping_interval=None) as ws:
            assert await ws.receive() == MARKER
            with pytest.raises(WebSocketDisconnect) as caught:
                await ws.receive()
    assert (caught.value.code, caught.value.reason) == (4000, "bye")
    assert (ws.close_code, ws.close_reason) == (4000, "bye")
    assert attack.close_codes() == [4000]  # the client answered the close frame


@pytest.mark.anyio
async def test_a_frame_that_breaks_the_protocol_is_the_servers_disconnect_with_1002(
    no_peer_data_logged: None,
) -> None:
    reserved_opcode = 0x3
    attack = Attack((Opcode.BINARY, MARKER.encode(), True), (reserved_opcode, MARKER.encode(), True))
    with anyio.fail_after(HANG_GUARD):
        async with (
            hostile_server(attack) as url,
            connect(url, receive_type="bytes", close_timeout=CLOSE_TIMEOUT, ping_interval=None) as ws,
        ):
            assert await ws.receive() == MARKER.encode()
            with pytest.raises(WebSocketDisconnect) as caught:
                await ws.receive()
            assert type(caught.value) is WebSocketDisconnect  # not WebSocketClosed: the application did not close
            assert caught.value.code == ws.close_code == 1002
            assert MARKER not in str(caught.value)
    assert attack.close_codes() == [1002]


@pytest.mark.anyio
async def test_two_tasks_receiving_at_once_is_a_runtime_error_naming_the_mistake(
    no_peer_data_logged: None,
) -> None:
    attack = Attack()
    with anyio.fail_after(HANG_GUARD):
        async with (
            hostile_server(attack) as url,
            connect(url, close_timeout=CLOSE_TIMEOUT, ping_interval=None) as ws,
            anyio.create_task_group() as tasks,
        ):
            tasks.start_soon(ws.receive)
            await anyio.wait_all_tasks_blocked()
            with pytest.raises(RuntimeError, match="another task is receiving") as caught:
                await ws.receive()
            assert type(caught.value) is RuntimeError  # not websockets' own exception
            assert caught.value.__suppress_context__
            tasks.cancel_scope.cancel()
