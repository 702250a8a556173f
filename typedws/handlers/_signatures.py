"""Reading a handler's value types from its annotations, once, at decoration time."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket as StarletteWebSocket

from .._codecs import Codec, codec_for
from .._typing import is_none, unwrap, without_none
from .._websocket import WebSocket

__all__ = ["EndpointSignature", "ListenerSignature", "read_endpoint", "read_listener"]


@dataclass(frozen=True)
class EndpointSignature:
    """What `typedws.endpoint` reads from a handler."""

    parameter: str
    """The name of the `WebSocket[In, Out]` parameter."""
    receive_codec: Codec[Any]
    """The codec of `In`."""
    send_codec: Codec[Any]
    """The codec of `Out`."""
    framework_signature: inspect.Signature
    """The handler's signature with the connection annotated as Starlette's `WebSocket`, for FastAPI."""
    other_required: tuple[str, ...]
    """Parameters besides the connection that have no default (only FastAPI can fill them)."""


@dataclass(frozen=True)
class ListenerSignature:
    """What `typedws.listener` reads from an `on_message` function."""

    receive_codec: Codec[Any]
    """The codec of the message parameter's type."""
    send_codec: Codec[Any]
    """The codec of the return type without `None` (text when it is just `None`)."""
    takes_websocket: bool
    """Whether `on_message` takes the connection as a second argument."""


def read_endpoint(handler: Callable[..., Any]) -> EndpointSignature:
    """Find the `WebSocket[In, Out]` parameter of `handler` and resolve its codecs.

    Raises `TypeError` for a handler that is not an `async def`, has no (or
    more than one) `WebSocket` parameter, or declares a type Pydantic cannot
    validate.
    """
    name = _describe(handler)
    signature, hints = _inspect(handler, name)
    typed = [p for p in signature.parameters.values() if _is_websocket(hints.get(p.name))]
    if not typed:
        hint = ""
        if any(unwrap(hints.get(p.name)) is StarletteWebSocket for p in signature.parameters.values()):
            hint = " (starlette.websockets.WebSocket carries no message types)"
        raise TypeError(
            f"{name} has no typedws.WebSocket parameter{hint}; annotate the connection, "
            "e.g. `ws: WebSocket[Command, Event]`"
        )
    if len(typed) > 1:
        raise TypeError(f"{name} has more than one WebSocket parameter: {', '.join(p.name for p in typed)}")
    connection = typed[0]
    if connection.kind not in (connection.POSITIONAL_OR_KEYWORD, connection.KEYWORD_ONLY):
        raise TypeError(f"{name}: the WebSocket parameter {connection.name!r} must be passable by keyword")
    receive_arg, send_arg = _websocket_args(hints[connection.name])
    receive_codec = _codec(receive_arg, f"{name}: the receive type of {connection.name!r}")
    send_codec = _codec(send_arg, f"{name}: the send type of {connection.name!r}")
    parameters = [
        p.replace(annotation=StarletteWebSocket if p is connection else hints.get(p.name, p.annotation))
        for p in signature.parameters.values()
    ]
    other_required = tuple(
        p.name
        for p in signature.parameters.values()
        if p is not connection and p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    )
    return EndpointSignature(
        parameter=connection.name,
        receive_codec=receive_codec,
        send_codec=send_codec,
        framework_signature=signature.replace(parameters=parameters, return_annotation=None),
        other_required=other_required,
    )


def read_listener(on_message: Callable[..., Any]) -> ListenerSignature:
    """Resolve the codecs of `async def on_message(msg: In[, ws]) -> Out | None`.

    The receive type is the first parameter's annotation; the send type is the
    return annotation without `None` (`"text"` when it is just `None`).
    Raises `TypeError` for anything else.
    """
    name = _describe(on_message)
    signature, hints = _inspect(on_message, name)
    parameters = [p for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(parameters) not in (1, 2) or len(parameters) != len(signature.parameters):
        raise TypeError(f"{name} must take the message and, optionally, the connection: `(msg: In[, ws])`")
    message = parameters[0]
    if message.name not in hints:
        raise TypeError(f"{name}: annotate the message parameter {message.name!r} with the type of received messages")
    if "return" not in hints:
        raise TypeError(f"{name}: annotate the return type with the type of replies, e.g. `-> Event | None`")
    reply = without_none(hints["return"])
    return ListenerSignature(
        receive_codec=_codec(hints[message.name], f"{name}: the type of {message.name!r}"),
        send_codec=codec_for("text") if is_none(reply) else _codec(reply, f"{name}: the return type"),
        takes_websocket=len(parameters) == 2,
    )


def _describe(handler: Callable[..., Any]) -> str:
    return f"{getattr(handler, '__qualname__', repr(handler))}()"


def _inspect(handler: Callable[..., Any], name: str) -> tuple[inspect.Signature, dict[str, Any]]:
    if not inspect.iscoroutinefunction(handler):
        raise TypeError(f"{name} must be an `async def` function")
    try:
        hints = typing.get_type_hints(handler, include_extras=True)
    except Exception as error:  # NameError, or anything an annotation raises while evaluated
        raise TypeError(f"cannot resolve the annotations of {name}: {error}") from None
    return inspect.signature(handler), hints


def _is_websocket(tp: Any) -> bool:
    tp = unwrap(tp)
    return tp is WebSocket or typing.get_origin(tp) is WebSocket


def _websocket_args(tp: Any) -> tuple[Any, Any]:
    tp = unwrap(tp)
    if tp is WebSocket:
        return str, str
    receive_arg, send_arg = typing.get_args(tp)
    return receive_arg, send_arg


def _codec(tp: Any, where: str) -> Codec[Any]:
    if isinstance(tp, typing.TypeVar):
        raise TypeError(f"{where} is the type variable {tp.__name__}; a typed endpoint needs concrete types")
    try:
        return codec_for(tp)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where} is not usable: {error}") from None
