"""The close codes an endpoint can end a connection with, and what each means to the client."""

from __future__ import annotations

from typing import Any

from .._codecs import PydanticCodec
from .._errors import InvalidMessage, MessageTooLarge, UnexpectedFrame
from .._typing import display_name
from ..handlers import EndpointInfo

__all__ = ["close_codes"]

NORMAL = 1000
GOING_AWAY = 1001
POLICY_VIOLATION = 1008
INTERNAL_ERROR = 1011


def close_codes(info: EndpointInfo) -> list[dict[str, Any]]:
    """The codes the server may close a connection of `info`'s endpoint with, in order, each with its meaning.

    The library's own (a bad message, a bug, a shutdown), FastAPI's refusal
    of bad handshake parameters, and the codes the endpoint declares
    (`close_codes=`); where the endpoint declares a code the library uses
    too, both meanings are given.
    """
    meanings: dict[int, list[str]] = {NORMAL: ["Normal closure: the server ended the connection."]}
    meanings[GOING_AWAY] = ["Going away: the server is shutting down."]
    receive = info.receive_codec
    if receive.name == "bytes":
        meanings[UnexpectedFrame.close_code] = ["A text frame arrived where a binary one is expected."]
    elif receive.name != "event":
        meanings[UnexpectedFrame.close_code] = ["A binary frame arrived where a text one is expected."]
    if info.kind == "responder":
        meanings[InvalidMessage.close_code] = [
            f"A message that is not JSON, or without a valid correlation id `{info.correlation_field}`"
            " (a string or an integer); a request that fails validation is answered with `ErrorReply` instead."
        ]
    elif isinstance(receive, PydanticCodec):
        what = "JSON" if receive.name == "json" else f"valid `{display_name(receive.value_type)}`"
        meanings[InvalidMessage.close_code] = [f"A message that is not {what}."]
    elif receive.name not in ("text", "bytes", "event"):
        meanings[InvalidMessage.close_code] = ["A message that cannot be decoded."]
    if any(parameter.validated for parameter in info.handshake):
        meanings[POLICY_VIOLATION] = [
            "A handshake parameter is missing or invalid (FastAPI refuses the connection before accepting it,"
            " so most servers answer the handshake with HTTP 403 instead)."
        ]
    if info.max_size is not None:
        meanings[MessageTooLarge.close_code] = [f"A message larger than {info.max_size:,} bytes."]
    meanings[INTERNAL_ERROR] = ["An unexpected error in the server's handler."]
    for code, meaning in info.close_codes.items():
        meanings.setdefault(code, []).insert(0, meaning)
    return [{"code": code, "description": _either(meanings[code])} for code in sorted(meanings)]


def _either(meanings: list[str]) -> str:
    """`["A.", "B."]` → `"A. Or b."`."""
    first, *others = meanings
    return " ".join([first, *(f"Or {other[:1].lower()}{other[1:]}" for other in others)])
