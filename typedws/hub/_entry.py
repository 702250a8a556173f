"""`Entry[T]`: one message of a topic as this process received it, decoded once for all its subscribers."""

from __future__ import annotations

from typing import Any, Generic, final

from typing_extensions import TypeVar

from .._codecs import Codec

__all__ = ["Entry", "position_key"]

T = TypeVar("T", covariant=True)


@final
class Entry(Generic[T]):
    """A value received on a topic or stream, with where it stands in the stream.

    A stream's subscriptions yield entries; a topic's yield their values. One
    entry (and one value) is shared by every subscriber of the process: treat
    it as read-only.
    """

    __slots__ = ("value", "position", "size", "_frames")

    def __init__(self, value: T, position: str | None, size: int) -> None:
        self.value: T = value
        """The validated value."""
        self.position: str | None = position
        """The entry's position in its stream (`"1700000000000-0"`), or `None` for a topic's message.

        Pass it as `after=` to a later subscription to resume after this entry.
        """
        self.size: int = size
        """The size of the message that carried the value, in bytes."""
        self._frames: dict[Codec[Any], str | bytes] = {}

    def __repr__(self) -> str:
        return f"<Entry {self.position!r} of {self.size} bytes>"

    def frame_for(self, codec: Codec[Any]) -> str | bytes:
        """The frame `codec` encodes the value into, encoded once per codec and reused by every connection."""
        frame = self._frames.get(codec)
        if frame is None:
            frame = self._frames[codec] = codec.encode(self.value)
        return frame


def position_key(position: str) -> tuple[int, int]:
    """A position as the pair of numbers it orders by; `ValueError` when it is not `"MILLISECONDS-SEQUENCE"`."""
    milliseconds, dash, sequence = position.partition("-")
    if not (dash and milliseconds.isdigit() and sequence.isdigit() and milliseconds.isascii() and sequence.isascii()):
        raise ValueError("a stream position is two numbers joined by '-', like '1700000000000-0'")
    return int(milliseconds), int(sequence)
