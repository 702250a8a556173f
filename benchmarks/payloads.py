"""The messages the benchmarks echo: one model per size, and a discriminated union of five models."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, Field, TypeAdapter


class Chat(BaseModel):
    """A chat line, about 150 bytes of JSON."""

    room: str
    user: str
    text: str
    seq: int
    sent_at: float
    tags: list[str]


class Item(BaseModel):
    """One line of a `Batch`, about 130 bytes of JSON."""

    sku: str
    name: str
    quantity: int
    price: float
    in_stock: bool


class Batch(BaseModel):
    """A batch of items: about 4 KB with 30 items, about 256 KB with 2,200."""

    batch_id: str
    items: list[Item]


class Join(BaseModel):
    """A union member: a user joins a room."""

    kind: Literal["join"]
    room: str
    user: str


class Say(BaseModel):
    """A union member: a user says something in a room."""

    kind: Literal["say"]
    room: str
    user: str
    text: str


class Leave(BaseModel):
    """A union member: a user leaves a room."""

    kind: Literal["leave"]
    room: str
    user: str


class Typing(BaseModel):
    """A union member: a user is typing."""

    kind: Literal["typing"]
    room: str
    user: str
    active: bool


class Receipt(BaseModel):
    """A union member: a user has read a room up to a message."""

    kind: Literal["receipt"]
    room: str
    user: str
    seq: int


Event: TypeAlias = Annotated[Join | Say | Leave | Typing | Receipt, Field(discriminator="kind")]
"""A discriminated union of five models, tagged by `kind`."""

EVENT_ADAPTER: TypeAdapter[Join | Say | Leave | Typing | Receipt] = TypeAdapter(Event)
"""The adapter for `Event`, built once as an application would."""


@dataclass(frozen=True)
class Case:
    """One message shape to echo: its name, its type and one frame of it."""

    name: str
    """The row's name: small, medium, large or union."""

    value_type: type[BaseModel] | TypeAdapter[Any]
    """What the typed echo declares: the model class, or the union's adapter."""

    adapter: TypeAdapter[Any]
    """The adapter of the declared type: the floor's validator and serializer."""

    validate_python: Callable[[Any], BaseModel]
    """How a Starlette handler validates the parsed JSON today (`Model.model_validate`)."""

    annotation: Any
    """The type a Litestar listener's `data` parameter is annotated with."""

    frame: str
    """A text frame holding one valid message."""

    @property
    def frame_bytes(self) -> int:
        """The frame's size in bytes of UTF-8."""
        return len(self.frame.encode())


def small_case() -> Case:
    """The small message: one `Chat`, about 150 bytes of JSON."""
    chat = Chat(
        room="general",
        user="ada",
        text="Has anyone benchmarked the typed echo against the floor yet?",
        seq=41,
        sent_at=1764000000.125,
        tags=["perf", "question"],
    )
    return Case("small", Chat, TypeAdapter(Chat), Chat.model_validate, Chat, chat.model_dump_json())


def _batch(items: int) -> Batch:
    return Batch(
        batch_id=f"batch-{items}",
        items=[
            Item(
                sku=f"SKU-{i:06d}",
                name=f"Widget number {i}, blue, 250 ml, recycled",
                quantity=i % 17,
                price=9.99 + i,
                in_stock=i % 3 != 0,
            )
            for i in range(items)
        ],
    )


def cases() -> list[Case]:
    """The four message shapes: small (~150 B), medium (~4 KB), large (~256 KB) and a 5-model union."""
    medium, large = _batch(32), _batch(2200)
    say = Say(kind="say", room="general", user="ada", text="Has anyone benchmarked the typed echo of a union yet?")
    batch_adapter = TypeAdapter(Batch)
    return [
        small_case(),
        Case("medium", Batch, batch_adapter, Batch.model_validate, Batch, medium.model_dump_json()),
        Case("large", Batch, batch_adapter, Batch.model_validate, Batch, large.model_dump_json()),
        Case("union", EVENT_ADAPTER, EVENT_ADAPTER, EVENT_ADAPTER.validate_python, Event, say.model_dump_json()),
    ]
