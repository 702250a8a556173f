"""The production options of a connection, as layers around the server's raw `receive` and `send`.

A connection that asks for none of `idle_timeout`, `heartbeat`, `rate_limit`
and `telemetry` keeps the server's callables as they are: the options cost
nothing per message unless they are on. When some are, `layered` wraps the
callables, innermost first:

1. the idle timeout (`_liveness`): every message the peer sends
   counts, heartbeats and dropped ones included;
2. the rate limit (`_flood`): every message counts, heartbeats included;
3. the heartbeat (`_liveness`): pings are answered here and go no further;
4. telemetry (`_telemetry`): it sees what the handler sees, and what
   it sends, and wraps the codec's `decode` to time validation.
"""

from __future__ import annotations

from typing import TypeVar

from starlette.types import Receive, Scope, Send

from ._flood import rate_limited
from ._liveness import Ping, Pong, answering_pings, timing_out
from .._options import RateLimit, checked_production_options
from ._telemetry import Decode, Telemetry, observation_of

T = TypeVar("T")

__all__ = ["Ping", "Pong", "Telemetry", "layered"]


def layered(
    scope: Scope,
    connection_id: str,
    receive: Receive,
    send: Send,
    decode: Decode[T],
    *,
    idle_timeout: float | None,
    heartbeat: bool,
    rate_limit: RateLimit | None,
    telemetry: bool | Telemetry,
) -> tuple[Receive, Send, Decode[T]]:
    """The connection's `receive`, `send` and `decode` with the layers its options ask for."""
    options = checked_production_options(
        {"idle_timeout": idle_timeout, "heartbeat": heartbeat, "rate_limit": rate_limit, "telemetry": telemetry}
    )
    seconds, limit, telemetry = options.get("idle_timeout"), options.get("rate_limit"), options.get("telemetry", False)
    observation = None if telemetry is False else observation_of(telemetry, scope, connection_id)
    if seconds is not None:
        receive = timing_out(receive, seconds)
    if limit is not None:
        receive = rate_limited(receive, limit, None if observation is None else observation.dropped)
    if options.get("heartbeat"):
        receive = answering_pings(receive, send)
    if observation is not None:
        receive, send, decode = observation.wrap(receive, send, decode)
    return receive, send, decode
