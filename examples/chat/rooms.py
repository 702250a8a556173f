"""Who is in which room, in every server process on the hub: presence events on a typed topic.

A process knows its own members (the connections it serves) and learns the
other processes' members from the events on the hub's `chat:presence` topic:

- `Arrived` / `Departed`: a member of that process entered / left a room;
- `Hello`: a process has started, and every other process answers with
- `Present`: all of its members, by room (sent with no rooms when it stops).

What users say travels on one topic per room (`said_topic`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from types import TracebackType
from typing import Annotated, Literal, TypeAlias

from pydantic import BaseModel, Field, TypeAdapter
from typing_extensions import Self

from typedws import Hub, Topic
from typedws.hub import Subscription

from .messages import Joined, Left, RoomName, Said, ServerMessage, UserName, Users

__all__ = ["PRESENCE_TOPIC", "Membership", "NameTaken", "Rooms", "said_topic_name"]

logger = logging.getLogger("examples.chat")

PRESENCE_TOPIC = "chat:presence"
"""The topic carrying every process's presence events."""

def said_topic_name(room: str) -> str:
    """The name of the topic carrying what is said in `room`."""
    return f"chat:room:{room}"


class Hello(BaseModel):
    """A process has started; the others answer with `Present`."""

    type: Literal["hello"] = "hello"
    process: str


class Present(BaseModel):
    """All the members of a process, by room; no rooms when the process stops."""

    type: Literal["present"] = "present"
    process: str
    rooms: dict[RoomName, list[UserName]]


class Arrived(BaseModel):
    """A member of a process entered a room."""

    type: Literal["arrived"] = "arrived"
    process: str
    room: RoomName
    user: UserName


class Departed(BaseModel):
    """A member of a process left a room."""

    type: Literal["departed"] = "departed"
    process: str
    room: RoomName
    user: UserName


PresenceEvent: TypeAlias = Annotated[Hello | Present | Arrived | Departed, Field(discriminator="type")]
"""What travels on the presence topic."""

PRESENCE_EVENTS: TypeAdapter[Hello | Present | Arrived | Departed] = TypeAdapter(PresenceEvent)
"""Validates and serializes presence events: the presence topic's value type."""


class NameTaken(Exception):
    """Someone in the room already has this name (compared case-insensitively)."""

    def __init__(self, room: str, user: str) -> None:
        super().__init__(f"the name {user!r} is taken in room {room!r}")
        self.room = room
        self.user = user


@dataclass(eq=False)
class Membership:
    """A connection's place in a room, made by `Rooms.enter`."""

    room: str
    user: str
    deliver: Callable[[ServerMessage], None]
    """Hands a message to the connection (without waiting)."""
    announced: bool = False
    """Whether the other processes were told; from then on the member gets the room's notices."""


