"""The handlers' former home, kept so that `from typedws.routing import ...` still works; see `typedws.handlers`."""

from __future__ import annotations

from .handlers import Endpoint, EndpointDecorator, Listener, ListenerDecorator, endpoint, listener

__all__ = ["Endpoint", "EndpointDecorator", "Listener", "ListenerDecorator", "endpoint", "listener"]
