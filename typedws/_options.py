"""The options every side of a connection shares, their defaults and their checks.

The server connection (`WebSocket`), the typed endpoints, the client and the
test sessions take their options here, so that each accepts the same values
and refuses the same mistakes with the same message.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Final, Literal, TypeAlias, TypedDict, cast

from ._layers._telemetry import Telemetry

__all__ = [
    "ALL_CLOSE_CODES",
    "DEFAULT_CAUGHT_CLOSE_CODES",
    "DEFAULT_MAX_SIZE",
    "CaughtCloseCodes",
    "ConnectionOptions",
    "RateLimit",
    "checked_caught_codes",
    "checked_idle_timeout",
    "checked_max_size",
    "checked_production_options",
]

DEFAULT_MAX_SIZE: Final = 1024 * 1024
"""The largest message a connection accepts by default, in bytes (1 MiB)."""

CaughtCloseCodes: TypeAlias = Literal["all"] | Iterable[int]
"""Close codes of a peer's close that end `async with` and `async for` quietly: `"all"`, or a set of codes.

The classic API's spelling `caught_close_codes=all` (the builtin) is accepted
too, as a synonym of `"all"`.
"""

DEFAULT_CAUGHT_CLOSE_CODES: Final = "all"
"""By default every close of the peer ends `async with` and `async for` quietly, 4000–4999 included."""


class _AllCloseCodes(frozenset[int]):
    """The caught close codes of `"all"`: every code a close frame may carry (1000–4999)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'all'"


ALL_CLOSE_CODES: Final[frozenset[int]] = _AllCloseCodes(range(1000, 5000))
"""What connections hold for `caught_close_codes="all"`: every close code."""


class RateLimit:
    """A limit on how fast one peer may send: messages and bytes per second, each a token bucket.

    Each bucket holds `burst` seconds' worth of its rate and refills
    continuously; a message takes one token from the message bucket and its
    size from the byte bucket (which may go into debt, so that one message
    larger than the bucket still passes when the bucket is full, and the next
    ones wait for the debt to be paid). A message that finds a bucket empty
    is over the limit: `action="close"` closes the connection with 1008
    (`RateLimitExceeded`), `action="drop"` drops the message, counts it in
    `dropped`, and reads nothing more from that peer until a message could
    pass (so that a flood costs the server little: the server stops reading
    the socket, and TCP slows the peer down). One `RateLimit` may serve many
    connections: each gets buckets of its own.
    """

    __slots__ = ("messages_per_second", "bytes_per_second", "burst", "action", "dropped")

    def __init__(
        self,
        messages_per_second: float | None = None,
        bytes_per_second: float | None = None,
        *,
        burst: float = 1.0,
        action: Literal["close", "drop"] = "close",
    ) -> None:
        for name, rate in (("messages_per_second", messages_per_second), ("bytes_per_second", bytes_per_second)):
            if rate is not None and not (_is_number(rate) and 0 < rate < math.inf):
                raise ValueError(f"{name} must be a positive number or None, got {rate!r}")
        if messages_per_second is None and bytes_per_second is None:
            raise ValueError("a RateLimit needs messages_per_second, bytes_per_second or both")
        if not (_is_number(burst) and 0 < burst < math.inf):
            raise ValueError(f"burst must be a positive number of seconds, got {burst!r}")
        if action not in ("close", "drop"):
            raise ValueError(f'action must be "close" or "drop", got {action!r}')
        self.messages_per_second: float | None = messages_per_second
        """Messages per second a peer may send on average; `None` for no limit."""
        self.bytes_per_second: float | None = bytes_per_second
        """Bytes per second (UTF-8 for text) a peer may send on average; `None` for no limit."""
        self.burst: float = burst
        """How many seconds' worth of each rate a peer may send at once after a quiet spell."""
        self.action: Literal["close", "drop"] = action
        """What a message over the limit does: `"close"` the connection with 1008, or `"drop"` the message."""
        self.dropped: int = 0
        """Messages dropped under `action="drop"`, over every connection using this limit."""

    def __repr__(self) -> str:
        rates = ", ".join(
            f"{name}={value:g}"
            for name, value in (("messages_per_second", self.messages_per_second), ("bytes_per_second", self.bytes_per_second))
            if value is not None
        )
        return f"RateLimit({rates}, burst={self.burst:g}, action={self.action!r})"


