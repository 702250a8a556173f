"""Flood control: a connection's `RateLimit`, applied to each message as the server's raw `receive` returns it."""

from __future__ import annotations

import time

import anyio
from collections.abc import Callable

from starlette.types import Message, Receive

from .._errors import RateLimitExceeded
from .._options import RateLimit

__all__ = ["rate_limited"]


class _Bucket:
    """Tokens that refill at `rate` per second up to `capacity`; taking may leave a debt."""

    __slots__ = ("rate", "capacity", "tokens", "updated")

    def __init__(self, rate: float, capacity: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = time.monotonic()

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now


def _wait(bucket: _Bucket | None, needed: float) -> float:
    """Seconds until `bucket` holds more than `needed` tokens (0 without a bucket)."""
    if bucket is None or bucket.tokens > needed:
        return 0.0
    return (needed - bucket.tokens) / bucket.rate + 1e-6


def rate_limited(receive: Receive, limit: RateLimit, on_drop: Callable[[], None] | None = None) -> Receive:
    """`receive`, holding the peer to `limit`: a message over it raises `RateLimitExceeded`, or is dropped.

    After a drop, the receive waits until a message could pass before it
    reads on. `on_drop` is called for each dropped message (telemetry counts them).
    """
    messages = None if limit.messages_per_second is None else _Bucket(
        limit.messages_per_second, max(1.0, limit.messages_per_second * limit.burst)
    )
    size = None if limit.bytes_per_second is None else _Bucket(
        limit.bytes_per_second, limit.bytes_per_second * limit.burst
    )
    close = limit.action == "close"

    async def receive_within_limit() -> Message:
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return message
            now = time.monotonic()
            if messages is not None:
                messages.refill(now)
            if size is not None:
                size.refill(now)
            if (messages is None or messages.tokens >= 1) and (size is None or size.tokens > 0):
                if messages is not None:
                    messages.tokens -= 1
                if size is not None:
                    text = message.get("text")
                    size.tokens -= len(text.encode()) if text is not None else len(message.get("bytes") or b"")
                return message
            if close:
                raise RateLimitExceeded(repr(limit))
            limit.dropped += 1
            if on_drop is not None:
                on_drop()
            # Read nothing more from this peer until a message could pass: the server stops reading its socket
            # meanwhile (uvicorn does once its queue holds a message), so a flood costs it little.
            await anyio.sleep(max(_wait(messages, 1.0), _wait(size, 0.0)))

    return receive_within_limit
