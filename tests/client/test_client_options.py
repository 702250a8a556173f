"""`ClientOptions` types what `connect` passes on: each of its options is one `websockets` takes."""

from __future__ import annotations

import asyncio
import inspect
import typing

from websockets.asyncio.client import connect as websockets_connect

from typedws import ConnectionOptions
from typedws.client import ClientOptions

PROXY_OPTIONS = {"proxy_ssl", "proxy_server_hostname", "proxy_ssl_handshake_timeout", "proxy_ssl_shutdown_timeout"}
"""Options `websockets` takes for a TLS proxy (documented, passed as keywords)."""


def test_every_client_option_is_the_connection_s_or_one_websockets_takes() -> None:
    named = set(inspect.signature(websockets_connect.__init__).parameters) - {"self", "uri", "kwargs"}
    # The rest of websockets' keywords go to the event loop's create_connection.
    passed_on = set(inspect.signature(asyncio.AbstractEventLoop.create_connection).parameters) - {"self"}
    ours = set(typing.get_type_hints(ConnectionOptions))
    for option in typing.get_type_hints(ClientOptions):
        assert option in ours | named | passed_on | PROXY_OPTIONS, f"websockets takes no option {option!r}"


def test_the_options_of_websockets_connect_are_all_typed() -> None:
    named = set(inspect.signature(websockets_connect.__init__).parameters) - {"self", "uri", "kwargs"}
    untyped = named - set(typing.get_type_hints(ClientOptions))
    # `async for ... in connect(...)` reconnects, which typedws does not offer; the connection class is typedws' own.
    assert untyped == {"reconnect_delays", "create_connection"}
