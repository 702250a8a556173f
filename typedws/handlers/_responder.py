"""`responder`: a typed WebSocket endpoint that answers requests, one function per request type.

```python
async def get_room(request: GetRoom) -> Room | NoSuchRoom: ...
async def join(request: Join, peer: Peer[Any, Any]) -> Joined: ...

rooms = typedws.responder(get_room, join, concurrency=16)
app = Starlette(routes=[WebSocketRoute("/rooms", rooms)])
```
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field

from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketState
from typing_extensions import Never, TypedDict, Unpack

from ..requests._answers import AnswerFunction, Answers
from .._codecs import codec_for
from ..requests._correlation import DEFAULT_CORRELATION_FIELD, Correlator
from .._errors import InvalidMessage
from .._options import DEFAULT_MAX_SIZE, CaughtCloseCodes
from ..requests._peer import DEFAULT_CONCURRENCY, DEFAULT_REQUEST_TIMEOUT, Peer, checked_count, checked_timeout
from ..requests._declared import reply_type
from .._typing import common_tag
from .._websocket import WebSocket
from ._route import TypedRoute

__all__ = ["Responder", "ResponderOptions", "responder"]


class Responder(TypedRoute[object, Never]):
    """A WebSocket endpoint that answers the requests of its answer functions' types, and nothing else.

    Made by `typedws.responder`. The connection is accepted, then every
    request is answered by the function of its type, several at once (at
    most `concurrency`), each reply carrying the request's correlation id.
    A request that fails validation is answered with the error reply
    `"invalid_request"`, and one whose answer raises `RequestError` with
    that error; the connection stays open. A message without a correlation
    id closes it with 1007, a bad frame with its code, and an answer that
    raises anything else with 1011 (the error propagates, for the server
    to log it).

    It receives the union of the request types and sends the union of
    their reply types (`info` tells both, for the AsyncAPI document).
    """

    def __init__(self, answers: typing.Sequence[AnswerFunction], **options: Unpack[ResponderOptions]) -> None:
        correlation_field = options.get("correlation_field", DEFAULT_CORRELATION_FIELD)
        if not answers:
            raise TypeError("a responder needs at least one answer function")
        request_types = Answers(answers).request_types
        self._answers = tuple(answers)
        self._options: dict[str, Any] = {
            "correlation_field": correlation_field,
            "concurrency": checked_count("concurrency", options.get("concurrency", DEFAULT_CONCURRENCY)),
            "timeout": checked_timeout(options.get("timeout", DEFAULT_REQUEST_TIMEOUT)),
        }
        received: Any = typing.Union[request_types]  # noqa: UP007 - a union built at run time
        tag = common_tag(request_types)
        if tag is not None:
            received = Annotated[received, Field(discriminator=tag)]
        replies: Any = typing.Union[tuple(reply_type(request_type) for request_type in request_types)]  # noqa: UP007
        receive_codec, send_codec = codec_for(received), codec_for(replies)
        Correlator(receive_codec, send_codec, field=correlation_field)  # checks the field against every type now
        connection = inspect.Parameter("websocket", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=StarletteWebSocket)
        self._bind(
            answers[0],
            kind="responder",
            receive_codec=receive_codec,
            send_codec=send_codec,
            parameter=connection.name,
            framework_signature=inspect.Signature([connection], return_annotation=None),
            caught_close_codes=options.get("caught_close_codes"),
            max_size=options.get("max_size", DEFAULT_MAX_SIZE),
            correlation_field=correlation_field,
            close_codes=options.get("close_codes"),
            name=options.get("name") or "_".join(getattr(answer, "__name__", "answer") for answer in answers),
            description=options.get("description"),
        )

    async def _run(self, ws: WebSocket[object, Never], arguments: dict[str, Any]) -> None:
        if ws.application_state is WebSocketState.CONNECTING:  # a FastAPI dependency may have accepted it
            await ws.accept()
        async with Peer(ws, answers=self._answers, **self._options) as peer:
            async for _ in peer:
                field = self.info.correlation_field
                raise InvalidMessage(f"a message without its correlation id {field!r}: this endpoint takes requests")


class ResponderOptions(TypedDict, total=False):
    """The options of `responder`."""

    name: str | None
    """The endpoint's name in the message docs and Starlette's routes (default: the functions' names)."""
    description: str | None
    """What the endpoint is for, in the message docs."""
    correlation_field: str
    """The top-level field that carries correlation ids (`"id"`)."""
    concurrency: int
    """How many requests of one connection are answered at once; past that, the endpoint stops reading (8)."""
    timeout: float
    """The default timeout of the peer's `request()`, in seconds (30)."""
    caught_close_codes: CaughtCloseCodes | None
    """Close codes of the client's close that end the connection quietly (`"all"`)."""
    max_size: int | None
    """The largest message accepted, in bytes (1 MiB; `None` for no limit); larger ones close with 1009."""
    close_codes: Mapping[int, str] | None
    """The close codes the answers themselves use, with their meanings, for the message docs (`{4001: "..."}`)."""


def responder(*answers: AnswerFunction, **options: Unpack[ResponderOptions]) -> Responder:
    """Make a WebSocket endpoint that answers requests: `async def answer(request: Request[, peer]) -> Reply`.

    Each function answers the request types of its first parameter (a
    `RequestFor[...]` type, or a union of them) and returns the reply type
    those declare (checked here: `TypeError` otherwise); a second parameter
    gets the connection's `Peer` (for its `connection`, or to ask the
    client something with `request()`). See `ResponderOptions` for the
    options. Use it like an endpoint: `WebSocketRoute(path, responder(...))`,
    or under `@app.websocket(path)`.
    """
    return Responder(answers, **options)
