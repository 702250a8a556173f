"""Schema-typed handlers: `endpoint` and `listener` read `In` and `Out` from a handler's annotations.

```python
@typedws.endpoint
async def chat(ws: WebSocket[Command, Event]) -> None:
    async with ws:
        async for command in ws:
            await ws.send(Event(...))

app = Starlette(routes=[WebSocketRoute("/chat", chat)])
```

What the decorators return is at once a raw ASGI app (what Starlette's
`WebSocketRoute` calls) and a FastAPI endpoint (`@app.websocket(...)` stacked
on top), whose signature shows FastAPI the handler's other parameters.
`typed_routes(app)` finds them again in an app, with their `EndpointInfo`.
"""

from __future__ import annotations

from ._endpoint import Endpoint, EndpointDecorator, endpoint
from ._handshake import HandshakeParameter, SecurityRequirement
from ._info import EndpointInfo, endpoint_info, typed_routes
from ._listener import Listener, ListenerDecorator, listener
from ._responder import Responder, ResponderOptions, responder
from ._route import EndpointOptions

__all__ = [
    "Endpoint",
    "EndpointDecorator",
    "EndpointInfo",
    "EndpointOptions",
    "HandshakeParameter",
    "Listener",
    "ListenerDecorator",
    "Responder",
    "ResponderOptions",
    "SecurityRequirement",
    "endpoint",
    "endpoint_info",
    "listener",
    "responder",
    "typed_routes",
]
