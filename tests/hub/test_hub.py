"""The typed Hub in one process, over `memory://` and over a real Redis server."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal

import anyio
import pytest
import redis.exceptions
from pydantic import BaseModel, TypeAdapter

from tests.support.redis_server import running_redis
from tests.support.servers import free_port
from typedws import Codec, Hub, HubUnavailable, Topic, UnexpectedFrame
from typedws.hub import Subscription, SubscriptionOverflow

WAIT = 10
"""Seconds a test waits for a value before it fails (a hang guard, not a timing assertion)."""


class Note(BaseModel):
    """A value on a topic."""

    text: str
    n: int


class Other(BaseModel):
    """A value of another type."""

    kind: Literal["other"] = "other"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A real Redis server for this module's tests."""
    with running_redis() as url:
        yield url


@pytest.fixture(params=["memory", "redis"])
def hub_url(request: pytest.FixtureRequest) -> str:
    """The hub's URL: the in-process memory backend, then a real Redis server."""
    if request.param == "memory":
        return "memory://"
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def hub(hub_url: str) -> AsyncIterator[Hub]:
    """A running hub."""
    async with Hub(hub_url) as running:
        yield running


async def take(values: Subscription[Any], count: int) -> list[Any]:
    """The next `count` values of a subscription."""
    taken: list[Any] = []
    with anyio.fail_after(WAIT):
        async for value in values:
            taken.append(value)
            if len(taken) == count:
                break
    return taken


@pytest.mark.anyio
async def test_subscribers_get_the_published_values_validated_once_and_in_order(hub: Hub) -> None:
    notes = hub.topic("notes", Note)
    async with notes.subscribe() as first, notes.subscribe() as second:
        for n in range(3):
            await notes.publish(Note(text="hi", n=n))
        got_first = await take(first, 3)
        got_second = await take(second, 3)
    assert got_first == got_second == [Note(text="hi", n=n) for n in range(3)]
    assert all(type(note) is Note for note in got_first)
    assert all(a is b for a, b in zip(got_first, got_second, strict=True))  # decoded once for both


@dataclasses.dataclass
class Pair:
    """A dataclass value."""

    left: int
    right: int


class Upper(Codec[str]):
    """A codec of one's own: upper-case text in binary frames."""

    def __init__(self) -> None:
        self.name = "upper"
        self.media_type = "application/octet-stream"

    def decode(self, frame: str | bytes, max_size: int | None = None) -> str:
        if isinstance(frame, str):
            raise UnexpectedFrame("expected a binary frame")
        return frame.decode().upper()

    def encode(self, value: str) -> bytes:
        return value.encode()


VALUE_TYPES = [
    pytest.param("text", ["hello", "", "ünïcode ✓"], id="text"),
    pytest.param("bytes", [b"\x00\xff\xfe not utf-8", b""], id="bytes"),
    pytest.param("json", [{"a": [1, 2.5, None]}, "s", 3], id="json"),
    pytest.param(Pair, [Pair(1, 2)], id="dataclass"),
    pytest.param(TypeAdapter(Note | Other), [Other(), Note(text="x", n=1)], id="union"),
    pytest.param(TypeAdapter(list[Note]), [[Note(text="a", n=1), Note(text="b", n=2)], []], id="list"),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("value_type", "values"), VALUE_TYPES)
async def test_every_value_type_goes_through_its_codec(hub: Hub, value_type: Any, values: list[Any]) -> None:
    topic: Topic[Any] = hub.topic("values", value_type)
    async with topic.subscribe() as received:
        for value in values:
            await topic.publish(value)
        assert await take(received, len(values)) == values


@pytest.mark.anyio
async def test_a_codec_for_binary_frames_gets_bytes(hub: Hub) -> None:
    topic = hub.topic("upper", Upper())
    async with topic.subscribe() as received:
        await topic.publish("shout")
        assert await take(received, 1) == ["SHOUT"]


@pytest.mark.anyio
async def test_only_values_published_on_the_topic_while_subscribed_arrive(hub: Hub) -> None:
    notes, others = hub.topic("notes", Note), hub.topic("others", Note)
    async with hub.topic("sync", int).subscribe() as sync:
        await notes.publish(Note(text="before", n=0))
        await hub.topic("sync", int).publish(1)
        await take(sync, 1)  # the hub has handled "before" too: it keeps the order of publishing
    async with notes.subscribe() as received:
        await others.publish(Note(text="elsewhere", n=1))
        await notes.publish(Note(text="during", n=2))
        assert await take(received, 1) == [Note(text="during", n=2)]


