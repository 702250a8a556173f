"""The one home of type introspection: unwrapping, union members, `None`, discriminators, display names.

Codecs, handler signatures, error messages and the AsyncAPI document all read
types through these functions, so that they agree: `Optional[int]` is
`int | None` everywhere, in an error message as in the docs.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Iterator, Sequence
from typing import Annotated, Any, cast

import typing_extensions
from typing_extensions import is_typeddict

__all__ = [
    "common_tag",
    "discriminator",
    "display_name",
    "generic_argument",
    "is_none",
    "runtime_classes",
    "union_members",
    "unwrap",
    "without_none",
]

# `type X = ...` aliases (Python 3.12+) and typing_extensions' backport.
_TYPE_ALIAS_TYPES: tuple[type[typing_extensions.TypeAliasType], ...] = tuple(
    {typing_extensions.TypeAliasType, getattr(typing, "TypeAliasType", typing_extensions.TypeAliasType)}
)
_UNION_ORIGINS: tuple[object, ...] = (typing.Union, types.UnionType)


def unwrap(tp: Any) -> Any:
    """`tp` without `Annotated[...]` and `type` aliases around it: `Annotated[A | B, ...]` → `A | B`."""
    while True:
        if isinstance(tp, _TYPE_ALIAS_TYPES):
            tp = tp.__value__
        elif typing.get_origin(tp) is Annotated:
            tp = typing.get_args(tp)[0]
        else:
            return tp


def is_none(tp: Any) -> bool:
    """Whether `tp` is the type of `None` (written `None` or `type(None)`)."""
    return tp is None or tp is type(None)


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in _UNION_ORIGINS


def union_members(tp: Any) -> list[Any]:
    """The members of a union, nested unions flattened, looking through `Annotated` and aliases; else `[tp]`.

    A member keeps its own `Annotated` metadata; a union that is not one
    (`Annotated[Chat, ...]`) is returned whole, as `[tp]`.
    """
    inner = unwrap(tp)
    if not _is_union(inner):
        return [tp]
    return [member for arg in typing.get_args(inner) for member in union_members(arg)]


def without_none(tp: Any) -> Any:
    """`tp` without `None` in it: `Event | None` → `Event`, `A | B | None` → `A | B`, `None` → `None`."""
    if is_none(tp):
        return None
    members = union_members(tp)
    if len(members) == 1:
        return tp
    kept = [member for member in members if not is_none(member)]
    if len(kept) == len(members):
        return tp
    return kept[0] if len(kept) == 1 else typing.Union[tuple(kept)]


def discriminator(tp: Any) -> str | None:
    """The property that tells the members of a discriminated union apart, when it is one property."""
    while isinstance(tp, _TYPE_ALIAS_TYPES):
        tp = tp.__value__
    if typing.get_origin(tp) is not Annotated:
        return None
    for metadata in typing.get_args(tp)[1:]:
        found = getattr(metadata, "discriminator", None)
        found = getattr(found, "discriminator", found)  # a `pydantic.Discriminator` in a `Field`
        if isinstance(found, str):
            return found
    return discriminator(typing.get_args(tp)[0])


def display_name(tp: Any) -> str:
    """A type as people write it, with short class names: `Chat`, `Join | Say`, `list[Chat]`, `int | None`.

    The one name a type has in error messages, reprs and generated documents.
    """
    if isinstance(tp, _TYPE_ALIAS_TYPES):
        return str(tp.__name__)
    tp = unwrap(tp)
    if is_none(tp):
        return "None"
    if tp is Any:
        return "Any"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in _UNION_ORIGINS:
        return " | ".join(display_name(arg) for arg in args)
    if origin is typing.Literal:
        values = ", ".join(json.dumps(arg) if isinstance(arg, str) else repr(arg) for arg in args)
        return f"Literal[{values}]"
    if origin is not None and args:
        name = getattr(origin, "__name__", None) or repr(origin).replace("typing.", "")
        return f"{name}[{', '.join(display_name(arg) for arg in args)}]"
    if isinstance(tp, type):
        return tp.__name__
    return repr(tp).replace("typing.", "")


def runtime_classes(tp: Any) -> tuple[type, ...] | None:
    """The classes a value of `tp` is an instance of, when `isinstance` can tell.

    `None` for types `isinstance` cannot check (TypedDict, generic aliases,
    literals, ...): values of those must be validated instead.
    """
    tp = unwrap(tp)
    if tp is Any or tp is object:
        return (object,)
    if is_none(tp):
        return (type(None),)
    if _is_union(tp):
        members = [runtime_classes(arg) for arg in typing.get_args(tp)]
        if any(m is None for m in members):
            return None
        return tuple(cls for m in members if m is not None for cls in m)
    if isinstance(tp, type) and typing.get_origin(tp) is None and not is_typeddict(tp):
        return (tp,)
    return None


def generic_argument(cls: type, base: type) -> Any:
    """The type argument that `cls` (or a class it inherits from) gives the one-parameter generic `base`.

    `generic_argument(GetRoom, RequestFor)` is `Room` for
    `class GetRoom(BaseModel, RequestFor[Room])`; a string argument is
    evaluated in the module of the class that wrote it. `None` when no class
    in the MRO subscripts `base`.
    """
    for klass in cls.__mro__:
        for orig in klass.__dict__.get("__orig_bases__", ()):
            if typing.get_origin(orig) is base:
                (argument,) = typing.get_args(orig)
                if isinstance(argument, typing.ForwardRef):
                    argument = argument.__forward_arg__
                if isinstance(argument, str):
                    namespace = vars(sys.modules[klass.__module__])
                    argument = eval(argument, namespace)  # noqa: S307 - the class's own annotation, as get_type_hints does
                return argument
    return None


def common_tag(classes: Sequence[type]) -> str | None:
    """A field that every class annotates with a `Literal` of values no other class uses, if there is one.

    What tells the members of a union of those classes apart: the
    discriminator a union of them can be given.
    """
    if len(classes) < 2:
        return None
    annotations: list[dict[str, Any]] = []
    for cls in classes:
        try:
            annotations.append(typing.get_type_hints(cls))
        except Exception:  # an annotation that cannot be resolved: no tag known
            return None
    for name in annotations[0]:
        values: list[object] = []
        for hints in annotations:
            tag = unwrap(hints.get(name))
            if typing.get_origin(tag) is not typing.Literal:
                break
            values.extend(typing.get_args(tag))
        else:
            if len(values) == len(set(values)):
                return name
    return None


def schema_nodes(schema: object) -> Iterator[object]:
    """Every node of a Pydantic core schema (or any tree of dicts, lists and tuples): itself, then what it holds.

    A dict's keys are nodes too, before their values.
    """
    yield schema
    if isinstance(schema, dict):
        for key, value in cast("dict[object, object]", schema).items():
            yield key
            yield from schema_nodes(value)
    elif isinstance(schema, (list, tuple)):
        for value in cast("list[object] | tuple[object, ...]", schema):
            yield from schema_nodes(value)
