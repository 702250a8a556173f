"""What a client gives when it opens a connection to a route: path segments, query, headers, cookies, credentials.

Read from the route, not the handler: the path (with Starlette's convertors)
and, for FastAPI, the route's dependencies (`Query`, `Header`, `Path`,
`Cookie`, security schemes), including those of its routers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from starlette.convertors import CONVERTOR_TYPES

from .._typing import without_none

__all__ = [
    "HandshakeParameter",
    "Location",
    "SecurityRequirement",
    "path_parameters",
    "read_handshake",
]

Location: TypeAlias = Literal["path", "query", "header", "cookie"]
"""Where a handshake parameter goes in the opening request."""

PATH_PARAMETER = re.compile(r"\{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?\}")
"""A parameter in a Starlette route path: `{name}` or `{name:convertor}`."""


@dataclass(frozen=True)
class HandshakeParameter:
    """A value the client gives when it connects: a path segment, a query parameter, a header or a cookie."""

    name: str
    """The name as the client writes it (FastAPI's alias: `x-token` for `x_token: Header()`)."""
    location: Location
    """Where it goes: in the path, the query string, a header or a cookie."""
    annotation: Any
    """Its declared type, constraints included (`Annotated[int, Query(ge=1)]`); `str` for a bare path segment."""
    required: bool
    """Whether the connection is refused without it."""
    validated: bool
    """Whether FastAPI validates it (a bad value closes the connection with 1008) rather than only the router."""
    pattern: str | None = None
    """For a path segment: the regular expression the route matches it with (its Starlette convertor's)."""


@dataclass(frozen=True)
class SecurityRequirement:
    """A credential the route asks for: one of FastAPI's security schemes (API key, HTTP bearer, OAuth2, ...)."""

    name: str
    """The scheme's name (FastAPI's `scheme_name`)."""
    scheme: Mapping[str, Any]
    """The scheme as an OpenAPI Security Scheme Object (`{"type": "apiKey", "in": "header", "name": "x-key"}`)."""
    scopes: tuple[str, ...] = ()
    """The OAuth2 scopes the route needs."""


def path_parameters(path: str, declared: Mapping[str, HandshakeParameter] | None = None) -> list[HandshakeParameter]:
    """The parameters of a route path (`/rooms/{room}`, `/raw/{n:int}`), each with its convertor's pattern.

    A segment FastAPI declares keeps its declared type (`declared`, by name).
    """
    found: list[HandshakeParameter] = []
    for name, convertor in PATH_PARAMETER.findall(path):
        pattern = CONVERTOR_TYPES[convertor or "str"].regex
        known = (declared or {}).get(name)
        if known is None:
            found.append(HandshakeParameter(name, "path", str, required=True, validated=False, pattern=pattern))
        else:
            found.append(HandshakeParameter(name, "path", known.annotation, True, known.validated, pattern))
    return found


def read_handshake(path: str, dependant: Any) -> tuple[tuple[HandshakeParameter, ...], tuple[SecurityRequirement, ...]]:
    """The handshake parameters and security requirements of a route at `path`.

    `dependant` is FastAPI's (the route's dependencies), or `None` for a route FastAPI does not serve.
    """
    parameters: dict[tuple[Location, str], HandshakeParameter] = {}
    security: dict[str, SecurityRequirement] = {}
    for node in _dependants(dependant):
        for location in _LOCATIONS:
            for field in getattr(node, f"{location}_params", []):
                for parameter in _parameters(field, location):
                    parameters.setdefault((parameter.location, parameter.name), parameter)
        requirement = _security(node)
        if requirement is not None and requirement.name not in security:
            security[requirement.name] = requirement
    declared = {name: parameter for (location, name), parameter in parameters.items() if location == "path"}
    others = [parameter for (location, _), parameter in parameters.items() if location != "path"]
    return (*path_parameters(path, declared), *others), tuple(security.values())


_LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "cookie")


def _dependants(dependant: Any) -> Iterator[Any]:
    """FastAPI's dependant and every dependency under it, each once, depth first."""
    seen: set[int] = set()
    pending = [dependant] if dependant is not None else []
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        pending.extend(reversed(getattr(node, "dependencies", [])))


def _parameters(field: Any, location: Location) -> Iterator[HandshakeParameter]:
    """The parameters of one of FastAPI's fields: itself, or the fields of a parameter model.

    A parameter model is `Annotated[Model, Query()]` (or `Header()`, `Cookie()`).
    """
    info = field.field_info
    annotation = info.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and location != "path":
        convert = location == "header" and getattr(info, "convert_underscores", True)
        for name, inner in annotation.model_fields.items():
            alias = inner.alias or (name.replace("_", "-") if convert else name)
            annotation = _given(inner.annotation, inner)
            yield HandshakeParameter(alias, location, annotation, inner.is_required(), validated=True)
        return
    yield HandshakeParameter(
        str(field.alias), location, _given(annotation, info), info.is_required(), validated=True
    )


def _given(annotation: Any, info: FieldInfo) -> Any:
    """The type of a parameter's value when the client gives it: `str` for an optional `str | None`."""
    if not info.is_required():
        annotation = without_none(annotation) if without_none(annotation) is not None else annotation
    return Annotated[annotation, info]


def _security(dependant: Any) -> SecurityRequirement | None:
    try:
        from fastapi.security.base import SecurityBase
    except ImportError:  # pragma: no cover - a dependant comes from FastAPI
        return None
    call = getattr(dependant, "call", None)
    if not isinstance(call, SecurityBase):
        return None
    scheme = call.model.model_dump(mode="json", by_alias=True, exclude_none=True)
    scopes: list[str] = [
        *(getattr(dependant, "parent_oauth_scopes", None) or []),
        *(getattr(dependant, "own_oauth_scopes", None) or []),
    ]
    return SecurityRequirement(call.scheme_name, scheme, tuple(dict.fromkeys(scopes)))
