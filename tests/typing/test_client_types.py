"""The typing contract of the typed client, `connect(...)` and `ClientWebSocket[In, Out]`.

`In` is what the client receives (the server's `Out`), `Out` what it sends.
Lines that must be errors carry an ignore for each checker (see `tests/typing`).
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, TypeAlias, TypeVar

from pydantic import TypeAdapter
from typing_extensions import assert_type

from tests.typing.models import Chat, Cmd, Event
from typedws import Codec
from typedws.client import ClientWebSocket, connect

URL = "ws://127.0.0.1:8000/chat"

_In = TypeVar("_In")
_Out = TypeVar("_Out")
Connecting: TypeAlias = AbstractAsyncContextManager[ClientWebSocket[_In, _Out]]
"""What `connect(...)` returns: `async with` it to get the connection."""


def connect_forms(codec: Codec[Chat]) -> None:
    assert_type(connect(URL), Connecting[str, str])
    assert_type(connect(URL, value_type="text"), Connecting[str, str])
    assert_type(connect(URL, value_type="bytes"), Connecting[bytes, bytes])
    assert_type(connect(URL, value_type="json"), Connecting[Any, Any])
    assert_type(connect(URL, value_type=Chat), Connecting[Chat, Chat])
    assert_type(connect(URL, value_type=codec), Connecting[Chat, Chat])
    assert_type(connect(URL, receive_type=Event, send_type=Cmd), Connecting[Event, Cmd])
    assert_type(connect(URL, value_type=TypeAdapter(Cmd | Event)), Connecting[Cmd | Event, Cmd | Event])
    assert_type(connect(URL, receive_type=Event), Connecting[Event, str])
    assert_type(connect(URL, send_type=Cmd), Connecting[str, Cmd])
    assert_type(connect(URL, receive_type="json", send_type="bytes"), Connecting[Any, bytes])
    assert_type(connect(URL, receive_type="bytes", send_type=codec), Connecting[bytes, Chat])
    assert_type(connect(URL, receive_type=codec, send_type="json"), Connecting[Chat, Any])


def options() -> None:
    connect(URL, value_type=Chat, max_size=None, caught_close_codes=(1000, 4000), additional_headers={"x": "y"})
    connect(URL, open_timeout=5, ping_interval=None, subprotocols=["chat"], compression=None, proxy=None)
    connect(URL, open_timout=5)  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
    connect(URL, open_timeout="5s")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    connect(URL, max_size="big")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]
    connect(URL, caught_close_codes=1000)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType]


def misuse() -> None:
    connect(URL, value_type="xml")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    connect(URL, receive_type="binary", send_type=Chat)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    connect(URL, value_type=Chat, send_type=Event)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    connect(URL, value_type=5)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]


async def messages() -> None:
    async with connect(URL, receive_type=Event, send_type=Cmd) as ws:
        assert_type(ws, ClientWebSocket[Event, Cmd])
        assert_type(await ws.receive(), Event)
        await ws.send(Cmd())
        await ws.send(Event())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
        async for message in ws:
            assert_type(message, Event)
        assert_type(ws.accepted_subprotocol, str | None)
        await ws.close(4000, "bye")

    async with connect(URL) as text:
        assert_type(await text.receive(), str)
        await text.send(b"raw")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    async with connect(URL, value_type="bytes") as raw:
        assert_type(await raw.receive(), bytes)
        await raw.send("text")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    async with connect(URL, value_type="json") as loose:
        assert_type(await loose.receive(), Any)
        await loose.send({"anything": [1, 2]})


def variance(ws: ClientWebSocket[Cmd, Event]) -> None:
    receives_anything: ClientWebSocket[object, Event] = ws
    wrong: ClientWebSocket[Event, Event] = ws  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    del receives_anything, wrong
