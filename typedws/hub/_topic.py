"""`Topic[T]` (publish/subscribe) and `Stream[T]` (publish/subscribe with a history and positions)."""

# The hub's modules are one package: they share the members of its classes that users need not see.
# pyright: reportPrivateUsage=false

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, cast

from typing_extensions import TypeVar

from .._codecs import Codec
from .._errors import MessageTooLarge
from .._websocket import WebSocket
from ._entry import Entry, position_key
from ._forwarding import Forwarding
from ._queue import OverflowPolicy, checked_bound, checked_overflow
from ._subscription import Subscription

if TYPE_CHECKING:
    from ._hub import Hub

__all__ = ["Stream", "Topic"]

T = TypeVar("T")


class _Named(Generic[T]):
    """What topics and streams share: a name on a hub, a codec, a size limit, forwarding to connections."""

    __slots__ = ("hub", "name", "codec", "max_size")

    def __init__(self, hub: Hub, name: str, codec: Codec[T], max_size: int | None) -> None:
        self.hub: Hub = hub
        """The hub it lives on."""
        self.name: str = name
        """Its name: the broker's channel (topic) or key (stream)."""
        self.codec: Codec[T] = codec
        """The codec that turns values into messages and back."""
        self.max_size: int | None = max_size
        """The largest message published or delivered, in bytes (`None`: no limit); larger ones are refused."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} of {self.codec.name}>"

    def forward_to(
        self,
        ws: WebSocket[object, T],
        *,
        queue_size: int | None = None,
        queue_bytes: int | None = None,
        overflow: OverflowPolicy | None = None,
    ) -> Forwarding[T]:
        """Send every value to the connection `ws` while `async with topic.forward_to(ws):` is entered.

        The frame of a value is encoded once per send codec however many
        connections it goes to, and sent in place (see `Forwarding`). Enter it
        once the connection is accepted. The queue options default to the hub's.
        """
        size, max_bytes, policy = self._subscription_options(queue_size, queue_bytes, overflow)
        topic = cast("Topic[T] | Stream[T]", self)  # the only kinds there are
        return Forwarding(topic, ws, queue_size=size, queue_bytes=max_bytes, overflow=policy)

    def _payload(self, value: T) -> bytes:
        """The message carrying `value`: its frame, text as UTF-8; `TypeError` or `MessageTooLarge` before publishing."""
        frame = self.codec.encode(value)
        payload = frame.encode() if isinstance(frame, str) else frame
        if self.max_size is not None and len(payload) > self.max_size:
            raise MessageTooLarge(len(payload), self.max_size)
        return payload

    def _subscription_options(
        self, queue_size: int | None, queue_bytes: int | None, overflow: OverflowPolicy | None
    ) -> tuple[int, int, OverflowPolicy]:
        hub = self.hub
        return (
            hub.queue_size if queue_size is None else checked_bound("queue_size", queue_size),
            hub.queue_bytes if queue_bytes is None else checked_bound("queue_bytes", queue_bytes),
            hub.overflow if overflow is None else checked_overflow(overflow),
        )


class Topic(_Named[T]):
    """A named flow of `T` values on a `Hub` (publish/subscribe): publish values, subscribe to them, forward them.

    A value reaches those subscribed when it is published, in any process on
    the same broker; nothing is kept for later subscribers.
    """

    __slots__ = ()

    async def publish(self, value: T) -> None:
        """Send `value` to every current subscriber of the topic, in this process or any other on the same broker.

        Raises, before anything is published, `TypeError` when `value` is not
        a `T` and `MessageTooLarge` when its message is larger than
        `max_size`; `RuntimeError` when the hub is not running;
        `HubUnavailable` when the broker cannot be reached.
        """
        await self.hub._publish(self.name, self._payload(value))

    def subscribe(
        self, *, queue_size: int | None = None, queue_bytes: int | None = None, overflow: OverflowPolicy | None = None
    ) -> Subscription[T]:
        """A subscription to the topic: `async with topic.subscribe() as values: async for value in values:`.

        Values published after the `async with` is entered arrive, in order:
        entering returns once the broker has confirmed the subscription. The
        queue options default to the hub's.
        """
        size, max_bytes, policy = self._subscription_options(queue_size, queue_bytes, overflow)
        return Subscription(self, queue_size=size, queue_bytes=max_bytes, overflow=policy)


class Stream(_Named[T]):
    """A named flow of `T` values on a `Hub` that keeps its last `history` values, each at a position.

    A subscriber can start after any position still in the history, and one
    cut off from the broker for a while resumes where it was, with nothing
    lost or repeated as long as the history still holds what it missed. On
    Redis, a stream is a Redis Stream (`XADD MAXLEN ~ history`, `XREAD`).
    """

    __slots__ = ("history",)

    def __init__(self, hub: Hub, name: str, codec: Codec[T], max_size: int | None, history: int) -> None:
        super().__init__(hub, name, codec, max_size)
        self.history: int = history
        """How many values the stream keeps, at least (Redis trims whole blocks of entries, so it may keep more)."""

    async def publish(self, value: T) -> str:
        """Append `value` to the stream and return its position; raises as `Topic.publish` does."""
        return await self.hub._append(self.name, self._payload(value), self.history)

    def subscribe(
        self,
        *,
        after: str | None = None,
        queue_size: int | None = None,
        queue_bytes: int | None = None,
        overflow: OverflowPolicy | None = None,
    ) -> Subscription[Entry[T]]:
        """A subscription to the stream's entries: `async for entry in entries:` gives `entry.value` and `entry.position`.

        Without `after`, the entries appended after the `async with` is
        entered; with `after=position` (a position an entry had), every entry
        after it still in the history first, then the new ones, none twice.
        `subscription.complete` tells whether the history still held them all.
        Raises `ValueError` for a malformed position.
        """
        if after is not None:
            position_key(after)
        size, max_bytes, policy = self._subscription_options(queue_size, queue_bytes, overflow)
        return Subscription(self, queue_size=size, queue_bytes=max_bytes, overflow=policy, after=after, entries=True)
