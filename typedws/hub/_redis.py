"""`redis://` and `rediss://`: Redis pub/sub for topics and Redis Streams for streams, on redis-py's asyncio client.

Three clients share the URL: one for commands (publish, append, read), with
redis-py's retries; and two listeners without retries of their own, one
subscribed to the topics, one blocked on `XREAD` for the streams. A listener
that loses its connection is seen here: the hub is told, and the listener
reconnects with backoff, subscribes every topic again and reads every
stream on from the last entry it delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Final, Protocol, cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import AbstractBackoff, ExponentialWithJitterBackoff, NoBackoff
from redis.exceptions import ConnectionError, ResponseError, TimeoutError

from .._errors import HubUnavailable
from ._backend import Receiver, redacted
from ._entry import position_key

__all__ = ["RedisBackend"]

logger = logging.getLogger("typedws.hub")

LOST: Final = (ConnectionError, TimeoutError, OSError)
"""The errors that mean the connection to Redis is gone."""

HEALTH_CHECK_INTERVAL: Final = 5.0
"""Seconds of silence on the topics' connection after which it is pinged; unanswered for as long, it is lost."""

BLOCK_MILLISECONDS: Final = 1000
"""How long one `XREAD` waits for new entries; a stream followed meanwhile wakes it at once (`CLIENT UNBLOCK`)."""

READ_COUNT: Final = 100
"""How many entries one `XREAD` takes per stream at most."""

DATA_FIELD: Final = b"data"
"""The field of a stream entry that holds the message."""

RECONNECT_DELAYS: Final = (0.05, 2.0)
"""The first and the longest wait between two attempts to reconnect, in seconds (doubling, with jitter)."""


class _PubSub(Protocol):
    """What typedws uses of redis-py's asyncio `PubSub`."""

    async def subscribe(self, *channels: str) -> object: ...
    async def unsubscribe(self, *channels: str) -> object: ...
    async def get_message(self, *, timeout: float) -> object: ...
    async def ping(self) -> object: ...
    async def aclose(self) -> None: ...


class _Client(Protocol):
    """What typedws uses of redis-py's asyncio `Redis` client: the commands, with the types their replies have."""

    async def ping(self) -> object: ...
    async def publish(self, channel: str, message: bytes) -> object: ...
    async def xadd(self, name: str, fields: Mapping[bytes, bytes], *, maxlen: int, approximate: bool) -> object: ...
    async def xrevrange(self, name: str, *, count: int) -> Sequence[tuple[object, object]]: ...
    async def xrange(self, name: str, *, min: str, max: str, count: int) -> Sequence[tuple[object, object]]: ...
    async def xinfo_stream(self, name: str) -> Mapping[str, object]: ...
    async def xread(self, streams: Mapping[str, str], *, count: int, block: int) -> object: ...
    async def client_id(self) -> int: ...
    async def client_unblock(self, client_id: int) -> object: ...
    def pubsub(self) -> _PubSub: ...
    async def aclose(self) -> None: ...


def _client(
    url: str, name: str, backoff: AbstractBackoff, retries: int, *, socket_timeout: float | None, single: bool = False
) -> _Client:
    """A redis-py asyncio client (RESP2) for `url`, seen through `_Client`: redis-py leaves some of its types unknown."""
    client = Redis.from_url(  # pyright: ignore[reportUnknownMemberType]
        url,
        client_name=name,
        protocol=2,
        retry=Retry(backoff, retries),
        single_connection_client=single,
        socket_connect_timeout=5,
        socket_timeout=socket_timeout,
    )
    return cast(_Client, client)


def _delays() -> Iterator[float]:
    first, longest = RECONNECT_DELAYS
    delay = first
    while True:
        yield delay * random.uniform(0.5, 1.0)
        delay = min(delay * 2, longest)


