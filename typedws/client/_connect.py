"""`connect()`: open a typed client connection, with `websockets`' options typed as `ClientOptions`."""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from socket import socket
from ssl import SSLContext
from typing import Any, Literal, overload

from pydantic import TypeAdapter
from typing_extensions import TypeVar, Unpack
from websockets.asyncio.client import connect as websockets_connect
from websockets.datastructures import HeadersLike
from websockets.extensions import ClientExtensionFactory

from ._closing import ClosingBoundConnection
from ._websocket import ClientWebSocket
from .._codecs import Codec, ValueType, codecs_for
from .._options import DEFAULT_MAX_SIZE, ConnectionOptions, checked_caught_codes, checked_max_size

__all__ = ["ClientOptions", "connect"]

InT = TypeVar("InT", covariant=True, default=str)
OutT = TypeVar("OutT", contravariant=True, default=str)
_V = TypeVar("_V")
_R = TypeVar("_R")
_S = TypeVar("_S")


class ClientOptions(ConnectionOptions, total=False):
    """Options of `connect`, beside the value types: the connection's, then those `websockets` takes.

    The `websockets` options go to `websockets.asyncio.client.connect` as
    they are; see its documentation for their meaning and defaults.
    """

    origin: str | None
    """The `Origin` header of the handshake."""
    extensions: Sequence[ClientExtensionFactory] | None
    """Protocol extensions to offer."""
    subprotocols: Sequence[str] | None
    """Subprotocols to offer, in order of preference."""
    compression: str | None
    """`"deflate"` (the default) for per-message compression, `None` for none."""
    additional_headers: HeadersLike | None
    """Extra handshake request headers."""
    user_agent_header: str | None
    """The `User-Agent` header; `None` sends none."""
    proxy: str | Literal[True] | None
    """The proxy's URL; `True` (the default) reads it from the environment, `None` connects directly."""
    process_exception: Callable[[Exception], Exception | None]
    """Decides which handshake errors to retry (when reconnecting); see `websockets`."""
    open_timeout: float | None
    """Seconds the opening handshake may take."""
    ping_interval: float | None
    """Seconds between keepalive pings; `None` sends none."""
    ping_timeout: float | None
    """Seconds to wait for a ping's pong before closing; `None` waits forever."""
    close_timeout: float | None
    """Seconds the closing handshake may take."""
    max_queue: int | None | tuple[int | None, int | None]
    """The high (and low) water mark of the queue of incoming messages."""
    write_limit: int | tuple[int, int | None]
    """The high (and low) water mark of the write buffer, in bytes."""
    logger: logging.Logger | logging.LoggerAdapter[Any] | None
    """The logger of the connection (`websockets.client` by default)."""
    ssl: SSLContext | bool | None
    """The TLS context (a default one for `wss://` URLs)."""
    server_hostname: str | None
    """The host name for TLS, instead of the URL's."""
    ssl_handshake_timeout: float | None
    """Seconds the TLS handshake may take."""
    ssl_shutdown_timeout: float | None
    """Seconds the TLS shutdown may take."""
    host: str | None
    """The host to connect to, instead of the URL's (the URL's is still used for TLS and the handshake)."""
    port: int | None
    """The port to connect to, instead of the URL's."""
    sock: socket | None
    """A connected socket to use instead of opening one."""
    local_addr: tuple[str, int] | None
    """The local `(host, port)` to bind the socket to."""


# BEGIN GENERATED OVERLOADS: connect
@overload
def connect(
    url: str,
    *,
    value_type: Literal["bytes"],
    receive_type: None = None,
    send_type: None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[bytes, bytes]]: ...  # value_type="bytes"
@overload
def connect(
    url: str,
    *,
    value_type: Literal["json"],
    receive_type: None = None,
    send_type: None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[Any, Any]]: ...  # value_type="json"
@overload
def connect(
    url: str,
    *,
    value_type: type[_V] | TypeAdapter[_V] | Codec[_V],
    receive_type: None = None,
    send_type: None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_V, _V]]: ...  # value_type=a type
