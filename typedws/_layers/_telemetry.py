"""Telemetry on OpenTelemetry's API (the `otel` extra): spans and metrics of a connection, by wrapping its raw callables.

A connection asked for telemetry gets a span for its whole life and one per
message it handles, with a child span for validating the message, one for
handling it (until the handler asks for the next message) and one per send;
and these metrics, each with the connection's path (`url.path`):

| metric | kind | unit |
| --- | --- | --- |
| `typedws.connections.open` | up-down counter | {connection} |
| `typedws.connection.duration` | histogram | s |
| `typedws.messages.received`, `typedws.messages.sent` | counters | {message} |
| `typedws.bytes.received`, `typedws.bytes.sent` | counters | By |
| `typedws.messages.refused` (with `close_code`) | counter | {message} |
| `typedws.messages.dropped` | counter | {message} |

A refused message is one that failed validation, or broke the size, rate
or idle limit: counted by its `MessageError`'s close code, whether or not
the handler caught it. Nothing of the peer's data is recorded: a span of a
refused message carries its close code and fixed reason only.

Without telemetry, none of this module runs: a connection's callables are
the server's own, and `opentelemetry` is not even imported.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol, TypeVar

from starlette.types import Message, Receive, Scope, Send

from .._errors import MessageError

if TYPE_CHECKING:
    from opentelemetry.metrics import Counter, Histogram, MeterProvider, UpDownCounter
    from opentelemetry.trace import Span, Tracer, TracerProvider
    from opentelemetry.util.types import Attributes

__all__ = ["Decode", "Observation", "Telemetry", "observation_of"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Decode(Protocol[T_co]):
    """A codec's `decode`."""

    def __call__(self, frame: str | bytes, max_size: int | None = None) -> T_co: ...

_MISSING = "telemetry needs OpenTelemetry's API: pip install 'typedws[otel]'"


class Telemetry:
    """Where connections' spans and metrics go: OpenTelemetry's global providers, or the ones given.

    `telemetry=True` on a connection, an endpoint or a listener uses a
    `Telemetry()` of the global providers; pass your own to use others (a test's
    in-memory exporter, say). Needs the `otel` extra.
    """

    def __init__(
        self, *, tracer_provider: TracerProvider | None = None, meter_provider: MeterProvider | None = None
    ) -> None:
        try:
            from opentelemetry import metrics, trace
        except ImportError as error:
            raise ImportError(_MISSING) from error
        from importlib.metadata import version

        self.tracer: Tracer = trace.get_tracer("typedws", version("typedws"), tracer_provider)
        """Where the spans go."""
        meter = metrics.get_meter("typedws", version("typedws"), meter_provider)
        self.open_connections: UpDownCounter = meter.create_up_down_counter(
            "typedws.connections.open", unit="{connection}", description="WebSocket connections open now"
        )
        """`typedws.connections.open`."""
        self.duration: Histogram = meter.create_histogram(
            "typedws.connection.duration", unit="s", description="How long WebSocket connections lasted"
        )
        """`typedws.connection.duration`."""
        self.received: Counter = meter.create_counter(
            "typedws.messages.received", unit="{message}", description="Messages received from peers"
        )
        """`typedws.messages.received`."""
        self.sent: Counter = meter.create_counter(
            "typedws.messages.sent", unit="{message}", description="Messages sent to peers"
        )
        """`typedws.messages.sent`."""
        self.bytes_received: Counter = meter.create_counter(
            "typedws.bytes.received", unit="By", description="Bytes of the messages received (UTF-8 for text)"
        )
        """`typedws.bytes.received`."""
        self.bytes_sent: Counter = meter.create_counter(
            "typedws.bytes.sent", unit="By", description="Bytes of the messages sent (UTF-8 for text)"
        )
        """`typedws.bytes.sent`."""
        self.refused: Counter = meter.create_counter(
            "typedws.messages.refused",
            unit="{message}",
            description="Messages refused (invalid, too large, too fast, or an idle timeout), by close code",
        )
        """`typedws.messages.refused`, with the `close_code` of each refusal."""
        self.dropped: Counter = meter.create_counter(
            "typedws.messages.dropped", unit="{message}", description="Messages dropped by a rate limit"
        )
        """`typedws.messages.dropped`."""


_default: Telemetry | None = None


