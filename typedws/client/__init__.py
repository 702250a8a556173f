"""A typed client for WebSocket servers: `connect(url, receive_type=..., send_type=...)`.

The client side of `WebSocket[In, Out]`, over the `websockets` asyncio client
(install `typedws[client]`). It uses the same codecs and raises the same
errors as the server side.
"""

from __future__ import annotations

from ._connect import ClientOptions, connect
from ._websocket import ClientWebSocket

__all__ = ["ClientOptions", "ClientWebSocket", "connect"]