class RedisBackend:
    """Topics on Redis pub/sub (`PUBLISH`/`SUBSCRIBE`), streams on Redis Streams (`XADD MAXLEN ~`/`XREAD`)."""

    def __init__(self, url: str, confirm_timeout: float) -> None:
        self._url = redacted(url)
        self._confirm_timeout = confirm_timeout
        retried = ExponentialWithJitterBackoff(base=0.05, cap=0.5)
        self._commands = _client(url, "typedws-hub", retried, 3, socket_timeout=10)
        # The listeners retry nothing themselves: every loss is seen, told and recovered below.
        self._topics_client = _client(url, "typedws-hub-topics", NoBackoff(), 0, socket_timeout=None)
        self._streams_client = _client(url, "typedws-hub-streams", NoBackoff(), 0, socket_timeout=10, single=True)
        self._receiver: Receiver | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._down: set[str] = set()
        # Topics: the subscribed names, the subscriptions waiting for Redis to confirm, the live connection.
        self._topics: set[str] = set()
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._topics_wanted = asyncio.Event()
        self._pubsub: _PubSub | None = None
        # Streams: each followed stream and the position of the last entry delivered.
        self._streams: dict[str, str] = {}
        self._streams_wanted = asyncio.Event()
        self._reader_id: int | None = None
        self._reading: frozenset[str] = frozenset()

    async def start(self, receiver: Receiver) -> None:
        try:
            await self._commands.ping()
        except LOST as error:
            await self._close_clients()
            raise HubUnavailable(self._url, "cannot connect") from error
        self._receiver = receiver
        self._tasks = [
            asyncio.create_task(self._listen_to_topics(), name=f"typedws hub topics on {self._url}"),
            asyncio.create_task(self._read_streams(), name=f"typedws hub streams on {self._url}"),
        ]

    async def stop(self) -> None:
        # The flag ends the loops even where a client call swallows a cancellation (seen with XREAD BLOCK).
        self._stopping = True
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._receiver = None
        for futures in self._confirmations.values():
            for future in futures:
                future.cancel()
        self._confirmations.clear()
        self._topics.clear()
        self._streams.clear()
        await self._close_clients()

    async def _close_clients(self) -> None:
        for client in (self._commands, self._topics_client, self._streams_client):
            await client.aclose()

    # Topics ----------------------------------------------------------------------------------------

    async def publish(self, name: str, payload: bytes) -> None:
        try:
            await self._commands.publish(name, payload)
        except LOST as error:
            raise HubUnavailable(self._url, "could not publish") from error

    async def listen(self, name: str) -> None:
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations.setdefault(name, []).append(confirmed)
        self._topics.add(name)
        self._topics_wanted.set()
        try:
            if self._pubsub is not None:
                with contextlib.suppress(*LOST):  # the listener reconnects and subscribes every topic
                    await self._pubsub.subscribe(name)
            async with asyncio.timeout(self._confirm_timeout):
                await confirmed
        except BaseException as error:
            self._topics.discard(name)  # not subscribed: nothing to subscribe to again after a reconnection
            if isinstance(error, TimeoutError):
                detail = f"the subscription was not confirmed within {self._confirm_timeout} s"
                raise HubUnavailable(self._url, detail) from None
            raise
        finally:
            waiting = self._confirmations.get(name, [])
            if confirmed in waiting:
                waiting.remove(confirmed)

    async def unlisten(self, name: str) -> None:
        self._topics.discard(name)
        if self._pubsub is not None:
            with contextlib.suppress(*LOST):
                await self._pubsub.unsubscribe(name)

    async def _listen_to_topics(self) -> None:
        delays = _delays()
        while not self._stopping:
            if not self._topics:
                if "topics" in self._down:  # nothing to subscribe to: just wait until Redis answers again
                    await self._wait_until_reachable("topics")
                self._topics_wanted.clear()
                await self._topics_wanted.wait()
                continue
            pubsub = self._topics_client.pubsub()
            try:
                await pubsub.subscribe(*self._topics)
                self._pubsub = pubsub
                await self._receive_messages(pubsub)
            except LOST as error:
                self._pubsub = None
                self._lost("topics", error)
                await asyncio.sleep(next(delays))
            finally:
                self._pubsub = None
                await pubsub.aclose()
            if "topics" not in self._down:
                delays = _delays()

    async def _receive_messages(self, pubsub: _PubSub) -> None:
        """Hand every message to the receiver until the backend stops; raise when the connection is lost."""
        pinged = False
        while not self._stopping:
            received = await pubsub.get_message(timeout=HEALTH_CHECK_INTERVAL)
            if not isinstance(received, Mapping):
                if pinged:
                    raise ConnectionError("Redis did not answer a health check")
                if self._topics:  # unsubscribed from everything, the connection is idle: nothing to check
                    await pubsub.ping()
                    pinged = True
                continue
            pinged = False
            message = cast("Mapping[str, object]", received)
            kind, channel, data = message.get("type"), message.get("channel"), message.get("data")
            if kind == "message" and isinstance(channel, bytes) and isinstance(data, bytes):
                if self._receiver is not None:
                    self._receiver.receive(channel.decode(errors="replace"), data, None)
                await asyncio.sleep(0)  # subscribers that keep up read it before the next one
            elif kind == "subscribe" and isinstance(channel, bytes):
                self._restored("topics")
                for future in self._confirmations.pop(channel.decode(errors="replace"), []):
                    if not future.done():
                        future.set_result(None)

    async def _wait_until_reachable(self, link: str) -> None:
        delays = _delays()
        while not self._stopping:
            try:
                await self._topics_client.ping()
            except LOST:
                await asyncio.sleep(next(delays))
            else:
                self._restored(link)
                return

    # Streams ---------------------------------------------------------------------------------------

    async def append(self, name: str, payload: bytes, history: int) -> str:
        try:
            position = await self._commands.xadd(name, {DATA_FIELD: payload}, maxlen=history, approximate=True)
        except LOST as error:
            raise HubUnavailable(self._url, "could not append to the stream") from error
        return _text(position)

    async def last_position(self, name: str) -> str:
        try:
            newest = await self._commands.xrevrange(name, count=1)
        except LOST as error:
            raise HubUnavailable(self._url, "could not read the stream") from error
        return _text(newest[0][0]) if newest else "0-0"

    async def read(self, name: str, after: str, until: str, count: int) -> list[tuple[str, bytes]]:
        try:
            entries = await self._commands.xrange(name, min=f"({after}", max=until, count=count)
        except LOST as error:
            raise HubUnavailable(self._url, "could not read the stream") from error
        found: list[tuple[str, bytes]] = []
        for position, fields in entries or []:
            data = cast("Mapping[bytes, object]", fields).get(DATA_FIELD) if isinstance(fields, Mapping) else None
            if isinstance(data, bytes):
                found.append((_text(position), data))
            else:
                logger.warning("skipped an entry of stream %r at %r: it has no 'data' field", name, _text(position))
        return found

    async def trimmed_after(self, name: str, position: str) -> bool:
        try:
            info = await self._commands.xinfo_stream(name)
        except ResponseError:  # no such stream: nothing was ever trimmed
            return False
        except LOST as error:
            raise HubUnavailable(self._url, "could not read the stream") from error
        first, length, added = info.get("first-entry"), info.get("length"), info.get("entries-added")
        if not isinstance(length, int) or not isinstance(added, int):  # Redis before 7 does not count entries added
            return True
        if added == length:
            return False
        if not isinstance(first, (list, tuple)) or not first:
            return True
        oldest: object = cast("Sequence[object]", first)[0]
        # The entries trimmed are all before the oldest kept: some may come after `position` when it is one of them.
        return position_key(position) < position_key(_text(oldest))

    async def follow(self, name: str, after: str) -> None:
        self._streams[name] = after
        self._streams_wanted.set()
        # A reader blocked on other streams would see this one only after its wait: wake it.
        for _ in range(20):
            reader = self._reader_id
            if reader is None or name in self._reading or not self._reading:
                return
            with contextlib.suppress(*LOST):
                if await self._commands.client_unblock(reader):
                    return
            await asyncio.sleep(0.005)

    async def unfollow(self, name: str) -> None:
        self._streams.pop(name, None)

    async def _read_streams(self) -> None:
        delays = _delays()
        while not self._stopping:
            await self._streams_wanted.wait()
            try:
                if "streams" in self._down and self._receiver is not None:
                    for name, position in list(self._streams.items()):
                        if await self.trimmed_after(name, position):
                            self._receiver.history_lost(name)
                self._reader_id = await self._streams_client.client_id()
                self._restored("streams")
                delays = _delays()
                await self._deliver_entries()
            except (*LOST, HubUnavailable) as error:
                self._lost("streams", error)
                await asyncio.sleep(next(delays))
            finally:
                self._reader_id = None
                self._reading = frozenset()

    async def _deliver_entries(self) -> None:
        """Hand the followed streams' entries to the receiver until none is followed; raise when the link is lost."""
        while self._streams and not self._stopping:
            self._reading = frozenset(self._streams)
            response = await self._streams_client.xread(dict(self._streams), count=READ_COUNT, block=BLOCK_MILLISECONDS)
            self._reading = frozenset()
            for stream, entries in _stream_entries(response):
                for position, data in entries:
                    if stream not in self._streams:
                        break
                    self._streams[stream] = position
                    if data is None:
                        logger.warning("skipped an entry of stream %r at %r: it has no 'data' field", stream, position)
                    elif self._receiver is not None:
                        self._receiver.receive(stream, data, position)
                    await asyncio.sleep(0)  # subscribers that keep up read it before the next one
        self._streams_wanted.clear()

    # The connection's state ------------------------------------------------------------------------

    def _lost(self, link: str, error: BaseException) -> None:
        if not self._down and self._receiver is not None:
            self._receiver.lost(error)
        self._down.add(link)

    def _restored(self, link: str) -> None:
        if link in self._down:
            self._down.discard(link)
            if not self._down and self._receiver is not None:
                self._receiver.restored()


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _pair(value: object) -> tuple[object, object] | None:
    """`value` as a pair, when it is a list or tuple of two."""
    if isinstance(value, (list, tuple)):
        items = cast("Sequence[object]", value)
        if len(items) == 2:
            return items[0], items[1]
    return None


def _stream_entries(response: object) -> Iterator[tuple[str, list[tuple[str, bytes | None]]]]:
    """The entries of an `XREAD` reply (RESP2: `[[stream, [(position, {field: value})]]]`), per stream."""
    if not isinstance(response, list):
        return
    for item in cast("list[object]", response):
        stream = _pair(item)
        if stream is None or not isinstance(stream[1], list):
            continue
        entries: list[tuple[str, bytes | None]] = []
        for entry in cast("list[object]", stream[1]):
            pair = _pair(entry)
            if pair is not None:
                position, fields = pair
                data = cast("Mapping[bytes, object]", fields).get(DATA_FIELD) if isinstance(fields, Mapping) else None
                entries.append((_text(position), data if isinstance(data, bytes) else None))
        yield _text(stream[0]), entries