class Rooms:
    """The chat's rooms as this process sees them: its own members, and those of the other processes on the hub.

    Use it as `async with rooms:` inside `async with hub:`. Members get
    `Joined`, `Left` and `Users` notices for their room, whichever process the
    change happened in. Presence is eventually consistent: a name is refused
    when this process knows it is in use, and a process that stops without
    leaving the lifespan (killed) leaves its members listed elsewhere.
    """

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        """The hub carrying presence events and what is said."""
        self.process = uuid.uuid4().hex
        """This process's id in presence events."""
        self._presence = hub.topic(PRESENCE_TOPIC, PRESENCE_EVENTS)
        self._members: dict[str, dict[str, Membership]] = {}  # room → casefolded name → member here
        self._elsewhere: dict[str, dict[str, list[str]]] = {}  # room → process → its members' names
        self._publishing = asyncio.Lock()
        self._stack: AsyncExitStack | None = None

    def said_topic(self, room: str) -> Topic[Said]:
        """The topic carrying what is said in `room`."""
        return self.hub.topic(said_topic_name(room), Said)

    def users(self, room: str) -> list[str]:
        """The names of everyone in `room`, in every process, sorted."""
        here = [m.user for m in self._members.get(room, {}).values() if m.announced]
        elsewhere = [user for users in self._elsewhere.get(room, {}).values() for user in users]
        return sorted(here + elsewhere, key=lambda name: (name.casefold(), name))

    def is_taken(self, room: str, user: str) -> bool:
        """Whether someone in `room` already has the name `user`, as far as this process knows."""
        key = user.casefold()
        if key in self._members.get(room, {}):
            return True
        return any(key == name.casefold() for users in self._elsewhere.get(room, {}).values() for name in users)

    async def enter(self, room: str, user: str, deliver: Callable[[ServerMessage], None]) -> Membership:
        """Make a connection a member of `room` named `user`, tell every process, then send the room `Joined`.

        Raises `NameTaken` when the name is in use in the room.
        """
        if self.is_taken(room, user):
            raise NameTaken(room, user)
        membership = Membership(room, user, deliver)
        self._members.setdefault(room, {})[user.casefold()] = membership
        try:
            await self._publish(Arrived(process=self.process, room=room, user=user))
        except BaseException:
            self._forget(membership)
            raise
        membership.announced = True
        self._notify(room, [Joined(room=room, user=user)])
        return membership

    async def leave(self, membership: Membership) -> None:
        """Remove a member from its room, send the others `Left`, and tell every process."""
        if not self._forget(membership):
            return
        if membership.announced:
            membership.announced = False
            self._notify(membership.room, [Left(room=membership.room, user=membership.user)])
        if self.hub.running:  # not when the app stops after the hub
            await self._publish(Departed(process=self.process, room=membership.room, user=membership.user))

    async def __aenter__(self) -> Self:
        """Listen to the presence topic, then greet the other processes (their answers follow)."""
        if self._stack is not None:
            raise RuntimeError("the rooms are open already")
        self._elsewhere.clear()
        stack = AsyncExitStack()
        try:
            events = await stack.enter_async_context(self._presence.subscribe())
            listening = asyncio.create_task(self._listen(events), name="chat presence")
            stack.push_async_callback(_stop, listening)
            # Entering the subscription waited for the broker to confirm it: every answer will be heard.
            await self._publish(Hello(process=self.process))
        except BaseException:
            await stack.aclose()
            raise
        self._stack = stack
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """Tell the other processes this one has no members any more; stop listening."""
        stack, self._stack = self._stack, None
        if stack is None:
            return
        try:
            if self.hub.running:
                await self._publish(Present(process=self.process, rooms={}))
        finally:
            await stack.aclose()

    # Presence events -----------------------------------------------------------------------------

    async def _listen(self, events: Subscription[Hello | Present | Arrived | Departed]) -> None:
        async for event in events:
            if event.process == self.process:
                continue
            if isinstance(event, Hello):
                await self._answer(event)
            elif isinstance(event, Present):
                rooms = set(event.rooms) | {room for room, there in self._elsewhere.items() if event.process in there}
                for room in rooms:
                    self._update(room, event.process, event.rooms.get(room, []))
            elif isinstance(event, Arrived):
                before = self._elsewhere.get(event.room, {}).get(event.process, [])
                self._update(event.room, event.process, [*before, event.user])
            else:
                before = self._elsewhere.get(event.room, {}).get(event.process, [])
                self._update(event.room, event.process, [user for user in before if user != event.user])

    def _update(self, room: str, process: str, users: Iterable[str]) -> None:
        """Set the members of `room` in another process; send this process's members there what changed."""
        there = self._elsewhere.setdefault(room, {})
        before = there.get(process, [])
        after = list(dict.fromkeys(users))
        if after:
            there[process] = after
        else:
            there.pop(process, None)
        if not there:
            del self._elsewhere[room]
        notices: list[ServerMessage] = [Left(room=room, user=user) for user in before if user not in after]
        notices += [Joined(room=room, user=user) for user in after if user not in before]
        if notices:
            self._notify(room, notices)

    def _notify(self, room: str, notices: list[ServerMessage]) -> None:
        """Send the announced members of `room` in this process the notices, then the room's `Users`."""
        members = [m for m in self._members.get(room, {}).values() if m.announced]
        if not members:
            return
        users = Users(room=room, users=self.users(room))
        for member in members:
            for notice in notices:
                member.deliver(notice)
            member.deliver(users)

    def _forget(self, membership: Membership) -> bool:
        """Remove a member from this process's rooms; return whether it was there."""
        members = self._members.get(membership.room, {})
        key = membership.user.casefold()
        if members.get(key) is not membership:
            return False
        del members[key]
        if not members:
            del self._members[membership.room]
        return True

    async def _publish(self, event: Hello | Present | Arrived | Departed) -> None:
        # One at a time: the other processes then see this process's events in the order they were made.
        async with self._publishing:
            await self._presence.publish(event)

    async def _answer(self, hello: Hello) -> None:
        """Tell a process that has just started who is here."""
        if not self._members or not self.hub.running:
            return
        try:
            async with self._publishing:  # the snapshot is taken in turn with the arrivals and departures
                rooms = {room: [m.user for m in members.values()] for room, members in self._members.items()}
                await self._presence.publish(Present(process=self.process, rooms=rooms))
        except Exception as error:  # e.g. the broker is gone: keep listening
            logger.warning("could not answer the greeting of process %s: %r", hello.process, error)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled() and (error := task.exception()) is not None:
        raise error
