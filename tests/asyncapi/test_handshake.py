"""The handshake in the document: path, query, headers, cookies, security; and the close codes of each channel."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Security
from fastapi.security import APIKeyCookie
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute

import typedws
from tests.asyncapi import apps
from tests.asyncapi.apps import StubEndpoint
from typedws import WebSocket, asyncapi


def doc(app: Any) -> dict[str, Any]:
    return asyncapi.document(app, title="Test", version="1.0.0")


def test_fastapi_query_header_and_path_parameters_are_in_the_channel_and_its_binding() -> None:
    from examples.fastapi_app import app

    rooms = doc(app)["channels"]["rooms_room"]
    assert rooms["parameters"] == {
        "room": {"description": "The `room` path segment.", "x-schema": {"type": "string", "pattern": "^[^/]+$"}}
    }
    assert rooms["bindings"]["ws"] == {
        "method": "GET",
        "query": {
            "type": "object",
            "properties": {"user": {"type": "string", "minLength": 1, "maxLength": 32}},
            "required": ["user"],
        },
        # An optional header is documented as its value's type, never as null; it is not required.
        "headers": {"type": "object", "properties": {"x-token": {"type": "string"}}},
        "bindingVersion": "0.1.0",
    }


def test_dependencies_routers_parameter_models_and_cookies_are_read_too() -> None:
    channel = doc(apps.secured_app)["channels"]["vversion_rooms_n"]
    assert channel["address"] == "/v{version}/rooms/{n}"
    # A segment FastAPI declares keeps its type; the router's pattern is named in the description.
    assert channel["parameters"] == {
        "version": {"description": "The `version` path segment.", "x-schema": {"type": "string", "pattern": "^[^/]+$"}},
        "n": {
            "description": "The `n` path segment, matching `[0-9]+`. The room's number.",
            "x-schema": {"type": "integer", "minimum": 2, "description": "The room's number."},
        },
    }
    binding = channel["bindings"]["ws"]
    assert binding["query"] == {
        "type": "object",
        "properties": {
            "page": {"type": "integer", "minimum": 1, "default": 1},
            "order": {"type": "string", "default": "new"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10, "description": "How many lines."},
        },
    }
    assert binding["headers"] == {"type": "object", "properties": {"x-trace-id": {"type": "string", "maxLength": 64}}}
    assert binding["x-cookies"] == {"type": "object", "properties": {"session": {"type": "string"}}}


def test_fastapi_security_schemes_are_components_that_the_operations_require() -> None:
    document = doc(apps.secured_app)
    assert document["components"]["securitySchemes"] == {
        "APIKeyHeader": {"type": "httpApiKey", "name": "x-key", "in": "header", "description": "The key you were given."},
        "HTTPBearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "OAuth2PasswordBearer": {
            "type": "oauth2",
            "flows": {
                "password": {
                    "tokenUrl": "https://example.com/token",
                    "availableScopes": {"chat": "Chat", "admin": "Everything"},
                }
            },
            "scopes": ["chat"],
        },
    }
    refs = [{"$ref": f"#/components/securitySchemes/{name}"} for name in ("HTTPBearer", "APIKeyHeader", "OAuth2PasswordBearer")]
    for operation in document["operations"].values():
        assert operation["security"] == refs
    # The credentials are the schemes' business, not handshake parameters of their own.
    assert "x-key" not in document["channels"]["vversion_rooms_n"]["bindings"]["ws"].get("headers", {})["properties"]


@typedws.endpoint
async def for_admins(ws: WebSocket[apps.Chat, apps.Chat], token: Annotated[str, Security(apps.oauth, scopes=["admin"])]) -> None:
    """Admins only."""
    await ws.accept()


@typedws.endpoint
async def for_chatters(ws: WebSocket[apps.Chat, apps.Chat], token: Annotated[str, Security(apps.oauth, scopes=["chat"])]) -> None:
    """Chatters only."""
    await ws.accept()


def test_a_scheme_used_with_other_scopes_is_a_second_component() -> None:
    app = FastAPI()
    app.add_api_websocket_route("/b", for_admins)
    app.add_api_websocket_route("/a", for_chatters)
    document = doc(app)
    schemes = document["components"]["securitySchemes"]
    assert [(name, scheme["scopes"]) for name, scheme in schemes.items()] == [
        ("OAuth2PasswordBearer", ["admin"]),
        ("OAuth2PasswordBearer_2", ["chat"]),
    ]
    assert document["operations"]["send_a"]["security"] == [{"$ref": "#/components/securitySchemes/OAuth2PasswordBearer_2"}]


def test_a_cookie_api_key_is_a_cookie_scheme() -> None:
    app = FastAPI()

    @app.websocket("/c")
    @typedws.endpoint
    async def handler(ws: WebSocket[apps.Chat, apps.Chat], key: Annotated[str, Depends(APIKeyCookie(name="sid"))]) -> None:
        await ws.accept()

    assert doc(app)["components"]["securitySchemes"] == {"APIKeyCookie": {"type": "httpApiKey", "name": "sid", "in": "cookie"}}


def test_a_starlette_route_has_only_its_path_segments() -> None:
    document = doc(Starlette(routes=[Mount("/v{version:int}", routes=[WebSocketRoute("/r/{id:uuid}", apps.board)])]))
    (channel,) = document["channels"].values()
    assert channel["parameters"]["version"]["x-schema"] == {"type": "string", "pattern": "^[0-9]+$"}
    assert channel["parameters"]["id"]["description"].startswith("The `id` path segment, matching `[0-9a-fA-F]{8}-")
    assert set(channel["bindings"]["ws"]) == {"method", "bindingVersion"}
    assert "securitySchemes" not in document["components"]
    assert all("security" not in operation for operation in document["operations"].values())


def codes(channel: dict[str, Any]) -> dict[int, str]:
    return {entry["code"]: entry["description"] for entry in channel["x-close-codes"]}


def test_each_channel_lists_the_close_codes_its_endpoint_can_produce() -> None:
    from examples.chat.app import create_app

    chat = codes(doc(create_app())["channels"]["chat"])
    assert chat == {
        1000: "Normal closure: the server ended the connection.",
        1001: "Going away: the server is shutting down.",
        1003: "A binary frame arrived where a text one is expected.",
        1007: "A message that is not valid `Join | Say | Leave`.",
        1009: "A message larger than 8,192 bytes.",
        1011: "An unexpected error in the server's handler.",
        1013: "The client fell 256 messages behind.",
    }


def test_close_codes_follow_what_the_endpoint_receives_and_declares() -> None:
    from examples.fastapi_app import app as fastapi_app

    stub = doc(apps.stub_app)["channels"]
    assert 1007 not in codes(stub["text"])  # any text is valid text
    assert codes(stub["json"])[1007] == "A message that is not JSON."
    assert 1009 not in codes(stub["text"])  # no size limit
    raw = codes(doc(apps.app)["channels"]["v1_raw_n"])
    assert raw[1003] == "A text frame arrived where a binary one is expected."
    assert 1007 not in raw
    room = codes(doc(fastapi_app)["channels"]["rooms_room"])
    # A code the endpoint declares that FastAPI uses too: both meanings.
    assert room[1008].startswith("The `x-token` header is missing or wrong. Or a handshake parameter is missing or invalid")
    assert 1008 not in codes(doc(fastapi_app)["channels"]["echo"])  # nothing in its handshake to refuse
    assert codes(doc(apps.secured_app)["channels"]["vversion_rooms_n"])[4004] == "No such room."


async def echo(message: apps.Chat) -> apps.Chat:
    """Echo."""
    return message


@pytest.mark.parametrize(
    ("close_codes", "error", "message"),
    [
        ({999: "x"}, ValueError, "999 is not a close code an application may send"),
        ({1006: "x"}, ValueError, "1006 is not a close code"),
        ({5000: "x"}, ValueError, "5000 is not a close code"),
        ({"4000": "x"}, TypeError, "close_codes must map ints to strings"),
        ({4000: 1}, TypeError, "close_codes must map ints to strings"),
        ([4000], TypeError, "close_codes must map close codes to their meanings"),
    ],
)
def test_declared_close_codes_are_checked(close_codes: Any, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        typedws.listener(close_codes=close_codes)(echo)


def test_declared_close_codes_are_kept_in_order_and_read_only() -> None:
    info = typedws.listener(close_codes={4001: "b", 4000: "a"})(echo).info
    assert list(info.close_codes.items()) == [(4000, "a"), (4001, "b")]
    with pytest.raises(TypeError):
        info.close_codes[4002] = "c"  # type: ignore[index]


def test_handshake_facts_come_from_the_route_not_the_handler() -> None:
    app = Starlette(routes=[WebSocketRoute("/a/{x}", apps.board), WebSocketRoute("/b", apps.board)])
    (_, a), (_, b) = typedws.typed_routes(app)
    assert [parameter.name for parameter in a.handshake] == ["x"]
    assert b.handshake == () and apps.board.info.handshake == ()
    assert StubEndpoint("s", "text", "text").__typedws_info__.security == ()
