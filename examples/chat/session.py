"""One connection's chat: the commands it sends, the room it is in, and the messages it is sent."""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import AsyncExitStack
from dataclasses import dataclass

from starlette import status

from typedws import MessageError, MessageTooLarge, Peer, RequestError, WebSocket
from typedws.hub import Subscription

from .messages import ClientMessage, Error, ErrorCode, Join, Left, Said, Say, ServerMessage, Users, said_now
from .rooms import Membership, NameTaken, Rooms

__all__ = ["OUTBOX_SIZE", "Outbox", "Refusal", "Session"]

OUTBOX_SIZE = 256
"""How many messages a connection may fall behind before it is closed with 1013 (try again later)."""


class Outbox:
    """A connection's queue of messages to send, holding at most `size` of them.

    A message put in a full outbox empties it and marks it overflowed: the
    client fell too far behind, and its session closes the connection with
    1013 once the frame being sent, if any, is through. Putting never waits,
    so a slow client never holds up a room, and holds at most `size` messages.
    """

    def __init__(self, size: int = OUTBOX_SIZE) -> None:
        self.size = size
        """How many messages the outbox holds at most."""
        self.overflowed = False
        """Whether a message arrived while the outbox was full."""
        self._messages: deque[ServerMessage] = deque()
        self._changed = asyncio.Event()

    def put(self, message: ServerMessage) -> None:
        """Queue `message`; when the outbox is full, drop everything and mark it overflowed."""
        if self.overflowed:
            return
        if len(self._messages) >= self.size:
            self.overflowed = True
            self._messages.clear()
        else:
            self._messages.append(message)
        self._changed.set()

    async def get(self) -> ServerMessage | None:
        """The next message to send, or `None` once the outbox overflowed."""
        while not self._messages:
            if self.overflowed:
                return None
            self._changed.clear()
            await self._changed.wait()
        return self._messages.popleft()


@dataclass
class _Place:
    """The room a connection is in: its membership, and what forwards the room's `Said` messages."""

    membership: Membership
    forwarding: AsyncExitStack


class Session:
    """Serves one accepted connection: join, say, leave; what happens in its room; errors as `Error` messages.

    A `Join` sent as a request (with a correlation id) is answered with the
    room's `Users`, or refused with an error reply; every other message to
    the client goes through its `Outbox`, so the client gets them in one
    order. A message that is not a valid `ClientMessage` is answered with
    `Error(code="invalid_message")` (a join request with an error reply,
    `invalid_request`); one over the connection's `max_size` closes it with
    1009; a client whose outbox overflows is closed with 1013.
    """

    def __init__(self, ws: WebSocket[ClientMessage, ServerMessage], rooms: Rooms, *, outbox_size: int = OUTBOX_SIZE):
        self.ws = ws
        """The connection."""
        self.rooms = rooms
        """The chat's rooms."""
        self.outbox = Outbox(outbox_size)
        """What is waiting to be sent to the client."""
        self.peer: Peer[ClientMessage, ServerMessage] = Peer(ws, answers=[self.join], concurrency=1)
        """The connection, with its join requests answered (one at a time)."""
        self._place: _Place | None = None

    async def run(self) -> None:
        """Serve the connection until the client leaves or falls behind, then take it out of its room.

        Raises what ended it: `WebSocketDisconnect` when the client left,
        `MessageTooLarge` for an oversized message.
        """
        async with self.peer:
            receiving = asyncio.create_task(self._receive_commands())
            sending = asyncio.create_task(self._send_outbox())
            try:
                await asyncio.wait((receiving, sending), return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (receiving, sending):
                    task.cancel()
                await asyncio.wait((receiving, sending))
                await self._leave_room()
        errors = [task.exception() for task in (receiving, sending) if not task.cancelled()]
        for error in errors:
            if error is not None:
                raise error

    # Receiving -------------------------------------------------------------------------------------

    async def _receive_commands(self) -> None:
        while True:
            try:
                command = await self.peer.receive()
            except MessageTooLarge:
                raise
            except MessageError as error:
                self._refuse("invalid_message", str(error))
                continue
            if isinstance(command, Join):  # a join without correlation id: answered by messages
                try:
                    await self.join(command)
                except Refusal as refusal:
                    self._refuse(refusal.reason, refusal.message)
            elif isinstance(command, Say):
                await self._say(command)
            else:
                await self._leave()

    async def join(self, join: Join) -> Users:
        """Enter the room; answer with who is in it. A `Refusal` (`already_in_room`, `name_taken`) if it cannot."""
        if self._place is not None:
            raise Refusal("already_in_room", f"you are in room {self._place.membership.room!r}: leave it first")
        if self.rooms.is_taken(join.room, join.user):
            raise Refusal("name_taken", f"someone in room {join.room!r} is called {join.user!r} already")
        forwarding = AsyncExitStack()
        try:
            # Subscribed before entering, so nothing said after `Joined` is missed.
            said = await forwarding.enter_async_context(self.rooms.said_topic(join.room).subscribe())
            membership = await self.rooms.enter(join.room, join.user, self.outbox.put)
        except NameTaken:
            await forwarding.aclose()
            raise Refusal("name_taken", f"someone in room {join.room!r} is called {join.user!r} already") from None
        except BaseException:
            await forwarding.aclose()
            raise
        forwarding.push_async_callback(_stop, asyncio.create_task(self._forward(said)))
        self._place = _Place(membership, forwarding)
        return Users(room=join.room, users=self.rooms.users(join.room))

    async def _say(self, say: Say) -> None:
        if self._place is None:
            self._refuse("not_in_room", "join a room first")
            return
        room, user = self._place.membership.room, self._place.membership.user
        await self.rooms.said_topic(room).publish(said_now(room, user, say.text))

    async def _leave(self) -> None:
        if self._place is None:
            self._refuse("not_in_room", "you are not in a room")
            return
        membership = self._place.membership
        await self._leave_room()
        self.outbox.put(Left(room=membership.room, user=membership.user))

    async def _leave_room(self) -> None:
        place, self._place = self._place, None
        if place is None:
            return
        try:
            await place.forwarding.aclose()
        finally:
            await self.rooms.leave(place.membership)

    async def _forward(self, said: Subscription[Said]) -> None:
        async for message in said:
            self.outbox.put(message)

    def _refuse(self, code: ErrorCode, detail: str) -> None:
        self.outbox.put(Error(code=code, detail=detail))

    # Sending ---------------------------------------------------------------------------------------

    async def _send_outbox(self) -> None:
        while (message := await self.outbox.get()) is not None:
            await self.peer.send(message)
        await self.ws.close(status.WS_1013_TRY_AGAIN_LATER, "too slow: fell behind")


class Refusal(RequestError):
    """A join refused: answered with an error reply of its `reason`, or an `Error` for a join without id."""

    def __init__(self, reason: ErrorCode, detail: str) -> None:
        super().__init__(detail, code=reason)
        self.reason: ErrorCode = reason
        """Why, as the chat's error code."""


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.wait([task])

