"""`typedws._typing`, the one home of type introspection: union members, discriminators, display names."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional, Union

import pytest
from pydantic import Discriminator, Field
from typing_extensions import TypeAliasType

from tests.asyncapi.apps import Item, Join, Leave, Post
from typedws._typing import discriminator, display_name, union_members, without_none

Tagged = Annotated[Join | Post | Leave, Field(discriminator="type")]
Alias = TypeAliasType("Alias", Join | Leave)
Described = Annotated[Join, Field(description="x")]


def by_function(value: Any) -> str:
    return "join"


@pytest.mark.parametrize(
    ("tp", "members"),
    [
        (Join, [Join]),
        (Join | Leave, [Join, Leave]),
        (Union[Join, Union[Post, Leave]], [Join, Post, Leave]),  # noqa: UP007 - nested unions flatten
        (Optional[Join], [Join, type(None)]),  # noqa: UP045
        (Tagged, [Join, Post, Leave]),
        (Alias, [Join, Leave]),
        (list[Join | Leave], [list[Join | Leave]]),  # a list of a union is one message
        (Described, [Described]),
    ],
)
def test_union_members(tp: Any, members: list[Any]) -> None:
    assert union_members(tp) == members


@pytest.mark.parametrize(
    ("tp", "tag"),
    [
        (Tagged, "type"),
        (Annotated[Join | Leave, Discriminator("type")], "type"),
        (Annotated[Join | Leave, Field(discriminator=Discriminator("type"))], "type"),
        (TypeAliasType("TaggedAlias", Tagged), "type"),
        (Annotated[Join | Leave, Discriminator(by_function)], None),  # a function: no single property
        (Join | Leave, None),
        (Join, None),
    ],
)
def test_discriminator(tp: Any, tag: str | None) -> None:
    assert discriminator(tp) == tag


@pytest.mark.parametrize(
    ("tp", "label"),
    [
        (Item, "Item"),
        (list[Item], "list[Item]"),
        (dict[str, list[Item]], "dict[str, list[Item]]"),
        (Annotated[Item, Field(description="x")], "Item"),
        (type(None), "None"),
        (Literal["a", 1], 'Literal["a", 1]'),
        (int, "int"),
        (Optional[int], "int | None"),  # noqa: UP045 - the old spelling reads as the new one
        (Union[Join, Leave], "Join | Leave"),  # noqa: UP007
        (Tagged, "Join | Post | Leave"),
        (Alias, "Alias"),
        (Any, "Any"),
    ],
)
def test_display_name(tp: Any, label: str) -> None:
    assert display_name(tp) == label


@pytest.mark.parametrize(
    ("tp", "without"),
    [
        (Join | None, Join),
        (Optional[Join], Join),  # noqa: UP045
        (Join | Leave | None, Union[Join, Leave]),  # noqa: UP007
        (Join, Join),
        (None, None),
        (type(None), None),
    ],
)
def test_without_none(tp: Any, without: Any) -> None:
    assert without_none(tp) == without
