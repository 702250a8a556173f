"""Apps whose message docs the AsyncAPI tests check, and helpers to check them (no tests here).

`app` uses real `typedws.endpoint` / `typedws.listener` handlers over models
that exercise the generator: discriminated and plain unions, aliases,
constraints, enums, tuples, computed fields, TypedDicts, dataclasses, nested
and optional models, a path parameter and a mount. `stub_app` is built from
`StubEndpoint`s that carry an `EndpointInfo` directly, for value types no
annotation spells (a codec of the app's own). `tagged_app` holds discriminated
unions whose tags have defaults; `secured_app` (FastAPI) reads its handshake
through dependencies, a router, a parameter model and security schemes;
`requests_app` holds the request/reply tests' responder and an endpoint that
asks the client. `plain_app` has no typed routes.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import pkgutil
import queue
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Cookie, Depends, FastAPI, Header, Path, Query, Security
from fastapi.security import APIKeyHeader, HTTPBearer, OAuth2PasswordBearer
from jsonschema import Draft7Validator
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, computed_field
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket as StarletteWebSocket
from typing_extensions import NotRequired, TypedDict

import typedws
from tests.rpc.protocol import asking_app, rooms_app
from typedws import Codec, EndpointInfo, WebSocket
from typedws._codecs import codec_for

NOT_AN_APP = object()
"""A target the command line must refuse: it has no routes."""


class Priority(enum.Enum):
    """How urgent an item is."""

    LOW = "low"
    HIGH = "high"


class Item(BaseModel):
    """An item in a basket."""

    name: str = Field(min_length=1, max_length=40, description="What it is | a table cell must keep this pipe.")
    quantity: int = Field(default=1, ge=1, le=99, description="How many.")
    priority: Priority = Priority.LOW
    tags: list[str] = []


class Join(BaseModel):
    """Join the room.

    The name is the user's handle: lowercase letters only.
    """

    type: Literal["join"]
    user_name: str = Field(alias="userName", pattern=r"^[a-z]+$", examples=["ana"])


class Post(BaseModel):
    """Post items, optionally at a given time."""

    type: Literal["post"]
    items: list[Item] = Field(min_length=1)
    at: datetime | None = None
    position: tuple[int, int] | None = Field(default=None, description="Row and column.")
    note: str | None = Field(default=None, max_length=200)


class Leave(BaseModel):
    type: Literal["leave"]


ClientMessage = Annotated[Join | Post | Leave, Field(discriminator="type")]
"""What a client sends to `/rooms/{room}`."""


class Basket(BaseModel):
    """The room's basket, after every change. <b>Not bold</b>."""

    items: list[Item]
    owner: str = Field(default="nobody", serialization_alias="ownerName")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        """How many things are in the basket."""
        return sum(item.quantity for item in self.items)


class Notice(TypedDict):
    """A line of text from the server."""

    text: str
    level: NotRequired[int]


ServerMessage = Basket | Notice
"""What the server sends to a room (a plain union)."""


@dataclasses.dataclass
class Point:
    """A point on the board."""

    x: Annotated[float, Field(ge=-1, le=1)]
    y: Annotated[float, Field(gt=0, lt=1)]
    label: str = "origin"


class Strict(BaseModel):
    """A message that allows no other fields."""

    model_config = ConfigDict(extra="forbid")

    value: int = Field(multiple_of=5, ge=7)


class Chat(BaseModel):
    """A chat line (the tests' other module has a different `Chat`)."""

    text: str


@typedws.endpoint
async def room(ws: WebSocket[ClientMessage, ServerMessage], room: str = "lobby") -> None:
    """A room: join it, post items, get the basket back.

    Leaving closes the connection.
    """
    async with ws:
        async for message in ws:
            if isinstance(message, Leave):
                break
            await ws.send({"text": f"{room}: {message.type}"})


@typedws.listener(max_size=2048)
async def board(point: Point) -> Point:
    """Echo a point back."""
    return point


@typedws.listener
async def strict(message: Strict) -> Strict:
    """Echo a strict message back."""
    return message


