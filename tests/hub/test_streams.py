"""Streams: a history with positions, subscriptions that resume after a position with nothing lost or repeated."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from pydantic import BaseModel

from typedws import Entry, Hub
from typedws.hub import Stream, Subscription

pytestmark = pytest.mark.anyio

WAIT = 15
"""Seconds a test waits before it fails (a hang guard, not a timing assertion)."""


class Note(BaseModel):
    """A value on a stream."""

    text: str


@pytest.fixture(params=["memory", "redis"])
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[Hub]:
    """A running hub on the memory backend, then on a real Redis server."""
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_url")
    async with Hub(url) as running:
        yield running


async def take(entries: Subscription[Entry[Note]], count: int) -> list[Entry[Note]]:
    """The next `count` entries."""
    return [await anext(entries) for _ in range(count)]


def texts(entries: list[Entry[Note]]) -> list[str]:
    """The texts of the entries' notes."""
    return [entry.value.text for entry in entries]


async def test_entries_carry_their_values_and_increasing_positions(hub: Hub, request: pytest.FixtureRequest) -> None:
    notes = hub.stream(f"notes-{request.node.name}", Note)
    with anyio.fail_after(WAIT):
        async with notes.subscribe() as entries:
            positions = [await notes.publish(Note(text=str(n))) for n in range(3)]
            taken = await take(entries, 3)
    assert texts(taken) == ["0", "1", "2"]
    assert [entry.position for entry in taken] == positions
    assert positions == sorted(positions, key=lambda p: tuple(map(int, p.split("-"))))
    assert entries.position == positions[-1]
    assert all(isinstance(entry.value, Note) for entry in taken)


async def test_a_subscriber_starting_after_a_position_gets_what_followed_then_the_new_ones_none_twice(
    hub: Hub, request: pytest.FixtureRequest
) -> None:
    notes = hub.stream(f"notes-{request.node.name}", Note)
    with anyio.fail_after(WAIT):
        async with notes.subscribe() as live:  # the stream is followed in this process already
            positions = [await notes.publish(Note(text=str(n))) for n in range(5)]
            async with notes.subscribe(after=positions[1]) as resumed:
                await notes.publish(Note(text="5"))
                assert texts(await take(resumed, 4)) == ["2", "3", "4", "5"]
                assert resumed.complete
            assert texts(await take(live, 6)) == ["0", "1", "2", "3", "4", "5"]


async def test_a_subscriber_of_a_stream_nobody_here_follows_resumes_after_its_position(
    hub: Hub, request: pytest.FixtureRequest
) -> None:
    notes = hub.stream(f"notes-{request.node.name}", Note)
    with anyio.fail_after(WAIT):
        positions = [await notes.publish(Note(text=str(n))) for n in range(3)]
        async with notes.subscribe(after=positions[0]) as resumed:
            await notes.publish(Note(text="3"))
            taken = await take(resumed, 3)
    assert texts(taken) == ["1", "2", "3"]
    assert taken[0].position == positions[1]


async def test_a_position_older_than_the_history_makes_an_incomplete_subscription(
    hub: Hub, request: pytest.FixtureRequest
) -> None:
    # Redis trims whole blocks of entries (MAXLEN ~): enough entries that the first ones surely go.
    notes = hub.stream(f"notes-{request.node.name}", Note, history=10)
    with anyio.fail_after(WAIT):
        first = await notes.publish(Note(text="first"))
        for n in range(300):
            await notes.publish(Note(text=str(n)))
        async with notes.subscribe(after=first) as resumed:
            assert not resumed.complete
            oldest = await anext(resumed)
            assert oldest.value.text != "0"  # some were trimmed: the history starts later
        async with notes.subscribe(after=oldest.position) as resumed:
            assert resumed.complete


async def test_a_malformed_position_is_refused_without_echoing_it(hub: Hub) -> None:
    notes: Stream[Note] = hub.stream("notes", Note)
    for position in ("latest", "1-2-3", "-1", "１-0", "1-"):
        with pytest.raises(ValueError, match="two numbers joined by '-'") as caught:
            notes.subscribe(after=position)
        assert position not in str(caught.value)
