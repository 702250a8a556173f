"""Codecs: how a declared value type turns frames into values and back.

One table gives a value type its meaning, wherever it is declared (an
argument such as `receive_type=...` or an annotation such as
`WebSocket[str, Chat]`):

| value type | frames | values |
| --- | --- | --- |
| `"text"`, `str` (and the default, `None`) | text | `str` |
| `"bytes"`, `bytes` | binary | `bytes` |
| `"json"`, `Any` | text (binary accepted, as UTF-8) | any JSON value |
| `"event"` | any | raw ASGI events (server connections only) |
| any other type Pydantic validates, a `TypeAdapter` | text (binary accepted) | validated values |
| a `Codec` | its own | its own |

Each one resolves to a `Codec[T]`, built once per type and shared by every
connection.
"""

from __future__ import annotations

import typing
import weakref
from collections.abc import Callable
from typing import Any, Generic, Literal, TypeAlias, cast

from pydantic import PydanticUserError, TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError
from starlette.types import Message
from typing_extensions import TypeVar

from ._errors import MessageError, MessageTooLarge, UnexpectedFrame
from ._safety import CHECKED_SIZE, check_frame, declared_names, refusal_of
from ._frames import event_of, frame_of
from ._typing import display_name, runtime_classes, schema_nodes

T = TypeVar("T")

ValueTypeName: TypeAlias = Literal["text", "bytes", "json", "event"]
"""The value types named by a string."""

_ACCEPTED = "'text', 'bytes', 'json', 'event', a type Pydantic can validate, a pydantic.TypeAdapter or a typedws.Codec"


class Codec(Generic[T]):
    """Decodes received frames into `T` values and encodes `T` values into frames.

    A frame is `str` for a text frame and `bytes` for a binary frame. The same
    codecs serve the server connection, the test client, the client and the hub.
    """

    __slots__ = ("name", "media_type")

    name: str
    """What the codec carries, for messages: `"text"`, `"bytes"`, `"json"` or a type's name."""

    media_type: str
    """The payload's media type: `text/plain`, `application/octet-stream` or `application/json`."""

    def decode(self, frame: str | bytes, max_size: int | None = None) -> T:
        """Return the value a received frame holds.

        Raises `UnexpectedFrame` for the wrong kind of frame, `MessageTooLarge`
        past `max_size` bytes, and `MalformedMessage` or `InvalidMessage` when
        the frame does not hold a valid value.
        """
        raise NotImplementedError

    def encode(self, value: T) -> str | bytes:
        """Return the frame that carries `value`.

        Raises `TypeError` when `value` is not of the codec's type, so nothing
        is sent.
        """
        raise NotImplementedError


_T = TypeVar("_T", default=Any)

ValueType: TypeAlias = ValueTypeName | type[_T] | TypeAdapter[_T] | Codec[_T]
"""Every accepted form of `value_type`, `receive_type` and `send_type`: `ValueType[T]` for values of type `T`.

Bare, `ValueType` accepts every form. In generic code, `ValueType[T]` binds
`T` from a class, an adapter or a codec, and typedws' functions accept it;
a name such as `"text"` carries no type (write `str`, which means the same).
"""


def _check_size(frame: str | bytes, max_size: int) -> None:
    size = len(frame)
    # A character is 1 to 4 bytes of UTF-8: a str is encoded to be measured only when that can matter.
    if type(frame) is str and size * 4 > max_size and not frame.isascii():
        size = len(frame.encode())
    if size > max_size:
        raise MessageTooLarge(size, max_size)


def _refuse(value: object, expected: str) -> TypeError:
    return TypeError(f"cannot send {type(value).__name__}: this connection sends {expected}")


class TextCodec(Codec[str]):
    """Text frames, as `str`."""

    __slots__ = ()

    def __init__(self) -> None:
        self.name = "text"
        self.media_type = "text/plain"

    def decode(self, frame: str | bytes, max_size: int | None = None) -> str:
        if type(frame) is not str:
            raise UnexpectedFrame("expected a text frame, got a binary frame")
        if max_size is not None:
            _check_size(frame, max_size)
        return frame

    def encode(self, value: str) -> str:
        if not isinstance(cast(object, value), str):  # callers without a type checker may pass anything
            raise _refuse(value, "text (str)")
        return value


