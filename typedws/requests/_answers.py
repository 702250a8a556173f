"""Answers: one function per request type, `async def (request: GetRoom[, peer]) -> Room`.

The request type is read from the first parameter's annotation (a union
answers each of its members), and the return annotation must be the
request's declared reply type, or some of its members: checked once, when
the answers are collected, so that a function answering the wrong type
fails at import rather than on the wire.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ._declared import is_request_type, reply_members
from .._typing import display_name, union_members, unwrap

__all__ = ["Answer", "Answers", "AnswerFunction"]

AnswerFunction = Callable[..., Any]
"""A function answering requests: `(request[, peer]) -> reply`, `async def` for `Peer`."""


@dataclass(frozen=True, slots=True)
class Answer:
    """A function answering some request types, and whether it takes the `Peer` as second argument."""

    function: AnswerFunction
    takes_peer: bool


class Answers:
    """The answer of each request type, collected from functions and checked against the declared replies.

    `asynchronous` says whether the functions are `async def` (for `Peer`)
    or plain functions (for the sync test session's peer). Raises
    `TypeError` for a function that is of the other kind, does not take a
    request type, answers with another type than declared, or answers a
    request type another function answers already.
    """

    def __init__(self, functions: Iterable[AnswerFunction], *, asynchronous: bool = True) -> None:
        by_type: dict[type, Answer] = {}
        for function in functions:
            request_types, takes_peer = _read(function, asynchronous)
            for request_type in request_types:
                if request_type in by_type:
                    raise TypeError(
                        f"{_name(function)} answers {request_type.__name__}, which"
                        f" {_name(by_type[request_type].function)} answers already"
                    )
                by_type[request_type] = Answer(function, takes_peer)
        self._by_type: Mapping[type, Answer] = by_type

    @property
    def request_types(self) -> tuple[type, ...]:
        """The request types answered, in the order the functions were given."""
        return tuple(self._by_type)

    def get(self, request_type: type) -> Answer | None:
        """The answer of `request_type`, or `None` when no function answers it."""
        return self._by_type.get(request_type)


_READ: dict[tuple[AnswerFunction, bool], tuple[tuple[type, ...], bool]] = {}
"""What `_read` found, by function (the one under a bound method: read once, whatever it is bound to)."""


def _read(function: AnswerFunction, asynchronous: bool) -> tuple[tuple[type, ...], bool]:
    """The request types a function answers and whether it takes the peer; `TypeError` for a bad one."""
    key = (getattr(function, "__func__", function), asynchronous)
    found = _READ.get(key)
    if found is None:
        found = _READ[key] = _inspect(function, asynchronous)
    return found


def _inspect(function: AnswerFunction, asynchronous: bool) -> tuple[tuple[type, ...], bool]:
    name = _name(function)
    if inspect.iscoroutinefunction(function) is not asynchronous:
        kind = "an `async def` function" if asynchronous else "a plain function (not `async def`)"
        raise TypeError(f"{name} must be {kind}")
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as error:  # NameError, or anything an annotation raises while evaluated
        raise TypeError(f"cannot resolve the annotations of {name}: {error}") from None
    positional = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    parameters = positional
    if len(parameters) not in (1, 2):
        raise TypeError(f"{name} must take the request and, optionally, the peer: `(request: Request[, peer])`")
    annotation = hints.get(parameters[0].name)
    if annotation is None:
        raise TypeError(f"{name}: annotate {parameters[0].name!r} with the request type it answers")
    request_types = [unwrap(member) for member in union_members(annotation)]
    for request_type in request_types:
        if not is_request_type(request_type):
            raise TypeError(
                f"{name}: {display_name(request_type)} is not a request type; declare its reply type with"
                " `RequestFor[Reply]`"
            )
    if "return" not in hints:
        raise TypeError(f"{name}: annotate the return type with the reply type")
    returned = [unwrap(member) for member in union_members(hints["return"])]
    declared = [member for request_type in request_types for member in reply_members(request_type)]
    strays = [member for member in returned if member not in declared]
    if strays:
        expected = " | ".join(dict.fromkeys(display_name(member) for member in declared))
        raise TypeError(
            f"{name} returns {' | '.join(display_name(m) for m in strays)}, which"
            f" {display_name(annotation)} does not declare as a reply ({expected})"
        )
    return tuple(request_types), len(parameters) == 2


def _name(function: AnswerFunction) -> str:
    return f"{getattr(function, '__qualname__', repr(function))}()"
