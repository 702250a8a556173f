"""Telemetry (`telemetry=...`, the `otel` extra) over a real uvicorn server, read back with OpenTelemetry's SDK.

Spans go to the SDK's in-memory exporter and metrics to its in-memory
reader, through a `Telemetry` of those providers (the global ones are left
alone). Also here: the structured fields of typedws's log lines, and that
a connection without telemetry never imports OpenTelemetry.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from websockets.asyncio.client import connect

import typedws
from tests.support.apps import Chat
from tests.support.servers import ROOT, serve
from tests.support.wire import close_of
from typedws import MessageError, RateLimit, Telemetry, WebSocket

pytestmark = pytest.mark.anyio

CANARY = "peer-data-7c1e"
"""Put in the bad messages: it must appear in no span."""

CHAT = '{"user": "ana", "text": "hi"}'


@dataclass
class Recorded:
    """A `Telemetry` whose spans and metrics the test reads back."""

    telemetry: Telemetry
    spans: InMemorySpanExporter
    metrics: InMemoryMetricReader

    def finished(self, name: str) -> list[ReadableSpan]:
        return [span for span in self.spans.get_finished_spans() if span.name == name]

    def points(self, metric: str) -> dict[tuple[tuple[str, Any], ...], Any]:
        """Each data point of `metric` by its attributes: a counter's value, a histogram's count."""
        data = self.metrics.get_metrics_data()
        found: dict[tuple[tuple[str, Any], ...], Any] = {}
        if data is None:
            return found
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for item in scope.metrics:
                    if item.name == metric:
                        for point in item.data.data_points:
                            key = tuple(sorted((point.attributes or {}).items()))
                            found[key] = point.value if isinstance(point, NumberDataPoint) else point.count
        return found


@pytest.fixture
def recorded() -> Iterator[Recorded]:
    spans, metrics = InMemorySpanExporter(), InMemoryMetricReader()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    meter_provider = MeterProvider(metric_readers=[metrics])
    yield Recorded(Telemetry(tracer_provider=tracer_provider, meter_provider=meter_provider), spans, metrics)
    meter_provider.shutdown()
    tracer_provider.shutdown()


def chat_app(telemetry: Telemetry, **options: Any) -> Starlette:
    @typedws.endpoint(telemetry=telemetry, **options)
    async def chat(ws: WebSocket[Chat, Chat]) -> None:
        """Echo chats; answer the first bad one with a chat saying so, close on the next."""
        answered = False
        async with ws:
            while True:
                try:
                    chat = await ws.receive()
                except MessageError:
                    if answered:
                        raise
                    answered = True
                    await ws.send(Chat(user="server", text="bad message"))
                else:
                    await ws.send(chat)

    return Starlette(routes=[WebSocketRoute("/", chat)])


PATH = (("url.path", "/"),)


async def test_spans_of_the_connection_and_of_each_message(recorded: Recorded, ws_impl: str) -> None:
    with serve(chat_app(recorded.telemetry), ws=ws_impl) as url:
        async with connect(url) as peer:
            for _ in range(2):
                await peer.send(CHAT)
                await peer.recv()
            await peer.send(f'{{"user": "{CANARY}"')  # malformed: answered
            await peer.recv()
            await peer.send(f'{{"user": 5, "text": "{CANARY}"}}')  # invalid: closes
            assert await close_of(peer) == (1007, "invalid message")

    [connection] = recorded.finished("WebSocket /")
    assert connection.attributes is not None
    assert connection.attributes["url.path"] == "/"
    assert connection.attributes["typedws.close_code"] == 1007
    messages = recorded.finished("message")
    assert len(messages) == 4
    assert connection.context is not None
    assert all(span.parent is not None and span.parent.span_id == connection.context.span_id for span in messages)
    validations = recorded.finished("validate")
    assert [span.status.status_code for span in validations] == [StatusCode.UNSET] * 2 + [StatusCode.ERROR] * 2
    assert [(span.attributes or {}).get("typedws.close_code") for span in validations[2:]] == [1007, 1007]
    assert [span.status.description for span in validations[2:]] == ["malformed message", "invalid message"]
    handles = recorded.finished("handle")
    assert len(handles) == 2  # the two valid messages
    sends = recorded.finished("send")
    assert len(sends) == 3
    parents = {span.context.span_id for span in handles + messages if span.context is not None}
    assert all(span.parent is not None and span.parent.span_id in parents for span in sends)
    for span in recorded.spans.get_finished_spans():
        assert CANARY not in repr(span.to_json())


async def test_metrics_of_messages_bytes_refusals_and_connections(recorded: Recorded, ws_impl: str) -> None:
    limit = RateLimit(messages_per_second=0.5, burst=4, action="drop")  # two messages at once, then one every 2 s
    with serve(chat_app(recorded.telemetry, rate_limit=limit), ws=ws_impl) as url:
        async with connect(url) as peer:
            for _ in range(2):
                await peer.send(CHAT)
                await peer.recv()
            await peer.send(CHAT)  # dropped
            await peer.close()
        async with connect(url) as peer:
            await peer.send("{")
            await peer.recv()
            await peer.send("[]")
            assert (await close_of(peer))[0] == 1007

    assert recorded.points("typedws.messages.received") == {PATH: 4}
    assert recorded.points("typedws.messages.sent") == {PATH: 3}
    assert recorded.points("typedws.bytes.received") == {PATH: 2 * len(CHAT) + 1 + 2}
    sent = [Chat(user="ana", text="hi")] * 2 + [Chat(user="server", text="bad message")]
    assert recorded.points("typedws.bytes.sent") == {PATH: sum(len(chat.model_dump_json()) for chat in sent)}
    assert recorded.points("typedws.messages.refused") == {(("close_code", 1007), *PATH): 2}
    assert recorded.points("typedws.messages.dropped") == {PATH: 1}
    assert recorded.points("typedws.connections.open") == {PATH: 0}
    assert recorded.points("typedws.connection.duration") == {PATH: 2}


async def test_refusals_by_a_limit_are_counted_by_their_close_code(recorded: Recorded, ws_impl: str) -> None:
    @typedws.endpoint(telemetry=recorded.telemetry, rate_limit=RateLimit(messages_per_second=0.5), idle_timeout=0.1)
    async def echo(ws: WebSocket[Chat, Chat]) -> None:
        async with ws:
            async for chat in ws:
                await ws.send(chat)

    with serve(Starlette(routes=[WebSocketRoute("/", echo)]), ws=ws_impl) as url:
        async with connect(url) as peer:
            assert await close_of(peer) == (1001, "idle timeout")
        async with connect(url) as peer:
            await peer.send(CHAT)
            await peer.recv()
            await peer.send(CHAT)
            assert await close_of(peer) == (1008, "rate limit exceeded")
    assert recorded.points("typedws.messages.refused") == {
        (("close_code", 1001), *PATH): 1,
        (("close_code", 1008), *PATH): 1,
    }


async def test_log_lines_carry_the_connection_id_path_and_close_code(
    recorded: Recorded, ws_impl: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="typedws")
    with serve(chat_app(recorded.telemetry), ws=ws_impl) as url:
        async with connect(url + "/") as peer:
            await peer.close(4000)
        await _until_finished(recorded)
    [record] = [r for r in caplog.records if r.name == "typedws"]
    [connection] = recorded.finished("WebSocket /")
    assert connection.attributes is not None
    assert (record.__dict__["connection_id"], record.__dict__["path"], record.__dict__["close_code"]) == (
        connection.attributes["typedws.connection.id"],
        "/",
        4000,
    )


async def _until_finished(recorded: Recorded) -> None:
    with anyio.fail_after(10):
        while not recorded.finished("WebSocket /"):
            await anyio.sleep(0.01)


def test_telemetry_without_opentelemetry_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry", None)
    with pytest.raises(ImportError, match=r"pip install 'typedws\[otel\]'"):
        Telemetry()


def test_a_connection_without_telemetry_never_imports_opentelemetry() -> None:
    script = """
import sys
from typedws import RateLimit, WebSocket
from typedws.testing import TestClient
import typedws

@typedws.endpoint(idle_timeout=5, heartbeat=True, rate_limit=RateLimit(100))
async def echo(ws: WebSocket[str, str]) -> None:
    async with ws:
        async for text in ws:
            await ws.send(text)

with TestClient(echo) as client, client.websocket_connect("/") as ws:
    ws.send_frame("hi")
    assert ws.receive_frame() == "hi"
assert not [name for name in sys.modules if name.startswith("opentelemetry")], "opentelemetry was imported"
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
