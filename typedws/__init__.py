"""typedws: typed, validating WebSockets for Starlette, FastAPI and any ASGI app.

A connection has a type for what it receives and a type for what it sends:
`WebSocket[In, Out]`. Everything else is derived from those two types: the
handlers (`endpoint`, `listener`), the test clients (`typedws.testing`), the
client (`typedws.client`), the message docs (`typedws.asyncapi`) and the
broadcast hub (`Hub`).
"""

from starlette.websockets import WebSocketState

from ._codecs import Codec, ValueType, ValueTypeName
from ._errors import (
    ErrorDetail,
    HubUnavailable,
    IdleTimeout,
    InvalidMessage,
    MalformedMessage,
    MessageError,
    MessageTooFragmented,
    MessageTooLarge,
    RateLimitExceeded,
    RequestError,
    RequestTimeout,
    SubscriptionOverflow,
    UnexpectedFrame,
    WebSocketClosed,
    WebSocketDisconnect,
)
from ._layers import Ping, Pong, Telemetry
from ._options import DEFAULT_CAUGHT_CLOSE_CODES, DEFAULT_MAX_SIZE, CaughtCloseCodes, ConnectionOptions, RateLimit
from .requests import Peer, RequestFor
from ._websocket import WebSocket
from .handlers import Endpoint, EndpointInfo, Listener, Responder, endpoint, listener, responder, typed_routes
from .hub import Entry, Hub, Stream, Subscription, Topic

__all__ = [
    "DEFAULT_CAUGHT_CLOSE_CODES",
    "DEFAULT_MAX_SIZE",
    "CaughtCloseCodes",
    "Codec",
    "ConnectionOptions",
    "Endpoint",
    "EndpointInfo",
    "Entry",
    "ErrorDetail",
    "Hub",
    "HubUnavailable",
    "IdleTimeout",
    "InvalidMessage",
    "Listener",
    "MalformedMessage",
    "MessageError",
    "MessageTooFragmented",
    "MessageTooLarge",
    "Peer",
    "Ping",
    "Pong",
    "RateLimit",
    "RateLimitExceeded",
    "RequestError",
    "RequestFor",
    "RequestTimeout",
    "Responder",
    "Stream",
    "Subscription",
    "SubscriptionOverflow",
    "Telemetry",
    "Topic",
    "UnexpectedFrame",
    "ValueType",
    "ValueTypeName",
    "WebSocket",
    "WebSocketClosed",
    "WebSocketDisconnect",
    "WebSocketState",
    "endpoint",
    "listener",
    "responder",
    "typed_routes",
]


def _show_public_paths() -> None:
    """Let reprs and tracebacks name `typedws.WebSocket`, not `typedws._websocket.WebSocket`."""
    for name in __all__:
        value = globals()[name]
        module = getattr(value, "__module__", "")
        if isinstance(module, str) and module.startswith(f"{__name__}.") and hasattr(value, "__qualname__"):
            value.__module__ = __name__


_show_public_paths()
