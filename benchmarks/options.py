"""What the production options cost per message in process: each option on, against the typed echo with none.

With every option off, a connection keeps the server's own callables, so
its cost is the typed echo's (the `all off` row says so within noise).
Telemetry is measured on OpenTelemetry's API alone (its no-op providers,
what an app gets without an SDK configured) and on the SDK (spans made and
dropped, metrics aggregated in memory).
"""

from __future__ import annotations

from collections.abc import Generator
from contextlib import contextmanager
from typing import Any

from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import NoOpTracerProvider
from starlette.types import ASGIApp, Receive, Scope, Send

from typedws import ConnectionOptions, RateLimit, Telemetry, WebSocket

from .inprocess import trial_of
from .payloads import Case
from .rounds import Samples, interleave

BASELINE = "typed"


def _echo(case: Case, options: ConnectionOptions) -> ASGIApp:
    value_type = case.value_type

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ws: WebSocket[Any, Any] = WebSocket(scope, receive, send, value_type=value_type, **options)
        async with ws:
            async for value in ws:
                await ws.send(value)

    return app


@contextmanager
def _sdk() -> Generator[Telemetry]:
    tracer_provider, meter_provider = TracerProvider(), MeterProvider(metric_readers=[InMemoryMetricReader()])
    try:
        yield Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider)
    finally:
        meter_provider.shutdown()
        tracer_provider.shutdown()


async def measure(case: Case, count: int, rounds: int) -> Samples:
    """Microseconds per message of the typed echo of `case` with each option on, in interleaved rounds."""
    api_only = Telemetry(tracer_provider=NoOpTracerProvider(), meter_provider=NoOpMeterProvider())
    with _sdk() as sdk:
        variants: dict[str, ConnectionOptions] = {
            BASELINE: {},
            "all off": {"idle_timeout": None, "heartbeat": False, "rate_limit": None, "telemetry": False},
            "idle_timeout": {"idle_timeout": 60.0},
            "rate_limit": {"rate_limit": RateLimit(messages_per_second=1e9, bytes_per_second=1e12)},
            "heartbeat": {"heartbeat": True},
            "telemetry, API only": {"telemetry": api_only},
            "telemetry, SDK": {"telemetry": sdk},
        }
        trials = {name: trial_of(_echo(case, options), case.frame, count) for name, options in variants.items()}
        return await interleave(trials, rounds=rounds, unit="µs/message")
