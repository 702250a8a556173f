"""The typing contract of `WebSocket[In, Out]`.

Lines that must be errors carry an ignore for each checker (see `tests/typing`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, TypeAdapter
from starlette.types import Message, Receive, Scope, Send
from typing_extensions import TypedDict, assert_type

from tests.typing.models import Chat, Cmd, Event
from typedws import Codec, WebSocket


class Point(TypedDict):
    x: int


@dataclass
class Pair:
    left: int
    right: int


def constructor_forms(s: Scope, r: Receive, w: Send) -> None:
    assert_type(WebSocket(s, r, w), WebSocket[str, str])
    assert_type(WebSocket(s, r, w, value_type="text"), WebSocket[str, str])
    assert_type(WebSocket(s, r, w, value_type="bytes"), WebSocket[bytes, bytes])
    assert_type(WebSocket(s, r, w, value_type="json"), WebSocket[Any, Any])
    assert_type(WebSocket(s, r, w, value_type=Chat), WebSocket[Chat, Chat])
    assert_type(WebSocket(s, r, w, value_type=Point), WebSocket[Point, Point])
    assert_type(WebSocket(s, r, w, value_type=Pair), WebSocket[Pair, Pair])
    assert_type(WebSocket(s, r, w, receive_type=Cmd, send_type=Event), WebSocket[Cmd, Event])
    assert_type(WebSocket(s, r, w, receive_type="bytes", send_type=Event), WebSocket[bytes, Event])
    assert_type(WebSocket(s, r, w, value_type=TypeAdapter(Cmd | Event)), WebSocket[Cmd | Event, Cmd | Event])
    assert_type(WebSocket(s, r, w, value_type=TypeAdapter(list[Chat])), WebSocket[list[Chat], list[Chat]])
    union = TypeAdapter[Cmd | Event](Annotated[Cmd | Event, Field(discriminator="kind")])
    assert_type(WebSocket(s, r, w, value_type=union), WebSocket[Cmd | Event, Cmd | Event])


def raw_events(s: Scope, r: Receive, w: Send) -> None:
    assert_type(WebSocket(s, r, w, value_type="event"), WebSocket[Message, Message])
    assert_type(WebSocket(s, r, w, receive_type="event"), WebSocket[Message, str])
    assert_type(WebSocket(s, r, w, receive_type="event", send_type=Event), WebSocket[Message, Event])
    assert_type(WebSocket(s, r, w, receive_type=Cmd, send_type="event"), WebSocket[Cmd, Message])


def one_direction_omitted(s: Scope, r: Receive, w: Send, codec: Codec[Pair]) -> None:
    assert_type(WebSocket(s, r, w, receive_type=Cmd), WebSocket[Cmd, str])
    assert_type(WebSocket(s, r, w, send_type=Event), WebSocket[str, Event])
    assert_type(WebSocket(s, r, w, receive_type="json"), WebSocket[Any, str])
    assert_type(WebSocket(s, r, w, send_type="bytes"), WebSocket[str, bytes])
    assert_type(WebSocket(s, r, w, receive_type="text", send_type="json"), WebSocket[str, Any])
    assert_type(WebSocket(s, r, w, receive_type="json", send_type="bytes"), WebSocket[Any, bytes])
    assert_type(WebSocket(s, r, w, receive_type=codec, send_type="text"), WebSocket[Pair, str])
    assert_type(WebSocket(s, r, w, value_type=codec), WebSocket[Pair, Pair])


def options(s: Scope, r: Receive, w: Send) -> None:
    assert_type(WebSocket(s, r, w, value_type=Chat, max_size=None, caught_close_codes=(1000,)), WebSocket[Chat, Chat])
    WebSocket(s, r, w, max_size="big")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    WebSocket(s, r, w, caught_close_codes=1000)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]


def misuse(s: Scope, r: Receive, w: Send) -> None:
    WebSocket(s, r, w, value_type="xml")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    WebSocket(s, r, w, receive_type="binary", send_type=Chat)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    WebSocket(s, r, w, value_type=Chat, send_type=Event)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


async def messages(s: Scope, r: Receive, w: Send) -> None:
    ws = WebSocket(s, r, w, receive_type=Cmd, send_type=Event)
    assert_type(await ws.receive(), Cmd)
    await ws.send(Event())
    await ws.send(Cmd())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    async for message in ws:
        assert_type(message, Cmd)
    async with ws as entered:
        assert_type(entered, WebSocket[Cmd, Event])

    text = WebSocket(s, r, w)
    assert_type(await text.receive(), str)
    await text.send(b"raw")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    raw = WebSocket(s, r, w, value_type="bytes")
    assert_type(await raw.receive(), bytes)
    await raw.send("text")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    loose = WebSocket(s, r, w, value_type="json")
    assert_type(await loose.receive(), Any)
    await loose.send({"anything": [1, 2]})

    union = WebSocket(s, r, w, value_type=TypeAdapter(Cmd | Event))
    assert_type(await union.receive(), Cmd | Event)
    await union.send(Cmd())
    await union.send(Chat(text="no"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def classic_aliases(ws: WebSocket[Cmd, Event]) -> None:
    assert_type(await ws.receive_text(), str)
    assert_type(await ws.receive_bytes(), bytes)
    assert_type(await ws.receive_json(), Any)
    await ws.send_text("x")
    await ws.send_bytes(b"x")
    await ws.send_json({"x": 1})
    await ws.send_text(b"x")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await ws.accept(subprotocol="chat")
    await ws.close(code=1000, reason="bye")
    await ws.ensure_closed(1001)


def variance(ws: WebSocket[Cmd, Event], bare: WebSocket) -> None:
    receives_anything: WebSocket[object, Event] = ws
    wrong: WebSocket[Event, Event] = ws  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    assert_type(bare, WebSocket[str, str])
    del receives_anything, wrong


def request_data(ws: WebSocket[Chat, Chat]) -> None:
    from starlette.datastructures import URL, Address, Headers, QueryParams, State

    assert_type(ws.url, URL)
    assert_type(ws.headers, Headers)
    assert_type(ws.query_params, QueryParams)
    assert_type(ws.path_params, dict[str, Any])
    assert_type(ws.client, Address | None)
    assert_type(ws.state, State)
    ws.url = ws.url  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]
