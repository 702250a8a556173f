"""How a connection ends: the one policy every side applies, and the close frame's details.

When the code using a connection stops — an `async with ws:` block, a typed
endpoint's handler, a listener, a client block, a test session — the
exception it stopped with (if any) decides how the connection closes and
whether the exception goes on. `ending_of` decides, for every side:

| what stopped the code | closes with | goes on? |
| --- | --- | --- |
| the peer's close (`WebSocketDisconnect`) | (closed already) | only if its code is not caught |
| a bad message (`MessageError`) | its `close_code` | no |
| Starlette's `WebSocketException` | its `code` | no |
| a use of a connection already closed (`WebSocketClosed`) | (closed already) | no |
| any other exception: a bug | 1011 | yes |
| a cancellation (`BaseException`) | 1001 | yes |

An exception group (as a task group raises when a reader and a writer both
stop) that holds nothing but the first four ends as its most telling
member does: the peer's close first, then the error that made this side
close, then the use of the closed connection that followed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Iterator
from typing import Final, NamedTuple, TypeVar, cast

from starlette.exceptions import WebSocketException
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from ._errors import MessageError, WebSocketClosed

__all__ = [
    "MAX_REASON_BYTES",
    "next_value",
    "values",
    "NO_CODE",
    "NORMAL_CLOSE_CODES",
    "Ending",
    "close_of",
    "ending_of",
    "leaves_of",
    "stand_in_close",
    "truncate_reason",
]

MAX_REASON_BYTES: Final = 123
"""The most a close frame's reason can hold, in bytes of UTF-8 (RFC 6455, section 5.5)."""

NO_CODE: Final = 1005
"""The code of a peer's close that carried none (RFC 6455), as ASGI servers report it."""

ABNORMAL_CLOSURE: Final = 1006
"""The code of a connection that dropped without a close frame (RFC 6455)."""

NORMAL_CLOSE_CODES: Final = frozenset({1000, 1001, NO_CODE, ABNORMAL_CLOSURE})
"""A peer's closes that need no mention in a log: normal, going away, no code, dropped."""


class Ending(NamedTuple):
    """How a connection ends after the exception its code stopped with."""

    code: int
    """The close code: this side's close, or the peer's."""
    reason: str
    """The close reason sent with `code` (never the peer's data)."""
    propagate: bool
    """Whether the exception goes on after the connection is closed."""
    cause: BaseException
    """The member of the exception (group) that decided."""

    @property
    def by_peer(self) -> bool:
        """Whether the peer closed (or the connection dropped), so that this side has nothing to send."""
        return isinstance(self.cause, WebSocketDisconnect) and not isinstance(self.cause, WebSocketClosed)


_ENDINGS = (WebSocketDisconnect, MessageError, WebSocketException)


def ending_of(exc: BaseException, caught_close_codes: Container[int]) -> Ending:
    """How the connection ends for `exc`, given the peer's close codes that end quietly (see the module's table)."""
    leaves = leaves_of(exc)
    if all(isinstance(leaf, _ENDINGS) for leaf in leaves):
        cause = min(leaves, key=_rank)
        if isinstance(cause, MessageError):
            return Ending(cause.close_code, cause.reason, False, cause)
        if isinstance(cause, WebSocketException):
            return Ending(cause.code, truncate_reason(cause.reason), False, cause)
        if isinstance(cause, WebSocketDisconnect):
            quiet = isinstance(cause, WebSocketClosed) or cause.code in caught_close_codes
            return Ending(cause.code, cause.reason, not quiet, cause)
    if isinstance(exc, Exception):
        return Ending(1011, "internal error", True, exc)
    return Ending(1001, "", True, exc)


def _rank(leaf: BaseException) -> int:
    if isinstance(leaf, WebSocketClosed):
        return 2
    return 0 if isinstance(leaf, WebSocketDisconnect) else 1


_V = TypeVar("_V")


async def next_value(
    receive: Callable[[], Awaitable[_V]],
    caught_close_codes: Container[int],
    close: Callable[[int, str], Awaitable[object]],
) -> _V:
    """The next value of `async for` over a connection, by the rule of every side.

    A close whose code is caught ends the iteration (`StopAsyncIteration`);
    another is raised. A bad message closes the connection with its code
    (`close(code, reason)`), then is raised. `WebSocket.__anext__` inlines
    this rule on the hot path.
    """
    try:
        return await receive()
    except WebSocketDisconnect as error:
        if error.code in caught_close_codes:
            raise StopAsyncIteration from None
        raise
    except MessageError as error:
        await close(error.close_code, error.reason)
        raise


def values(
    receive: Callable[[], _V], caught_close_codes: Container[int], close: Callable[[int, str], object]
) -> Iterator[_V]:
    """The values of `for` over a blocking connection (a test session), by the same rule as `next_value`."""
    while True:
        try:
            yield receive()
        except WebSocketDisconnect as error:
            if error.code in caught_close_codes:
                return
            raise
        except MessageError as error:
            close(error.close_code, error.reason)
            raise


def leaves_of(exc: BaseException) -> list[BaseException]:
    """`[exc]`, or the exceptions an exception group holds, nested groups flattened."""
    if isinstance(exc, BaseExceptionGroup):
        group = cast("BaseExceptionGroup[BaseException]", exc)
        return [leaf for inner in group.exceptions for leaf in leaves_of(inner)]
    return [exc]


def truncate_reason(reason: str | None) -> str:
    """Cut a close reason to the 123 bytes of UTF-8 a close frame can carry, at a character boundary."""
    if not reason:
        return ""
    encoded = reason.encode()
    if len(encoded) <= MAX_REASON_BYTES:
        return reason
    return encoded[:MAX_REASON_BYTES].decode(errors="ignore")


def stand_in_close(close: Message) -> Message | None:
    """The close to send instead of `close` when the server refused it: code 1xxx as the private 4xxx, no reason.

    Daphne (its WebSocket layer, autobahn) lets an app close with 1000 and
    3000–4999 only, and raises for the codes of RFC 6455 that typedws uses
    (1003, 1007, 1009, 1011, 1001...); it sends no reason either. `None` when
    `close` is not a close with such a code, so that the error stands.
    """
    code = close.get("code", 1000)
    if close["type"] != "websocket.close" or not 1000 < code < 2000:
        return None
    return {"type": "websocket.close", "code": code + 3000}


def close_of(disconnect: Message) -> tuple[int, str]:
    """The code and reason of a `websocket.disconnect` event (1005 when it carries no code)."""
    return disconnect.get("code", NO_CODE), disconnect.get("reason") or ""
