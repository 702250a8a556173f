"""The structured fields of typedws's log lines: which connection, on which path, with which close code.

Every record typedws logs about a connection carries them as attributes
(`record.connection_id`, `record.path`, `record.close_code`), for a JSON
formatter or a `%(connection_id)s` format; the connection id is the one its
telemetry span carries (`typedws.connection.id`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._websocket import WebSocket

__all__ = ["connection_id", "log_fields"]


def connection_id(ws: object) -> str:
    """A connection's id: unique among the connections open in the process, the same in logs and spans."""
    return f"{id(ws):x}"


def log_fields(ws: WebSocket[Any, Any], close_code: int) -> Mapping[str, object]:
    """The `extra` of a log record about `ws` ending with `close_code`."""
    return {"connection_id": connection_id(ws), "path": ws.scope.get("path", ""), "close_code": close_code}
