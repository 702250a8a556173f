"""The client's `websockets` connection, with the closing handshake bounded while it receives."""

from __future__ import annotations

import asyncio

from websockets.asyncio.client import ClientConnection

__all__ = ["ClosingBoundConnection"]


class ClosingBoundConnection(ClientConnection):
    """`websockets`' client connection, whose closing handshake ends within `close_timeout` even while it receives.

    Once the protocol layer expects the TCP connection to close (the server's
    close frame came, or the server's data made it fail the connection), the
    server has `close_timeout` seconds to close it, then the connection is
    aborted. `websockets` itself checks that deadline only when something is
    sent: a `recv()` would wait as long as a server that never closes likes.
    """

    _closing: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._closing is None and self.close_deadline is not None and self.protocol.close_expected():
            self._closing = self.loop.call_at(self.close_deadline, self._abort)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._closing is not None:
            self._closing.cancel()
        super().connection_lost(exc)

    def _abort(self) -> None:
        # What `websockets` chains to the disconnect when its own close deadline passes.
        self.set_connection_exc(TimeoutError("timed out while closing connection"))
        self.transport.abort()
