"""`Subscription[T]`: the values of a topic (or the entries of a stream) for one subscriber, through a bounded queue."""

# The hub's modules are one package: they share the members of its classes that users need not see.
# pyright: reportPrivateUsage=false

from __future__ import annotations

import asyncio
import logging
from collections import deque
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, cast

from typing_extensions import Self, TypeVar

from .._errors import SubscriptionOverflow
from ._channel import entry_of
from ._entry import Entry, position_key
from ._queue import OverflowPolicy
from ._subscriber import Subscriber

if TYPE_CHECKING:
    from ._topic import Stream, Topic

__all__ = ["Subscription"]

logger = logging.getLogger("typedws.hub")

Y = TypeVar("Y", covariant=True)


class Subscription(Subscriber, Generic[Y]):
    """What is published on a topic (its values) or appended to a stream (its entries) while the subscription is entered.

    An asynchronous context manager (entering subscribes, leaving
    unsubscribes) and an asynchronous iterator. A message that is not a valid
    value, or larger than the topic's `max_size`, is logged as a warning and
    skipped. The iteration ends when the subscription is left or the hub
    stops, and raises `HubUnavailable` when the hub lost its broker for longer
    than its `recovery_timeout`.
    """

    __slots__ = (
        "after", "position", "_entries", "_state", "_error", "_waiter", "_replay_after", "_replay_until", "_replayed"
    )  # fmt: skip

    def __init__(
        self,
        topic: Topic[Any] | Stream[Any],
        *,
        queue_size: int,
        queue_bytes: int,
        overflow: OverflowPolicy,
        after: str | None = None,
        entries: bool = False,
    ) -> None:
        super().__init__(topic, queue_size, queue_bytes, overflow)
        self.after: str | None = after
        """For a stream: the position the subscription starts after (`None`: the entries appended from now on)."""
        self.position: str | None = after
        """For a stream: the position of the last entry taken (resume after it with `after=`); at first, `after`."""
        self._entries = entries
        self._state: Literal["new", "open", "overflowed", "ended"] = "new"
        self._error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._replay_after: str | None = None
        self._replay_until = "0-0"
        self._replayed: deque[Entry[Any]] = deque()

    def __repr__(self) -> str:
        return (
            f"<Subscription to {self.topic.name!r} {self._state}"
            f" queued={len(self._queue)} dropped={self._queue.dropped}>"
        )

    # As a sink of the hub ---------------------------------------------------------------------

    def offer(self, entry: Entry[Any]) -> None:
        """Queue an entry from the hub, applying the overflow policy when the queue is full."""
        if self._state != "open":
            return
        if not self._put(entry):
            self._state = "overflowed"
        self._wake()

    def end(self, error: BaseException | None) -> None:
        """End the iteration once the queue is empty: quietly, or raising `error`."""
        if self._state in ("new", "open"):
            self._state = "ended"
            self._error = error
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    # For the subscriber ----------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError("a subscription can be entered only once; call subscribe() again")
        hub = self.topic.hub
        start = await hub._join(self.topic, self)
        self._state = "open"
        if self.after is not None and start is not None:
            try:
                self.complete: bool = not await hub._trimmed_after(self.topic.name, self.after)
            except BaseException:
                await self.__aexit__(None, None, None)
                raise
            if position_key(self.after) < position_key(start):
                self._replay_after, self._replay_until = self.after, start
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._state in ("new", "open"):
            self._state = "ended"
        self._wake()
        await self.topic.hub._leave(self.topic, self)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Y:
        """The next value (an `Entry` for a stream); `SubscriptionOverflow` once a `"raise"` subscription overflowed."""
        while True:
            if self._replay_after is not None or self._replayed:
                entry = await self._next_replayed()
                if entry is not None:
                    return self._taken(entry)
                continue
            queue = self._queue
            if self._state == "overflowed":
                raise SubscriptionOverflow(self.topic.name, queue.size, queue.max_bytes)
            if queue.entries:
                entry = queue.take()
                if self._entries and self.position is not None and entry.position is not None:
                    if position_key(entry.position) <= position_key(self.position):
                        continue  # replayed already
                return self._taken(entry)
            if self._state == "ended":
                if self._error is not None:
                    raise self._error
                raise StopAsyncIteration
            if self._state == "new":
                raise RuntimeError("enter the subscription first: `async with topic.subscribe() as values:`")
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter

    def _taken(self, entry: Entry[Any]) -> Y:
        if self._entries:
            self.position = entry.position
            return cast(Y, entry)
        return cast(Y, entry.value)

    async def _next_replayed(self) -> Entry[Any] | None:
        """The next entry of the stream's history between `after` and where the live entries start."""
        while not self._replayed:
            after = self._replay_after
            if after is None:
                return None
            page = await self.topic.hub._read(self.topic.name, after, self._replay_until, self._queue.size)
            if not page:
                self._replay_after = None
                return None
            self._replay_after = page[-1][0]
            for position, payload in page:
                entry = entry_of(self.topic.name, self.codec, self.max_size, payload, position)
                if entry is not None:
                    self._replayed.append(entry)
        return self._replayed.popleft()
