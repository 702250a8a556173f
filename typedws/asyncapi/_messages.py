"""The messages of a document: one per type, or union member, that a route receives or sends.

A request or a reply (see `_exchanges`) is a message like the others, whose
payload carries the correlation id and which says where in its
`correlationId`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import TypeAdapter, ValidationError
from pydantic.json_schema import JsonSchemaMode
from pydantic_core import PydanticSerializationError

from .._codecs import Codec, PydanticCodec
from .._typing import discriminator, display_name, union_members, unwrap
from ._components import Correlation, SchemaRequest, numbered, title_payload
from ._examples import NO_EXAMPLE, example_candidates
from ._schema import is_object, payload_target

__all__ = ["Direction", "Messages", "Variant", "variants"]

Direction: TypeAlias = Literal["receive", "send"]
"""`receive`: what the client sends (the app receives it); `send`: what the server sends."""

_NOT_KEY_CHARACTERS = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(eq=False)
class Variant:
    """One kind of message a route receives or sends: a type, or one member of a union."""

    label: str
    """The type's display name (`Join`, `list[Item]`), or the codec's name (`text`)."""
    adapter: TypeAdapter[Any] | None
    """Validates and serializes the type; `None` for text, bytes, any JSON and codecs of the app's own."""
    codec: Codec[Any]
    direction: Direction
    tag: str | None = None
    """The discriminator property, for a member of a discriminated union."""
    member: Any = None
    """The type of the values (the union's member), without `Annotated`; `None` without a Pydantic type."""
    correlation: Correlation | None = None
    """For a request or a reply: where it carries its correlation id."""
    mode: JsonSchemaMode | None = None
    """The payload schema's mode, where it is not the direction's (`validation` for what clients send,
    `serialization` for what the server sends)."""

    @property
    def schema_mode(self) -> JsonSchemaMode:
        """The payload schema's mode: `mode`, else the direction's."""
        return self.mode or ("validation" if self.direction == "receive" else "serialization")

    @property
    def request(self) -> SchemaRequest | None:
        """What to ask of the schema generator for this variant's payload, if it has a Pydantic type."""
        if self.adapter is None:
            return None
        tag = self.tag if self.direction == "receive" else None
        return SchemaRequest(self.adapter, self.schema_mode, tag, self.correlation)


def variants(codec: Codec[Any], direction: Direction) -> list[Variant]:
    """The variants of what a codec carries: one, or one per member of a union."""
    if not isinstance(codec, PydanticCodec) or codec.name == "json":
        return [Variant(codec.name, None, codec, direction)]
    members = union_members(codec.value_type)
    if len(members) == 1:
        return [Variant(display_name(codec.value_type), codec.adapter, codec, direction, member=unwrap(members[0]))]
    tag = discriminator(codec.value_type)
    return [
        Variant(display_name(member), TypeAdapter(member), codec, direction, tag, member=unwrap(member))
        for member in members
    ]


def key_of(label: str, default: str = "message") -> str:
    """A key (letters, digits, `.`, `-`, `_`) for a label: `list[Item]` → `list_Item`."""
    return _NOT_KEY_CHARACTERS.sub("_", label).strip("_") or default


