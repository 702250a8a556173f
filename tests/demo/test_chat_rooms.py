"""The chat's presence across processes, with two `Rooms` (two "processes") on one memory hub."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import anyio
import pytest

from examples.chat.messages import Joined, Left, ServerMessage, Users
from examples.chat.rooms import Membership, NameTaken, Rooms
from typedws import Hub

pytestmark = pytest.mark.anyio

WAIT = 10


class Inbox:
    """What a member is sent, to await message by message."""

    def __init__(self) -> None:
        self.messages: asyncio.Queue[ServerMessage] = asyncio.Queue()

    def deliver(self, message: ServerMessage) -> None:
        self.messages.put_nowait(message)

    async def next(self) -> ServerMessage:
        return await self.messages.get()

    @classmethod
    async def enter(cls, rooms: Rooms, room: str, user: str) -> tuple[Membership, Inbox]:
        """Make a member named `user` in `room`, with an inbox."""
        inbox = cls()
        return await rooms.enter(room, user, inbox.deliver), inbox

    async def until(self, wanted: ServerMessage) -> list[ServerMessage]:
        """The messages up to `wanted`, which is last."""
        received = [await self.next()]
        while received[-1] != wanted:
            received.append(await self.next())
        return received


@pytest.fixture
async def hub() -> AsyncIterator[Hub]:
    async with Hub("memory://") as hub:
        with anyio.fail_after(WAIT):
            yield hub


async def test_a_process_that_starts_later_learns_who_is_in_each_room(hub: Hub) -> None:
    async with Rooms(hub) as first:
        _, ana = await Inbox.enter(first, "lobby", "ana")
        assert await ana.next() == Joined(room="lobby", user="ana")
        assert await ana.next() == Users(room="lobby", users=["ana"])
        await Inbox.enter(first, "games", "eve")

        async with Rooms(hub) as second:
            # The first process answers the second one's greeting with its members.
            _, bob = await Inbox.enter(second, "lobby", "bob")
            assert await bob.next() == Joined(room="lobby", user="bob")
            await bob.until(Users(room="lobby", users=["ana", "bob"]))  # at once, or when the answer comes
            assert second.users("games") == ["eve"]
            with pytest.raises(NameTaken):
                await second.enter("lobby", "ANA", Inbox().deliver)
            assert await ana.next() == Joined(room="lobby", user="bob")
            assert await ana.next() == Users(room="lobby", users=["ana", "bob"])

        # The second process stopped: its members are gone from the first one's rooms.
        assert await ana.next() == Left(room="lobby", user="bob")
        assert await ana.next() == Users(room="lobby", users=["ana"])


async def test_arrivals_and_departures_reach_the_other_process(hub: Hub) -> None:
    async with Rooms(hub) as first, Rooms(hub) as second:
        _, ana = await Inbox.enter(first, "lobby", "ana")
        assert await ana.next() == Joined(room="lobby", user="ana")
        assert await ana.next() == Users(room="lobby", users=["ana"])
        bob_membership, bob = await Inbox.enter(second, "lobby", "bob")
        assert await ana.next() == Joined(room="lobby", user="bob")
        assert await ana.next() == Users(room="lobby", users=["ana", "bob"])
        assert await bob.next() == Joined(room="lobby", user="bob")
        await bob.until(Users(room="lobby", users=["ana", "bob"]))  # ana's arrival may be on its way still

        await second.leave(bob_membership)
        assert await ana.next() == Left(room="lobby", user="bob")
        assert await ana.next() == Users(room="lobby", users=["ana"])
        assert bob.messages.empty()  # a member that left gets nothing more
        assert first.users("lobby") == ["ana"] and second.users("lobby") == ["ana"]


async def test_a_name_is_refused_in_its_room_only(hub: Hub) -> None:
    async with Rooms(hub) as rooms:
        await Inbox.enter(rooms, "lobby", "Ana")
        assert rooms.is_taken("lobby", "aNA")
        assert not rooms.is_taken("games", "ana")
        with pytest.raises(NameTaken):
            await rooms.enter("lobby", "ana", Inbox().deliver)
        assert rooms.users("lobby") == ["Ana"]