class ConnectionOptions(TypedDict, total=False):
    """Options of a connection, beside its value types."""

    caught_close_codes: CaughtCloseCodes | None
    """Close codes of a peer's close that end `async with` and `async for` quietly; default (and `None`): `"all"`."""

    max_size: int | None
    """The largest message accepted, in bytes; `None` for no limit. Larger ones close with 1009."""

    idle_timeout: float | None
    """Seconds the peer may send nothing (heartbeats count) before a receive raises `IdleTimeout` (close 1001)."""

    heartbeat: bool
    """Answer the peer's `Ping` messages (`{"type": "ping"}`) with `Pong`s, out of the handler's sight."""

    rate_limit: RateLimit | None
    """How fast the peer may send (`RateLimit`); `None` for no limit."""

    telemetry: bool | Telemetry
    """OpenTelemetry spans and metrics for the connection (needs the `otel` extra); `True` for the global providers."""


def checked_caught_codes(codes: object) -> frozenset[int]:
    """The close codes to catch: `ALL_CLOSE_CODES` for `"all"`, `all` or `None`, else a frozenset of them.

    Raises `TypeError` for anything but those and an iterable of `int`.
    """
    if codes is None or codes is ALL_CLOSE_CODES or codes == "all" or codes is all:
        return ALL_CLOSE_CODES
    caught: list[object] | None = None
    if isinstance(codes, Iterable) and not isinstance(codes, (str, bytes)):
        try:
            caught = list(cast("Iterable[object]", codes))
        except TypeError:
            caught = None
    if caught is None or not all(_is_int(code) for code in caught):
        raise TypeError(f'caught_close_codes must be "all" or close codes (ints), such as (1000, 1001); got {codes!r}')
    return frozenset(code for code in caught if isinstance(code, int))


def checked_max_size(max_size: object) -> int | None:
    """`max_size` itself, once checked: a positive number of bytes, or `None` for no limit; else `ValueError`."""
    if max_size is None or (isinstance(max_size, int) and _is_int(max_size) and max_size > 0):
        return max_size
    raise ValueError(f"max_size must be a positive number of bytes or None, got {max_size!r}")


def checked_idle_timeout(seconds: object) -> float | None:
    """`seconds` itself, once checked: a positive, finite number of seconds, or `None`; else `ValueError`."""
    if seconds is None:
        return None
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and 0 < seconds < math.inf:
        return float(seconds)
    raise ValueError(f"idle_timeout must be a positive number of seconds or None, got {seconds!r}")


_PRODUCTION_OPTIONS = ("idle_timeout", "heartbeat", "rate_limit", "telemetry")
"""The options that wrap a connection's raw callables (`typedws._layers`)."""


def checked_production_options(options: ConnectionOptions) -> ConnectionOptions:
    """The production options among `options` (idle timeout, heartbeat, rate limit, telemetry), once checked.

    Raises `TypeError` for an unknown option or a value of the wrong type,
    `ValueError` for an idle timeout that is not a positive number of seconds.
    """
    unknown = set(options) - {"caught_close_codes", "max_size", *_PRODUCTION_OPTIONS}
    if unknown:
        raise TypeError(f"unknown connection option(s): {', '.join(sorted(unknown))}")
    checked = ConnectionOptions()
    given: dict[str, object] = dict(options)  # the values as they came, unchecked
    if "idle_timeout" in given:
        checked["idle_timeout"] = checked_idle_timeout(given["idle_timeout"])
    if "heartbeat" in given:
        heartbeat = given["heartbeat"]
        if not isinstance(heartbeat, bool):
            raise TypeError(f"heartbeat must be True or False, got {heartbeat!r}")
        checked["heartbeat"] = heartbeat
    if "rate_limit" in given:
        rate_limit = given["rate_limit"]
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise TypeError(f"rate_limit must be a typedws.RateLimit or None, got {rate_limit!r}")
        checked["rate_limit"] = rate_limit
    if "telemetry" in given:
        telemetry = given["telemetry"]
        if not isinstance(telemetry, (bool, Telemetry)):
            raise TypeError(f"telemetry must be True, False or a typedws.Telemetry, got {telemetry!r}")
        checked["telemetry"] = telemetry
    return checked


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
