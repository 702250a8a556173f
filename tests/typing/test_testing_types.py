"""The typing contract of `typedws.testing`.

Sessions are generic over what they receive and what they send, in that order.
Lines that must be errors carry an ignore for each checker (see `tests/typing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter
from starlette.applications import Starlette
from typing_extensions import assert_type

from typedws import Codec
from typedws.testing import (
    AsyncTestClient,
    AsyncWebSocketTestSession,
    TestClient,
    WebSocketTestSession,
)


class Cmd(BaseModel):
    kind: Literal["cmd"] = "cmd"


class Event(BaseModel):
    kind: Literal["event"] = "event"


@dataclass
class Point:
    x: int


app = Starlette()


def every_form_of_the_threaded_client(adapter: TypeAdapter[Cmd | Event], codec: Codec[Point]) -> None:
    client = TestClient(app)
    assert_type(client.websocket_connect("/ws"), WebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", send_type="text"), WebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", send_type="bytes"), WebSocketTestSession[str, bytes])
    assert_type(client.websocket_connect("/ws", send_type="json"), WebSocketTestSession[str, Any])
    assert_type(client.websocket_connect("/ws", send_type=Cmd), WebSocketTestSession[str, Cmd])
    assert_type(client.websocket_connect("/ws", send_type=adapter), WebSocketTestSession[str, Cmd | Event])
    assert_type(client.websocket_connect("/ws", send_type=codec), WebSocketTestSession[str, Point])
    assert_type(client.websocket_connect("/ws", receive_type="text"), WebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type="text"), WebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type="bytes"), WebSocketTestSession[str, bytes])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type="json"), WebSocketTestSession[str, Any])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type=Cmd), WebSocketTestSession[str, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type=adapter), WebSocketTestSession[str, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type=codec), WebSocketTestSession[str, Point])
    assert_type(client.websocket_connect("/ws", receive_type="bytes"), WebSocketTestSession[bytes, str])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type="text"), WebSocketTestSession[bytes, str])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type="bytes"), WebSocketTestSession[bytes, bytes])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type="json"), WebSocketTestSession[bytes, Any])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type=Cmd), WebSocketTestSession[bytes, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type=adapter), WebSocketTestSession[bytes, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type=codec), WebSocketTestSession[bytes, Point])
    assert_type(client.websocket_connect("/ws", receive_type="json"), WebSocketTestSession[Any, str])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type="text"), WebSocketTestSession[Any, str])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type="bytes"), WebSocketTestSession[Any, bytes])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type="json"), WebSocketTestSession[Any, Any])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type=Cmd), WebSocketTestSession[Any, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type=adapter), WebSocketTestSession[Any, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type=codec), WebSocketTestSession[Any, Point])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd), WebSocketTestSession[Cmd, str])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type="text"), WebSocketTestSession[Cmd, str])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type="bytes"), WebSocketTestSession[Cmd, bytes])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type="json"), WebSocketTestSession[Cmd, Any])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type=Cmd), WebSocketTestSession[Cmd, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type=adapter), WebSocketTestSession[Cmd, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type=codec), WebSocketTestSession[Cmd, Point])
    assert_type(client.websocket_connect("/ws", receive_type=adapter), WebSocketTestSession[Cmd | Event, str])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type="text"), WebSocketTestSession[Cmd | Event, str])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type="bytes"), WebSocketTestSession[Cmd | Event, bytes])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type="json"), WebSocketTestSession[Cmd | Event, Any])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type=Cmd), WebSocketTestSession[Cmd | Event, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type=adapter), WebSocketTestSession[Cmd | Event, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type=codec), WebSocketTestSession[Cmd | Event, Point])
    assert_type(client.websocket_connect("/ws", receive_type=codec), WebSocketTestSession[Point, str])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type="text"), WebSocketTestSession[Point, str])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type="bytes"), WebSocketTestSession[Point, bytes])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type="json"), WebSocketTestSession[Point, Any])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type=Cmd), WebSocketTestSession[Point, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type=adapter), WebSocketTestSession[Point, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type=codec), WebSocketTestSession[Point, Point])
    assert_type(client.websocket_connect("/ws", value_type="text"), WebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", value_type="bytes"), WebSocketTestSession[bytes, bytes])
    assert_type(client.websocket_connect("/ws", value_type="json"), WebSocketTestSession[Any, Any])
    assert_type(client.websocket_connect("/ws", value_type=Cmd), WebSocketTestSession[Cmd, Cmd])
    assert_type(client.websocket_connect("/ws", value_type=adapter), WebSocketTestSession[Cmd | Event, Cmd | Event])
    assert_type(client.websocket_connect("/ws", value_type=codec), WebSocketTestSession[Point, Point])


def every_form_of_the_async_client(adapter: TypeAdapter[Cmd | Event], codec: Codec[Point]) -> None:
    client = AsyncTestClient(app)
    assert_type(client.websocket_connect("/ws"), AsyncWebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", send_type="text"), AsyncWebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", send_type="bytes"), AsyncWebSocketTestSession[str, bytes])
    assert_type(client.websocket_connect("/ws", send_type="json"), AsyncWebSocketTestSession[str, Any])
    assert_type(client.websocket_connect("/ws", send_type=Cmd), AsyncWebSocketTestSession[str, Cmd])
    assert_type(client.websocket_connect("/ws", send_type=adapter), AsyncWebSocketTestSession[str, Cmd | Event])
    assert_type(client.websocket_connect("/ws", send_type=codec), AsyncWebSocketTestSession[str, Point])
    assert_type(client.websocket_connect("/ws", receive_type="text"), AsyncWebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type="text"), AsyncWebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type="bytes"), AsyncWebSocketTestSession[str, bytes])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type="json"), AsyncWebSocketTestSession[str, Any])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type=Cmd), AsyncWebSocketTestSession[str, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type=adapter), AsyncWebSocketTestSession[str, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type="text", send_type=codec), AsyncWebSocketTestSession[str, Point])
    assert_type(client.websocket_connect("/ws", receive_type="bytes"), AsyncWebSocketTestSession[bytes, str])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type="text"), AsyncWebSocketTestSession[bytes, str])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type="bytes"), AsyncWebSocketTestSession[bytes, bytes])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type="json"), AsyncWebSocketTestSession[bytes, Any])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type=Cmd), AsyncWebSocketTestSession[bytes, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type=adapter), AsyncWebSocketTestSession[bytes, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type="bytes", send_type=codec), AsyncWebSocketTestSession[bytes, Point])
    assert_type(client.websocket_connect("/ws", receive_type="json"), AsyncWebSocketTestSession[Any, str])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type="text"), AsyncWebSocketTestSession[Any, str])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type="bytes"), AsyncWebSocketTestSession[Any, bytes])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type="json"), AsyncWebSocketTestSession[Any, Any])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type=Cmd), AsyncWebSocketTestSession[Any, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type=adapter), AsyncWebSocketTestSession[Any, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type="json", send_type=codec), AsyncWebSocketTestSession[Any, Point])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd), AsyncWebSocketTestSession[Cmd, str])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type="text"), AsyncWebSocketTestSession[Cmd, str])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type="bytes"), AsyncWebSocketTestSession[Cmd, bytes])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type="json"), AsyncWebSocketTestSession[Cmd, Any])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type=Cmd), AsyncWebSocketTestSession[Cmd, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type=adapter), AsyncWebSocketTestSession[Cmd, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type=Cmd, send_type=codec), AsyncWebSocketTestSession[Cmd, Point])
    assert_type(client.websocket_connect("/ws", receive_type=adapter), AsyncWebSocketTestSession[Cmd | Event, str])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type="text"), AsyncWebSocketTestSession[Cmd | Event, str])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type="bytes"), AsyncWebSocketTestSession[Cmd | Event, bytes])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type="json"), AsyncWebSocketTestSession[Cmd | Event, Any])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type=Cmd), AsyncWebSocketTestSession[Cmd | Event, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type=adapter), AsyncWebSocketTestSession[Cmd | Event, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type=adapter, send_type=codec), AsyncWebSocketTestSession[Cmd | Event, Point])
    assert_type(client.websocket_connect("/ws", receive_type=codec), AsyncWebSocketTestSession[Point, str])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type="text"), AsyncWebSocketTestSession[Point, str])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type="bytes"), AsyncWebSocketTestSession[Point, bytes])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type="json"), AsyncWebSocketTestSession[Point, Any])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type=Cmd), AsyncWebSocketTestSession[Point, Cmd])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type=adapter), AsyncWebSocketTestSession[Point, Cmd | Event])
    assert_type(client.websocket_connect("/ws", receive_type=codec, send_type=codec), AsyncWebSocketTestSession[Point, Point])
    assert_type(client.websocket_connect("/ws", value_type="text"), AsyncWebSocketTestSession[str, str])
    assert_type(client.websocket_connect("/ws", value_type="bytes"), AsyncWebSocketTestSession[bytes, bytes])
    assert_type(client.websocket_connect("/ws", value_type="json"), AsyncWebSocketTestSession[Any, Any])
    assert_type(client.websocket_connect("/ws", value_type=Cmd), AsyncWebSocketTestSession[Cmd, Cmd])
    assert_type(client.websocket_connect("/ws", value_type=adapter), AsyncWebSocketTestSession[Cmd | Event, Cmd | Event])
    assert_type(client.websocket_connect("/ws", value_type=codec), AsyncWebSocketTestSession[Point, Point])


def threaded_session() -> None:
    client = TestClient(app)
    with client.websocket_connect("/ws", send_type=Cmd, receive_type=Event, subprotocols=["v1"], headers={"a": "b"}) as ws:
        assert_type(ws, WebSocketTestSession[Event, Cmd])
        ws.send(Cmd())
        ws.send(Event())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        ws.send_frame(b"raw bytes")
        assert_type(ws.receive(), Event)
        assert_type(ws.receive_frame(), str | bytes)
        for event in ws:
            assert_type(event, Event)
        ws.close(1000, "bye")
    client.websocket_connect("/ws", send_type="xml")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    client.websocket_connect("/ws", value_type=Cmd, send_type=Event)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    client.websocket_connect("/ws", timeout=3)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
    response = client.get("/")  # still Starlette's TestClient for HTTP
    assert_type(response.status_code, int)


async def async_session() -> None:
    async with AsyncTestClient(app) as client:
        async with client.websocket_connect("/ws", send_type=Cmd, receive_type=Event) as ws:
            assert_type(ws, AsyncWebSocketTestSession[Event, Cmd])
            await ws.send(Cmd())
            await ws.send(Event())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
            await ws.send_frame("raw text")
            assert_type(await ws.receive(), Event)
            async for event in ws:
                assert_type(event, Event)
            await ws.close()
        client.websocket_connect("/ws", receive_type=3)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


def sessions_are_covariant_in_what_they_receive(session: WebSocketTestSession[Event, Cmd]) -> None:
    wider: WebSocketTestSession[Event | Cmd, Cmd] = session
    wrong: WebSocketTestSession[Cmd, Cmd] = session  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    del wider, wrong
