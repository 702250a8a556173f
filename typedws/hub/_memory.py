"""`memory://`: a broker inside one hub, for one process (and for tests)."""

from __future__ import annotations

import asyncio
from collections import deque

from ._backend import Receiver
from ._entry import position_key

__all__ = ["MemoryBackend"]


class _Stream:
    """A stream's history: its newest entries, and how many were ever appended."""

    __slots__ = ("entries", "added")

    def __init__(self) -> None:
        self.entries: deque[tuple[str, bytes]] = deque()
        self.added = 0


class MemoryBackend:
    """Topics and streams of one hub, kept in memory: no connection to lose.

    Publishing hands the message to the hub at once, then lets the event loop
    run, so that subscribers that keep up read each value before the next one
    arrives (a publisher in a loop would otherwise never let them run).
    """

    def __init__(self) -> None:
        self._receiver: Receiver | None = None
        self._topics: set[str] = set()
        self._followed: set[str] = set()
        self._streams: dict[str, _Stream] = {}

    async def start(self, receiver: Receiver) -> None:
        self._receiver = receiver

    async def stop(self) -> None:
        self._receiver = None
        self._topics.clear()
        self._followed.clear()

    async def publish(self, name: str, payload: bytes) -> None:
        if name in self._topics and self._receiver is not None:
            self._receiver.receive(name, payload, None)
        await asyncio.sleep(0)

    async def listen(self, name: str) -> None:
        self._topics.add(name)

    async def unlisten(self, name: str) -> None:
        self._topics.discard(name)

    async def append(self, name: str, payload: bytes, history: int) -> str:
        stream = self._streams.setdefault(name, _Stream())
        stream.added += 1
        position = f"0-{stream.added}"
        stream.entries.append((position, payload))
        while len(stream.entries) > history:
            stream.entries.popleft()
        if name in self._followed and self._receiver is not None:
            self._receiver.receive(name, payload, position)
        await asyncio.sleep(0)
        return position

    async def last_position(self, name: str) -> str:
        stream = self._streams.get(name)
        return stream.entries[-1][0] if stream is not None and stream.entries else "0-0"

    async def read(self, name: str, after: str, until: str, count: int) -> list[tuple[str, bytes]]:
        stream = self._streams.get(name)
        if stream is None:
            return []
        start, end = position_key(after), position_key(until)
        found = [entry for entry in stream.entries if start < position_key(entry[0]) <= end]
        return found[:count]

    async def trimmed_after(self, name: str, position: str) -> bool:
        stream = self._streams.get(name)
        if stream is None or len(stream.entries) == stream.added:
            return False
        # Positions here are consecutive: the entry before the oldest one kept is the newest one trimmed.
        milliseconds, oldest = position_key(stream.entries[0][0])
        return position_key(position) < (milliseconds, oldest - 1)

    async def follow(self, name: str, after: str) -> None:
        # Entries are delivered as they are appended: none can come between `after` and now.
        self._followed.add(name)

    async def unfollow(self, name: str) -> None:
        self._followed.discard(name)
