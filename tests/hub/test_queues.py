"""Only the slow lose values: subscribers that keep up get everything, slow ones are bounded by count and by bytes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from typedws import Hub, SubscriptionOverflow
from typedws.hub import Subscription, Topic

pytestmark = pytest.mark.anyio

WAIT = 15
"""Seconds a test waits before it fails (a hang guard, not a timing assertion)."""


@pytest.fixture(params=["memory", "redis"])
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[Hub]:
    """A running hub on the memory backend, then on a real Redis server."""
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    async with Hub(url) as running:
        yield running


async def read_all(values: Subscription[int], count: int, into: list[int]) -> None:
    """Read `count` values as fast as they come."""
    async for value in values:
        into.append(value)
        if len(into) == count:
            return


async def test_subscribers_that_keep_up_get_every_one_of_a_thousand_values_published_in_a_loop(hub: Hub) -> None:
    numbers = hub.topic("numbers", int)
    received: list[list[int]] = [[], [], []]
    with anyio.fail_after(WAIT):
        async with numbers.subscribe() as a, numbers.subscribe() as b, numbers.subscribe() as c:
            async with anyio.create_task_group() as tasks:
                for values, into in zip((a, b, c), received, strict=True):
                    tasks.start_soon(read_all, values, 1000, into)
                for n in range(1000):
                    await numbers.publish(n)
            assert (a.dropped, b.dropped, c.dropped) == (0, 0, 0)
    assert received == [list(range(1000))] * 3


async def publish_and_drain(topic: Topic[int], count: int) -> None:
    """Publish 0..count-1 while a fast subscriber reads them all: every other subscriber has been offered them too."""
    got: list[int] = []
    async with topic.subscribe(queue_size=count) as fast, anyio.create_task_group() as tasks:
        tasks.start_soon(read_all, fast, count, got)
        for n in range(count):
            await topic.publish(n)
    assert got == list(range(count))


async def test_a_slow_subscriber_under_drop_oldest_keeps_its_newest_values_while_the_others_lose_nothing(
    hub: Hub,
) -> None:
    numbers = hub.topic("numbers", int)
    with anyio.fail_after(WAIT):
        async with numbers.subscribe(queue_size=10, overflow="drop_oldest") as slow:
            await publish_and_drain(numbers, 100)
            assert (slow.dropped, slow.complete) == (90, False)
            assert [await anext(slow) for _ in range(10)] == list(range(90, 100))


async def test_a_slow_subscriber_under_raise_is_ended_while_the_others_lose_nothing(hub: Hub) -> None:
    numbers = hub.topic("numbers", int)
    with anyio.fail_after(WAIT):
        async with numbers.subscribe(queue_size=10, overflow="raise") as slow:
            await publish_and_drain(numbers, 100)
            with pytest.raises(SubscriptionOverflow) as caught:
                await anext(slow)
            assert (caught.value.topic, caught.value.queue_size, slow.dropped) == ("numbers", 10, 0)


async def test_a_queue_holds_at_most_queue_bytes_of_messages(hub: Hub) -> None:
    blobs = hub.topic("blobs", "bytes")
    with anyio.fail_after(WAIT):
        async with blobs.subscribe(queue_bytes=3000) as slow, blobs.subscribe(queue_size=100) as fast:
            for n in range(10):
                await blobs.publish(bytes([n]) * 1000)
            assert [len(await anext(fast)) for _ in range(10)] == [1000] * 10
            assert slow.dropped == 7
            assert [(await anext(slow))[0] for _ in range(3)] == [7, 8, 9]


async def test_a_value_larger_than_the_queue_on_its_own_is_dropped_under_drop_oldest(hub: Hub) -> None:
    blobs = hub.topic("blobs", "bytes")
    with anyio.fail_after(WAIT):
        async with blobs.subscribe(queue_bytes=100) as small:
            await blobs.publish(b"x" * 500)
            await blobs.publish(b"fits")
            assert await anext(small) == b"fits"
            assert small.dropped == 1


async def test_slow_subscribers_of_large_values_hold_no_more_than_their_bytes(hub: Hub) -> None:
    megabyte = 1024 * 1024
    blobs = hub.topic("blobs", "bytes", max_size=2 * megabyte)
    with anyio.fail_after(WAIT):
        async with (
            blobs.subscribe(queue_bytes=4 * megabyte) as slow,
            blobs.subscribe(queue_bytes=4 * megabyte) as other_slow,
            blobs.subscribe(queue_bytes=64 * megabyte) as fast,
        ):
            for n in range(20):
                await blobs.publish(bytes([n]) * megabyte)
            assert [(await anext(fast))[0] for _ in range(20)] == list(range(20))
            for queue in (slow, other_slow):
                assert queue.dropped == 16
                assert [(await anext(queue))[0] for _ in range(4)] == [16, 17, 18, 19]
