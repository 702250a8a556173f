"""Reading a handler's value types from its annotations, once, at decoration time."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.websockets import WebSocket as StarletteWebSocket

from .._codecs import Codec, codec_for
from .._typing import display_name, is_none, unwrap, without_none
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
    """The handler's signature as FastAPI sees it: the connection a Starlette `WebSocket`, a method's `self` left out."""
    others: tuple[inspect.Parameter, ...]
    """The parameters besides the connection (and a method's `self`), annotations resolved: FastAPI fills them,
    Starlette only those its route's path provides."""
    method: bool
    """Whether the handler is a method, to be bound to the instance its endpoint is reached through."""


@dataclass(frozen=True)
class ListenerSignature:
    """What `typedws.listener` reads from an `on_message` function."""

    receive_codec: Codec[Any]
    """The codec of the message parameter's type."""
    send_codec: Codec[Any]
    """The codec of the replies: the return type without `None`, else the connection's `Out`, else text."""
    takes_websocket: bool
    """Whether `on_message` takes the connection after the message."""
    method: bool
    """Whether `on_message` is a method, to be bound to the instance its listener is reached through."""


def defined_in_class(function: Callable[..., object]) -> bool:
    """Whether `function` was written in a class body (a method), as its qualified name says: `Room.chat`."""
    parts = getattr(function, "__qualname__", "").split(".")
    return len(parts) > 1 and parts[-2] != "<locals>"


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
    parameters = list(signature.parameters.values())
    # A method's `self` comes before the connection; an endpoint reached through an instance binds it.
    method = defined_in_class(handler) and parameters[0] is not connection
    if method:
        del parameters[0]
    parameters = [
        p.replace(annotation=StarletteWebSocket if p is connection else hints.get(p.name, p.annotation))
        for p in parameters
    ]
    return EndpointSignature(
        parameter=connection.name,
        receive_codec=receive_codec,
        send_codec=send_codec,
        framework_signature=signature.replace(parameters=parameters, return_annotation=None),
        others=tuple(
            p for p in parameters if p.name != connection.name and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ),
        method=method,
    )


def read_listener(on_message: Callable[..., Any]) -> ListenerSignature:
    """Resolve the codecs of `async def on_message(msg: In[, ws: WebSocket[In, Out]]) -> Out | None`.

    The receive type is the message parameter's annotation; the send type is
    the return annotation without `None`, or, for `-> None`, the connection's
    `Out` when it is annotated, else `"text"`. A method (`self` first) is
    bound when its listener is reached through an instance. Raises
    `TypeError` for anything else, and for a connection annotated with other
    types than the message and the return annotation say.
    """
    name = _describe(on_message)
    signature, hints = _inspect(on_message, name)
    parameters = [p for p in signature.parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    method = defined_in_class(on_message)
    own = parameters[1:] if method else parameters  # without a method's `self`
    shape = "(self, msg: In[, ws])" if method else "(msg: In[, ws])"
    if len(parameters) != len(signature.parameters) or len(own) not in (1, 2):
        raise TypeError(f"{name} must take the message and, optionally, the connection: `{shape}`")
    message, *connection = own
    if _is_websocket(hints.get(message.name)) or unwrap(hints.get(message.name)) is StarletteWebSocket:
        raise TypeError(f"{name} takes the connection first; a listener takes the message first: `{shape}`")
    if message.name not in hints:
        raise TypeError(f"{name}: annotate the message parameter {message.name!r} with the type of received messages")
    if "return" not in hints:
        raise TypeError(f"{name}: annotate the return type with the type of replies, e.g. `-> Event | None`")
    receive_type, reply = hints[message.name], without_none(hints["return"])
    send_type: Any = "text" if is_none(reply) else reply
    if connection and connection[0].name in hints:
        send_type = _check_connection(name, hints[connection[0].name], receive_type, None if is_none(reply) else reply)
    return ListenerSignature(
        receive_codec=_codec(receive_type, f"{name}: the type of {message.name!r}"),
        send_codec=_codec(send_type, f"{name}: the return type"),
        takes_websocket=bool(connection),
        method=method,
    )


def _check_connection(name: str, annotation: Any, receive_type: Any, reply: Any) -> Any:
    """The connection's `Out`, once its annotation is known to agree with the message's type and the reply's."""
    if not _is_websocket(annotation):
        raise TypeError(f"{name}: annotate the connection as `WebSocket[In, Out]`, not {display_name(annotation)}")
    receive_arg, send_arg = _websocket_args(annotation)
    if unwrap(receive_arg) != unwrap(receive_type) or (reply is not None and unwrap(send_arg) != unwrap(reply)):
        expected = f"WebSocket[{display_name(receive_type)}, {'...' if reply is None else display_name(reply)}]"
        annotated = f"WebSocket[{display_name(receive_arg)}, {display_name(send_arg)}]"
        raise TypeError(
            f"{name}: the connection is annotated {annotated}, but the message and return types make it {expected}"
        )
    return send_arg


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
    """`In` and `Out` of a `WebSocket[...]` annotation; an omitted one is the default, `str` (`WebSocket[Cmd]`)."""
    receive_arg, send_arg, *_ = (*typing.get_args(unwrap(tp)), str, str)
    return receive_arg, send_arg


def _codec(tp: Any, where: str) -> Codec[Any]:
    if isinstance(tp, typing.TypeVar):
        raise TypeError(f"{where} is the type variable {tp.__name__}; a typed endpoint needs concrete types")
    try:
        return codec_for(tp)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where} is not usable: {error}") from None