class Messages:
    """The document's `components.messages`: one per distinct message, under a name that is its own.

    A message whose payload is a named schema takes the schema's name (unique
    already); any other is named after its type or codec, and numbered in a
    fixed order where two distinct messages would share a name.
    """

    def __init__(
        self,
        found: Iterable[tuple[Variant, Any]],
        components: Mapping[str, Any],
        taken: set[str],
    ) -> None:
        """Make the messages of `(variant, payload schema)` pairs; `taken` holds the type names already used."""
        self._components = components
        made = [(variant, self._message(variant, payload)) for variant, payload in found]
        by_name: dict[str, list[dict[str, Any]]] = {}
        for _, message in made:
            same = by_name.setdefault(message["name"], [])
            if not any(_same_message(message, other) for other in same):
                same.append(message)
        self.objects: dict[str, Any] = {}
        """The Message Objects, by name."""
        self._keys: dict[int, str] = {}
        for name in sorted(by_name):
            for key, message in zip(numbered(name, "_"), sorted(by_name[name], key=_canonical)):
                self._keys[id(message)] = key
                self.objects[key] = self._finished(message, key, taken)
        self._by_variant = {
            id(variant): next(
                self._keys[id(kept)] for kept in by_name[message["name"]] if _same_message(message, kept)
            )
            for variant, message in made
        }

    def key(self, variant: Variant) -> str:
        """The name of `variant`'s message."""
        return self._by_variant[id(variant)]

    def _message(self, variant: Variant, payload: Any) -> dict[str, Any]:
        codec = variant.codec
        if variant.adapter is None:
            return _plain_message(codec)
        target = payload_target(payload)
        schema = self._components.get(target, payload) if target else payload
        message: dict[str, Any] = {"name": target or key_of(variant.label), "title": target or variant.label}
        text = schema.get("description")
        if isinstance(text, str) and text.strip():
            summary = text.strip().splitlines()[0]
            message["summary"] = summary
            if text.strip() != summary:
                message["description"] = text
        message["contentType"] = codec.media_type
        if variant.correlation is not None:
            message["correlationId"] = _correlation_id(variant.correlation)
        message["payload"] = payload
        example = _example(variant, payload, self._components)
        if example is not NO_EXAMPLE:
            message["examples"] = [{"name": "example", "payload": example}]
        return message

    def _finished(self, message: dict[str, Any], key: str, taken: set[str]) -> dict[str, Any]:
        """The message under its key; a payload written in place is titled, so that a code generator can name it."""
        payload = message.get("payload")
        if is_object(payload) and payload_target(payload) is None:
            payload = title_payload(payload, key, taken)
            message = message | {"payload": payload}
        return message | {"name": key}


def _same_message(existing: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    # Examples may differ by direction (a sent one is what the server serializes); the message is the same.
    return _essence(existing) == _essence(new)


def _essence(message: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key != "examples"}


def _canonical(message: Mapping[str, Any]) -> str:
    return json.dumps(_essence(message), sort_keys=True, default=repr)


_BUILT_IN_MESSAGES: Mapping[tuple[str, str], tuple[str, str, Mapping[str, str]]] = {
    ("text", "text/plain"): ("Text", "Any text, in a text frame.", {"type": "string"}),
    ("bytes", "application/octet-stream"): (
        "Bytes", "Any bytes, in a binary frame.", {"type": "string", "format": "binary"}
    ),
    ("json", "application/json"): ("JSON", "Any JSON value.", {}),
}
"""Title, summary and payload schema of what the text, bytes and json codecs carry, by name and media type."""


def _plain_message(codec: Codec[Any]) -> dict[str, Any]:
    message: dict[str, Any] = {"name": key_of(codec.name), "title": codec.name, "contentType": codec.media_type}
    known = _BUILT_IN_MESSAGES.get((codec.name, codec.media_type))
    if known is None:  # a codec of the app's own: its name and media type are all there is to tell
        return message
    title, summary, payload = known
    return message | {"title": title, "summary": summary, "payload": dict(payload)}


def _correlation_id(correlation: Correlation) -> dict[str, str]:
    """A request's or reply's `correlationId`: where its id is, and what the id is."""
    what = "the id the requester chose" if correlation.role == "request" else "the id of the request this answers"
    return {"description": f"`{correlation.field}`: {what}.", "location": correlation.location}


def _example(variant: Variant, payload: Any, schemas: Mapping[str, Any]) -> Any:
    """An example payload that the model accepts (validation) or that the server would send (serialization).

    A request's or reply's example has the correlation id 1, first.
    """
    example = _value_example(variant, payload, schemas)
    if variant.correlation is None or not is_object(example):
        return example
    return {variant.correlation.field: 1, **example}


def _value_example(variant: Variant, payload: Any, schemas: Mapping[str, Any]) -> Any:
    adapter = variant.adapter
    if adapter is None:
        return NO_EXAMPLE
    unchecked = NO_EXAMPLE
    for candidate in example_candidates(payload, schemas):
        if variant.correlation is not None and is_object(candidate):  # the id is the connection's, not the model's
            candidate = {key: value for key, value in candidate.items() if key != variant.correlation.field}
        if unchecked is NO_EXAMPLE:
            unchecked = candidate
        try:
            value = adapter.validate_json(json.dumps(candidate))
        except (ValidationError, ValueError, TypeError):
            continue
        if variant.schema_mode == "validation":
            return candidate
        try:
            return json.loads(adapter.dump_json(value, by_alias=True))
        except PydanticSerializationError:
            return candidate
    # What the server sends need not be something it would accept (computed fields, forbidden extras).
    return unchecked if variant.schema_mode == "serialization" else NO_EXAMPLE
