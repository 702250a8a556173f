"""Correlation: requests, replies and messages in frames, for one connection, without I/O.

One `Correlator` per connection turns what a side sends into frames and
sorts what arrives, whichever side it is (server, client, test session);
the drivers (`Peer`, and the blocking one of the sync test session) only
move frames and wait. The wire format:

- a request is its JSON object with the correlation id added as a
  top-level field (`"id"` unless the connection names another):
  `{"id": 1, "type": "get_room", "name": "lobby"}`;
- its reply is the reply's JSON object with the same id added;
- an error reply is `{"id": 1, "error": {"code": ..., "message": ..., "errors": [...]}}`;
- any other message carries no id, exactly as without requests.

How an arriving frame is sorted (the documented rule):

1. no correlation id (absent, or `null`): a message, validated as `In`; a
   bad one raises its `MessageError` (the connection closes with its code);
2. an error reply (`error` is its only other field): it fails the pending
   request of that id, or is dropped when none is pending;
3. an id of a pending request of ours and a valid reply: that request's reply;
4. a valid request type of `In`: a request, to answer with that id (this
   wins over rule 3's failures, so ids both sides count alike never mix up);
5. an id of a pending request of ours and an invalid reply: that request
   fails with the `MessageError`;
6. anything else with an id that fails validation: dropped when the id is
   one of our last `FORGOTTEN_IDS` requests that timed out or were given up
   (a late reply), else a bad request, answered with the error reply
   `"invalid_request"`;
7. a valid `In` value that is no request (a reply nothing awaits): dropped.

What is dropped is logged at DEBUG, without the peer's data.

A correlation id is a JSON string of at most 128 characters or an integer
of at most 2**53 in magnitude; anything else closes the connection (1007).
The request and reply types must not have a field of the correlation
field's name (checked when a correlator is built, or a type first used).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeAlias, cast

import pydantic_core
from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypeVar

from .._codecs import BYTES, TEXT, Codec
from .._errors import InvalidMessage, MalformedMessage, MessageError, RequestError
from ._declared import ErrorReply, RequestFor, is_json, json_fields, reply_codec, request_classes
from .._typing import display_name

__all__ = [
    "DEFAULT_CORRELATION_FIELD",
    "BadRequest",
    "CorrelationId",
    "Correlator",
    "Dropped",
    "Incoming",
    "Message",
    "Reply",
    "Request",
    "invalid_request",
    "unsupported_request",
]

logger = logging.getLogger("typedws")

InT = TypeVar("InT", default=Any)
OutT = TypeVar("OutT", default=Any)

DEFAULT_CORRELATION_FIELD: Final = "id"
"""The top-level field that carries a request's correlation id, unless the connection names another."""

CorrelationId: TypeAlias = str | int
"""A correlation id: ours are integers counted per connection; the peer's are its own."""

MAX_ID_LENGTH: Final = 128
"""The longest correlation id string accepted from the peer, in characters."""

MAX_ID_MAGNITUDE: Final = 2**53
"""The largest correlation id integer accepted from the peer, in magnitude (JavaScript's safe integers)."""

FORGOTTEN_IDS: Final = 64
"""How many ids of requests given up (timed out, cancelled) a correlator remembers, to drop their late replies."""

_ERROR_REPLIES: TypeAdapter[ErrorReply] = TypeAdapter(ErrorReply)


@dataclass(frozen=True, slots=True)
class Message(Generic[InT]):
    """A message without a correlation id: it goes where messages go."""

    value: InT


@dataclass(frozen=True, slots=True)
class Request(Generic[InT]):
    """A request from the peer, to answer with its correlation id."""

    id: CorrelationId
    value: InT


@dataclass(frozen=True, slots=True)
class Reply:
    """The outcome of a pending request of ours: its reply, or the error that fails it."""

    id: CorrelationId
    value: Any
    error: Exception | None = None


@dataclass(frozen=True, slots=True)
class BadRequest:
    """A frame with a correlation id that is no valid message: answered with an error reply."""

    id: CorrelationId
    error: RequestError


@dataclass(frozen=True, slots=True)
class Dropped:
    """A frame with a correlation id that answers nothing pending: a late or unknown reply."""


Incoming: TypeAlias = Message[InT] | Request[InT] | Reply | BadRequest | Dropped
"""What an arriving frame turns out to be."""


