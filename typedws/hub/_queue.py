"""A subscriber's queue: bounded by count and by bytes, with an overflow policy."""

from __future__ import annotations

from collections import deque
from typing import Any, Final, Literal, TypeAlias

from ._entry import Entry

__all__ = ["DEFAULT_QUEUE_BYTES", "DEFAULT_QUEUE_SIZE", "OverflowPolicy", "Queue", "checked_bound", "checked_overflow"]

DEFAULT_QUEUE_SIZE: Final = 256
"""How many values a subscriber may fall behind by default before the overflow policy applies."""

DEFAULT_QUEUE_BYTES: Final = 16 * 1024 * 1024
"""How many bytes of messages a subscriber may fall behind by default (16 MiB) before the overflow policy applies."""

OverflowPolicy: TypeAlias = Literal["drop_oldest", "raise"]
"""What happens when a value arrives for a subscriber whose queue is full (by count or by bytes).

- `"drop_oldest"`: the oldest queued values are dropped to make room and
  counted in `dropped`; the first drop of a subscription logs a warning. The
  subscriber goes on, missing values.
- `"raise"`: the subscription ends: its queued values are discarded and the
  subscriber's next read raises `SubscriptionOverflow` (a forwarding closes
  its connection with 1013, try again later).
"""


class Queue:
    """Entries waiting for one subscriber: at most `size` of them and `max_bytes` bytes of messages."""

    __slots__ = ("entries", "size", "max_bytes", "overflow", "dropped", "queued_bytes")

    def __init__(self, size: int, max_bytes: int, overflow: OverflowPolicy) -> None:
        self.entries: deque[Entry[Any]] = deque()
        self.size = size
        self.max_bytes = max_bytes
        self.overflow: OverflowPolicy = overflow
        self.dropped = 0
        """How many entries were dropped to make room (or for being larger than the queue on their own)."""
        self.queued_bytes = 0

    def __len__(self) -> int:
        return len(self.entries)

    def put(self, entry: Entry[Any]) -> bool:
        """Queue `entry` within the bounds; `False` when it does not fit under the `"raise"` policy (nothing queued)."""
        entries = self.entries
        if len(entries) < self.size and self.queued_bytes + entry.size <= self.max_bytes:
            entries.append(entry)
            self.queued_bytes += entry.size
            return True
        if self.overflow == "raise":
            return False
        if entry.size > self.max_bytes:
            self.dropped += 1
            return True
        while len(entries) >= self.size or self.queued_bytes + entry.size > self.max_bytes:
            self.queued_bytes -= entries.popleft().size
            self.dropped += 1
        entries.append(entry)
        self.queued_bytes += entry.size
        return True

    def take(self) -> Entry[Any]:
        """The oldest entry (the queue must not be empty)."""
        entry = self.entries.popleft()
        self.queued_bytes -= entry.size
        return entry

    def clear(self) -> None:
        """Drop every entry, without counting them as dropped."""
        self.entries.clear()
        self.queued_bytes = 0


def checked_bound(name: str, value: object) -> int:
    """`value` if it is a positive int (callers without a type checker may pass anything), else `ValueError`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def checked_overflow(overflow: OverflowPolicy) -> OverflowPolicy:
    """`overflow` if it is a policy, else `ValueError`."""
    if overflow in ("drop_oldest", "raise"):
        return overflow
    raise ValueError(f"overflow must be 'drop_oldest' or 'raise', got {overflow!r}")
