"""The typing contract of `Hub`, `Topic[T]` and `Subscription[T]`.

Lines that must be errors carry an ignore for each checker (see `tests/typing`).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from typing_extensions import assert_type

from tests.typing.models import Chat, Cmd, Event
from typedws import Codec, Entry, Hub, Stream, Topic, WebSocket
from typedws.hub import Forwarding, Subscription


def topic_forms(hub: Hub, codec: Codec[Chat]) -> None:
    assert_type(hub.topic("t", "text"), Topic[str])
    assert_type(hub.topic("t", "bytes"), Topic[bytes])
    assert_type(hub.topic("t", "json"), Topic[Any])
    assert_type(hub.topic("t", Chat), Topic[Chat])
    assert_type(hub.topic("t", int), Topic[int])
    assert_type(hub.topic("t", codec), Topic[Chat])
    assert_type(hub.topic("t", TypeAdapter(Cmd | Event)), Topic[Cmd | Event])
    assert_type(hub.topic("t", TypeAdapter(list[Chat])), Topic[list[Chat]])


def misuse(hub: Hub) -> None:
    hub.topic("t", "xml")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    hub.topic("t")  # type: ignore[call-overload]  # pyright: ignore[reportCallIssue]
    hub.topic(5, Chat)  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
    Hub(queue_size="many")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    Hub(overflow="block")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    hub.topic("t", Chat).subscribe(overflow="block")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


async def publish_and_subscribe(hub: Hub) -> None:
    async with hub as running:
        assert_type(running, Hub)
    chats = hub.topic("chats", Chat)
    await chats.publish(Chat(text="hi"))
    await chats.publish(Event())  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    await chats.publish("hi")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    async with chats.subscribe(queue_size=10, overflow="raise") as values:
        assert_type(values, Subscription[Chat])
        assert_type(values.dropped, int)
        async for value in values:
            assert_type(value, Chat)

    union = hub.topic("events", TypeAdapter(Cmd | Event))
    await union.publish(Cmd())
    await union.publish(Event())
    await union.publish(Chat(text="no"))  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]

    raw = hub.topic("raw", "bytes")
    await raw.publish(b"x")
    await raw.publish("x")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def invariance(topic: Topic[Cmd]) -> None:
    wider: Topic[Cmd | Event] = topic  # type: ignore[assignment]  # pyright: ignore[reportAssignmentType]
    del wider


async def streams_and_forwarding(hub: Hub, ws: WebSocket[Cmd, Chat | Event], other: WebSocket[Cmd, Event]) -> None:
    log = hub.stream("log", Chat, history=100)
    assert_type(log, Stream[Chat])
    assert_type(await log.publish(Chat(text="hi")), str)
    async with log.subscribe(after="0-0") as entries:
        assert_type(entries, Subscription[Entry[Chat]])
        async for entry in entries:
            assert_type(entry.value, Chat)
            assert_type(entry.position, str | None)
    chats = hub.topic("chats", Chat)
    async with chats.forward_to(ws) as forwarding:  # a connection that sends Chat | Event takes Chat values
        assert_type(forwarding, Forwarding[Chat])
    chats.forward_to(other)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
    hub.stream("log", Chat, history="many")  # type: ignore[call-overload]  # pyright: ignore[reportArgumentType, reportCallIssue]
