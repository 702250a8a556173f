"""One topic or stream name in one process: its local subscribers, and each message decoded once for all of them."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from .._codecs import TEXT, Codec
from .._errors import MalformedMessage, MessageError, UnexpectedFrame
from ._entry import Entry
from ._forwarding import Fanout, Forwarding

__all__ = ["Channel", "Sink", "decode", "entry_of"]

logger = logging.getLogger("typedws.hub")


class Sink(Protocol):
    """A local subscriber: a subscription's queue, or a forwarding to a connection."""

    @property
    def codec(self) -> Codec[Any]:
        """The codec its values are decoded with."""
        ...

    @property
    def max_size(self) -> int | None:
        """The largest message it accepts, in bytes."""
        ...

    def offer(self, entry: Entry[Any]) -> None:
        """Take an entry, without waiting."""
        ...

    def end(self, error: BaseException | None) -> None:
        """The hub stopped (`None`), or cannot deliver any more (`error`)."""
        ...

    def miss(self) -> None:
        """Values may have been lost: the broker's connection dropped, or a stream's history was trimmed."""
        ...


class Channel:
    """The local subscribers of one topic (or stream) name, grouped by codec and size limit.

    A message is checked against each group's `max_size` and decoded by each
    group's codec once, then the same `Entry` goes to every subscriber of the
    group, in the order they joined.
    """

    __slots__ = ("name", "is_stream", "position", "_groups", "_fanouts")

    def __init__(self, name: str, is_stream: bool, position: str | None = None) -> None:
        self.name = name
        self.is_stream = is_stream
        self.position = position
        """For a stream: the position of the last entry dispatched (or where following started)."""
        self._groups: dict[tuple[Codec[Any], int | None], list[Sink]] = {}
        self._fanouts: dict[tuple[Codec[Any], int | None], Fanout] = {}

    @property
    def sinks(self) -> list[Sink]:
        """Every local subscriber (a group's forwardings as its one fanout)."""
        ...
        return [sink for sinks in self._groups.values() for sink in sinks]

    def add(self, sink: Sink | Forwarding[Any]) -> None:
        """Add a subscription, or a forwarding to its group's fanout."""
        ...
        key = (sink.codec, sink.max_size)
        if isinstance(sink, Forwarding):
            fanout = self._fanouts.get(key)
            if fanout is None:
                fanout = self._fanouts[key] = Fanout(sink.codec, sink.max_size)
                self._groups.setdefault(key, []).append(fanout)
            fanout.add(sink)
        else:
            self._groups.setdefault(key, []).append(sink)

    def remove(self, sink: Sink | Forwarding[Any]) -> bool:
        """Remove `sink`; whether it was there."""
        ...
        key = (sink.codec, sink.max_size)
        if isinstance(sink, Forwarding):
            fanout = self._fanouts.get(key)
            if fanout is None or not fanout.remove(sink):
                return False
            if fanout.forwardings:
                return True
            del self._fanouts[key]
            fanout.stop()
            return self._remove(key, fanout)
        return self._remove(key, sink)

    def _remove(self, key: tuple[Codec[Any], int | None], sink: Sink) -> bool:
        sinks = self._groups.get(key, [])
        if sink not in sinks:
            return False
        sinks.remove(sink)
        if not sinks:
            del self._groups[key]
        return True

    def stop(self) -> None:
        """Stop every fanout's sending."""
        ...
        for fanout in self._fanouts.values():
            fanout.stop()

    def __bool__(self) -> bool:
        return bool(self._groups)

    def dispatch(self, payload: bytes, position: str | None) -> None:
        """Decode a message once per group and offer the entry to every subscriber; skip what is invalid, logging it."""
        ...
        if position is not None:
            self.position = position
        for (codec, max_size), sinks in self._groups.items():  # offering never joins or leaves
            entry = entry_of(self.name, codec, max_size, payload, position)
            if entry is not None:
                for sink in sinks:
                    sink.offer(entry)


def entry_of(
    name: str, codec: Codec[Any], max_size: int | None, payload: bytes, position: str | None
) -> Entry[Any] | None:
    """The entry a message of `name` makes, or `None` (logged as a warning) when it is too large or not a valid value."""
    size = len(payload)
    if max_size is not None and size > max_size:
        logger.warning("skipped a message of %d bytes on %r: larger than its max_size of %d bytes", size, name, max_size)
        return None
    try:
        value = decode(codec, payload)
    except MessageError as error:
        # The reason is fixed text: the message's content never reaches the log.
        logger.warning("skipped a message of %d bytes on %r: %s", size, name, error.reason)
        return None
    return Entry(value, position, size)


def decode(codec: Codec[Any], payload: bytes) -> Any:
    """The value a message holds: as a binary frame first, as a text frame when the codec wants text."""
    if codec is TEXT:
        try:
            return TEXT.decode(payload.decode())
        except UnicodeDecodeError:
            raise MalformedMessage("a message that is not UTF-8 text") from None
    try:
        return codec.decode(payload)
    except UnexpectedFrame:
        try:
            text = payload.decode()
        except UnicodeDecodeError:
            raise MalformedMessage("a message that is not UTF-8 text") from None
        return codec.decode(text)
