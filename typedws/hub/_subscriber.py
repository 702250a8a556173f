"""What subscriptions and forwardings share: a topic, a bounded queue, and whether anything was missed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from .._codecs import Codec
from ._entry import Entry
from ._queue import OverflowPolicy, Queue

if TYPE_CHECKING:
    from ._topic import Stream, Topic

__all__ = ["Subscriber"]

logger = logging.getLogger("typedws.hub")


class Subscriber:
    """A local subscriber of a topic (or stream), with its queue bounded by count and by bytes."""

    __slots__ = ("topic", "complete", "_queue")

    def __init__(self, topic: Topic[Any] | Stream[Any], queue_size: int, queue_bytes: int, overflow: OverflowPolicy):
        self.topic: Topic[Any] | Stream[Any] = topic
        """The topic (or stream)."""
        self.complete: bool = True
        """Whether every value since the start has reached the subscriber (see `Subscription.complete`)."""
        self._queue = Queue(queue_size, queue_bytes, overflow)

    @property
    def queue_size(self) -> int:
        """How many values the subscriber may fall behind before `overflow` applies."""
        return self._queue.size

    @property
    def queue_bytes(self) -> int:
        """How many bytes of messages the subscriber may fall behind before `overflow` applies."""
        return self._queue.max_bytes

    @property
    def overflow(self) -> OverflowPolicy:
        """What happens when a value arrives while the queue is full."""
        return self._queue.overflow

    @property
    def dropped(self) -> int:
        """How many values were dropped because the queue was full (`"drop_oldest"` policy)."""
        return self._queue.dropped

    @property
    def codec(self) -> Codec[Any]:
        """The codec of the topic's values."""
        return self.topic.codec

    @property
    def max_size(self) -> int | None:
        """The largest message of the topic, in bytes."""
        return self.topic.max_size

    def miss(self) -> None:
        """Values may have been lost before they reached the subscriber."""
        self.complete = False

    def _put(self, entry: Entry[Any]) -> bool:
        """Queue `entry` within the bounds; `False` (the queue emptied) when it overflows under `"raise"`."""
        queue = self._queue
        dropped = queue.dropped
        if not queue.put(entry):
            queue.clear()
            return False
        if queue.dropped != dropped:
            self.complete = False
            if dropped == 0:
                logger.warning(
                    "a subscriber of %r fell %d values or %d bytes behind: dropping its oldest values",
                    self.topic.name,
                    queue.size,
                    queue.max_bytes,
                )
        return True
