"""Flood control over a real uvicorn server: a `RateLimit` closes a flooding peer with 1008, or drops and counts.

The limits here refill slowly (a message every half second or two seconds,
ten bytes a second), so what a burst of messages sent at once gets does not
depend on how fast the machine is.
"""

from __future__ import annotations

import json

import anyio
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.support.apps import Chat, echo_app
from tests.support.servers import serve
from tests.support.wire import close_of
from typedws import RateLimit, RateLimitExceeded

pytestmark = pytest.mark.anyio

CHAT = '{"user": "ana", "text": "hi"}'


async def echoes_before_close(url: str, messages: list[str]) -> tuple[int, tuple[int, str]]:
    """Send `messages` at once; return how many came back before the close, and the close."""
    async with connect(url) as peer:
        for message in messages:
            await peer.send(message)
        echoed = 0
        with anyio.fail_after(10):
            while True:
                try:
                    await peer.recv()
                except ConnectionClosed:
                    break
                echoed += 1
        return echoed, await close_of(peer)


async def test_a_burst_over_the_message_rate_closes_with_1008(ws_impl: str) -> None:
    limit = RateLimit(messages_per_second=0.5, burst=6)  # 3 messages at once, then one every 2 s
    with serve(echo_app(value_type=Chat, rate_limit=limit), ws=ws_impl) as url:
        echoed, close = await echoes_before_close(url, [CHAT] * 10)
    assert (echoed, close) == (3, (RateLimitExceeded.close_code, RateLimitExceeded.reason)) == (3, (1008, "rate limit exceeded"))


async def test_a_burst_over_the_byte_rate_closes_with_1008_after_the_message_that_emptied_the_bucket(
    ws_impl: str,
) -> None:
    """A message may take the bucket into debt (so one larger than the bucket still passes); the next one waits."""
    limit = RateLimit(bytes_per_second=10, burst=10)  # 100 bytes at once, then 10 a second
    message = json.dumps({"user": "ana", "text": "x" * 31})  # 60 bytes
    with serve(echo_app(value_type=Chat, rate_limit=limit), ws=ws_impl) as url:
        assert await echoes_before_close(url, [message] * 5) == (2, (1008, "rate limit exceeded"))


async def test_dropping_counts_what_it_drops_and_reads_on_once_a_message_could_pass(ws_impl: str) -> None:
    """After a drop, the next message waits in the server until the bucket holds a token: then it passes."""
    limit = RateLimit(messages_per_second=2, burst=1.5, action="drop")  # 3 at once, then one every 0.5 s
    with serve(echo_app(value_type=Chat, rate_limit=limit), ws=ws_impl) as url:
        async with connect(url) as peer:
            for n in range(10):
                await peer.send(json.dumps({"user": "ana", "text": str(n)}))
            with anyio.fail_after(10):
                echoed = [json.loads(await peer.recv())["text"] for _ in range(6)]
                while limit.dropped < 4:
                    await anyio.sleep(0.01)
    assert echoed == ["0", "1", "2", "4", "6", "8"]
    assert limit.dropped == 4


async def test_each_connection_has_buckets_of_its_own(ws_impl: str) -> None:
    limit = RateLimit(messages_per_second=0.5, burst=6)
    with serve(echo_app(value_type=Chat, rate_limit=limit), ws=ws_impl) as url:
        async with connect(url) as first, connect(url) as second:
            for peer in (first, second, first, second, first, second):
                await peer.send(CHAT)
                assert json.loads(await peer.recv()) == json.loads(CHAT)
            await first.send(CHAT)
            assert await close_of(first) == (1008, "rate limit exceeded")
            assert second.state.name == "OPEN"


def test_a_rate_limit_is_checked_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="needs messages_per_second, bytes_per_second or both"):
        RateLimit()
    with pytest.raises(ValueError, match="messages_per_second must be a positive number"):
        RateLimit(messages_per_second=0)
    with pytest.raises(ValueError, match="burst must be a positive number of seconds"):
        RateLimit(10, burst=-1)
    with pytest.raises(ValueError, match='action must be "close" or "drop"'):
        RateLimit(10, action="ignore")  # type: ignore[arg-type]
    assert repr(RateLimit(10, 1000, action="drop")) == (
        "RateLimit(messages_per_second=10, bytes_per_second=1000, burst=1, action='drop')"
    )