@overload
def connect(
    url: str,
    *,
    value_type: Literal["text"] | None = None,
    receive_type: Literal["text"] | None = None,
    send_type: Literal["text"] | None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[str, str]]: ...  # receive_type="text" (default), send_type="text" (default)
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["text"] | None = None,
    send_type: Literal["bytes"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[str, bytes]]: ...  # receive_type="text" (default), send_type="bytes"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["text"] | None = None,
    send_type: Literal["json"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[str, Any]]: ...  # receive_type="text" (default), send_type="json"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["text"] | None = None,
    send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[str, _S]]: ...  # receive_type="text" (default), send_type=a type
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["bytes"],
    send_type: Literal["text"] | None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[bytes, str]]: ...  # receive_type="bytes", send_type="text" (default)
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["bytes"],
    send_type: Literal["bytes"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[bytes, bytes]]: ...  # receive_type="bytes", send_type="bytes"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["bytes"],
    send_type: Literal["json"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[bytes, Any]]: ...  # receive_type="bytes", send_type="json"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["bytes"],
    send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[bytes, _S]]: ...  # receive_type="bytes", send_type=a type
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["json"],
    send_type: Literal["text"] | None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[Any, str]]: ...  # receive_type="json", send_type="text" (default)
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["json"],
    send_type: Literal["bytes"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[Any, bytes]]: ...  # receive_type="json", send_type="bytes"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["json"],
    send_type: Literal["json"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[Any, Any]]: ...  # receive_type="json", send_type="json"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["json"],
    send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[Any, _S]]: ...  # receive_type="json", send_type=a type
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
    send_type: Literal["text"] | None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_R, str]]: ...  # receive_type=a type, send_type="text" (default)
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
    send_type: Literal["bytes"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_R, bytes]]: ...  # receive_type=a type, send_type="bytes"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
    send_type: Literal["json"],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_R, Any]]: ...  # receive_type=a type, send_type="json"
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: type[_R] | TypeAdapter[_R] | Codec[_R],
    send_type: type[_S] | TypeAdapter[_S] | Codec[_S],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_R, _S]]: ...  # receive_type=a type, send_type=a type
@overload
def connect(
    url: str,
    *,
    value_type: ValueType[_V],
    receive_type: None = None,
    send_type: None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_V, _V]]: ...  # value_type=ValueType (generic code)
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: ValueType[_R],
    send_type: Literal["text"] | None = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_R, str]]: ...  # receive_type=ValueType (generic code), send_type="text" (default)
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: Literal["text"] | None = None,
    send_type: ValueType[_S],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[str, _S]]: ...  # receive_type="text" (default), send_type=ValueType (generic code)
@overload
def connect(
    url: str,
    *,
    value_type: None = None,
    receive_type: ValueType[_R],
    send_type: ValueType[_S],
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[_R, _S]]: ...  # receive_type=ValueType (generic code), send_type=ValueType (generic code)
# END GENERATED OVERLOADS: connect
def connect(
    url: str,
    *,
    value_type: Any = None,
    receive_type: Any = None,
    send_type: Any = None,
    **options: Unpack[ClientOptions],
) -> AbstractAsyncContextManager[ClientWebSocket[Any, Any]]:
    """Connect to the WebSocket server at `url`; use as `async with connect(...) as ws:`.

    `value_type` sets both directions; `receive_type` (what the server sends)
    and `send_type` (what the client sends) set one each (default `"text"`),
    with the same forms as `typedws.WebSocket`. `max_size` limits incoming
    messages (1009 past it). The other options (see `ClientOptions`) go to
    `websockets.asyncio.client.connect` (`additional_headers`, `subprotocols`,
    `open_timeout`, `proxy` ...); its handshake errors (`InvalidStatus`,
    `InvalidURI`, `OSError`, `TimeoutError`) are raised as they are.

    Leaving the block closes the connection: with 1000 normally, with the
    error's `close_code` after an uncaught `MessageError`, with 1011 after
    any other exception, with 1001 when cancelled. A `WebSocketDisconnect`
    with one of `caught_close_codes` (alone, or in an exception group of
    nothing else) ends the block quietly; everything else propagates.
    """
    receive_codec, send_codec = codecs_for(value_type, receive_type, send_type)
    websockets_options: dict[str, Any] = dict(options)
    caught = checked_caught_codes(websockets_options.pop("caught_close_codes", None))
    max_size = checked_max_size(websockets_options.pop("max_size", DEFAULT_MAX_SIZE))
    return _connected(url, receive_codec, send_codec, caught, max_size, websockets_options)


@asynccontextmanager
async def _connected(
    url: str,
    receive_codec: Codec[Any],
    send_codec: Codec[Any],
    caught_close_codes: frozenset[int],
    max_size: int | None,
    websockets_options: dict[str, Any],
) -> AsyncGenerator[ClientWebSocket[Any, Any]]:
    options: dict[str, Any] = {"create_connection": ClosingBoundConnection, **websockets_options}
    async with websockets_connect(url, max_size=max_size, **options) as connection:
        ws: ClientWebSocket[Any, Any] = ClientWebSocket(
            connection, receive_codec, send_codec, caught_close_codes=caught_close_codes, max_size=max_size
        )
        try:
            yield ws
        except BaseException as exc:
            if (await ws.end(exc)).propagate:
                raise
