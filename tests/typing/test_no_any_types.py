"""What models-only user code gets from typedws carries no `Any` beyond the contract's (`"json"`, `receive_json`).

`reveal_type`-free: each line states the type it must have, or fails.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

from pydantic import TypeAdapter
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send
from typing_extensions import assert_type

import typedws
from tests.typing.models import Chat, Cmd, Event
from typedws import Codec, EndpointInfo, ErrorDetail, InvalidMessage, ValueType, WebSocket
from typedws.client import ClientWebSocket, connect
from typedws.testing import TestClient, WebSocketTestSession

T = TypeVar("T")
URL = "ws://127.0.0.1:8000/chat"


# InvalidMessage.errors: Pydantic's details without the input (the peer's data) -------------------------


def validation_details(error: InvalidMessage) -> None:
    detail = error.errors[0]
    assert_type(detail, ErrorDetail)
    assert_type(detail["type"], str)
    assert_type(detail["loc"], tuple[int | str, ...])
    assert_type(detail["msg"], str)
    error.errors[0]["input"]  # type: ignore[typeddict-item]  # pyright: ignore[reportGeneralTypeIssues]


# EndpointInfo: what an endpoint declares, for any endpoint -------------------------------------------------


def endpoint_info(info: EndpointInfo, frame: str) -> None:
    assert_type(info.receive_type, object)
    assert_type(info.send_type, object)
    assert_type(info.receive_codec.decode(frame), object)
    assert_type(info.send_codec.encode(Chat(text="hi")), str | bytes)
    assert_type(info.max_size, int | None)
    assert_type(info.caught_close_codes, frozenset[int])


def routes(app: Starlette) -> None:
    for path, info in typedws.typed_routes(app):
        assert_type(path, str)
        assert_type(info, EndpointInfo)


# ValueType: every form, bare; `ValueType[T]` in generic helpers, passed on to typedws ------------------------


def takes_any_form(value_type: ValueType) -> None: ...


def use_every_form(adapter: TypeAdapter[Cmd | Event], codec: Codec[Chat]) -> None:
    for form in ("text", "bytes", "json", "event", Chat, adapter, codec):
        takes_any_form(form)
    takes_any_form("xml")  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]


def messages_of(value_type: ValueType[T]) -> list[T]:
    return []


def generic_helpers(adapter: TypeAdapter[Cmd | Event]) -> None:
    assert_type(messages_of(Chat), list[Chat])
    assert_type(messages_of(adapter), list[Cmd | Event])
    assert_type(messages_of(str), list[str])  # `str` means "text": the name carries no type


def typed_connection(url: str, value_type: ValueType[T]) -> AbstractAsyncContextManager[ClientWebSocket[T, T]]:
    return connect(url, value_type=value_type)


def typed_session(client: TestClient, receive: ValueType[T], send: ValueType[T]) -> WebSocketTestSession[T, T]:
    return client.websocket_connect("/ws", receive_type=receive, send_type=send)


def text_in(client: TestClient, send: ValueType[T]) -> WebSocketTestSession[str, T]:
    return client.websocket_connect("/ws", receive_type="text", send_type=send)


def typed_server(s: Scope, r: Receive, w: Send, receive: ValueType[T]) -> WebSocket[T, str]:
    return WebSocket(s, r, w, receive_type=receive)


def helpers_in_use(client: TestClient, s: Scope, r: Receive, w: Send) -> None:
    assert_type(typed_connection(URL, Chat), AbstractAsyncContextManager[ClientWebSocket[Chat, Chat]])
    assert_type(typed_session(client, Cmd, Cmd), WebSocketTestSession[Cmd, Cmd])
    assert_type(typed_server(s, r, w, Event), WebSocket[Event, str])


# Where Any is the contract ----------------------------------------------------------------------------------


async def the_contract_s_any(ws: WebSocket[Cmd, Event]) -> None:
    assert_type(await ws.receive_json(), Any)
    assert_type(WebSocket(ws.scope, ws.receive_event, ws.send_event, value_type="json"), WebSocket[Any, Any])
