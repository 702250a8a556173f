"""The public surface is fixed here: a name cannot appear in, or vanish from, a public module by accident."""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

import pytest

import typedws
import typedws._errors

PUBLIC = {
    "typedws": [
        "DEFAULT_CAUGHT_CLOSE_CODES",
        "DEFAULT_MAX_SIZE",
        "CaughtCloseCodes",
        "Codec",
        "ConnectionOptions",
        "Endpoint",
        "EndpointInfo",
        "Entry",
        "ErrorDetail",
        "Hub",
        "HubUnavailable",
        "IdleTimeout",
        "InvalidMessage",
        "Listener",
        "MalformedMessage",
        "MessageError",
        "MessageTooFragmented",
        "MessageTooLarge",
        "Peer",
        "Ping",
        "Pong",
        "RateLimit",
        "RateLimitExceeded",
        "RequestError",
        "RequestFor",
        "RequestTimeout",
        "Responder",
        "Stream",
        "Subscription",
        "SubscriptionOverflow",
        "Telemetry",
        "Topic",
        "UnexpectedFrame",
        "ValueType",
        "ValueTypeName",
        "WebSocket",
        "WebSocketClosed",
        "WebSocketDisconnect",
        "WebSocketState",
        "endpoint",
        "listener",
        "responder",
        "typed_routes",
    ],
    "typedws.handlers": [
        "Endpoint",
        "EndpointDecorator",
        "EndpointInfo",
        "EndpointOptions",
        "HandshakeParameter",
        "Listener",
        "ListenerDecorator",
        "Responder",
        "ResponderOptions",
        "SecurityRequirement",
        "endpoint",
        "endpoint_info",
        "listener",
        "responder",
        "typed_routes",
    ],
    "typedws.routing": ["Endpoint", "EndpointDecorator", "Listener", "ListenerDecorator", "endpoint", "listener"],
    "typedws.testing": [
        "AsyncTestClient",
        "AsyncWebSocketTestSession",
        "ConnectOptions",
        "SyncPeer",
        "TestClient",
        "WebSocketTestSession",
    ],
    "typedws.client": ["ClientOptions", "ClientWebSocket", "connect"],
    "typedws.requests": ["ErrorReply", "ErrorReplyBody", "Peer", "RequestFor"],
    "typedws.hub": [
        "DEFAULT_HISTORY",
        "DEFAULT_QUEUE_BYTES",
        "DEFAULT_QUEUE_SIZE",
        "DEFAULT_RECOVERY_TIMEOUT",
        "Entry",
        "Forwarding",
        "Hub",
        "HubUnavailable",
        "OverflowPolicy",
        "Stream",
        "Subscription",
        "SubscriptionOverflow",
        "Topic",
    ],
    "typedws.asyncapi": [
        "ASYNCAPI_VERSION",
        "Document",
        "FORMATS",
        "Format",
        "ServerSpec",
        "document",
        "render",
        "routes",
        "to_html",
        "to_json",
        "to_markdown",
        "to_yaml",
    ],
}


@pytest.mark.parametrize("module", sorted(PUBLIC))
def test_each_public_module_exports_exactly_its_names(module: str) -> None:
    exported = importlib.import_module(module)
    assert sorted(exported.__all__) == sorted(PUBLIC[module])
    for name in exported.__all__:
        assert hasattr(exported, name), f"{module}.__all__ names {name}, which it lacks"


def _classes(module: ModuleType) -> list[type]:
    return [value for name in module.__all__ if inspect.isclass(value := getattr(module, name))]


def test_every_public_error_lives_in_the_errors_module_and_is_drawn_in_its_tree() -> None:
    errors = [cls for cls in _classes(typedws) if issubclass(cls, BaseException)]
    assert errors
    tree = typedws._errors.__doc__ or ""
    for error in errors:
        assert getattr(typedws._errors, error.__name__) is error, f"{error.__name__} is not in typedws._errors"
        assert error.__name__ in tree, f"{error.__name__} is missing from the hierarchy in typedws._errors' docstring"


def test_reprs_show_the_public_path() -> None:
    for cls in _classes(typedws):
        if cls.__module__.startswith("typedws"):
            assert cls.__module__ == "typedws", f"{cls.__qualname__} shows {cls.__module__}"
    assert repr(typedws.WebSocket) == "<class 'typedws.WebSocket'>"
    assert repr(typedws.WebSocketClosed) == "<class 'typedws.WebSocketClosed'>"


def test_tracebacks_name_public_classes() -> None:
    error = typedws.MessageTooLarge(10, 5)
    assert f"{type(error).__module__}.{type(error).__qualname__}" == "typedws.MessageTooLarge"
