"""The options every side of a connection shares, their defaults and their checks.

The server connection (`WebSocket`), the typed endpoints, the client and the
test sessions take their options here, so that each accepts the same values
and refuses the same mistakes with the same message.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal, TypeAlias, TypedDict, cast

__all__ = [
    "ALL_CLOSE_CODES",
    "DEFAULT_CAUGHT_CLOSE_CODES",
    "DEFAULT_MAX_SIZE",
    "CaughtCloseCodes",
    "ConnectionOptions",
    "checked_caught_codes",
    "checked_max_size",
]

DEFAULT_MAX_SIZE: Final = 1024 * 1024
"""The largest message a connection accepts by default, in bytes (1 MiB)."""

CaughtCloseCodes: TypeAlias = Literal["all"] | Iterable[int]
"""Close codes of a peer's close that end `async with` and `async for` quietly: `"all"`, or a set of codes.

The classic API's spelling `caught_close_codes=all` (the builtin) is accepted
too, as a synonym of `"all"`.
"""

DEFAULT_CAUGHT_CLOSE_CODES: Final = "all"
"""By default every close of the peer ends `async with` and `async for` quietly, 4000–4999 included."""


class _AllCloseCodes(frozenset[int]):
    """The caught close codes of `"all"`: every code a close frame may carry (1000–4999)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'all'"


ALL_CLOSE_CODES: Final[frozenset[int]] = _AllCloseCodes(range(1000, 5000))
"""What connections hold for `caught_close_codes="all"`: every close code."""


class ConnectionOptions(TypedDict, total=False):
    """Options of a connection, beside its value types."""

    caught_close_codes: CaughtCloseCodes | None
    """Close codes of a peer's close that end `async with` and `async for` quietly; default (and `None`): `"all"`."""

    max_size: int | None
    """The largest message accepted, in bytes; `None` for no limit. Larger ones close with 1009."""


def checked_caught_codes(codes: object) -> frozenset[int]:
    """The close codes to catch: `ALL_CLOSE_CODES` for `"all"`, `all` or `None`, else a frozenset of them.

    Raises `TypeError` for anything but those and an iterable of `int`.
    """
    if codes is None or codes is ALL_CLOSE_CODES or codes == "all" or codes is all:
        return ALL_CLOSE_CODES
    caught: list[object] | None = None
    if isinstance(codes, Iterable) and not isinstance(codes, (str, bytes)):
        try:
            caught = list(cast("Iterable[object]", codes))
        except TypeError:
            caught = None
    if caught is None or not all(_is_int(code) for code in caught):
        raise TypeError(f'caught_close_codes must be "all" or close codes (ints), such as (1000, 1001); got {codes!r}')
    return frozenset(code for code in caught if isinstance(code, int))


def checked_max_size(max_size: object) -> int | None:
    """`max_size` itself, once checked: a positive number of bytes, or `None` for no limit; else `ValueError`."""
    if max_size is None or (isinstance(max_size, int) and _is_int(max_size) and max_size > 0):
        return max_size
    raise ValueError(f"max_size must be a positive number of bytes or None, got {max_size!r}")


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
