"""The typed test clients: Starlette's `TestClient` with typed sessions, and an in-loop `AsyncTestClient`."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, overload
from urllib.parse import unquote, urlsplit

from pydantic import TypeAdapter
from starlette import testclient as starlette_testclient
from starlette.types import ASGIApp, Scope
from typing_extensions import Self, TypeVar, Unpack

from .._codecs import Codec, ValueType, codecs_for
from ._lifespan import Lifespan
from ._sessions import AsyncWebSocketTestSession, ConnectOptions, WebSocketTestSession

__all__ = ["AsyncTestClient", "TestClient"]

_V = TypeVar("_V")
_R = TypeVar("_R")
_S = TypeVar("_S")


class TestClient(starlette_testclient.TestClient):
    """Starlette's `TestClient`, whose `websocket_connect` opens a typed session.

    `send_type` and `receive_type` (or `value_type` for both) take the same
    forms as `WebSocket`'s: `"text"` (default), `"bytes"`, `"json"`, a class
    Pydantic validates, a `TypeAdapter` or a `Codec`.
    """

    __test__ = False

    # BEGIN GENERATED OVERLOADS: TestClient.websocket_connect
    @overload  # type: ignore[override]
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: Literal["bytes"],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[bytes, bytes]: ...  # value_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: Literal["json"],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[Any, Any]: ...  # value_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: type[_V] | TypeAdapter[_V] | Codec[_V],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_V, _V]: ...  # value_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: Literal["text"] | None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[str, str]: ...  # receive_type="text" (default), send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[str, bytes]: ...  # receive_type="text" (default), send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[str, Any]: ...  # receive_type="text" (default), send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[str, _S]: ...  # receive_type="text" (default), send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[bytes, str]: ...  # receive_type="bytes", send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[bytes, bytes]: ...  # receive_type="bytes", send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[bytes, Any]: ...  # receive_type="bytes", send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[bytes, _S]: ...  # receive_type="bytes", send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[Any, str]: ...  # receive_type="json", send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[Any, bytes]: ...  # receive_type="json", send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[Any, Any]: ...  # receive_type="json", send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[Any, _S]: ...  # receive_type="json", send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_R, str]: ...  # receive_type=a type, send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_R, bytes]: ...  # receive_type=a type, send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_R, Any]: ...  # receive_type=a type, send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_R, _S]: ...  # receive_type=a type, send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: ValueType[_V],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_V, _V]: ...  # value_type=ValueType (generic code)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: ValueType[_R],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_R, str]: ...  # receive_type=ValueType (generic code), send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: ValueType[_S],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[str, _S]: ...  # receive_type="text" (default), send_type=ValueType (generic code)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: ValueType[_R],
        send_type: ValueType[_S],
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[_R, _S]: ...  # receive_type=ValueType (generic code), send_type=ValueType (generic code)
    # END GENERATED OVERLOADS: TestClient.websocket_connect
    def websocket_connect(  # pyright: ignore[reportIncompatibleMethodOverride]
        self,
        url: str,
        *,
        value_type: Any = None,
        receive_type: Any = None,
        send_type: Any = None,
        **options: Unpack[ConnectOptions],
    ) -> WebSocketTestSession[Any, Any]:
        """Open a typed test session to `url` (a path, with an optional query string)."""
        receive_codec, send_codec = codecs_for(value_type, receive_type, send_type)
        session = super().websocket_connect(
            url, subprotocols=options.get("subprotocols"), headers=dict(options.get("headers", {}))
        )
        return WebSocketTestSession(session, receive_codec, send_codec, options.get("caught_close_codes"))


class AsyncTestClient:
    """Drives an ASGI app's WebSocket routes in the test's own event loop, with typed sessions.

    `websocket_connect` takes the same arguments as `TestClient`'s. Used as
    `async with AsyncTestClient(app) as client:`, it also runs the app's
    lifespan (startup on entry, shutdown on exit), as `TestClient` does.
    For HTTP requests, use `httpx`'s `AsyncClient` with an `ASGITransport`.
    """

    __test__ = False

    def __init__(
        self,
        app: ASGIApp,
        *,
        root_path: str = "",
        headers: Mapping[str, str] | None = None,
        client: tuple[str, int] = ("testclient", 50000),
    ) -> None:
        self.app = app
        """The ASGI app under test."""
        self.root_path = root_path
        """The ASGI `root_path` of every connection's scope."""
        self.headers: dict[str, str] = dict(headers or {})
        """Headers sent with every handshake."""
        self.client = client
        """The client's `(host, port)` the app sees."""
        self.app_state: dict[str, Any] = {}
        """The lifespan state, copied into every connection's scope."""
        self._lifespan: Lifespan | None = None

    async def __aenter__(self) -> Self:
        if self._lifespan is not None:
            raise RuntimeError("the client is running already: enter it once at a time")
        lifespan = Lifespan(self.app, self.app_state)
        await lifespan.start()
        self._lifespan = lifespan
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        lifespan, self._lifespan = self._lifespan, None
        if lifespan is not None:
            await lifespan.stop()

    # BEGIN GENERATED OVERLOADS: AsyncTestClient.websocket_connect
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: Literal["bytes"],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[bytes, bytes]: ...  # value_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: Literal["json"],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[Any, Any]: ...  # value_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: type[_V] | TypeAdapter[_V] | Codec[_V],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_V, _V]: ...  # value_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: Literal["text"] | None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[str, str]: ...  # receive_type="text" (default), send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[str, bytes]: ...  # receive_type="text" (default), send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[str, Any]: ...  # receive_type="text" (default), send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[str, _S]: ...  # receive_type="text" (default), send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[bytes, str]: ...  # receive_type="bytes", send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[bytes, bytes]: ...  # receive_type="bytes", send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[bytes, Any]: ...  # receive_type="bytes", send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["bytes"],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[bytes, _S]: ...  # receive_type="bytes", send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[Any, str]: ...  # receive_type="json", send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[Any, bytes]: ...  # receive_type="json", send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[Any, Any]: ...  # receive_type="json", send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["json"],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[Any, _S]: ...  # receive_type="json", send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_R, str]: ...  # receive_type=a type, send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["bytes"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_R, bytes]: ...  # receive_type=a type, send_type="bytes"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: Literal["json"],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_R, Any]: ...  # receive_type=a type, send_type="json"
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
        send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_R, _S]: ...  # receive_type=a type, send_type=a type
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: ValueType[_V],
        receive_type: None = None,
        send_type: None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_V, _V]: ...  # value_type=ValueType (generic code)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: ValueType[_R],
        send_type: Literal["text"] | None = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_R, str]: ...  # receive_type=ValueType (generic code), send_type="text" (default)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: Literal["text"] | None = None,
        send_type: ValueType[_S],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[str, _S]: ...  # receive_type="text" (default), send_type=ValueType (generic code)
    @overload
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: None = None,
        receive_type: ValueType[_R],
        send_type: ValueType[_S],
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[_R, _S]: ...  # receive_type=ValueType (generic code), send_type=ValueType (generic code)
    # END GENERATED OVERLOADS: AsyncTestClient.websocket_connect
    def websocket_connect(
        self,
        url: str,
        *,
        value_type: Any = None,
        receive_type: Any = None,
        send_type: Any = None,
        **options: Unpack[ConnectOptions],
    ) -> AsyncWebSocketTestSession[Any, Any]:
        """A typed test session to `url` (a path, with an optional query string), opened by `async with`."""
        receive_codec, send_codec = codecs_for(value_type, receive_type, send_type)
        return AsyncWebSocketTestSession(
            self.app, self._scope(url, options), receive_codec, send_codec, options.get("caught_close_codes")
        )

    def _scope(self, url: str, options: ConnectOptions) -> Scope:
        parts = urlsplit(url)
        subprotocols = list(options.get("subprotocols", ()))
        headers = {
            "host": "testserver",
            "user-agent": "testclient",
            "connection": "upgrade",
            "upgrade": "websocket",
            "sec-websocket-key": "testserver==",
            "sec-websocket-version": "13",
            **{name.lower(): value for name, value in self.headers.items()},
            **{name.lower(): value for name, value in options.get("headers", {}).items()},
        }
        if subprotocols:
            headers.setdefault("sec-websocket-protocol", ", ".join(subprotocols))
        return {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": "ws",
            "server": ("testserver", 80),
            "client": self.client,
            "root_path": self.root_path,
            "path": unquote(parts.path or "/"),
            "raw_path": (parts.path or "/").encode(),
            "query_string": parts.query.encode(),
            "headers": [(name.encode(), value.encode()) for name, value in headers.items()],
            "subprotocols": subprotocols,
            "state": self.app_state.copy(),
            "extensions": {},
        }

