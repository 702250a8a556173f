"""typedws: typed, validating WebSockets for Starlette, FastAPI and any ASGI app.

A connection has a type for what it receives and a type for what it sends:
`WebSocket[In, Out]`.
"""

from starlette.websockets import WebSocketDisconnect, WebSocketState

from ._codecs import Codec, ValueType, ValueTypeName
from ._errors import InvalidMessage, MalformedMessage, MessageError, MessageTooLarge, UnexpectedFrame
from ._metadata import EndpointInfo, typed_routes
from ._websocket import DEFAULT_CAUGHT_CLOSE_CODES, DEFAULT_MAX_SIZE, ConnectionOptions, WebSocket
from .hub import Hub, Topic
from .routing import endpoint, listener

__all__ = [
    "DEFAULT_CAUGHT_CLOSE_CODES",
    "DEFAULT_MAX_SIZE",
    "Codec",
    "ConnectionOptions",
    "EndpointInfo",
    "Hub",
    "InvalidMessage",
    "MalformedMessage",
    "MessageError",
    "MessageTooLarge",
    "Topic",
    "UnexpectedFrame",
    "ValueType",
    "ValueTypeName",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketState",
    "endpoint",
    "listener",
    "typed_routes",
]