def invalid_request(error: MessageError) -> RequestError:
    """The error reply's error for a request that failed validation."""
    details = error.errors if isinstance(error, InvalidMessage) else []
    return RequestError(str(error), code="invalid_request", errors=details)


def unsupported_request(request: object) -> RequestError:
    """The error reply's error for a request no answer handles."""
    return RequestError(f"{type(request).__name__} requests are not answered here", code="unsupported_request")


class Correlator(Generic[InT, OutT]):
    """Frames in and out of one connection with requests: ids, pending requests, and the sorting rule.

    `receive_codec` decodes what arrives (messages and requests from the
    peer); `send_codec` encodes what is sent (messages and requests to the
    peer); replies use their request type's reply codec. Raises `TypeError`
    when a request or reply type has a field named `field`.
    """

    def __init__(
        self,
        receive_codec: Codec[InT],
        send_codec: Codec[OutT],
        *,
        field: str = DEFAULT_CORRELATION_FIELD,
        max_size: int | None = None,
    ) -> None:
        if not field:
            raise TypeError(f"correlation_field must be a non-empty string, got {field!r}")
        self.receive_codec = receive_codec
        """Decodes the peer's messages and requests."""
        self.send_codec = send_codec
        """Encodes messages and requests to the peer."""
        self.field = field
        """The name of the top-level field that carries correlation ids."""
        self.max_size = max_size
        """The largest frame accepted, in bytes, or `None` for no limit."""
        self._correlated = is_json(receive_codec)
        self._token = json.dumps(field)
        self._prefix = "{" + self._token + ":"
        self._pending: dict[CorrelationId, Codec[Any]] = {}
        self._forgotten: deque[CorrelationId] = deque(maxlen=FORGOTTEN_IDS)
        self._ids = itertools.count(1)
        self._checked: set[type] = set()
        for request_class in (*request_classes(receive_codec), *request_classes(send_codec)):
            self._check(request_class)

    @property
    def pending(self) -> int:
        """How many requests of ours await their reply."""
        return len(self._pending)

    # Out ------------------------------------------------------------------------------

    def message(self, value: OutT) -> str | bytes:
        """The frame of a message (no correlation id)."""
        return self.send_codec.encode(value)

    def request(self, value: object) -> tuple[CorrelationId, str]:
        """A new id for a request of ours, and its frame; the request is pending until `incoming` or `forget`.

        Raises `TypeError`, before anything is pending, when `value` is not a
        request, or not a value of the send type.
        """
        if not _is_request(value):
            raise TypeError(f"cannot request {type(value).__name__}: it is not a request type (RequestFor[...])")
        if not is_json(self.send_codec):
            raise TypeError(f"cannot send requests on a connection that sends {self.send_codec.name}")
        request_type: type = type(value)
        codec = self._check(request_type)
        frame = self.send_codec.encode(value)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # refused unless an OutT
        correlation_id = next(self._ids)
        self._pending[correlation_id] = codec
        return correlation_id, self._with_id(frame, correlation_id)

    def forget(self, correlation_id: CorrelationId) -> None:
        """Stop waiting for the reply to `correlation_id` (timed out, cancelled): a later one is dropped."""
        if self._pending.pop(correlation_id, None) is not None:
            self._forgotten.append(correlation_id)

    def forget_all(self) -> list[CorrelationId]:
        """Stop waiting for every pending reply; return their ids."""
        ids = list(self._pending)
        self._pending.clear()
        return ids

    def reply(self, correlation_id: CorrelationId, request: object, value: object) -> str:
        """The frame of the reply to a request; `TypeError` when `value` is not of its declared reply type."""
        frame = self._check(type(request)).encode(value)
        return self._with_id(frame, correlation_id)

    def error_reply(self, correlation_id: CorrelationId, error: RequestError) -> str:
        """The frame of an error reply."""
        frame = _ERROR_REPLIES.dump_json(ErrorReply.of(error), by_alias=True, exclude_defaults=True).decode()
        return self._with_id(frame, correlation_id)

    def _with_id(self, frame: str | bytes, correlation_id: CorrelationId) -> str:
        text = frame.decode() if isinstance(frame, bytes) else frame
        if not text.startswith("{"):
            raise TypeError(f"requests and replies must be JSON objects, got a frame starting with {text[:1]!r}")
        value = str(correlation_id) if isinstance(correlation_id, int) else json.dumps(correlation_id)
        rest = text[1:].lstrip()
        return self._prefix + value + ("" if rest.startswith("}") else ",") + rest

    def _check(self, request_class: type) -> Codec[Any]:
        """The reply codec of a request type, once its request and reply types are checked against the field."""
        codec = reply_codec(request_class)
        if request_class not in self._checked:
            for tp, role in ((request_class, "request"), (codec.value_type, "reply")):
                if self.field in json_fields(tp):
                    raise TypeError(
                        f"the {role} type {display_name(tp)} has a field {self.field!r}, the correlation field;"
                        " leave it out (requests and replies carry it without declaring it) or name another"
                        " correlation_field"
                    )
            self._checked.add(request_class)
        return codec

    # In -------------------------------------------------------------------------------

    def incoming(self, frame: str | bytes) -> Incoming[InT]:
        """What an arriving frame is (see the module's rule).

        Raises a `MessageError` for a frame that cannot be answered: too
        large, of the wrong kind, malformed, invalid without a correlation
        id, or with an id that is not one.
        """
        if not self._correlated:
            return Message(self.receive_codec.decode(frame, self.max_size))
        if self.max_size is not None:
            (TEXT if isinstance(frame, str) else BYTES).decode(frame, self.max_size)
        body = self._split(frame)
        if body is None:
            return Message(self.receive_codec.decode(frame))
        correlation_id, fields = body
        if correlation_id is None:
            return Message(self.receive_codec.decode(pydantic_core.to_json(fields)))
        if fields.keys() == {"error"}:
            return self._error_reply(correlation_id, fields)
        payload = pydantic_core.to_json(fields)
        expected = self._pending.get(correlation_id)
        reply_error: MessageError | None = None
        if expected is not None:
            try:
                value = expected.decode(payload)
            except MessageError as error:
                reply_error = error
            else:
                del self._pending[correlation_id]
                return Reply(correlation_id, value)
        try:
            message = self.receive_codec.decode(payload)
        except MessageError as error:
            if reply_error is not None:
                del self._pending[correlation_id]
                return Reply(correlation_id, None, reply_error)
            if correlation_id in self._forgotten:
                logger.debug("dropped a late reply, to a request given up")
                return Dropped()
            return BadRequest(correlation_id, invalid_request(error))
        if _is_request(message):
            return Request(correlation_id, message)
        if reply_error is not None:
            del self._pending[correlation_id]
            return Reply(correlation_id, None, reply_error)
        logger.debug("dropped a %s carrying a correlation id that no request awaits", type(message).__name__)
        return Dropped()

    def _split(self, frame: str | bytes) -> tuple[CorrelationId | None, dict[str, Any]] | None:
        """The correlation id and the other fields of a frame that has the field; `None` for one that has not."""
        if isinstance(frame, str):
            if self._token not in frame:
                return None  # the common case of a message, decided without parsing
        elif self._token.encode() not in frame:
            return None
        try:
            value = pydantic_core.from_json(frame, allow_inf_nan=False)
        except ValueError as error:
            raise MalformedMessage(f"malformed JSON: {error}") from None
        if not isinstance(value, dict) or self.field not in value:
            return None
        fields = cast("dict[str, Any]", value)
        correlation_id = fields.pop(self.field)
        if correlation_id is None:
            return None, fields
        if not _is_id(correlation_id):
            raise InvalidMessage(
                f"the correlation id {self.field!r} must be a string of at most {MAX_ID_LENGTH} characters"
                " or an integer"
            )
        return correlation_id, fields

    def _error_reply(self, correlation_id: CorrelationId, fields: dict[str, Any]) -> Reply | Dropped:
        if self._pending.pop(correlation_id, None) is None:
            logger.debug("dropped an error reply carrying a correlation id that no request awaits")
            return Dropped()
        try:
            reply = _ERROR_REPLIES.validate_python(fields)
        except ValidationError as error:
            return Reply(correlation_id, None, InvalidMessage(f"invalid error reply: {error.error_count()} errors"))
        return Reply(correlation_id, None, reply.exception())


def _is_request(value: object) -> bool:
    return isinstance(value, RequestFor)


def _is_id(value: object) -> bool:
    if type(value) is int:
        return -MAX_ID_MAGNITUDE <= value <= MAX_ID_MAGNITUDE
    return type(value) is str and len(value) <= MAX_ID_LENGTH
