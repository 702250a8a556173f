"""Typed test clients: talk to an app's WebSocket routes in the types its handlers declare.

```python
client = TestClient(app)
with client.websocket_connect("/chat", send_type=Say, receive_type=Said) as ws:
    ws.send(Say(text="hi"))
    assert ws.receive() == Said(text="hi")
```

`TestClient` is Starlette's, run in a thread as usual; `AsyncTestClient`
drives the app in the test's own event loop, for async tests. Sessions are
generic over what they receive and what they send, in that order, as
`WebSocket[In, Out]` is on the server: `WebSocketTestSession[Said, Say]`.
"""

from __future__ import annotations

from ._clients import AsyncTestClient, TestClient
from ._peer import SyncPeer
from ._sessions import AsyncWebSocketTestSession, ConnectOptions, WebSocketTestSession

__all__ = [
    "AsyncTestClient",
    "AsyncWebSocketTestSession",
    "ConnectOptions",
    "SyncPeer",
    "TestClient",
    "WebSocketTestSession",
]
