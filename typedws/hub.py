"""Typed publish/subscribe across connections and processes: `Hub`, `Topic[T]`, `Subscription[T]`.

Built on `broadcaster` (install `typedws[hub]`, or `typedws[redis]` for
`redis://` URLs). Values travel as the frames of their codecs, the same ones
connections use, and are validated again on the subscriber's side.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections import deque
from contextlib import AsyncExitStack
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeAlias, overload

from pydantic import TypeAdapter
from typing_extensions import Self, TypeVar

from ._codecs import Codec, codec_for
from ._errors import MalformedMessage, MessageError, SubscriptionOverflow, UnexpectedFrame

if TYPE_CHECKING:
    from broadcaster import Broadcast, Event

__all__ = ["DEFAULT_QUEUE_SIZE", "Hub", "OverflowPolicy", "Subscription", "SubscriptionOverflow", "Topic"]

logger = logging.getLogger("typedws.hub")

T = TypeVar("T")
_V = TypeVar("_V")

DEFAULT_QUEUE_SIZE = 256
"""How many values a subscriber may fall behind by default before the overflow policy applies."""

OverflowPolicy: TypeAlias = Literal["drop_oldest", "raise"]
"""What happens when a value arrives for a subscriber whose queue is full.

- `"drop_oldest"`: the oldest queued value is dropped to make room and
  counted in `Subscription.dropped`; the first drop of a subscription logs a
  warning. The subscriber goes on, missing values.
- `"raise"`: the subscription ends: its queued values are discarded and the
  subscriber's next read raises `SubscriptionOverflow` (for example to close
  a slow client's connection).
"""


_NOT_RUNNING = "the hub is not running: use it inside `async with hub:`"


class Hub:
    """Typed publish/subscribe over a `broadcaster` backend named by `url`.

    `memory://` (the default) connects the subscribers of one process;
    `redis://host:port/db` spans processes and machines (any other URL
    `broadcaster` knows works too). Use it as `async with hub:`, for example
    in a Starlette or FastAPI lifespan, and get typed topics from
    `hub.topic(name, value_type)`. A hub can be entered again after it is left.

    Each subscriber has its own queue of `queue_size` values; when a slow
    subscriber's queue is full, `overflow` decides what happens (see
    `OverflowPolicy`). Both can be set per subscription too.
    """

    def __init__(
        self, url: str = "memory://", *, queue_size: int = DEFAULT_QUEUE_SIZE, overflow: OverflowPolicy = "drop_oldest"
    ) -> None:
        self.url = url
        """The broadcaster backend's URL."""
        self.queue_size = _checked_queue_size(queue_size)
        """The default size of a subscriber's queue."""
        self.overflow: OverflowPolicy = _checked_overflow(overflow)
        """The default overflow policy of a subscriber's queue."""
        self._broadcast = _new_broadcast(url)
        self._running = False
        self._channels: dict[str, _Channel] = {}
        self._lock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"<Hub {self.url!r} {'running' if self._running else 'stopped'}>"

    @property
    def running(self) -> bool:
        """Whether the hub is connected: between entering and leaving `async with hub:`."""
        return self._running

    async def __aenter__(self) -> Self:
        if self._running:
            raise RuntimeError("the hub is running already")
        try:
            await self._broadcast.connect()
        except BaseException:
            self._broadcast = _new_broadcast(self.url)  # a half-connected broadcaster cannot connect again
            raise
        self._lock = asyncio.Lock()
        self._running = True
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """End every subscription (their iterations stop) and disconnect from the backend."""
        if not self._running:
            return
        broadcast, self._broadcast = self._broadcast, _new_broadcast(self.url)
        try:
            async with self._lock_for_channels():
                self._running = False
                channels, self._channels = list(self._channels.values()), {}
                for channel in channels:
                    for subscription in channel.subscriptions:
                        subscription._end()
                for channel in channels:
                    await channel.close()
        finally:
            await broadcast.disconnect()

    @overload
    def topic(self, name: str, value_type: Literal["text"]) -> Topic[str]: ...
    @overload
    def topic(self, name: str, value_type: Literal["bytes"]) -> Topic[bytes]: ...
    @overload
    def topic(self, name: str, value_type: Literal["json"]) -> Topic[Any]: ...
    @overload
    def topic(self, name: str, value_type: type[_V] | TypeAdapter[_V] | Codec[_V]) -> Topic[_V]: ...
    def topic(self, name: str, value_type: Any) -> Topic[Any]:
        """The topic `name` carrying values of `value_type` (any form `WebSocket` accepts).

        Topics are cheap to make; the name is the broker's channel name.
        """
        if not name:
            raise ValueError("a topic name cannot be empty")
        return Topic(self, name, codec_for(value_type))

    # For topics and subscriptions --------------------------------------------------------

    async def _publish(self, name: str, message: str) -> None:
        self._check_running()
        await self._broadcast.publish(name, message)

    async def _join(self, name: str, subscription: Subscription[Any]) -> None:
        async with self._lock_for_channels():
            self._check_running()
            channel = self._channels.get(name)
            if channel is None:
                channel = await _Channel.open(self._broadcast, name)
                self._channels[name] = channel
            channel.subscriptions.add(subscription)

    async def _leave(self, name: str, subscription: Subscription[Any]) -> None:
        async with self._lock_for_channels():
            channel = self._channels.get(name)
            if channel is None or subscription not in channel.subscriptions:
                return
            channel.subscriptions.remove(subscription)
            if not channel.subscriptions:
                del self._channels[name]
                await channel.close()

    def _lock_for_channels(self) -> asyncio.Lock:
        if self._lock is None:
            raise RuntimeError(_NOT_RUNNING)
        return self._lock

    def _check_running(self) -> None:
        if not self._running:
            raise RuntimeError(_NOT_RUNNING)


