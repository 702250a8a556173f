"""`Hub`: typed topics and streams over a broker, with one local subscription per name and process."""

from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Any, Literal, overload

from pydantic import TypeAdapter
from typing_extensions import Self, TypeVar

from .._codecs import Codec, codec_for
from .._errors import HubUnavailable
from .._options import DEFAULT_MAX_SIZE, checked_max_size
from ._backend import Backend, backend_for, redacted
from ._channel import Channel, Sink
from ._forwarding import Forwarding
from ._queue import DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_SIZE, OverflowPolicy, checked_bound, checked_overflow
from ._topic import Stream, Topic

__all__ = ["DEFAULT_HISTORY", "DEFAULT_RECOVERY_TIMEOUT", "Hub"]

logger = logging.getLogger("typedws.hub")

_V = TypeVar("_V")

DEFAULT_HISTORY = 1000
"""How many values a stream keeps by default."""

DEFAULT_RECOVERY_TIMEOUT = 30.0
"""Seconds the hub may go without its broker before subscriptions end with `HubUnavailable`."""

_HUB_DEFAULT: Any = object()
"""`max_size` not given: the hub's."""

_NOT_RUNNING = "the hub is not running: use it inside `async with hub:`"


class Hub:
    """Typed publish/subscribe over a broker named by `url`.

    `memory://` (the default) connects the subscribers of one hub in one
    process; `redis://host:port/db` (`rediss://` for TLS) spans processes and
    machines. Use it as `async with hub:`, for example in a Starlette or
    FastAPI lifespan, and get typed topics from `hub.topic(name, value_type)`
    and streams (with history and positions) from `hub.stream(...)`. A hub
    can be entered again after it is left.

    Each message is decoded once per process, whatever the number of
    subscribers. Each subscriber has its own queue, bounded by `queue_size`
    values and `queue_bytes` bytes; `overflow` decides what happens to one
    that falls further behind. A lost connection to the broker is
    re-established with backoff; past `recovery_timeout` seconds without it,
    subscriptions end with `HubUnavailable`.
    """

    def __init__(
        self,
        url: str = "memory://",
        *,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        queue_bytes: int = DEFAULT_QUEUE_BYTES,
        overflow: OverflowPolicy = "drop_oldest",
        max_size: int | None = DEFAULT_MAX_SIZE,
        recovery_timeout: float = DEFAULT_RECOVERY_TIMEOUT,
    ) -> None:
        self._make_backend = backend_for(url)  # an unknown scheme or a missing client library fails here
        self.url: str = redacted(url)
        """The broker's URL, without its password."""
        self.queue_size: int = checked_bound("queue_size", queue_size)
        """The default number of values a subscriber may fall behind."""
        self.queue_bytes: int = checked_bound("queue_bytes", queue_bytes)
        """The default number of bytes of messages a subscriber may fall behind."""
        self.overflow: OverflowPolicy = checked_overflow(overflow)
        """The default overflow policy of a subscriber's queue."""
        self.max_size: int | None = checked_max_size(max_size)
        """The default largest message of a topic, in bytes (`None`: no limit)."""
        if not recovery_timeout > 0:
            raise ValueError(f"recovery_timeout must be a positive number of seconds, got {recovery_timeout!r}")
        self.recovery_timeout = recovery_timeout
        """Seconds the hub may go without its broker before subscriptions end with `HubUnavailable`."""
        self._backend: Backend | None = None
        self._router = _Router(self)
        self._channels = self._router.channels
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<Hub {self.url!r} {'running' if self.running else 'stopped'}>"

    @property
    def running(self) -> bool:
        """Whether the hub is connected: between entering and leaving `async with hub:`."""
        return self._backend is not None

    async def __aenter__(self) -> Self:
        if self._backend is not None:
            raise RuntimeError("the hub is running already")
        backend = self._make_backend(self.recovery_timeout)
        await backend.start(self._router)
        self._lock = asyncio.Lock()  # of this event loop: a hub may run again under another one (a test client's)
        self._backend = backend
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        """End every subscription (their iterations stop) and disconnect from the broker."""
        backend, self._backend = self._backend, None
        if backend is None:
            return
        async with self._lock:
            channels = list(self._channels.values())
            self._channels.clear()
        self._router.stop_giving_up()
        for channel in channels:
            for sink in channel.sinks:
                sink.end(None)
            channel.stop()
        await backend.stop()

    @overload
    def topic(self, name: str, value_type: Literal["text"], *, max_size: int | None = ...) -> Topic[str]: ...
    @overload
    def topic(self, name: str, value_type: Literal["bytes"], *, max_size: int | None = ...) -> Topic[bytes]: ...
    @overload
    def topic(self, name: str, value_type: Literal["json"], *, max_size: int | None = ...) -> Topic[Any]: ...
    @overload
    def topic(
        self, name: str, value_type: type[_V] | TypeAdapter[_V] | Codec[_V], *, max_size: int | None = ...
    ) -> Topic[_V]: ...
    def topic(self, name: str, value_type: Any, *, max_size: Any = _HUB_DEFAULT) -> Topic[Any]:
        """The topic `name` carrying values of `value_type` (any form `WebSocket` accepts).

        Topics are cheap to make; the name is the broker's channel name.
        `max_size` (default: the hub's) bounds a message in bytes, both ways.
        """
        return Topic(self, _checked_name(name), codec_for(value_type), self._max_size(max_size))

    @overload
    def stream(
        self, name: str, value_type: Literal["text"], *, history: int = ..., max_size: int | None = ...
    ) -> Stream[str]: ...
    @overload
    def stream(
        self, name: str, value_type: Literal["bytes"], *, history: int = ..., max_size: int | None = ...
    ) -> Stream[bytes]: ...
    @overload
    def stream(
        self, name: str, value_type: Literal["json"], *, history: int = ..., max_size: int | None = ...
    ) -> Stream[Any]: ...
    @overload
    def stream(
        self,
        name: str,
        value_type: type[_V] | TypeAdapter[_V] | Codec[_V],
        *,
        history: int = ...,
        max_size: int | None = ...,
    ) -> Stream[_V]: ...
    def stream(
        self, name: str, value_type: Any, *, history: int = DEFAULT_HISTORY, max_size: Any = _HUB_DEFAULT
    ) -> Stream[Any]:
        """The stream `name` carrying values of `value_type`, keeping at least its last `history` values.

        The name is the broker's key (a Redis Stream); every process must use
        it as a stream, with the same history.
        """
        history = checked_bound("history", history)
        return Stream(self, _checked_name(name), codec_for(value_type), self._max_size(max_size), history)

    def _max_size(self, max_size: int | None) -> int | None:
        return self.max_size if max_size is _HUB_DEFAULT else checked_max_size(max_size)

    # For topics, streams and their subscriptions ---------------------------------------------

    def _running_backend(self) -> Backend:
        if self._backend is None:
            raise RuntimeError(_NOT_RUNNING)
        return self._backend

    async def _publish(self, name: str, payload: bytes) -> None:
        await self._running_backend().publish(name, payload)

    async def _append(self, name: str, payload: bytes, history: int) -> str:
        return await self._running_backend().append(name, payload, history)

    async def _read(self, name: str, after: str, until: str, count: int) -> list[tuple[str, bytes]]:
        return await self._running_backend().read(name, after, until, count)

    async def _trimmed_after(self, name: str, position: str) -> bool:
        return await self._running_backend().trimmed_after(name, position)

    async def _join(self, topic: Topic[Any] | Stream[Any], sink: Sink | Forwarding[Any]) -> str | None:
        """Add a local subscriber, subscribing on the broker first if it is the name's first; for a stream, return
        the position after which its entries reach the subscriber."""
        is_stream = isinstance(topic, Stream)
        key = (is_stream, topic.name)
        async with self._lock:
            backend = self._running_backend()
            channel = self._channels.get(key)
            if channel is None:
                if is_stream:
                    position = await backend.last_position(topic.name)
                    await backend.follow(topic.name, position)
                    channel = Channel(topic.name, True, position)
                else:
                    await backend.listen(topic.name)
                    channel = Channel(topic.name, False)
                self._channels[key] = channel
            channel.add(sink)
            return channel.position

    async def _leave(self, topic: Topic[Any] | Stream[Any], sink: Sink | Forwarding[Any]) -> None:
        key = (isinstance(topic, Stream), topic.name)
        async with self._lock:
            channel = self._channels.get(key)
            if channel is None or not channel.remove(sink) or channel:
                return
            del self._channels[key]
            if self._backend is not None:
                try:
                    if channel.is_stream:
                        await self._backend.unfollow(topic.name)
                    else:
                        await self._backend.unlisten(topic.name)
                except HubUnavailable:
                    pass  # nothing to unsubscribe from: the connection is gone


