"""Typed publish/subscribe across connections and processes: `Hub`, `Topic[T]`, `Stream[T]`, `Subscription[T]`.

A hub runs on a broker: `memory://` inside one process, or Redis
(`redis://`, `rediss://`; install `typedws[redis]`) across processes, on
redis-py's asyncio client. Values travel as the frames of their codecs, the
same ones connections use; each message is decoded and validated once per
process, and a value forwarded to many connections is encoded once.

- `Topic[T]`: publish/subscribe (Redis `PUBLISH`/`SUBSCRIBE`): a value
  reaches those subscribed when it is published.
- `Stream[T]`: the same with a bounded history and positions (Redis Streams):
  subscribers resume after a position with nothing lost or repeated.

See docs/hub.md for the guarantees of each and what is lost when.
"""

from .._errors import HubUnavailable, SubscriptionOverflow
from ._entry import Entry
from ._forwarding import Forwarding
from ._hub import DEFAULT_HISTORY, DEFAULT_RECOVERY_TIMEOUT, Hub
from ._queue import DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_SIZE, OverflowPolicy
from ._subscription import Subscription
from ._topic import Stream, Topic

__all__ = [
    "DEFAULT_HISTORY",
    "DEFAULT_QUEUE_BYTES",
    "DEFAULT_QUEUE_SIZE",
    "DEFAULT_RECOVERY_TIMEOUT",
    "Entry",
    "Forwarding",
    "Hub",
    "HubUnavailable",
    "OverflowPolicy",
    "Stream",
    "Subscription",
    "SubscriptionOverflow",
    "Topic",
]

for _name in ("Entry", "Forwarding", "Hub", "Stream", "Subscription", "Topic"):
    globals()[_name].__module__ = __name__  # reprs and docs name typedws.hub.X
del _name
