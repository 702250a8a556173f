"""Requests and their replies in an AsyncAPI document: correlation ids and the request operations.

A request type (`RequestFor[Reply]`) gets an operation of its own whose
`reply` lists its reply messages and the error reply; every request and
reply message carries a `correlationId` whose location is the connection's
correlation field, `$message.payload#/id` by default, and its payload shows
that field first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._schema import payload_target
from .._correlation import MAX_ID_LENGTH

__all__ = ["correlated_payload", "correlation_id"]

ROLES = ("request", "reply")
"""What a correlated message is: a request, or a reply (error replies included)."""


def correlation_id(field: str, role: str) -> dict[str, Any]:
    """The `correlationId` of a request or reply message whose id is the payload's `field`."""
    what = "the id the requester chose" if role == "request" else "the id of the request this answers"
    return {"description": f"`{field}`: {what}.", "location": f"$message.payload#/{field}"}


def correlated_payload(payload: Any, field: str, schemas: Mapping[str, Any]) -> dict[str, Any]:
    """`payload` (an object schema, or a reference to one) with the correlation id `field` added, first and required."""
    target = payload_target(payload)
    schema: dict[str, Any] = dict(schemas.get(target, {})) if target else dict(payload)
    required: list[str] = [*schema.get("required", []), *(payload.get("required", []) if target else [])]
    schema["properties"] = {field: _id_schema(field), **schema.get("properties", {})}
    schema["required"] = [field, *dict.fromkeys(name for name in required if name != field)]
    return schema


def _id_schema(field: str) -> dict[str, Any]:
    return {
        "title": field,
        "description": "The correlation id: a reply repeats its request's.",
        "type": ["string", "integer"],
        "maxLength": MAX_ID_LENGTH,
    }
