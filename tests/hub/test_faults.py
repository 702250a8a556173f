"""The hub against a real Redis server that restarts, drops its connections, goes away, or carries garbage."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest
import redis.asyncio
from pydantic import BaseModel

from tests.support.redis_server import RedisServer, redis_server
from typedws import Hub, HubUnavailable, MessageTooLarge
from typedws.hub import Entry, Subscription

pytestmark = pytest.mark.anyio

WAIT = 15
"""Seconds a test waits for the hub before it fails (a hang guard, not a timing assertion)."""


class Note(BaseModel):
    """A value on a topic."""

    text: str
    n: int


@pytest.fixture
def server() -> Iterator[RedisServer]:
    """A Redis server of the test's own, without persistence."""
    with redis_server() as started:
        yield started


@pytest.fixture
def durable_server() -> Iterator[RedisServer]:
    """A Redis server of the test's own whose data outlives a restart."""
    with redis_server(persistence=True) as started:
        yield started


@pytest.fixture
async def broker(server: RedisServer) -> AsyncIterator[redis.asyncio.Redis]:
    """A plain redis-py client of the server: another program on the same Redis."""
    async with redis.asyncio.Redis.from_url(server.url) as client:
        yield client


def hub_records(caplog: pytest.LogCaptureFixture) -> list[tuple[int, str]]:
    """The hub's log records so far, as (level, message)."""
    return [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "typedws.hub"]


async def until_logged(caplog: pytest.LogCaptureFixture, fragment: str) -> None:
    """Wait until the hub logs a line containing `fragment`."""
    while not any(fragment in message for _, message in hub_records(caplog)):
        await asyncio.sleep(0.01)


async def take(values: Subscription[Any], count: int) -> list[Any]:
    """The next `count` values of a subscription."""
    taken: list[Any] = []
    async for value in values:
        taken.append(value)
        if len(taken) == count:
            break
    return taken


async def kill_connections(url: str, name: str) -> int:
    """Close (`CLIENT KILL ID`) every connection of the server whose client name is `name`; how many there were."""
    async with redis.asyncio.Redis.from_url(url) as admin:
        clients = await admin.client_list()
        ids = [int(c["id"]) for c in clients if c.get("name") == name]
        for client_id in ids:
            await admin.client_kill_filter(_id=str(client_id))
    return len(ids)


# Losing Redis ----------------------------------------------------------------------------------


async def test_after_a_redis_restart_the_subscribers_hear_again_and_the_loss_is_logged_once(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="typedws.hub")
    with anyio.fail_after(WAIT):
        async with Hub(server.url) as hub:
            notes = hub.topic("notes", Note)
            async with notes.subscribe() as first, notes.subscribe() as second:
                await notes.publish(Note(text="before", n=1))
                assert await take(first, 1) == await take(second, 1) == [Note(text="before", n=1)]

                await anyio.to_thread.run_sync(server.restart)
                await until_logged(caplog, "reconnected")  # subscribed again: what is published now arrives
                await notes.publish(Note(text="after", n=2))
                assert await take(first, 1) == await take(second, 1) == [Note(text="after", n=2)]
                assert not first.complete  # what was published while Redis was away is gone
    assert hub_records(caplog) == [
        (logging.WARNING, f"lost the connection to the hub's broker at {server.url!r} (ConnectionError): reconnecting"),
        (logging.INFO, f"reconnected to the hub's broker at {server.url!r}: 1 topics and 0 streams resumed"),
    ]


async def test_publishing_while_redis_is_away_raises_hub_unavailable(server: RedisServer) -> None:
    with anyio.fail_after(WAIT):
        async with Hub(server.url) as hub:
            notes = hub.topic("notes", Note)
            await anyio.to_thread.run_sync(server.stop)
            with pytest.raises(HubUnavailable, match="could not publish") as caught:
                await notes.publish(Note(text="lost", n=1))
            assert isinstance(caught.value.__cause__, redis.exceptions.ConnectionError)
            await anyio.to_thread.run_sync(server.start)
            await notes.publish(Note(text="back", n=2))  # the same hub publishes again


async def test_subscriptions_end_with_hub_unavailable_when_redis_stays_away_past_the_recovery_timeout(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="typedws.hub")
    with anyio.fail_after(WAIT):
        async with Hub(server.url, recovery_timeout=0.5) as hub:
            notes, log = hub.topic("notes", Note), hub.stream("log", Note)
            async with notes.subscribe() as values, log.subscribe() as entries:
                await anyio.to_thread.run_sync(server.stop)
                with pytest.raises(HubUnavailable, match="no connection for 0.5 s"):
                    await take(values, 1)
                with pytest.raises(HubUnavailable):
                    await take(entries, 1)
            # The hub goes on trying: once Redis is back, new subscriptions work.
            await anyio.to_thread.run_sync(server.start)
            await until_logged(caplog, "reconnected")
            async with notes.subscribe() as values:
                await notes.publish(Note(text="back", n=1))
                assert await take(values, 1) == [Note(text="back", n=1)]
    assert "ending 2 subscriptions" in hub_records(caplog)[1][1]