class Topic(Generic[T]):
    """A named stream of `T` values on a `Hub`: publish values, subscribe to them."""

    __slots__ = ("hub", "name", "codec")

    def __init__(self, hub: Hub, name: str, codec: Codec[T]) -> None:
        self.hub = hub
        """The hub the topic lives on."""
        self.name = name
        """The topic's name, which is the broker's channel name."""
        self.codec = codec
        """The codec that turns values into messages and back."""

    def __repr__(self) -> str:
        return f"<Topic {self.name!r} of {self.codec.name}>"

    async def publish(self, value: T) -> None:
        """Send `value` to every current subscriber of the topic, in this process or any other on the same broker.

        Raises `TypeError`, before anything is published, when `value` is not
        a `T`, and `RuntimeError` when the hub is not running.
        """
        await self.hub._publish(self.name, _broker_message_of(self.codec.encode(value)))

    def subscribe(self, *, queue_size: int | None = None, overflow: OverflowPolicy | None = None) -> Subscription[T]:
        """A subscription to the topic; use it as `async with topic.subscribe() as values: async for v in values:`.

        Values published after the `async with` is entered arrive, in order
        (with Redis: published after Redis has handled the subscription request,
        which is sent before entering returns).
        `queue_size` and `overflow` default to the hub's.
        """
        return Subscription(
            self,
            self.hub.queue_size if queue_size is None else _checked_queue_size(queue_size),
            self.hub.overflow if overflow is None else _checked_overflow(overflow),
        )


