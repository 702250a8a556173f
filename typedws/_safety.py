"""What keeps a peer's frame from costing more than its size, or from reaching a log line.

Two duties, both for the JSON codecs:

- **Cost bounded by size.** Parsing JSON creates a Python object per array and
  object; a frame made of `[[[]]]`-like runs costs several times what a
  typical message of its size does (measured in `benchmarks/hostile.py`). A
  frame above `CHECKED_SIZE` bytes may hold at most one array or object per
  `BYTES_PER_CONTAINER` bytes (brackets inside strings do not count), else it
  is refused before parsing, as malformed (1007). The non-standard tokens `NaN`
  and `Infinity` (which Pydantic's parser accepts) are refused the same way, by
  a second, strict parse that runs only when a frame contains one of the two
  words, and whose cost the container budget bounds too.
- **No peer data in messages.** A validation error is described with
  Pydantic's messages, but locations name only what the declared type
  declares (field names, tags, class names; anything else — a peer's dict
  key — is `…`), context values that come from the input (a union's tag, a
  parser's quote of the input) are cut out, and what remains is made
  printable (no line breaks), so that an error may be logged as it is.
"""

from __future__ import annotations

import re
from typing import Final

import pydantic_core
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ._errors import ErrorDetail, InvalidMessage, MalformedMessage, MessageError
from ._typing import schema_nodes

__all__ = [
    "BYTES_PER_CONTAINER",
    "CHECKED_SIZE",
    "check_frame",
    "declared_names",
    "refusal_of",
]

CHECKED_SIZE: Final = 16 * 1024
"""Frames of this many bytes (or characters) or fewer are not counted: their cost is small whatever they hold."""

BYTES_PER_CONTAINER: Final = 4
"""A frame above `CHECKED_SIZE` may hold one JSON array or object per this many bytes, at most."""

_SUMMARIZED_ERRORS: Final = 3
"""How many errors a message describes; the rest are counted."""

_DESCRIBED_ERRORS: Final = 64
"""Above this many errors, none is described (building their details would cost more than the frame did)."""

_MAX_MESSAGE: Final = 200
"""The longest description of one error, in characters."""

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BYTES_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)

# Context keys whose values are the peer's data: a union's tag, offsets and encodings read from the input.
_INPUT_CONTEXT: Final = frozenset({"tag", "tz_actual", "encoding_error", "attribute", "input"})
# Error types whose `error` context is not the peer's data: the JSON parser's and the date parsers' own
# words, and what the application's validators say (their messages are the application's to word).
_OWN_WORDED_ERRORS: Final = frozenset(
    {"json_invalid", "value_error", "assertion_error", "date_parsing", "time_parsing", "datetime_parsing",
     "date_from_datetime_parsing", "time_delta_parsing"}
)  # fmt: skip


def check_frame(frame: str | bytes) -> None:
    """Refuse, before parsing, a frame that would cost more than its size or holds `NaN` or `Infinity` tokens.

    Raises `MalformedMessage` (1007).
    """
    if len(frame) > CHECKED_SIZE:
        budget = len(frame) // BYTES_PER_CONTAINER
        if _containers(frame) > budget and _containers(_without_strings(frame)) > budget:
            raise MalformedMessage(f"more than one array or object per {BYTES_PER_CONTAINER} bytes of JSON")
    # A one-letter search (memchr) first: most frames have no capital N or I at all.
    if isinstance(frame, str):
        suspect = ("N" in frame and "NaN" in frame) or ("I" in frame and "Infinity" in frame)
    else:
        suspect = (b"N" in frame and b"NaN" in frame) or (b"I" in frame and b"Infinity" in frame)
    if suspect:
        try:
            pydantic_core.from_json(frame, allow_inf_nan=False)
        except ValueError as error:
            raise MalformedMessage(f"malformed JSON: {_printable(str(error))}") from None


def _containers(frame: str | bytes) -> int:
    if isinstance(frame, str):
        return frame.count("[") + frame.count("{")
    return frame.count(b"[") + frame.count(b"{")


def _without_strings(frame: str | bytes) -> str | bytes:
    if isinstance(frame, str):
        return _STRING.sub("", frame)
    return _BYTES_STRING.sub(b"", frame)


def refusal_of(error: ValidationError, expected: str, declared: frozenset[str]) -> MessageError:
    """Our error for a Pydantic error raised while validating a frame, described without the peer's data.

    `declared` holds the names the expected type declares (see `declared_names`).
    """
    count = error.error_count()
    if count > _DESCRIBED_ERRORS:
        return InvalidMessage(f"message is not a valid {expected}: {count} errors", _LazyDetails(error))
    details = error.errors(include_url=False, include_input=False)
    if all(detail["type"] == "json_invalid" for detail in details):
        return MalformedMessage(f"malformed JSON: {_message_of(details[0]).removeprefix('Invalid JSON: ')}")
    summary = "; ".join(_describe(detail, declared) for detail in details[:_SUMMARIZED_ERRORS])
    more = f" (and {count - _SUMMARIZED_ERRORS} more)" if count > _SUMMARIZED_ERRORS else ""
    return InvalidMessage(f"message is not a valid {expected}: {summary}{more}", [_detail(d) for d in details])


class _LazyDetails:
    """The details of many errors, built only if the handler asks for them."""

    __slots__ = ("_error",)

    def __init__(self, error: ValidationError) -> None:
        self._error = error

    def __call__(self) -> list[ErrorDetail]:
        return [_detail(detail) for detail in self._error.errors(include_url=False, include_input=False)]


def _detail(detail: ErrorDetails) -> ErrorDetail:
    """Pydantic's error details, with the peer's data cut out of the message and the context."""
    context = {key: value for key, value in detail.get("ctx", {}).items() if _is_own(detail, key)}
    result = ErrorDetail(type=detail["type"], loc=tuple(detail["loc"]), msg=_message_of(detail))
    if context:
        result["ctx"] = context
    return result


def _describe(detail: ErrorDetails, declared: frozenset[str]) -> str:
    location = ".".join(_location_part(part, declared) for part in detail["loc"])
    message = _message_of(detail)
    return f"{location}: {message}" if location else message


def _location_part(part: str | int, declared: frozenset[str]) -> str:
    return str(part) if isinstance(part, int) or part in declared else "…"


def _message_of(detail: ErrorDetails) -> str:
    message = detail["msg"]
    for key, value in detail.get("ctx", {}).items():
        if not _is_own(detail, key) and str(value):
            message = message.replace(str(value), "…")
    return _printable(message)[:_MAX_MESSAGE]


def _is_own(detail: ErrorDetails, key: str) -> bool:
    """Whether a context value is the declared type's or the parser's, rather than the peer's data."""
    if key == "error":
        return detail["type"] in _OWN_WORDED_ERRORS
    return key not in _INPUT_CONTEXT


def _printable(text: str) -> str:
    """`text` with its unprintable characters (line breaks, escapes) written as Python escapes."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def declared_names(core_schema: object) -> frozenset[str]:
    """Every name a Pydantic core schema declares: field names, aliases, tags, class and type names.

    What a validation error's location may name without quoting the peer.
    """
    nodes = schema_nodes(core_schema)
    return frozenset(node if isinstance(node, str) else node.__name__ for node in nodes if isinstance(node, (str, type)))
