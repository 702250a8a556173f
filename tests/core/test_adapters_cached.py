"""Adapters and codecs are built once per value type, never once per connection.

Each test declares fresh model classes (so no cache has seen them), counts
every `TypeAdapter` and `PydanticCodec` built while a real uvicorn server
takes many connections, and checks that every connection shared one codec.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, Field, TypeAdapter
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import Receive, Scope, Send
from websockets.sync.client import connect

import typedws
from tests.support.servers import serve
from typedws import Codec, WebSocket
from typedws._codecs import PydanticCodec

CONNECTIONS = 12


@dataclass
class Builds:
    """What was built while the test ran."""

    adapters: list[Any] = field(default_factory=list)
    """The type of every `TypeAdapter` constructed, in order."""

    codecs: list[Any] = field(default_factory=list)
    """The value type of every `PydanticCodec` constructed, in order."""


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> Iterator[Builds]:
    """Count `TypeAdapter` and `PydanticCodec` constructions, whoever makes them."""
    seen = Builds()
    adapter_init = TypeAdapter.__init__
    codec_init = PydanticCodec.__init__

    def counting_adapter_init(self: TypeAdapter[Any], type: Any, *args: Any, **kwargs: Any) -> None:
        seen.adapters.append(type)
        adapter_init(self, type, *args, **kwargs)

    def counting_codec_init(self: PydanticCodec[Any], adapter: TypeAdapter[Any], name: str | None = None) -> None:
        codec_init(self, adapter, name)
        seen.codecs.append(self.value_type)

    monkeypatch.setattr(TypeAdapter, "__init__", counting_adapter_init)
    monkeypatch.setattr(PydanticCodec, "__init__", counting_codec_init)
    yield seen


def _echo_many(url: str, frame: str) -> list[str]:
    """Open `CONNECTIONS` connections one after another, each sending `frame` once; return the replies."""
    replies = []
    for _ in range(CONNECTIONS):
        with connect(url) as ws:
            ws.send(frame)
            reply = ws.recv(timeout=10)
            assert isinstance(reply, str)
            replies.append(reply)
    return replies


def test_a_model_value_type_builds_one_adapter_and_one_codec(builds: Builds) -> None:
    class Ping(BaseModel):
        n: int

    used: list[tuple[Codec[Any], Codec[Any]]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async with WebSocket(scope, receive, send, value_type=Ping) as ws:
            used.append((ws.receive_codec, ws.send_codec))
            await ws.send(Ping(n=(await ws.receive()).n + 1))

    with serve(app) as url:
        assert _echo_many(url, '{"n": 1}') == ['{"n":2}'] * CONNECTIONS

    assert builds.adapters.count(Ping) == 1
    assert builds.codecs.count(Ping) == 1
    assert len(used) == CONNECTIONS
    assert len({id(codec) for pair in used for codec in pair}) == 1


def test_separate_receive_and_send_types_build_one_adapter_each(builds: Builds) -> None:
    class Ask(BaseModel):
        question: str

    class Answer(BaseModel):
        answer: str

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async with WebSocket(scope, receive, send, receive_type=Ask, send_type=Answer) as ws:
            ask = await ws.receive()
            await ws.send(Answer(answer=ask.question.upper()))

    with serve(app) as url:
        assert _echo_many(url, '{"question": "why"}') == ['{"answer":"WHY"}'] * CONNECTIONS

    assert (builds.adapters.count(Ask), builds.adapters.count(Answer)) == (1, 1)
    assert (builds.codecs.count(Ask), builds.codecs.count(Answer)) == (1, 1)


class Command(BaseModel):
    """What the annotated endpoint receives (module level: annotations are read by name)."""

    verb: str


class Event(BaseModel):
    """What the annotated endpoint sends."""

    done: str


def test_an_annotated_endpoint_builds_its_adapters_once(builds: Builds) -> None:
    @typedws.endpoint
    async def handler(ws: WebSocket[Command, Event]) -> None:
        async with ws:
            async for command in ws:
                await ws.send(Event(done=command.verb))

    app = Starlette(routes=[WebSocketRoute("/", handler)])
    with serve(app) as url:
        assert _echo_many(url, '{"verb": "go"}') == ['{"done":"go"}'] * CONNECTIONS

    assert (builds.adapters.count(Command), builds.adapters.count(Event)) == (1, 1)
    assert (builds.codecs.count(Command), builds.codecs.count(Event)) == (1, 1)


def test_an_adapter_value_type_builds_one_codec(builds: Builds) -> None:
    class Join(BaseModel):
        kind: Literal["join"]
        room: str

    class Leave(BaseModel):
        kind: Literal["leave"]
        room: str

    adapter: TypeAdapter[Join | Leave] = TypeAdapter(Annotated[Join | Leave, Field(discriminator="kind")])
    builds.adapters.clear()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        async with WebSocket(scope, receive, send, value_type=adapter) as ws:
            await ws.send(await ws.receive())

    with serve(app) as url:
        assert _echo_many(url, '{"kind": "leave", "room": "a"}') == ['{"kind":"leave","room":"a"}'] * CONNECTIONS

    assert builds.adapters == []
    assert len(builds.codecs) == 1
