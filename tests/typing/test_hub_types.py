"""The typing contract of `Hub`, `Topic[T]` and `Subscription[T]`.

Lines that must be errors carry an ignore for each checker (see `tests/typing`).
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from typing_extensions import assert_type

from tests.typing.models import Chat, Cmd, Event
from typedws import Codec, Hub, Topic
from typedws.hub import Subscription


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
