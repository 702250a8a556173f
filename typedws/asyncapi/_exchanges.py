"""Requests and their replies in a document: which of a route's messages are requests, and what answers each.

A request type (`RequestFor[Reply]`) gets an operation of its own whose
`reply` lists its reply messages and the error reply. Requests and replies
carry a correlation id in the connection's correlation field (`id` by
default): their payloads have it as their first field (see `_components`),
their messages say where in `correlationId` (see `_messages`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from pydantic import TypeAdapter

from .._codecs import codec_for
from ..requests._declared import ErrorReply, is_request_type, reply_codec
from ._components import Correlation
from ._messages import Direction, Variant, variants

__all__ = ["Exchange", "exchanges", "marking_requests"]

_ERROR_REPLIES: TypeAdapter[ErrorReply] = TypeAdapter(ErrorReply)


@dataclass(frozen=True)
class Exchange:
    """A request and the messages that may answer it, the error reply last."""

    request: Variant
    replies: tuple[Variant, ...]

    @property
    def direction(self) -> Direction:
        """Who asks: `receive` when the client asks the server, `send` when the server asks the client."""
        return self.request.direction


def marking_requests(found: Iterable[Variant], field: str) -> list[Variant]:
    """`found`, with each request among them marked as one whose correlation id is in `field`."""
    return [
        replace(variant, correlation=Correlation(field, "request")) if is_request_type(variant.member) else variant
        for variant in found
    ]


def exchanges(found: Iterable[Variant]) -> list[Exchange]:
    """The exchange of each request among `found` (marked by `marking_requests`), in their order."""
    return [
        _exchange(variant, variant.correlation)
        for variant in found
        if variant.correlation is not None and variant.correlation.role == "request"
    ]


def _exchange(request: Variant, asked: Correlation) -> Exchange:
    """A request and its replies: the ones its type declares, then `ErrorReply`."""
    answer: Direction = "send" if request.direction == "receive" else "receive"
    correlation = Correlation(asked.field, "reply")
    declared = [replace(reply, correlation=correlation) for reply in variants(reply_codec(request.member), answer)]
    # An error reply leaves out its defaults (an empty `message`, no `errors`), whichever side sends it:
    # its schema is the one that validates it.
    error = Variant(
        "ErrorReply",
        _ERROR_REPLIES,
        codec_for(ErrorReply),
        answer,
        member=ErrorReply,
        correlation=correlation,
        mode="validation",
    )
    return Exchange(request, (*declared, error))
