"""A route's handshake in the document: path parameters, the `ws` binding's query and headers, security schemes.

AsyncAPI 3.0 gives a path parameter no schema, so each one's JSON Schema is
the documented extension `x-schema` (the description says the same in
words); query parameters and headers are the WebSockets binding's `query`
and `headers` objects, cookies its extension `x-cookies`. FastAPI's security
schemes (OpenAPI objects) become AsyncAPI Security Scheme Objects in
`components.securitySchemes`, required by the channel's operations.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

from pydantic import TypeAdapter
from starlette.convertors import CONVERTOR_TYPES

from ..handlers import EndpointInfo, HandshakeParameter, SecurityRequirement
from ._components import SchemaRequest, numbered
from ._extensions import COOKIES, PARAMETER_SCHEMA
from ._schema import is_array

__all__ = [
    "SecuritySchemes",
    "binding_objects",
    "parameter_objects",
    "parameter_requests",
]

DEFAULT_SEGMENT = CONVERTOR_TYPES["str"].regex
"""What a path parameter without a convertor matches: anything but a slash."""

_BINDING_FIELDS = {"query": "query", "header": "headers", "cookie": COOKIES}


def parameter_requests(routes: Iterable[tuple[Hashable, EndpointInfo]]) -> Iterator[tuple[Hashable, SchemaRequest]]:
    """A schema request for each declared handshake parameter of each route, keyed by `(route, location, name)`."""
    for route, info in routes:
        for parameter in info.handshake:
            if parameter.validated:
                request = SchemaRequest(TypeAdapter(parameter.annotation), "validation")
                yield (route, parameter.location, parameter.name), request


def _schema(route: Hashable, parameter: HandshakeParameter, schemas: Mapping[Hashable, Any]) -> dict[str, Any]:
    """The JSON Schema of a parameter: its declared type's, and the router's pattern for a path segment."""
    schema = dict(schemas.get((route, parameter.location, parameter.name), {"type": "string"}))
    schema.pop("title", None)  # the parameter's name says it
    if schema.get("default", 0) is None:  # an optional value is left out, never sent as null
        del schema["default"]
    if parameter.pattern is not None and schema.get("type") == "string" and "pattern" not in schema:
        schema["pattern"] = f"^{parameter.pattern}$"
    return schema


def parameter_objects(route: Hashable, info: EndpointInfo, schemas: Mapping[Hashable, Any]) -> dict[str, Any]:
    """The channel's `parameters`: one Parameter Object per path segment."""
    objects: dict[str, Any] = {}
    for parameter in info.handshake:
        if parameter.location != "path":
            continue
        schema = _schema(route, parameter, schemas)
        described = schema.get("description")
        text = f"The `{parameter.name}` path segment"
        if parameter.pattern not in (None, DEFAULT_SEGMENT):
            text += f", matching `{parameter.pattern}`"
        parameter_object: dict[str, Any] = {"description": f"{text}. {described}" if described else f"{text}."}
        for keyword in ("enum", "default", "examples"):
            value = schema.get(keyword)
            if keyword == "default" and isinstance(value, str):
                parameter_object[keyword] = value
            elif is_array(value) and value and all(isinstance(item, str) for item in value):
                parameter_object[keyword] = value
        parameter_object[PARAMETER_SCHEMA] = schema
        objects[parameter.name] = parameter_object
    return objects


def binding_objects(route: Hashable, info: EndpointInfo, schemas: Mapping[Hashable, Any]) -> dict[str, Any]:
    """The `ws` binding's `query`, `headers` and `x-cookies`: object schemas of what the handshake reads."""
    found: dict[str, Any] = {}
    for parameter in info.handshake:
        field = _BINDING_FIELDS.get(parameter.location)
        if field is None:
            continue
        binding = found.setdefault(field, {"type": "object", "properties": {}})
        binding["properties"][parameter.name] = _schema(route, parameter, schemas)
        if parameter.required:
            binding.setdefault("required", []).append(parameter.name)
    return found


class SecuritySchemes:
    """The document's `components.securitySchemes`: one per distinct scheme the routes ask for.

    A scheme is keyed by its name; distinct schemes of one name (OAuth2 with
    other scopes) are numbered in a fixed order, whatever the routes' order.
    """

    def __init__(self, infos: Iterable[EndpointInfo]) -> None:
        distinct: dict[str, list[dict[str, Any]]] = {}
        for info in infos:
            for requirement in info.security:
                scheme = _asyncapi_scheme(requirement)
                if scheme is not None and scheme not in distinct.setdefault(requirement.name, []):
                    distinct[requirement.name].append(scheme)
        self.objects: dict[str, Any] = {}
        """The Security Scheme Objects, by key."""
        self._keys: dict[tuple[str, str], str] = {}
        for name in sorted(distinct):
            for key, scheme in zip(numbered(name, "_"), sorted(distinct[name], key=_canonical)):
                self.objects[key] = scheme
                self._keys[name, _canonical(scheme)] = key

    def refs(self, requirements: Iterable[SecurityRequirement]) -> list[dict[str, str]]:
        """References to the schemes of `requirements`; schemes AsyncAPI cannot express are left out."""
        refs: list[dict[str, str]] = []
        for requirement in requirements:
            scheme = _asyncapi_scheme(requirement)
            if scheme is not None:
                key = self._keys[requirement.name, _canonical(scheme)]
                refs.append({"$ref": f"#/components/securitySchemes/{key}"})
        return refs


def _canonical(scheme: Mapping[str, Any]) -> str:
    return json.dumps(scheme, sort_keys=True)


_FLOW_URLS = ("authorizationUrl", "tokenUrl", "refreshUrl")


def _asyncapi_scheme(requirement: SecurityRequirement) -> dict[str, Any] | None:
    """An OpenAPI Security Scheme Object (FastAPI's) as AsyncAPI 3.0's, or `None` for a kind it has not."""
    scheme = requirement.scheme
    kind = scheme.get("type")
    result: dict[str, Any]
    if kind == "apiKey":
        result = {"type": "httpApiKey", "name": scheme.get("name"), "in": scheme.get("in")}
    elif kind == "http":
        result = {"type": "http", "scheme": scheme.get("scheme")}
        if "bearerFormat" in scheme:
            result["bearerFormat"] = scheme["bearerFormat"]
    elif kind == "oauth2":
        flows = {
            name: {key: flow[key] for key in _FLOW_URLS if key in flow} | {"availableScopes": flow.get("scopes", {})}
            for name, flow in scheme.get("flows", {}).items()
        }
        result = {"type": "oauth2", "flows": flows, "scopes": list(requirement.scopes)}
    elif kind == "openIdConnect":
        result = {"type": "openIdConnect", "openIdConnectUrl": scheme.get("openIdConnectUrl")}
        result["scopes"] = list(requirement.scopes)
    else:
        return None
    if scheme.get("description"):
        result["description"] = scheme["description"]
    return result
