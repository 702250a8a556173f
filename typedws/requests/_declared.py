"""Requests and their replies: `RequestFor[R]` declares a message type a request that an `R` answers.

```python
class GetRoom(BaseModel, RequestFor[Room | NoSuchRoom]):
    name: str
```

A request is a message like any other (it is validated, serialized and
documented by its own type); what makes it a request is its declared reply
type, read here once per class and shared by every side: the one that
answers and the one that asks. Error replies have one shape for every
request, `ErrorReply`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Generic

from pydantic import BaseModel
from typing_extensions import TypeVar

from .._codecs import Codec, PydanticCodec, codec_for
from .._errors import ErrorDetail, RequestError
from .._typing import display_name, generic_argument, runtime_classes, union_members, unwrap

__all__ = [
    "ErrorReply",
    "ErrorReplyBody",
    "RequestFor",
    "is_json",
    "is_request_type",
    "json_fields",
    "reply_codec",
    "reply_members",
    "reply_type",
    "request_classes",
]

ReplyT = TypeVar("ReplyT", covariant=True)


class RequestFor(Generic[ReplyT]):
    """Makes a message type a request that a `ReplyT` answers: `class GetRoom(BaseModel, RequestFor[Room])`.

    `ReplyT` may be a union (`Room | NoSuchRoom`), or a discriminated union
    (`Annotated[Room | NoSuchRoom, Field(discriminator="type")]`). A request
    sent with `request()` carries a correlation id in the field the
    connection names (`"id"` by default), and so does its reply; the request
    and reply types themselves do not declare that field. Works for Pydantic
    models and dataclasses (anything with a class that Pydantic validates
    into a JSON object).
    """

    __slots__ = ()


@cache
def reply_type(request_class: type) -> Any:
    """The reply type `request_class` declares with `RequestFor[...]`; `TypeError` when it declares none."""
    declared = generic_argument(request_class, RequestFor)
    if declared is None or isinstance(declared, TypeVar):
        raise TypeError(
            f"{display_name(request_class)} is not a request type: declare its reply type,"
            f" e.g. `class {display_name(request_class)}(BaseModel, RequestFor[Reply])`"
        )
    return declared


@cache
def reply_codec(request_class: type) -> PydanticCodec[Any]:
    """The codec of the reply type of `request_class`, built once per class; `TypeError` unless it is JSON."""
    declared = reply_type(request_class)
    try:
        codec = codec_for(declared)
    except (TypeError, ValueError) as error:
        raise TypeError(f"the reply type of {display_name(request_class)} is not usable: {error}") from None
    if not isinstance(codec, PydanticCodec):
        raise TypeError(
            f"the reply type of {display_name(request_class)} must be a type Pydantic validates into a JSON"
            f" object (a model, a dataclass), not {codec.name}"
        )
    return codec


def is_request_type(tp: object) -> bool:
    """Whether `tp` is a request type: a class that subclasses `RequestFor[...]`."""
    return isinstance(tp, type) and issubclass(tp, RequestFor)


def is_json(codec: Codec[Any]) -> bool:
    """Whether a codec carries JSON values (validated or not), which requests and replies need."""
    return isinstance(codec, PydanticCodec)


def request_classes(codec: Codec[Any]) -> tuple[type, ...]:
    """The request types (`RequestFor` subclasses) among the classes a codec's values may be."""
    if not isinstance(codec, PydanticCodec):
        return ()
    found: list[type] = [cls for cls in runtime_classes(codec.value_type) or () if issubclass(cls, RequestFor)]
    return tuple(found)


def json_fields(tp: Any) -> frozenset[str]:
    """The top-level property names (by alias) a value of `tp` may have in JSON: every member of a union's."""
    codec = codec_for(tp)
    if not isinstance(codec, PydanticCodec):
        return frozenset()
    schema = codec.adapter.json_schema(by_alias=True)
    definitions: Mapping[str, Any] = schema.get("$defs", {})
    return frozenset(_properties(schema, definitions))


def _properties(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> set[str]:
    reference = schema.get("$ref")
    if isinstance(reference, str):
        return _properties(definitions.get(reference.rsplit("/", 1)[-1], {}), definitions)
    names = set(schema.get("properties", {}))
    for key in ("anyOf", "oneOf", "allOf"):
        for member in schema.get(key, ()):
            names |= _properties(member, definitions)
    return names


def reply_members(request_class: type) -> list[Any]:
    """The members of the declared reply type of `request_class`, without `Annotated`."""
    return [unwrap(member) for member in union_members(reply_type(request_class))]


class ErrorReplyBody(BaseModel):
    """What went wrong with a request: a `code` to branch on, a `message` for people, and where it failed."""

    code: str
    """A short name: `"invalid_request"`, `"unsupported_request"`, or one of the app's own."""
    message: str = ""
    """A text for people."""
    errors: list[ErrorDetail] = []
    """For `"invalid_request"`: where the request failed validation."""


class ErrorReply(BaseModel):
    """The reply to a request that was refused: `{"id": ..., "error": {"code": ..., "message": ...}}`.

    The correlation field (`"id"` here) is the connection's; `errors` is
    left out when empty.
    """

    error: ErrorReplyBody
    """What went wrong."""

    @classmethod
    def of(cls, error: RequestError) -> ErrorReply:
        """The error reply that carries `error`."""
        return cls(error=ErrorReplyBody(code=error.code, message=error.message, errors=error.errors))

    def exception(self) -> RequestError:
        """The `RequestError` that `request()` raises for this reply."""
        body = self.error
        return RequestError.from_peer(body.code, body.message, body.errors)
