"""The contenders: echo apps that receive a message, validate it, and send it back.

Every app is a plain ASGI callable, so the in-process driver and uvicorn run
them the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from litestar import Litestar, websocket_listener
from litestar.plugins.pydantic import PydanticDTO
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket as StarletteWebSocket
from starlette.websockets import WebSocketDisconnect

from typedws import WebSocket

from .payloads import Case, small_case

EchoFactory = Callable[[Case], ASGIApp | None]
"""Builds one contender's echo app for one message shape, or `None` when the contender cannot echo it."""


def typed_echo(case: Case) -> ASGIApp:
    """typedws: `WebSocket(..., value_type=Model)`, `async for` and `send`."""
    value_type = case.value_type

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ws: WebSocket[Any, Any] = WebSocket(scope, receive, send, value_type=value_type)
        async with ws:
            async for value in ws:
                await ws.send(value)

    return app


def floor_echo(case: Case) -> ASGIApp:
    """The floor, as issue 6 defines it: bare ASGI events plus `TypeAdapter.validate_json` and `dump_json`.

    What a careful developer writes by hand; JSON goes out in text frames, as
    the typed echo sends it.
    """
    return _bare_echo(case.adapter.validate_json, case.adapter.dump_json)


def core_calls_echo(case: Case) -> ASGIApp:
    """A stricter floor: bare ASGI events plus the core calls under `TypeAdapter`'s Python wrappers.

    `adapter.validator.validate_json` and `adapter.serializer.to_json` are what
    typedws itself calls, so this is the validation work and nothing else.
    """
    return _bare_echo(case.adapter.validator.validate_json, case.adapter.serializer.to_json)


def _bare_echo(validate_json: Callable[[str], Any], to_json: Callable[..., bytes]) -> ASGIApp:
    """An echo on bare ASGI events: `validate_json(text)` each frame, send `to_json(value, by_alias=True)` as text."""

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while True:
            message = await receive()
            if message["type"] != "websocket.receive":
                return
            value = validate_json(message["text"])
            await send({"type": "websocket.send", "text": to_json(value, by_alias=True).decode()})

    return app


def starlette_echo(case: Case) -> ASGIApp:
    """Starlette today: `receive_json`, `Model.model_validate`, `send_json(value.model_dump())`."""
    validate_python = case.validate_python

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        ws = StarletteWebSocket(scope, receive, send)
        await ws.accept()
        try:
            while True:
                value = validate_python(await ws.receive_json())
                await ws.send_json(value.model_dump())
        except WebSocketDisconnect:
            pass

    return app


def _litestar_echo(case: Case, *, validating: bool) -> ASGIApp:
    """A Litestar app whose `/` is a listener echoing `case`'s messages."""

    async def echo(data: Any) -> Any:
        return data

    # Litestar reads the handler's annotations to pick its decoder; set them per message shape.
    echo.__annotations__ = {"data": case.annotation, "return": case.annotation}
    # The model is only known at run time, so the DTO class is subscripted as a call.
    dto: type[PydanticDTO[Any]] | None = PydanticDTO.__class_getitem__(case.annotation) if validating else None
    listener = websocket_listener("/", dto=dto)(echo)
    app = Litestar(route_handlers=[listener], debug=False, logging_config=None)
    return cast("ASGIApp", app)  # an ASGI app; Litestar types its scope and events more narrowly


def litestar_echo(case: Case) -> ASGIApp:
    """Litestar's `websocket_listener` with `data: Model`: it parses JSON but hands over a dict, unvalidated."""
    return _litestar_echo(case, validating=False)


def litestar_dto_echo(case: Case) -> ASGIApp | None:
    """Litestar's `websocket_listener` with `dto=PydanticDTO[Model]`: it validates into the model.

    `None` for the union: Litestar's DTOs do not take unions.
    """
    if not isinstance(case.value_type, type):
        return None
    return _litestar_echo(case, validating=True)


CONTENDERS: dict[str, EchoFactory] = {
    "floor": floor_echo,
    "typed": typed_echo,
    "core calls": core_calls_echo,
    "starlette": starlette_echo,
    "litestar": litestar_echo,
    "litestar+dto": litestar_dto_echo,
}
"""Every in-process contender by its row name; the floor is the baseline of the ratios."""


def contender_apps(case: Case) -> dict[str, ASGIApp]:
    """Each in-process contender's echo app for `case`, leaving out those that cannot echo it."""
    apps = {name: build(case) for name, build in CONTENDERS.items()}
    return {name: app for name, app in apps.items() if app is not None}


# Servers for the end-to-end and memory benchmarks (`uvicorn benchmarks.apps:NAME`).


class _Endpoint:
    """An ASGI app as a Starlette route's endpoint (Starlette hands a plain function a Starlette `WebSocket`)."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


async def _raw_text_echo(ws: StarletteWebSocket) -> None:
    await ws.accept()
    try:
        while True:
            await ws.send_text(await ws.receive_text())
    except WebSocketDisconnect:
        pass


_CHAT = small_case()

raw_server = Starlette(routes=[WebSocketRoute("/", _raw_text_echo)])
"""A Starlette app whose `/` echoes text frames as they are, with no validation."""

typed_server = Starlette(routes=[WebSocketRoute("/", _Endpoint(typed_echo(_CHAT)))])
"""A Starlette app whose `/` is the typed `Chat` echo."""

floor_server = Starlette(routes=[WebSocketRoute("/", _Endpoint(floor_echo(_CHAT)))])
"""A Starlette app whose `/` is the floor echoing `Chat`."""

litestar_server = litestar_echo(_CHAT)
"""A Litestar app whose `/` is a `websocket_listener` echoing `Chat` (unvalidated)."""
