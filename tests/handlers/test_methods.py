"""Endpoints and listeners written as methods: reached through an instance, they serve that instance.

Over a real uvicorn server, in Starlette and in FastAPI (where `self` must not
become a query parameter), with the typed client.
"""

from __future__ import annotations

import inspect

import pytest
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

import typedws
from tests.support.servers import serve
from typedws import WebSocket
from typedws.client import connect
from typedws.testing import TestClient

pytestmark = pytest.mark.anyio


class Join(BaseModel):
    """Someone arrives."""

    who: str


class Joined(BaseModel):
    """Who is in the room now."""

    room: str
    members: list[str]


class Room:
    """A room: its endpoints serve this room's members."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.members: list[str] = []

    @typedws.endpoint
    async def chat(self, ws: WebSocket[Join, Joined]) -> None:
        """Join the room."""
        async with ws:
            async for join in ws:
                await ws.send(self.join(join.who))

    @typedws.endpoint
    async def named(self, nickname: str, ws: WebSocket[Join, Joined]) -> None:
        """Join under a nickname taken from the path (FastAPI fills it)."""
        async with ws:
            async for join in ws:
                await ws.send(self.join(f"{join.who} ({nickname})"))

    @typedws.listener
    async def door(self, join: Join) -> Joined:
        """Join, one message at a time."""
        return self.join(join.who)

    def join(self, who: str) -> Joined:
        self.members.append(who)
        return Joined(room=self.name, members=self.members)


def rooms_app_starlette(lobby: Room, attic: Room) -> Starlette:
    return Starlette(
        routes=[
            WebSocketRoute("/lobby", lobby.chat),
            WebSocketRoute("/attic", attic.chat),
            WebSocketRoute("/lobby/door", lobby.door),
        ]
    )


def rooms_app_fastapi(lobby: Room, attic: Room) -> FastAPI:
    app = FastAPI()
    app.add_api_websocket_route("/lobby", lobby.chat)
    app.websocket("/attic")(attic.chat)
    app.websocket("/lobby/door")(lobby.door)
    app.websocket("/attic/as/{nickname}")(attic.named)
    return app


async def join(url: str, who: str) -> Joined:
    async with connect(url, send_type=Join, receive_type=Joined) as ws:
        await ws.send(Join(who=who))
        return await ws.receive()


@pytest.mark.parametrize("make_app", [rooms_app_starlette, rooms_app_fastapi])
async def test_each_instance_s_endpoints_serve_that_instance(make_app: object, ws_impl: str) -> None:
    lobby, attic = Room("lobby"), Room("attic")
    assert callable(make_app)
    with serve(make_app(lobby, attic), ws=ws_impl) as base:
        assert await join(f"{base}/lobby", "ann") == Joined(room="lobby", members=["ann"])
        assert await join(f"{base}/attic", "bob") == Joined(room="attic", members=["bob"])
        assert await join(f"{base}/lobby/door", "cy") == Joined(room="lobby", members=["ann", "cy"])
    assert (lobby.members, attic.members) == (["ann", "cy"], ["bob"])


async def test_fastapi_fills_the_parameters_before_the_connection_and_never_self(ws_impl: str) -> None:
    attic = Room("attic")
    with serve(rooms_app_fastapi(Room("lobby"), attic), ws=ws_impl) as base:
        assert await join(f"{base}/attic/as/dee", "dee") == Joined(room="attic", members=["dee (dee)"])


def test_fastapi_sees_the_bound_signature() -> None:
    room = Room("lobby")
    assert list(inspect.signature(room.named).parameters) == ["nickname", "ws"]
    assert list(inspect.signature(room.door).parameters) == ["websocket"]
    assert room.chat.info.description == "Join the room."


def test_instances_get_their_own_endpoint_and_the_class_keeps_its_own() -> None:
    lobby = Room("lobby")
    assert lobby.chat is not Room.chat
    assert lobby.chat.info is Room.chat.info  # read once, at decoration
    assert Room.__dict__["chat"] is Room.chat


def test_the_class_s_endpoint_of_a_method_says_to_route_an_instance_s() -> None:
    app = Starlette(routes=[WebSocketRoute("/lobby", Room.chat)])
    with pytest.raises(TypeError, match=r"^Room.chat\(\) is a method: route the endpoint of an instance, such as `Room\(\).chat`"):
        with TestClient(app).websocket_connect("/lobby"):
            pass


def test_a_plain_function_s_endpoint_in_a_class_is_not_bound() -> None:
    @typedws.endpoint
    async def echo(ws: WebSocket[str, str]) -> None:
        async with ws:
            await ws.send(await ws.receive())

    class Routes:
        handler = echo

    assert Routes().handler is echo
    with TestClient(Starlette(routes=[WebSocketRoute("/echo", Routes().handler)])).websocket_connect("/echo") as s:
        s.send("hi")
        assert s.receive() == "hi"