async def test_a_killed_connection_is_restored_and_a_stream_loses_and_repeats_nothing(server: RedisServer) -> None:
    count = 300
    with anyio.fail_after(WAIT):
        async with Hub(server.url) as subscriber, Hub(server.url) as publisher:
            async with subscriber.stream("log", int).subscribe() as entries:

                async def publish_all() -> None:
                    for n in range(count):
                        await publisher.stream("log", int).publish(n)
                        if n % 50 == 25:  # the reader's connection, once it has reconnected from the last kill
                            while not await kill_connections(server.url, "typedws-hub-streams"):
                                await asyncio.sleep(0.01)

                async with anyio.create_task_group() as tasks:
                    tasks.start_soon(publish_all)
                    received: list[Entry[int]] = await take(entries, count)
            assert [entry.value for entry in received] == list(range(count))
            assert entries.complete


async def test_a_killed_topic_connection_is_restored_with_every_topic_subscribed_again(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="typedws.hub")
    with anyio.fail_after(WAIT):
        async with Hub(server.url) as hub:
            topics = [hub.topic(f"room:{n}", int) for n in range(3)]
            async with topics[0].subscribe() as a, topics[1].subscribe() as b, topics[2].subscribe() as c:
                assert await kill_connections(server.url, "typedws-hub-topics") == 1
                await until_logged(caplog, "reconnected")
                for n, topic in enumerate(topics):
                    await topic.publish(n)
                assert [await take(a, 1), await take(b, 1), await take(c, 1)] == [[0], [1], [2]]


async def test_a_stream_loses_nothing_across_a_restart_of_a_durable_redis(durable_server: RedisServer) -> None:
    with anyio.fail_after(WAIT):
        async with Hub(durable_server.url) as hub:
            log = hub.stream("log", int)
            async with log.subscribe() as entries:
                for n in range(10):
                    await log.publish(n)
                first = [entry.value for entry in await take(entries, 10)]
                await anyio.to_thread.run_sync(durable_server.restart)
                for n in range(10, 20):
                    await log.publish(n)
                second = [entry.value for entry in await take(entries, 10)]
                assert entries.complete
    assert first + second == list(range(20))


# Garbage from other Redis clients ----------------------------------------------------------------


async def test_garbage_published_from_redis_cli_is_skipped_with_a_warning_and_delivery_goes_on(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    forged = '{"text": "x\nWARNING typedws.hub: forged line", "n": "not a number"}'
    with anyio.fail_after(WAIT):
        async with Hub(server.url) as hub:
            notes = hub.topic("notes", Note)
            async with notes.subscribe() as first, notes.subscribe() as second:
                for garbage in (b"\xff\xfe not utf-8!", forged.encode(), b"{not json", b"[1, 2]"):
                    await anyio.to_thread.run_sync(server.cli, "PUBLISH", "notes", garbage)
                valid = '{"text": "line one\\nline two", "n": 1}'
                await anyio.to_thread.run_sync(server.cli, "PUBLISH", "notes", valid)
                expected = [Note(text="line one\nline two", n=1)]
                assert await take(first, 1) == await take(second, 1) == expected
    warnings = hub_records(caplog)
    assert [level for level, _ in warnings] == [logging.WARNING] * 4  # once per message, not per subscriber
    assert all("\n" not in message and "forged" not in message for _, message in warnings)
    assert warnings[0][1] == "skipped a message of 13 bytes on 'notes': malformed message"


async def test_a_message_over_the_topic_max_size_is_skipped_and_one_published_here_is_refused(
    broker: redis.asyncio.Redis, server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    with anyio.fail_after(WAIT):
        async with Hub(server.url) as hub:
            notes = hub.topic("notes", Note, max_size=1024)
            async with notes.subscribe() as values:
                huge = Note(text="x" * 10 * 1024 * 1024, n=0)
                assert await broker.publish("notes", huge.model_dump_json()) == 1
                with pytest.raises(MessageTooLarge) as caught:
                    await notes.publish(huge)
                assert (caught.value.size, caught.value.max_size) == (len(huge.model_dump_json()), 1024)
                await notes.publish(Note(text="small", n=1))
                assert await take(values, 1) == [Note(text="small", n=1)]
    assert hub_records(caplog) == [
        (
            logging.WARNING,
            f"skipped a message of {len(huge.model_dump_json())} bytes on 'notes':"
            " larger than its max_size of 1024 bytes",
        )
    ]


async def test_a_stream_entry_added_from_outside_without_data_is_skipped(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    with anyio.fail_after(WAIT):
        async with Hub(server.url) as hub:
            log = hub.stream("log", int)
            async with log.subscribe() as entries:
                await anyio.to_thread.run_sync(server.cli, "XADD", "log", "*", "other", "1")
                await anyio.to_thread.run_sync(server.cli, "XADD", "log", "*", "data", "\xff")
                position = await log.publish(7)
                taken = await take(entries, 1)
                assert [(e.value, e.position) for e in taken] == [(7, position)]
    messages = [message for _, message in hub_records(caplog)]
    assert len(messages) == 2
    assert re.fullmatch(r"skipped an entry of stream 'log' at '\d+-\d+': it has no 'data' field", messages[0])
    assert messages[1] == "skipped a message of 2 bytes on 'log': malformed message"