@pytest.mark.anyio
async def test_an_invalid_message_is_logged_as_a_warning_and_skipped(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    notes = hub.topic("notes", Note)
    same_channel_as_text = hub.topic("notes", "text")
    caplog.set_level(logging.WARNING, logger="typedws.hub")
    async with notes.subscribe() as received:
        await same_channel_as_text.publish('{"text": "no n"}')
        await same_channel_as_text.publish("{not json")
        await notes.publish(Note(text="valid", n=1))
        assert await take(received, 1) == [Note(text="valid", n=1)]
    skipped = [r for r in caplog.records if r.name == "typedws.hub"]
    assert [r.levelno for r in skipped] == [logging.WARNING, logging.WARNING]
    assert [r.getMessage() for r in skipped] == [
        "skipped a message of 16 bytes on 'notes': invalid message",  # the message's content is not echoed
        "skipped a message of 9 bytes on 'notes': malformed message",
    ]


@pytest.mark.anyio
async def test_a_bytes_topic_carries_any_bytes_and_a_text_topic_skips_what_is_not_utf8(
    hub: Hub, caplog: pytest.LogCaptureFixture
) -> None:
    raw, text = hub.topic("raw", "bytes"), hub.topic("raw", "text")
    async with raw.subscribe() as as_bytes, text.subscribe() as as_text:
        await raw.publish(b"\xff\xfe not utf-8")
        await text.publish("text")
        assert await take(as_bytes, 2) == [b"\xff\xfe not utf-8", b"text"]
        assert await take(as_text, 1) == ["text"]
    assert [r.getMessage() for r in caplog.records if r.name == "typedws.hub"] == [
        "skipped a message of 12 bytes on 'raw': malformed message"
    ]


@pytest.mark.anyio
async def test_publishing_a_value_of_the_wrong_type_raises_type_error_and_publishes_nothing(hub: Hub) -> None:
    notes = hub.topic("notes", Note)
    async with notes.subscribe() as received:
        with pytest.raises(TypeError):
            await notes.publish(Other())  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await hub.topic("text", "text").publish(b"bytes")  # type: ignore[arg-type]
        await notes.publish(Note(text="valid", n=1))
        assert await take(received, 1) == [Note(text="valid", n=1)]


@pytest.mark.anyio
async def test_a_topic_can_be_subscribed_again_after_its_last_subscriber_left(hub: Hub) -> None:
    notes = hub.topic("notes", Note)
    for n in range(3):
        async with notes.subscribe() as received:
            await notes.publish(Note(text="round", n=n))
            assert await take(received, 1) == [Note(text="round", n=n)]


@pytest.mark.anyio
async def test_leaving_the_hub_ends_the_iterations_quietly(hub_url: str) -> None:
    received: list[Note] = []
    entered = asyncio.Event()

    async def listen(notes: Topic[Note]) -> None:
        async with notes.subscribe() as values:
            entered.set()
            async for value in values:
                received.append(value)

    with anyio.fail_after(WAIT):
        async with Hub(hub_url) as hub:
            listener = asyncio.create_task(listen(hub.topic("notes", Note)))
            await entered.wait()
            await hub.topic("notes", Note).publish(Note(text="last", n=1))
            while not received:
                await asyncio.sleep(0.01)
        await listener
    assert received == [Note(text="last", n=1)]


@pytest.mark.anyio
async def test_a_hub_can_run_again_after_it_stopped(hub_url: str) -> None:
    hub = Hub(hub_url)
    for n in range(2):
        async with hub:
            assert hub.running
            notes = hub.topic("notes", Note)
            async with notes.subscribe() as received:
                await notes.publish(Note(text="run", n=n))
                assert await take(received, 1) == [Note(text="run", n=n)]
        assert not hub.running


@pytest.mark.anyio
async def test_cancelling_a_subscriber_while_it_subscribes_leaves_the_hub_working(hub: Hub) -> None:
    notes = hub.topic("notes", Note)

    async def subscribe_forever() -> None:
        async with notes.subscribe():
            await asyncio.Event().wait()

    for pause in range(4):  # the cancellation lands before, while and after subscribing
        task = asyncio.create_task(subscribe_forever())
        for _ in range(pause):
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with notes.subscribe() as received:
        await notes.publish(Note(text="after", n=1))
        assert await take(received, 1) == [Note(text="after", n=1)]


# The bounded queue ------------------------------------------------------------------------


async def publish_and_drain(topic: Topic[int], count: int) -> None:
    """Publish 0..count-1, and return once every subscription has been offered the last one.

    A fast subscriber reads them all: the hub hands a value to every
    subscriber of the process at once, so when the fast one has the last
    value, so does every slow one.
    """
    async with topic.subscribe(queue_size=count) as fast:
        for n in range(count):
            await topic.publish(n)
        assert await take(fast, count) == list(range(count))


@pytest.mark.anyio
async def test_a_slow_subscriber_keeps_only_its_newest_values_and_counts_the_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with Hub(queue_size=3) as hub:
        numbers = hub.topic("numbers", int)
        async with numbers.subscribe() as slow:
            await publish_and_drain(numbers, 10)
            assert slow.dropped == 7
            assert await take(slow, 3) == [7, 8, 9]
            await publish_and_drain(numbers, 4)
            assert slow.dropped == 8
    drops = [r for r in caplog.records if "dropping its oldest values" in r.getMessage()]
    assert [r.levelno for r in drops] == [logging.WARNING]  # once per subscription


@pytest.mark.anyio
async def test_the_queue_size_and_policy_can_be_set_per_subscription() -> None:
    async with Hub(queue_size=100, overflow="raise") as hub:
        numbers = hub.topic("numbers", int)
        async with numbers.subscribe(queue_size=2, overflow="drop_oldest") as slow:
            await publish_and_drain(numbers, 5)
            assert slow.dropped == 3
            assert (slow.queue_size, slow.overflow) == (2, "drop_oldest")


@pytest.mark.anyio
async def test_a_slow_subscriber_under_the_raise_policy_is_ended_with_subscription_overflow() -> None:
    async with Hub() as hub:
        numbers = hub.topic("numbers", int)
        async with numbers.subscribe(queue_size=3, overflow="raise") as slow:
            await publish_and_drain(numbers, 4)
            with pytest.raises(SubscriptionOverflow) as caught:
                await take(slow, 1)
            assert (caught.value.topic, caught.value.queue_size) == ("numbers", 3)
            assert slow.dropped == 0
            await numbers.publish(99)
            with pytest.raises(SubscriptionOverflow):
                await take(slow, 1)


@pytest.mark.anyio
async def test_a_subscriber_within_its_queue_size_loses_nothing() -> None:
    async with Hub(queue_size=5, overflow="raise") as hub:
        numbers = hub.topic("numbers", int)
        async with numbers.subscribe() as slow:
            await publish_and_drain(numbers, 5)
            assert await take(slow, 5) == [0, 1, 2, 3, 4]
            assert slow.dropped == 0


# Misuse ---------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_publishing_or_subscribing_needs_a_running_hub() -> None:
    hub = Hub()
    notes = hub.topic("notes", Note)
    with pytest.raises(RuntimeError, match="not running"):
        await notes.publish(Note(text="x", n=1))
    with pytest.raises(RuntimeError, match="not running"):
        async with notes.subscribe():
            pass


@pytest.mark.anyio
async def test_a_subscription_is_entered_once_and_before_iterating() -> None:
    async with Hub() as hub:
        subscription = hub.topic("notes", Note).subscribe()
        with pytest.raises(RuntimeError, match="enter the subscription first"):
            await take(subscription, 1)
        async with subscription:
            pass
        with pytest.raises(RuntimeError, match="entered only once"):
            async with subscription:
                pass


@pytest.mark.anyio
async def test_a_running_hub_cannot_be_entered_again() -> None:
    async with Hub() as hub:
        with pytest.raises(RuntimeError, match="running already"):
            async with hub:
                pass


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="unsupported hub URL scheme 'carrier-pigeon'"):
        Hub("carrier-pigeon://")
    with pytest.raises(ValueError, match="queue_size"):
        Hub(queue_size=0)
    with pytest.raises(ValueError, match="queue_size must be a positive int, got '8'"):
        Hub(queue_size="8")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="overflow"):
        Hub(overflow="block")  # type: ignore[arg-type]
    hub = Hub()
    with pytest.raises(ValueError, match="non-empty"):
        hub.topic("", Note)
    with pytest.raises(ValueError, match="unknown value type"):
        hub.topic("notes", "xml")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="queue_size"):
        hub.topic("notes", Note).subscribe(queue_size=-1)


@pytest.mark.anyio
async def test_a_broker_that_cannot_be_reached_fails_entering_the_hub() -> None:
    hub = Hub(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with pytest.raises(HubUnavailable) as caught:
        async with hub:
            pass
    assert not hub.running
    assert isinstance(caught.value.__cause__, redis.exceptions.ConnectionError)