class Subscription(Generic[T]):
    """The values published on a topic while the subscription is entered, as validated `T` values.

    An asynchronous context manager (entering subscribes, leaving
    unsubscribes) and an asynchronous iterator. A message that is not a valid
    `T` is logged as a warning and skipped. The iteration ends when the hub
    stops or the subscription is left.
    """

    __slots__ = ("topic", "queue_size", "overflow", "dropped", "_messages", "_arrived", "_state")

    def __init__(self, topic: Topic[T], queue_size: int, overflow: OverflowPolicy) -> None:
        self.topic = topic
        """The topic subscribed to."""
        self.queue_size = queue_size
        """How many values the subscriber may fall behind before `overflow` applies."""
        self.overflow: OverflowPolicy = overflow
        """What happens when a value arrives while the queue is full."""
        self.dropped = 0
        """How many values were dropped because the queue was full (`"drop_oldest"` policy)."""
        self._messages: deque[str] = deque()
        self._arrived = asyncio.Event()
        self._state: Literal["new", "open", "overflowed", "ended"] = "new"

    def __repr__(self) -> str:
        queued, dropped = len(self._messages), self.dropped
        return f"<Subscription to {self.topic.name!r} {self._state} queued={queued} dropped={dropped}>"

    async def __aenter__(self) -> Self:
        if self._state != "new":
            raise RuntimeError("a subscription can be entered only once; call topic.subscribe() again")
        await self.topic.hub._join(self.topic.name, self)
        self._state = "open"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._end()
        await self.topic.hub._leave(self.topic.name, self)

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        """The next valid value; raises `SubscriptionOverflow` once a `"raise"` subscription overflowed."""
        while True:
            if self._state == "overflowed":
                raise SubscriptionOverflow(self.topic.name, self.queue_size)
            if self._messages:
                message = self._messages.popleft()
                try:
                    return _decode(self.topic.codec, message)
                except MessageError as error:
                    logger.warning("skipped a message on topic %r: %s", self.topic.name, error)
                    continue
            if self._state == "ended":
                raise StopAsyncIteration
            if self._state == "new":
                raise RuntimeError("enter the subscription first: `async with topic.subscribe() as values:`")
            self._arrived.clear()
            await self._arrived.wait()

    def _offer(self, message: str) -> None:
        """Queue a message from the broker, applying the overflow policy when the queue is full."""
        if self._state != "open":
            return
        if len(self._messages) >= self.queue_size:
            if self.overflow == "raise":
                self._state = "overflowed"
                self._messages.clear()
                self._arrived.set()
                return
            self._messages.popleft()
            self.dropped += 1
            if self.dropped == 1:
                logger.warning(
                    "a subscriber of topic %r fell %d values behind: dropping its oldest values",
                    self.topic.name,
                    self.queue_size,
                )
        self._messages.append(message)
        self._arrived.set()

    def _end(self) -> None:
        if self._state in ("new", "open"):
            self._state = "ended"
        self._arrived.set()


class _EventSource(Protocol):
    async def get(self) -> Event: ...


class _Channel:
    """One broker subscription of a hub, shared by the hub's subscriptions to one topic name."""

    __slots__ = ("subscriptions", "_stack", "_pump")

    def __init__(self, stack: AsyncExitStack, source: _EventSource, name: str) -> None:
        self.subscriptions: set[Subscription[Any]] = set()
        self._stack = stack
        self._pump = asyncio.create_task(self._forward(source), name=f"typedws hub topic {name!r}")

    @classmethod
    async def open(cls, broadcast: Broadcast, name: str) -> _Channel:
        """Subscribe to `name` on the broker; returns once the subscription request is sent."""
        stack = AsyncExitStack()
        source = await stack.enter_async_context(broadcast.subscribe(name))
        return cls(stack, source, name)

    async def _forward(self, source: _EventSource) -> None:
        # Never waits on a subscriber: broadcaster's own queue for the channel stays short.
        while True:
            event = await source.get()
            for subscription in list(self.subscriptions):
                subscription._offer(event.message)

    async def close(self) -> None:
        """Stop forwarding and unsubscribe from the broker."""
        self._pump.cancel()
        await asyncio.wait([self._pump])
        await self._stack.aclose()


def _broker_message_of(frame: str | bytes) -> str:
    """The broker message carrying a frame: text as it is, binary frames in base64."""
    if isinstance(frame, bytes):
        return base64.b64encode(frame).decode("ascii")
    return frame


def _decode(codec: Codec[T], message: str) -> T:
    """The value a broker message holds; a codec for binary frames gets the base64-decoded bytes."""
    try:
        return codec.decode(message)
    except UnexpectedFrame:
        try:
            frame = base64.b64decode(message, validate=True)
        except binascii.Error:
            raise MalformedMessage("a message for binary frames that is not base64") from None
        return codec.decode(frame)


def _new_broadcast(url: str) -> Broadcast:
    try:
        from broadcaster import Broadcast
    except ImportError as error:
        raise ImportError("typedws.Hub needs broadcaster: install typedws[hub]") from error
    try:
        return Broadcast(url)
    except ImportError as error:  # the backend's client library, such as redis
        raise ImportError(f"typedws.Hub cannot use {url.partition(':')[0]!r} URLs: {error}") from error


def _checked_queue_size(queue_size: int) -> int:
    value: object = queue_size  # callers without mypy may pass anything
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"queue_size must be a positive int, got {queue_size!r}")
    return queue_size


def _checked_overflow(overflow: OverflowPolicy) -> OverflowPolicy:
    if overflow in ("drop_oldest", "raise"):
        return overflow
    raise ValueError(f"overflow must be 'drop_oldest' or 'raise', got {overflow!r}")
