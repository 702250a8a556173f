"""Every public error of typedws, in one place.

What to catch, at a glance::

    Exception
    ├── MessageError             a received message the connection cannot accept (close_code, reason)
    │   ├── UnexpectedFrame      binary where text is expected, or text where bytes are    1003
    │   ├── MalformedMessage     invalid UTF-8, malformed or non-standard JSON            1007
    │   ├── InvalidMessage       well-formed JSON that fails validation (errors: ErrorDetail) 1007
    │   ├── MessageTooLarge      larger than the connection's max_size (size, max_size)   1009
    │   ├── MessageTooFragmented more fragments than the client accepts (frame flood)     1009
    │   ├── RateLimitExceeded    faster than the connection's rate_limit allows           1008
    │   └── IdleTimeout          no message for the connection's idle_timeout (seconds)   1001
    ├── WebSocketDisconnect      the connection has ended: the peer closed or dropped (code, reason)
    │   └── WebSocketClosed      a receive or send after the connection ended (either side's close)
    │                            (also Starlette's WebSocketDisconnected, a RuntimeError)
    ├── SubscriptionOverflow     a hub subscriber fell too far behind under the "raise" policy
    ├── HubUnavailable           the hub's broker cannot be reached: a publish failed, or recovery took too long
    └── RequestError             a request answered with an error reply (code, message, errors): raise it
                                 in an answer to send one; `request()` raises it when the peer sent one
    TimeoutError
    └── RequestTimeout           no reply to a request within its timeout (timeout)

`WebSocketDisconnect` is Starlette's own class, so code written for
Starlette catches the same exception. Peer data never appears in an
error's message: it may be logged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from starlette import status
from starlette.websockets import WebSocketDisconnect
from typing_extensions import NotRequired, TypedDict  # Pydantic validates these TypedDicts (in error replies)

if TYPE_CHECKING:
    from starlette.websockets import WebSocketDisconnected
else:
    try:
        from starlette.websockets import WebSocketDisconnected
    except ImportError:  # Starlette before 1.8 has no class of its own for a use after closing

        class WebSocketDisconnected(RuntimeError):
            """Raised when attempting to use a disconnected WebSocket (Starlette 1.8's, for older Starlette)."""


__all__ = [
    "ErrorDetail",
    "HubUnavailable",
    "IdleTimeout",
    "InvalidMessage",
    "MalformedMessage",
    "MessageError",
    "MessageTooFragmented",
    "MessageTooLarge",
    "RateLimitExceeded",
    "RequestError",
    "RequestTimeout",
    "SubscriptionOverflow",
    "UnexpectedFrame",
    "WebSocketClosed",
    "WebSocketDisconnect",
    "WebSocketDisconnected",
]


class MessageError(Exception):
    """A received message that the connection cannot accept.

    Every subclass maps to a WebSocket close code (`close_code`) and a fixed
    close reason (`reason`) that never contains the peer's data. Raised by
    `WebSocket.receive()`; a handler may catch it, answer with an error message
    and keep the connection. Uncaught inside `async with ws:` or
    `async for msg in ws:`, the connection is closed with `close_code`.
    """

    close_code: int = status.WS_1008_POLICY_VIOLATION
    """The close code the connection closes with when the error is not caught."""
    reason: str = "message refused"
    """The fixed close reason sent with `close_code`: never the peer's data."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
        """What was wrong, for logs; it may quote the peer's data."""


class UnexpectedFrame(MessageError):
    """A binary frame arrived where text is expected, or text where bytes are."""

    close_code = status.WS_1003_UNSUPPORTED_DATA
    reason = "unsupported frame type"


class MalformedMessage(MessageError):
    """The frame is not decodable: invalid UTF-8 or malformed, non-standard JSON."""

    close_code = status.WS_1007_INVALID_FRAME_PAYLOAD_DATA
    reason = "malformed message"


class ErrorDetail(TypedDict):
    """One reason a message failed validation: Pydantic's error details, without the peer's data."""

    type: str
    """Pydantic's error type, such as `"missing"` or `"string_too_long"`."""
    loc: tuple[int | str, ...]
    """Where in the message: field names and list positions (a dict key of the peer's may appear here)."""
    msg: str
    """What is wrong, in Pydantic's words, with any quote of the peer's input cut out (`…`)."""
    ctx: NotRequired[dict[str, object]]
    """The rule's parameters (`{"max_length": 20}`), when it has any; never the peer's data."""


class InvalidMessage(MessageError):
    """The frame is well-formed JSON whose value fails validation.

    `errors` lists why, one `ErrorDetail` per failure.
    """

    close_code = status.WS_1007_INVALID_FRAME_PAYLOAD_DATA
    reason = "invalid message"

    def __init__(
        self, detail: str, errors: Sequence[ErrorDetail] | Callable[[], list[ErrorDetail]] = ()
    ) -> None:
        super().__init__(detail)
        self._errors = errors

    @property
    def errors(self) -> list[ErrorDetail]:
        """Why the message failed validation: Pydantic's error details, without the peer's data."""
        if callable(self._errors):  # many errors are built on demand: the handler may never look
            self._errors = self._errors()
        return list(self._errors)


class MessageTooLarge(MessageError):
    """The message is larger than the connection's `max_size`.

    `size` is the message's size in bytes, or `None` when it was refused
    before its size was known (while inflating a compressed message).
    """

    close_code = status.WS_1009_MESSAGE_TOO_BIG
    reason = "message too large"

    def __init__(self, size: int | None, max_size: int) -> None:
        described = "message" if size is None else f"message of {size} bytes"
        super().__init__(f"{described} exceeds max_size of {max_size} bytes")
        self.size = size
        """The message's size in bytes (UTF-8 for text), or `None` when it was refused before it was known."""
        self.max_size = max_size
        """The limit it exceeded, in bytes."""


class MessageTooFragmented(MessageError):
    """The message came in more fragments than the client accepts (`websockets`' limit, 4096 frames).

    Raised by the client only (a server's fragments are uvicorn's to count).
    Each frame costs work whatever its size, so a flood of tiny or empty
    continuation frames is refused like a message too big to process: with
    1009, the code RFC 6455 gives that case and the one the protocol layer
    sends.
    """

    close_code = status.WS_1009_MESSAGE_TOO_BIG
    reason = "too many fragments"


class RateLimitExceeded(MessageError):
    """The peer sends more messages, or more bytes, per second than the connection's `rate_limit` allows.

    Raised (and the connection closed with 1008) under `RateLimit(action="close")`;
    under `action="drop"` the extra messages are dropped and counted instead.
    """

    close_code = status.WS_1008_POLICY_VIOLATION
    reason = "rate limit exceeded"

    def __init__(self, limit: str) -> None:
        super().__init__(f"the peer exceeded {limit}")


class IdleTimeout(MessageError):
    """No message arrived from the peer for the connection's `idle_timeout` seconds.

    Closes with 1001 (going away): a half-open connection, or a client that
    stopped sending its heartbeat. A handler may catch it to close otherwise.
    """

    close_code = status.WS_1001_GOING_AWAY
    reason = "idle timeout"

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no message from the peer for {seconds:g} s")
        self.seconds = seconds
        """The connection's idle timeout, in seconds."""


class WebSocketClosed(WebSocketDisconnect, WebSocketDisconnected):
    """A receive or send on a connection that has ended already: closed by this side, or by the server,
    or after the peer's close was received.

    A `WebSocketDisconnect`, so that one `except WebSocketDisconnect:` catches
    every way a connection ends, and Starlette 1.x's `WebSocketDisconnected`
    (a `RuntimeError`), which Starlette raises in the same cases. `code` and
    `reason` are those of the close. The close policy never lets it out of a
    handler: whatever ended the connection was seen first.
    """

    def __init__(self, code: int, reason: str | None = None, *, action: str = "use") -> None:
        super().__init__(code, reason)
        self.args: tuple[Any, ...] = (f"cannot {action} the connection: it is closed (close code {code})",)


class SubscriptionOverflow(Exception):
    """A hub subscriber fell more than its queue's bounds behind under the `"raise"` overflow policy.

    The queue holds at most `queue_size` values and `queue_bytes` bytes of
    messages; the subscriber went past one of them.
    """

    def __init__(self, topic: str, queue_size: int, queue_bytes: int | None = None) -> None:
        bounds = f"{queue_size} values" if queue_bytes is None else f"{queue_size} values or {queue_bytes} bytes"
        super().__init__(f"subscriber of topic {topic!r} fell more than {bounds} behind")
        self.topic = topic
        """The name of the topic the subscriber fell behind on."""
        self.queue_size = queue_size
        """How many values the subscriber's queue holds at most."""
        self.queue_bytes = queue_bytes
        """How many bytes of messages the subscriber's queue holds at most."""


class HubUnavailable(Exception):
    """The hub's broker cannot be reached.

    Raised by `Topic.publish` when the broker does not take the message (after
    the client's retries), by entering a subscription when the broker does not
    confirm it in time, and by a subscription's iteration when the connection
    to the broker was lost for longer than the hub's `recovery_timeout`. The
    broker's own error, if any, is the `__cause__`.
    """

    def __init__(self, url: str, detail: str) -> None:
        super().__init__(f"the hub's broker at {url!r} is unavailable: {detail}")
        self.url = url
        """The hub's URL, without its password."""
        self.detail = detail
        """What failed."""


class RequestError(Exception):
    """A request answered with an error reply instead of its reply: `code`, `message` and `errors`.

    Raise it (or a subclass with its own `code`) in an answer to refuse a
    request: the peer gets an error reply carrying the request's correlation
    id, and the connection stays open. `request()` raises it when the peer
    answered with an error reply; the message of the exception then names
    only the code, since the rest is the peer's data (kept in `message` and
    `errors`).

    Codes of typedws's own: `"invalid_request"` (the request failed
    validation; `errors` says where) and `"unsupported_request"` (no answer
    handles that request type).
    """

    code: str = "refused"
    """What went wrong, as a short name the requester can branch on."""

    def __init__(self, message: str = "", *, code: str | None = None, errors: Sequence[ErrorDetail] = ()) -> None:
        super().__init__(message or f"request refused ({code or self.code})")
        if code is not None:
            self.code = code
        self.message = message
        """A text for people; from the peer, it is the peer's data."""
        self.errors: list[ErrorDetail] = list(errors)
        """For `"invalid_request"`: where the request failed validation."""

    @classmethod
    def from_peer(cls, code: str, message: str, errors: Sequence[ErrorDetail] = ()) -> RequestError:
        """The error the peer answered with; the exception's message names the code only when it is a plain name."""
        error = cls(message, code=code, errors=errors)
        shown = code if _PLAIN_CODE.fullmatch(code) else "an unprintable code"
        error.args = (f"the peer refused the request ({shown})",)
        return error


_PLAIN_CODE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class RequestTimeout(TimeoutError):
    """No reply to a request came within its timeout; a reply arriving later is dropped."""

    def __init__(self, request: str, timeout: float) -> None:
        super().__init__(f"no reply to {request} within {timeout:g} s")
        self.timeout = timeout
        """The timeout that passed, in seconds."""