def observation_of(option: bool | Telemetry, scope: Scope, connection_id: str) -> Observation:
    """The observation of one connection, for its `telemetry` option (a shared `Telemetry()` for `True`)."""
    global _default
    if isinstance(option, Telemetry):
        return Observation(option, scope, connection_id)
    if _default is None:
        _default = Telemetry()
    return Observation(_default, scope, connection_id)


def _size(message: Message) -> int:
    text = message.get("text")
    return len(text.encode()) if text is not None else len(message.get("bytes") or b"")


class Observation:
    """One connection's spans and metrics, recorded by the callables `wrap` returns."""

    def __init__(self, telemetry: Telemetry, scope: Scope, connection_id: str) -> None:
        from opentelemetry.trace import SpanKind

        self.telemetry = telemetry
        path: str = scope.get("path", "")
        self.path = path
        self.attributes: Attributes = {"url.path": path}
        self.started = time.monotonic()
        self.connection = telemetry.tracer.start_span(
            f"WebSocket {path}",
            kind=SpanKind.SERVER,
            attributes={"url.path": path, "typedws.connection.id": connection_id},
        )
        self.message: Span | None = None
        self.handling: Span | None = None
        self.ended = False
        telemetry.open_connections.add(1, self.attributes)

    def child(self, name: str, parent: Span | None) -> Span:
        """A new span `name`, child of `parent` (of the connection's span when `None`)."""
        from opentelemetry.trace import set_span_in_context

        return self.telemetry.tracer.start_span(name, context=set_span_in_context(parent or self.connection))

    def refused(self, error: MessageError, span: Span) -> None:
        """`error` refused a message: counted by close code, and marked on `span` (its code and fixed reason only)."""
        from opentelemetry.trace import Status, StatusCode

        self.telemetry.refused.add(1, {"url.path": self.path, "close_code": error.close_code})
        span.set_attribute("typedws.close_code", error.close_code)
        span.set_status(Status(StatusCode.ERROR, error.reason))

    def received(self, message: Message) -> None:
        """A message arrived: the span of its handling starts."""
        self.telemetry.received.add(1, self.attributes)
        self.telemetry.bytes_received.add(_size(message), self.attributes)
        self.message = self.child("message", self.connection)

    def handled(self) -> None:
        """The handler asks for the next message: the last one's spans end."""
        for span in (self.handling, self.message):
            if span is not None:
                span.end()
        self.handling = self.message = None

    def end(self, code: int) -> None:
        """The connection ended with `code`: its span ends, the connection metrics are recorded."""
        if self.ended:
            return
        self.ended = True
        self.handled()
        self.connection.set_attribute("typedws.close_code", code)
        self.connection.end()
        self.telemetry.open_connections.add(-1, self.attributes)
        self.telemetry.duration.record(time.monotonic() - self.started, self.attributes)


    def dropped(self) -> None:
        """A rate limit dropped a message."""
        self.telemetry.dropped.add(1, self.attributes)

    def wrap(self, receive: Receive, send: Send, decode: Decode[T]) -> tuple[Receive, Send, Decode[T]]:
        """`receive`, `send` and `decode`, each recording what passes through it."""

        async def observed_receive() -> Message:
            self.handled()
            try:
                message = await receive()
            except MessageError as error:  # a limit below: the rate or the idle timeout
                self.refused(error, self.connection)
                raise
            kind = message["type"]
            if kind == "websocket.receive":
                self.received(message)
            elif kind == "websocket.disconnect":
                self.end(message.get("code", 1005))
            return message

        def observed_decode(frame: str | bytes, max_size: int | None = None) -> T:
            span = self.child("validate", self.message)
            try:
                value = decode(frame, max_size)
            except MessageError as error:
                self.refused(error, span)
                raise
            finally:
                span.end()
            self.handling = self.child("handle", self.message)
            return value

        async def observed_send(message: Message) -> None:
            kind = message["type"]
            if kind != "websocket.send":
                try:
                    await send(message)
                finally:
                    if kind == "websocket.close":
                        self.end(message.get("code", 1000))
                return
            span = self.child("send", self.handling or self.message)
            try:
                await send(message)
            except (OSError, RuntimeError):
                self.end(1006)  # the peer is gone
                raise
            finally:
                span.end()
            self.telemetry.sent.add(1, self.attributes)
            self.telemetry.bytes_sent.add(_size(message), self.attributes)

        return observed_receive, observed_send, observed_decode
