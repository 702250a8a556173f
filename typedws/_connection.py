"""What every side of a typedws connection shares, so that each gives the same answer to the same thing.

The server connection (`WebSocket`), the typed endpoints, the client and the
test sessions take their defaults, check their options, cut close reasons,
carry frames in ASGI events and read how an exception ended a connection here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeAlias

from starlette.exceptions import WebSocketException
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from ._errors import MessageError

DEFAULT_MAX_SIZE = 1024 * 1024
"""The largest message a connection accepts by default, in bytes (1 MiB)."""

DEFAULT_CAUGHT_CLOSE_CODES: tuple[int, ...] = (1000, 1001, 1005, 1006)
"""Disconnects that end `async with ws:` and `async for` quietly.

1000 (normal closure) and 1001 (going away), as in the classic API, plus the
two codes RFC 6455 reserves for closes that carry no code of the peer's:
1005 (a close frame without a code, as browsers send for `ws.close()`) and
1006 (the connection dropped without a close frame).
"""

MAX_REASON_BYTES = 123
"""The most a close frame's reason can hold, in bytes of UTF-8 (RFC 6455, section 5.5)."""

NO_CODE = 1005
"""The code of a peer's close that carried none (RFC 6455), as ASGI servers report it."""

CAUGHT_BY_DEFAULT = frozenset(DEFAULT_CAUGHT_CLOSE_CODES)
"""`DEFAULT_CAUGHT_CLOSE_CODES` as the set connections hold."""

Ending: TypeAlias = WebSocketDisconnect | MessageError | WebSocketException
"""What ends a connection without being a bug of the application: the peer leaving, a bad
message from the peer, or Starlette's `WebSocketException` (a close with a chosen code)."""


def checked_caught_codes(codes: Iterable[int] | None) -> frozenset[int]:
    """The close codes to catch: `codes`, or `DEFAULT_CAUGHT_CLOSE_CODES` for `None`.

    Raises `TypeError` for anything but an iterable of `int`.
    """
    if codes is None or codes is CAUGHT_BY_DEFAULT:
        return CAUGHT_BY_DEFAULT
    try:
        caught = frozenset(codes)
    except TypeError:
        caught = None
    if caught is None or isinstance(codes, (str, bytes)) or not all(_is_int(code) for code in caught):
        raise TypeError(f"caught_close_codes must be close codes (ints), such as (1000, 1001), or None; got {codes!r}")
    return caught


def checked_max_size(max_size: int | None) -> int | None:
    """`max_size` itself, once checked: a positive number of bytes, or `None` for no limit; else `ValueError`."""
    if max_size is not None and (not _is_int(max_size) or max_size <= 0):
        raise ValueError(f"max_size must be a positive number of bytes or None, got {max_size!r}")
    return max_size


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def truncate_reason(reason: str | None) -> str:
    """Cut a close reason to the 123 bytes of UTF-8 a close frame can carry, at a character boundary."""
    if not reason:
        return ""
    encoded = reason.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return reason
    return encoded[:MAX_REASON_BYTES].decode(errors="ignore")


def frame_of(message: Message) -> str | bytes:
    """The frame a `websocket.receive` or `websocket.send` event carries: `str` for text, `bytes` for binary."""
    text: str | None = message.get("text")
    if text is None:
        data: bytes = message["bytes"]
        return data
    return text


def event_of(kind: Literal["websocket.receive", "websocket.send"], frame: str | bytes) -> Message:
    """The ASGI event of type `kind` that carries `frame`."""
    if type(frame) is str:
        return {"type": kind, "text": frame}
    return {"type": kind, "bytes": frame}


def close_of(disconnect: Message) -> tuple[int, str]:
    """The code and reason of a `websocket.disconnect` event (1005 when it carries no code)."""
    return disconnect.get("code", NO_CODE), disconnect.get("reason") or ""


def leaves_of(exc: BaseException) -> list[BaseException]:
    """`[exc]`, or the exceptions an exception group holds, nested groups flattened."""
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in leaves_of(inner)]
    return [exc]


def disconnect_in(exc: BaseException) -> WebSocketDisconnect | None:
    """The disconnect `exc` is, or the first one of an exception group holding nothing else."""
    leaves = leaves_of(exc)
    disconnects = [leaf for leaf in leaves if isinstance(leaf, WebSocketDisconnect)]
    return disconnects[0] if disconnects and len(disconnects) == len(leaves) else None


def ending_in(exc: BaseException) -> Ending | None:
    """How the connection ended, when `exc` holds nothing but an `Ending`.

    That is `exc` itself, or for an exception group holding only endings (as
    a task group raises when a reader and a writer both stop), its first
    disconnect, else its first error. `None` when anything else is in it.
    """
    leaves = leaves_of(exc)
    endings = [leaf for leaf in leaves if isinstance(leaf, (WebSocketDisconnect, MessageError, WebSocketException))]
    if not endings or len(endings) != len(leaves):
        return None
    return next((e for e in endings if isinstance(e, WebSocketDisconnect)), endings[0])
