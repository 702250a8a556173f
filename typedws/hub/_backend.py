"""What a hub needs from its broker (`Backend`), what a broker tells the hub (`Receiver`), and `backend_for(url)`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

__all__ = ["Backend", "Receiver", "backend_for", "redacted"]


class Receiver(Protocol):
    """The hub's side: what a backend calls, always from the event loop, never waiting."""

    def receive(self, name: str, payload: bytes, position: str | None) -> None:
        """A message on topic `name` (`position` is `None`), or an entry of stream `name` at `position`."""
        ...

    def lost(self, error: BaseException) -> None:
        """The connection to the broker is lost; the backend reconnects on its own."""
        ...

    def restored(self) -> None:
        """The connection is back, with every topic subscribed and every stream followed again."""
        ...

    def history_lost(self, stream: str) -> None:
        """Entries of a followed stream may have been trimmed before they could be read (after an outage)."""
        ...


class Backend(Protocol):
    """A broker: publish/subscribe for topics, append/read/follow for streams.

    `listen` and `follow` return once the broker has taken the subscription:
    what is published afterwards arrives through the receiver. A backend
    survives the loss of its connection by itself, telling the receiver.
    """

    async def start(self, receiver: Receiver) -> None:
        """Connect; raise when the broker cannot be reached."""
        ...

    async def stop(self) -> None:
        """Disconnect and stop every task of the backend."""
        ...

    async def publish(self, name: str, payload: bytes) -> None:
        """Send a message to the subscribers of topic `name`."""
        ...

    async def listen(self, name: str) -> None:
        """Subscribe to topic `name`; return once the broker confirmed it."""
        ...

    async def unlisten(self, name: str) -> None:
        """Unsubscribe from topic `name`."""
        ...

    async def append(self, name: str, payload: bytes, history: int) -> str:
        """Append an entry to stream `name`, keeping about `history` entries; return its position."""
        ...

    async def last_position(self, name: str) -> str:
        """The position of the stream's last entry, `"0-0"` when it has none."""
        ...

    async def read(self, name: str, after: str, until: str, count: int) -> list[tuple[str, bytes]]:
        """At most `count` entries of the stream after position `after`, up to `until` included."""
        ...

    async def trimmed_after(self, name: str, position: str) -> bool:
        """Whether entries after `position` may have been trimmed from the stream's history."""
        ...

    async def follow(self, name: str, after: str) -> None:
        """Deliver the stream's entries after position `after`, and every later one, to the receiver."""
        ...

    async def unfollow(self, name: str) -> None:
        """Stop delivering the stream's entries."""
        ...


def backend_for(url: str) -> Callable[[float], Backend]:
    """What makes the backend a hub URL names, given the time to wait for a subscription to be confirmed.

    Raises `ValueError` for an unknown scheme and `ImportError` without the
    scheme's client library, before anything connects.
    """
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    if scheme == "memory":
        from ._memory import MemoryBackend

        return lambda confirm_timeout: MemoryBackend()
    if scheme in ("redis", "rediss", "unix"):
        try:
            from ._redis import RedisBackend
        except ImportError as error:
            message = f"typedws.Hub needs redis-py for {scheme}:// URLs: install typedws[redis] ({error})"
            raise ImportError(message) from None
        return lambda confirm_timeout: RedisBackend(url, confirm_timeout)
    raise ValueError(f"unsupported hub URL scheme {scheme!r}: expected memory://, redis:// or rediss://")


def redacted(url: str) -> str:
    """`url` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))
