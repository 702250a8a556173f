"""Reading the Python types of messages: union members, discriminators and names for people."""

from __future__ import annotations

import json
import types
import typing
from typing import Any

import typing_extensions

__all__ = ["discriminator", "type_label", "union_members"]

# `type X = ...` aliases (Python 3.12+) and typing_extensions' backport.
_TYPE_ALIAS_TYPES = tuple(
    {typing_extensions.TypeAliasType, getattr(typing, "TypeAliasType", typing_extensions.TypeAliasType)}
)


def union_members(tp: Any) -> list[Any]:
    """The members of a union type (looking through `Annotated` and `type` aliases), else `[tp]`."""
    if isinstance(tp, _TYPE_ALIAS_TYPES):
        return union_members(tp.__value__)
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        members = union_members(typing.get_args(tp)[0])
        return members if len(members) > 1 else [tp]
    if origin is typing.Union or origin is types.UnionType:
        return [m for arg in typing.get_args(tp) for m in union_members(arg)]
    return [tp]


def discriminator(tp: Any) -> str | None:
    """The property that tells the members of a discriminated union apart, when it is one property."""
    while isinstance(tp, _TYPE_ALIAS_TYPES):
        tp = tp.__value__
    if typing.get_origin(tp) is not typing.Annotated:
        return None
    for metadata in typing.get_args(tp)[1:]:
        found = getattr(metadata, "discriminator", None)
        found = getattr(found, "discriminator", found)  # a `pydantic.Discriminator` in a `Field`
        if isinstance(found, str):
            return found
    return discriminator(typing.get_args(tp)[0])


def type_label(tp: Any) -> str:
    """A type as people write it, with short class names: `Chat`, `list[Item]`, `null`."""
    while typing.get_origin(tp) is typing.Annotated:
        tp = typing.get_args(tp)[0]
    if tp is None or tp is type(None):
        return "null"
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return " | ".join(json.dumps(arg) if isinstance(arg, str) else repr(arg) for arg in typing.get_args(tp))
    if origin is not None and typing.get_args(tp):
        name = getattr(origin, "__name__", None) or repr(origin).replace("typing.", "")
        return f"{name}[{', '.join(type_label(arg) for arg in typing.get_args(tp))}]"
    if isinstance(tp, type):
        return tp.__name__
    return repr(tp).replace("typing.", "")
