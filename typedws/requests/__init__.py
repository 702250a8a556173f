"""Typed request/reply in both directions: `RequestFor[R]`, `Peer`, error replies.

```python
class GetRoom(BaseModel, RequestFor[Room | NoSuchRoom]):
    name: str


async with ws, Peer(ws) as peer:
    room = await peer.request(GetRoom(name="lobby"))    # Room | NoSuchRoom, matched by its id
```

A message type declares its reply type (`RequestFor[R]`); the correlation id
is one extra top-level field of the frame (`"id"` unless named otherwise).
`Peer` sends requests and answers them over any side of a connection (the
server's `WebSocket`, the client's, the async test session);
`typedws.responder` serves one function per request type; failures are
answered with an `ErrorReply`. See `docs/requests.md`.

Inside: `_declared` (what makes a type a request, and its reply type),
`_correlation` (frames in and out of one connection, without I/O), `_peer`
(the tasks that move them), `_answers` (the functions that answer).
"""

from __future__ import annotations

from ._declared import ErrorReply, ErrorReplyBody, RequestFor
from ._peer import Peer

__all__ = ["ErrorReply", "ErrorReplyBody", "Peer", "RequestFor"]