@typedws.listener
async def chat(message: Chat) -> str:
    """Answer a chat line with text."""
    return message.text


@typedws.endpoint
async def raw(ws: WebSocket[bytes, Any]) -> None:
    """Bytes in, any JSON out."""
    async with ws:
        async for data in ws:
            await ws.send({"length": len(data)})


app = Starlette(
    routes=[
        WebSocketRoute("/rooms/{room}", room),
        WebSocketRoute("/board", board),
        WebSocketRoute("/strict", strict),
        Mount("/v1", routes=[WebSocketRoute("/chat", chat), WebSocketRoute("/raw/{n:int}", raw)]),
    ]
)


class UpperText(Codec[str]):
    """A codec of the app's own: text, sent in capitals."""

    def __init__(self) -> None:
        self.name = "upper text"
        self.media_type = "text/plain"

    def decode(self, frame: str | bytes, max_size: int | None = None) -> str:
        return frame if isinstance(frame, str) else frame.decode()

    def encode(self, value: str) -> str:
        return value.upper()


class StubEndpoint:
    """An ASGI app that carries an `EndpointInfo` the way `typedws.endpoint` does, and closes at once."""

    def __init__(self, name: str, receive: object, send: object, description: str | None = None) -> None:
        self.__typedws_info__ = EndpointInfo(
            name=name,
            description=description,
            kind="endpoint",
            receive_codec=codec_for(receive),
            send_codec=codec_for(send),
            caught_close_codes=frozenset({1000, 1001}),
            max_size=None,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await StarletteWebSocket(scope, receive, send).close()


stub_app = Starlette(
    routes=[
        WebSocketRoute("/text", StubEndpoint("text", "text", "text", "Plain text both ways.")),
        WebSocketRoute("/json", StubEndpoint("json", "json", "json")),
        WebSocketRoute("/upper", StubEndpoint("upper", "text", UpperText())),
        WebSocketRoute("/chat", StubEndpoint("chat", Chat, Chat)),
    ]
)


async def untyped(websocket: StarletteWebSocket) -> None:
    """A plain Starlette WebSocket handler."""
    await websocket.close()


class Ping(BaseModel):
    """Are you there?"""

    kind: Literal["ping"] = "ping"


class Pong(BaseModel):
    """Yes."""

    kind: Literal["pong"] = "pong"
    n: int = 0


Tagged = Annotated[Ping | Pong, Field(discriminator="kind")]
"""A discriminated union whose tags have defaults."""


class Envelope(BaseModel):
    """A tagged union inside a model."""

    body: Tagged


tagged_app = Starlette(
    routes=[
        WebSocketRoute("/top", StubEndpoint("top", TypeAdapter(Tagged), "text")),
        WebSocketRoute("/nested", StubEndpoint("nested", Envelope, Envelope)),
    ]
)

def trace(limit: Annotated[int, Query(ge=1, le=100, description="How many lines.")] = 10) -> int:
    """A dependency that reads a query parameter."""
    return limit


class Paging(BaseModel):
    """Query parameters as one model."""

    page: int = Field(1, ge=1)
    order: str = "new"


api_key = APIKeyHeader(name="x-key", description="The key you were given.")
oauth = OAuth2PasswordBearer(tokenUrl="https://example.com/token", scopes={"chat": "Chat", "admin": "Everything"})


def _secured_app() -> FastAPI:
    router = APIRouter(dependencies=[Depends(trace)])

    @router.websocket("/rooms/{n:int}")
    @typedws.endpoint(close_codes={4004: "No such room."})
    async def room(
        ws: WebSocket[Chat, Chat],
        n: Annotated[int, Path(ge=2, description="The room's number.")],
        key: Annotated[str, Depends(api_key)],
        token: Annotated[str, Security(oauth, scopes=["chat"])],
        paging: Annotated[Paging, Query()],
        x_trace_id: Annotated[str | None, Header(max_length=64)] = None,
        session: Annotated[str | None, Cookie()] = None,
    ) -> None:
        """A numbered room."""
        await ws.accept()

    app = FastAPI()
    app.include_router(router, prefix="/v{version}", dependencies=[Depends(HTTPBearer(bearerFormat="JWT"))])
    return app


secured_app = _secured_app()
"""A FastAPI app whose route reads the handshake through dependencies, a router, a parameter model and security."""


plain_app = Starlette(routes=[WebSocketRoute("/ws", untyped)])
"""An app whose only WebSocket route is not typed."""

requests_app = Starlette(routes=[*rooms_app().routes, *asking_app(queue.Queue()).routes])
"""Requests both ways: `/rooms` answers the client's (a responder), `/ask` asks the client (`tests.rpc.protocol`)."""


def payload_validator(document: dict[str, Any], payload: Any) -> Draft7Validator:
    """A JSON Schema (draft 07) validator for a payload of `document`, its `$ref`s resolved into the components."""
    schema = {**payload, "components": document.get("components", {})} if isinstance(payload, dict) else payload
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def channel_messages(
    document: dict[str, Any], channel: str, action: str, *, replies: bool = True
) -> list[dict[str, Any]]:
    """The message objects that go one way on a channel, each once, in the order of its operations.

    `receive`: what the client sends (its `receive` operations' messages,
    requests included, and the replies to the server's requests); `send`:
    what the server sends. `replies=False` leaves the replies out.
    """
    found: list[dict[str, Any]] = []
    for operation in document["operations"].values():
        if operation["channel"] != {"$ref": f"#/channels/{channel}"}:
            continue
        if operation["action"] == action:
            refs = operation["messages"]
        else:
            refs = operation.get("reply", {}).get("messages", []) if replies else []
        for ref in refs:
            message = message_of(document, channel, ref)
            if message not in found:
                found.append(message)
    return found


def message_of(document: dict[str, Any], channel: str, ref: dict[str, str]) -> dict[str, Any]:
    """The message object that a reference to a channel's message (`#/channels/NAME/messages/KEY`) stands for."""
    prefix = f"#/channels/{channel}/messages/"
    assert ref["$ref"].startswith(prefix)
    channel_ref = document["channels"][channel]["messages"][ref["$ref"].removeprefix(prefix)]["$ref"]
    message: dict[str, Any] = document["components"]["messages"][channel_ref.removeprefix("#/components/messages/")]
    return message


def correlation_field(message: dict[str, Any]) -> str | None:
    """The payload field that carries a request's or reply's correlation id (its `correlationId`), or `None`."""
    location = message.get("correlationId", {}).get("location")
    return location.removeprefix("$message.payload#/") if isinstance(location, str) else None


def without_id(message: dict[str, Any], payload: Any) -> Any:
    """A payload of `message` as its type sees it: without the correlation id, which the connection handles."""
    field = correlation_field(message)
    return {k: v for k, v in payload.items() if k != field} if field and isinstance(payload, dict) else payload


def with_id(message: dict[str, Any], value: Any) -> Any:
    """A value of a request or reply type as `message` carries it: with a correlation id."""
    field = correlation_field(message)
    return {field: 1, **value} if field and isinstance(value, dict) else value


def example_apps() -> dict[str, Any]:
    """Every app of the `examples` package that has typed routes, by `MODULE:ATTR` (`MODULE:create_app()` for a factory)."""
    import examples

    found: dict[str, Any] = {}
    for module_info in pkgutil.walk_packages(examples.__path__, "examples."):
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if name == "create_app" and getattr(value, "__module__", None) == module_info.name:
                name, value = "create_app()", value()
            if isinstance(value, Starlette) and any(True for _ in typedws.typed_routes(value)):
                found[f"{module_info.name}:{name}"] = value
    return found


def targets() -> dict[str, Any]:
    """The apps whose documents every check covers: the test apps and the example apps."""
    return {
        "tests:app": app,
        "tests:stub_app": stub_app,
        "tests:tagged_app": tagged_app,
        "tests:secured_app": secured_app,
        "tests:requests_app": requests_app,
        **example_apps(),
    }