class BytesCodec(Codec[bytes]):
    """Binary frames, as `bytes`."""

    __slots__ = ()

    def __init__(self) -> None:
        self.name = "bytes"
        self.media_type = "application/octet-stream"

    def decode(self, frame: str | bytes, max_size: int | None = None) -> bytes:
        if not isinstance(frame, bytes):
            raise UnexpectedFrame("expected a binary frame, got a text frame")
        if max_size is not None:
            _check_size(frame, max_size)
        return frame

    def encode(self, value: bytes) -> bytes:
        if not isinstance(cast(object, value), bytes):  # callers without a type checker may pass anything
            raise _refuse(value, "bytes")
        return value


class PydanticCodec(Codec[T]):
    """JSON values validated and serialized by a `pydantic.TypeAdapter`.

    JSON arrives in text frames or UTF-8 binary frames and is validated straight
    from the frame; values are sent as standard JSON (by alias) in text frames.
    """

    __slots__ = (
        "adapter",
        "value_type",
        "_validate_json",
        "_validate_python",
        "_to_json",
        "_classes",
        "_exact_classes",
        "_declared",
    )

    def __init__(self, adapter: TypeAdapter[T], name: str | None = None) -> None:
        value_type: Any = getattr(adapter, "_type")  # noqa: B009 - the adapted type; pydantic has no public name for it
        try:
            self._validate_json: Callable[[str | bytes], T] = adapter.validator.validate_json
            self._validate_python: Callable[..., T] = adapter.validator.validate_python
            self._to_json: Callable[..., bytes] = adapter.serializer.to_json
        except PydanticUserError as error:
            raise _not_validated(value_type, error) from None
        if _writes_nan_tokens(adapter.core_schema) or _writes_nan_tokens(getattr(adapter, "_config", None)):
            raise TypeError(
                f"cannot use {value_type!r} as a value type: it sets ser_json_inf_nan='constants', which writes"
                " the non-standard JSON tokens NaN and Infinity; use 'null' (the default) or 'strings'"
            )
        self.adapter = adapter
        """The adapter that validates and serializes values."""
        self.value_type = value_type
        """The Python type (or type form) of the values."""
        self.name = name or display_name(value_type)
        self.media_type = "application/json"
        self._classes = runtime_classes(value_type)
        self._exact_classes = frozenset(self._classes or ())
        self._declared: frozenset[str] | None = None

    def decode(self, frame: str | bytes, max_size: int | None = None) -> T:
        if max_size is not None and len(frame) * 4 > max_size:
            _check_size(frame, max_size)
        # `check_frame`'s cheap part inlined (a call costs more than the hot path can spare): a large
        # frame, or one with the capital letters of NaN or Infinity (memchr), is checked in full.
        if isinstance(frame, str):
            if len(frame) > CHECKED_SIZE or ("N" in frame and "NaN" in frame) or ("I" in frame and "Infinity" in frame):
                check_frame(frame)
        elif len(frame) > CHECKED_SIZE or (b"N" in frame and b"NaN" in frame) or (b"I" in frame and b"Infinity" in frame):
            check_frame(frame)
        try:
            return self._validate_json(frame)
        except ValidationError as error:
            # Raised without its cause: Pydantic's error quotes the peer's input, and tracebacks get logged.
            raise self._refusal(error) from None

    def _refusal(self, error: ValidationError) -> MessageError:
        if self._declared is None:
            self._declared = declared_names(self.adapter.core_schema)
        return refusal_of(error, self.name, self._declared)

    def encode(self, value: T) -> str:
        # An exact class match first: isinstance on a model class runs pydantic's Python-level __instancecheck__.
        if type(value) not in self._exact_classes:
            classes = self._classes
            if classes is None:
                try:
                    self._validate_python(value, strict=True)
                except ValidationError:
                    raise _refuse(value, self.name) from None
            elif not isinstance(value, classes):
                raise _refuse(value, self.name)
        try:
            data = self._to_json(value, by_alias=True)
        except PydanticSerializationError as error:
            raise TypeError(f"cannot send {type(value).__name__} as {self.name}: {error}") from None
        return data.decode()


def _not_validated(value_type: object, error: PydanticUserError) -> TypeError:
    """A one-line error for a type Pydantic refuses, saying what to write instead where that is known."""
    refused = f"cannot use {display_name(value_type)} as a value type"
    if error.code == "typed-dict-version":
        return TypeError(f"{refused}: before Python 3.12, Pydantic needs `from typing_extensions import TypedDict`")
    if error.code == "schema-for-unknown-type":
        return TypeError(
            f"{refused}: Pydantic cannot validate it; use a Pydantic model, a dataclass, a TypedDict"
            " (from typing_extensions), a pydantic.TypeAdapter or a typedws.Codec"
        )
    return TypeError(f"{refused}: Pydantic cannot validate it ({error.message.splitlines()[0]})")