class _Router:
    """What the broker tells a hub (`Receiver`): messages for its channels, and the state of the connection."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.channels: dict[tuple[bool, str], Channel] = {}
        """The hub's local channels, by (is a stream, name)."""
        self._giving_up: asyncio.TimerHandle | None = None

    def receive(self, name: str, payload: bytes, position: str | None) -> None:
        """Hand a message (or a stream's entry) to the local subscribers of its name."""
        channel = self.channels.get((position is not None, name))
        if channel is not None:
            channel.dispatch(payload, position)

    def lost(self, error: BaseException) -> None:
        """Log the loss of the broker, mark the topics' subscribers incomplete, and start counting to giving up."""
        url, kind = self.hub.url, type(error).__name__
        logger.warning("lost the connection to the hub's broker at %r (%s): reconnecting", url, kind)
        for channel in self.channels.values():
            if not channel.is_stream:
                for sink in channel.sinks:
                    sink.miss()
        self.stop_giving_up()
        self._giving_up = asyncio.get_running_loop().call_later(self.hub.recovery_timeout, self._give_up)

    def restored(self) -> None:
        """Log that the broker is back."""
        self.stop_giving_up()
        topics = sum(1 for channel in self.channels.values() if not channel.is_stream)
        logger.info(
            "reconnected to the hub's broker at %r: %d topics and %d streams resumed",
            self.hub.url,
            topics,
            len(self.channels) - topics,
        )

    def history_lost(self, stream: str) -> None:
        """Mark a stream's subscribers incomplete: entries were trimmed before they could be read."""
        logger.warning("entries of stream %r may have been trimmed while the broker was unreachable", stream)
        channel = self.channels.get((True, stream))
        if channel is not None:
            for sink in channel.sinks:
                sink.miss()

    def _give_up(self) -> None:
        self._giving_up = None
        sinks = [sink for channel in self.channels.values() for sink in channel.sinks]
        logger.warning(
            "the hub's broker at %r is still unreachable after %s s: ending %d subscriptions",
            self.hub.url,
            self.hub.recovery_timeout,
            len(sinks),
        )
        error = HubUnavailable(self.hub.url, f"no connection for {self.hub.recovery_timeout} s")
        for sink in sinks:
            sink.end(error)

    def stop_giving_up(self) -> None:
        """Forget a pending end of the subscriptions (the broker is back, or the hub stops)."""
        if self._giving_up is not None:
            self._giving_up.cancel()
            self._giving_up = None


def _checked_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError("a topic name must be a non-empty str")
    return name
