"""`SyncPeer`: requests and replies over a sync test session, for tests that are not async.

```python
with client.websocket_connect("/rooms", receive_type=Room, send_type=GetRoom) as ws, SyncPeer(ws) as app:
    assert app.request(GetRoom(name="lobby")) == Room(name="lobby", users=[])
```

The blocking twin of `typedws.Peer`, on the same correlation rules: it
reads the session only while a call waits (`request` until its reply,
`receive` until a message), keeps the messages that arrive meanwhile for
`receive`, and answers the app's requests as they come, in the calling
thread, with plain (not `async def`) answer functions.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, Generic

from typing_extensions import Self, TypeVar

from .._close import values
from ..requests._answers import AnswerFunction, Answers
from ..requests._correlation import (
    DEFAULT_CORRELATION_FIELD,
    BadRequest,
    Correlator,
    Incoming,
    Message,
    Reply,
    Request,
    unsupported_request,
)
from .._errors import RequestError, RequestTimeout
from ..requests._peer import DEFAULT_REQUEST_TIMEOUT
from ..requests._declared import RequestFor
from .._typing import display_name
from ._sessions import WebSocketTestSession

__all__ = ["SyncPeer"]

InT = TypeVar("InT", default=Any)
OutT = TypeVar("OutT", default=Any)
_R = TypeVar("_R")


class SyncPeer(Generic[InT, OutT]):
    """The app at the other end of a sync test session, for requests and replies both ways; use it with `with`.

    `answers` are plain functions answering the app's requests, one per
    request type: `def ping(request: Ping[, peer]) -> Pong`. While the peer
    is open, read the session through it (`receive`, iteration), so that no
    message slips past it. Options as `Peer`'s: `correlation_field` (`"id"`)
    and `timeout` (seconds `request()` waits by default; 30).
    """

    def __init__(
        self,
        session: WebSocketTestSession[InT, OutT],
        *,
        answers: Iterable[AnswerFunction] = (),
        correlation_field: str = DEFAULT_CORRELATION_FIELD,
        timeout: float = DEFAULT_REQUEST_TIMEOUT,
    ) -> None:
        self.session = session
        """The test session underneath."""
        self.correlator: Correlator[InT, OutT] = Correlator(
            session.receive_codec, session.send_codec, field=correlation_field
        )
        """The frames of requests, replies and messages, and the pending requests."""
        self.timeout = timeout
        """How long `request()` waits for a reply when given no timeout, in seconds."""
        self._answers = Answers(answers, asynchronous=False)
        self._inbox: deque[InT] = deque()
        self._reader: ThreadPoolExecutor | None = None
        self._reading: Future[str | bytes] | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:  # a read left waiting by a timeout ends with the session
            reader.shutdown(wait=False, cancel_futures=True)

    def request(self, value: RequestFor[_R], *, timeout: float | None = None) -> _R:
        """Send a request and return the app's reply; raises as `Peer.request` does."""
        limit = self.timeout if timeout is None else timeout
        correlation_id, frame = self.correlator.request(value)
        try:
            self.session.send_frame(frame)
            deadline = time.monotonic() + limit
            while True:
                incoming = self._next(deadline)
                if incoming is None:
                    raise RequestTimeout(display_name(type(value)), limit)
                if isinstance(incoming, Reply) and incoming.id == correlation_id:
                    if incoming.error is not None:
                        raise incoming.error
                    return incoming.value  # type: ignore[no-any-return]
        finally:
            self.correlator.forget(correlation_id)

    def send(self, value: OutT) -> None:
        """Send a message (no correlation id)."""
        self.session.send(value)

    def receive(self) -> InT:
        """The next message that is neither a request nor a reply (answering the app's requests meanwhile)."""
        while not self._inbox:
            self._next(None)
        return self._inbox.popleft()

    def __iter__(self) -> Iterator[InT]:
        """The messages, until the app closes with one of the session's caught close codes."""
        return values(self.receive, self.session.caught_close_codes, self.session.close)

    def _next(self, deadline: float | None) -> Incoming[InT] | None:
        """Read and handle one frame; `None` once `deadline` (of `time.monotonic`) has passed."""
        frame = self._frame(deadline)
        if frame is None:
            return None
        incoming = self.correlator.incoming(frame)
        if isinstance(incoming, Message):
            self._inbox.append(incoming.value)
        elif isinstance(incoming, Request):
            self.session.send_frame(self._answer(incoming))
        elif isinstance(incoming, BadRequest):
            self.session.send_frame(self.correlator.error_reply(incoming.id, incoming.error))
        return incoming

    def _frame(self, deadline: float | None) -> str | bytes | None:
        if deadline is None and self._reading is None:
            return self.session.receive_frame()
        if self._reading is None:
            # A read that can time out runs in a thread; one that times out is picked up by the next read.
            if self._reader is None:
                self._reader = ThreadPoolExecutor(1, thread_name_prefix="typedws-sync-peer")
            self._reading = self._reader.submit(self.session.receive_frame)
        remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            frame = self._reading.result(timeout=remaining)
        except TimeoutError:
            return None
        except BaseException:
            self._reading = None
            raise
        self._reading = None
        return frame

    def _answer(self, request: Request[InT]) -> str:
        try:
            answer = self._answers.get(type(request.value))
            if answer is None:
                raise unsupported_request(request.value)
            arguments = (request.value, self) if answer.takes_peer else (request.value,)
            return self.correlator.reply(request.id, request.value, answer.function(*arguments))
        except RequestError as error:
            return self.correlator.error_reply(request.id, error)