def _writes_nan_tokens(schema: object) -> bool:
    """Whether a core schema (or config) anywhere asks for NaN and Infinity as bare JSON tokens."""
    nodes = schema_nodes(schema)
    return any(
        isinstance(node, dict) and cast("dict[object, object]", node).get("ser_json_inf_nan") == "constants"
        for node in nodes
    )


class EventCodec(Codec[Message]):
    """Raw ASGI events: a frame is decoded into the `websocket.receive` event carrying it, and back.

    A server connection with `"event"` hands its events over whole (its
    `receive()` is `receive_event()`), the peer's disconnect included.
    """

    __slots__ = ()

    def __init__(self) -> None:
        self.name = "event"
        self.media_type = "application/octet-stream"

    def decode(self, frame: str | bytes, max_size: int | None = None) -> Message:
        if max_size is not None:
            _check_size(frame, max_size)
        return event_of("websocket.receive", frame)

    def encode(self, value: Message) -> str | bytes:
        if not isinstance(value, dict) or value.get("type") != "websocket.send":
            raise _refuse(value, "ASGI events that carry a frame ('websocket.send')")
        return frame_of(value)


TEXT: Codec[str] = TextCodec()
BYTES: Codec[bytes] = BytesCodec()
JSON: Codec[Any] = PydanticCodec(TypeAdapter(Any), name="json")
EVENT: Codec[Message] = EventCodec()
_CODECS: dict[object, Codec[Any]] = {
    None: TEXT,
    "text": TEXT,
    str: TEXT,
    "bytes": BYTES,
    bytes: BYTES,
    "json": JSON,
    Any: JSON,
    "event": EVENT,
}
"""The one table of meanings (see the module's docstring), and every type resolved so far."""


_ADAPTER_CODECS: weakref.WeakKeyDictionary[TypeAdapter[Any], Codec[Any]] = weakref.WeakKeyDictionary()
"""Codecs of the adapters resolved so far, kept as long as their adapter lives."""


def codecs_for(value_type: object, receive_type: object, send_type: object) -> tuple[Codec[Any], Codec[Any]]:
    """The receive and send codecs of a connection: `value_type` sets both, unless it is `None`."""
    if value_type is None:
        return codec_for(receive_type), codec_for(send_type)
    codec = codec_for(value_type)
    return codec, codec


def codec_for(value_type: object) -> Codec[Any]:
    """Resolve a value type (see `ValueType`; `None` means `"text"`) to its codec.

    Codecs for names and types are built once and shared. Raises `ValueError`
    for an unknown name and `TypeError` for anything else that is not a value
    type, naming the accepted forms.
    """
    try:
        codec = _CODECS.get(value_type)
    except TypeError:  # an unhashable type form
        codec = None
    return _resolve(value_type) if codec is None else codec


def _resolve(value_type: Any) -> Codec[Any]:
    # Narrowed from Any, these are Codec[Any] to mypy and Codec[Unknown] to pyright: both mean "any".
    if isinstance(value_type, Codec):
        own: Codec[Any] = value_type  # pyright: ignore[reportUnknownVariableType]
        return own
    if isinstance(value_type, TypeAdapter):
        given: TypeAdapter[Any] = value_type  # pyright: ignore[reportUnknownVariableType]
        codec = _ADAPTER_CODECS.get(given)
        if codec is None:
            codec = _ADAPTER_CODECS[given] = PydanticCodec(given)
        return codec
    if isinstance(value_type, str):
        raise ValueError(f"unknown value type {value_type!r}; expected {_ACCEPTED}")
    if not (isinstance(value_type, type) or typing.get_origin(value_type) is not None):
        raise TypeError(f"{value_type!r} is not a value type; expected {_ACCEPTED}")
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(value_type)
    except PydanticUserError as error:  # PydanticSchemaGenerationError included
        raise _not_validated(value_type, error) from None
    codec = PydanticCodec(adapter)
    try:
        _CODECS[value_type] = codec
    except TypeError:  # unhashable type forms are built each time
        pass
    return codec
