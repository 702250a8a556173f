"""The schemas of a document: generated in one pass, tagged where unions need it, and named.

Every type the document describes (messages, handshake parameters) is handed
to Pydantic at once, so that one model used in several places is one schema
under one name. The names are the ones a reader and a code generator see
(Modelina names a model after its schema's `title`), so each is unique, a
plain identifier where it can be, and independent of the order of the routes:

- a model is named after its class: `Join`;
- a model whose received and sent forms differ comes twice: `ItemInput`,
  `ItemOutput` (Pydantic's `Item-Input`, `Item-Output`);
- a member of a discriminated union must carry its tag even when the model
  gives the tag a default; where the model is also used on its own, the
  union's member is a second schema that says so: `SayTagged`;
- a request or a reply carries its correlation id, as its first field;
  where the model is also used without one (a reply that is a message of
  its own too), the request's or reply's form is a second schema that says
  so: `UsersReply`;
- two models of the same name from different modules are told apart by
  their modules, as Pydantic does (`tests__app__Chat`);
- an enumeration written in place (a `Literal` field) is named after its
  model and field: `ErrorCode` for `Error.code`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import core_schema

from ..requests._correlation import MAX_ID_LENGTH, MAX_ID_MAGNITUDE
from ._extensions import DISCRIMINATOR
from ._schema import REF_PREFIX, is_array, is_object, map_subschemas, payload_target, ref_name, to_asyncapi_schema

__all__ = [
    "Correlation",
    "Role",
    "SchemaRequest",
    "Schemas",
    "generate_schemas",
    "numbered",
    "pascal_case",
    "require_ids",
    "require_tags",
    "title_payload",
    "type_key",
]

TAGGED_SUFFIX = "Tagged"
"""The name suffix of a model's form as a discriminated union's member, where its tag must be given."""

Role: TypeAlias = Literal["request", "reply"]
"""What a message that carries a correlation id is: a request, or a reply (error replies included)."""


@dataclass(frozen=True)
class Correlation:
    """Where a request or a reply carries its correlation id: the top-level `field` of its payload."""

    field: str
    role: Role

    @property
    def location(self) -> str:
        """The id's location as a runtime expression: `$message.payload#/id`."""
        return f"$message.payload#/{self.field}"


@dataclass(frozen=True)
class SchemaRequest:
    """A type to describe: its adapter and mode; `tag` when it is a discriminated union's member on its own."""

    adapter: TypeAdapter[Any]
    mode: JsonSchemaMode
    tag: str | None = None
    """The discriminator property of the union this type is a member of (received values must carry it)."""
    correlation: Correlation | None = None
    """For a request or a reply: where its values carry their correlation id (a field the type does not declare)."""


@dataclass(frozen=True)
class Schemas:
    """What `generate_schemas` makes: the shared schemas by name, and each request's own schema."""

    components: dict[str, Any]
    """`components.schemas`: the named schemas the others refer to."""
    roots: dict[Hashable, Any]
    """Each request's schema (often a `$ref` into `components`), by the request's key."""
    taken: set[str]
    """The `type_key`s of the names given to schemas, components and those written in place."""


class _SchemaGenerator(GenerateJsonSchema):
    """Pydantic's generator, with two changes.

    A sent model's fields that have defaults are required: the server's
    serializer always writes them. A type that has no JSON Schema is
    documented as "any value" instead of failing the whole document.
    """

    def field_is_required(
        self,
        field: core_schema.ModelField | core_schema.DataclassField | core_schema.TypedDictField,
        total: bool,
    ) -> bool:
        if self.mode == "serialization" and field["type"] != "typed-dict-field":
            return field.get("serialization_exclude_if") is None
        return super().field_is_required(field, total)

    def handle_invalid_for_json_schema(self, schema: object, error_info: str) -> JsonSchemaValue:
        return {}


def generate_schemas(requests: Mapping[Hashable, SchemaRequest]) -> Schemas:
    """The schemas of every request, in AsyncAPI's dialect, tagged and named (see the module's docstring)."""
    if not requests:
        return Schemas({}, {}, set())
    inputs: list[tuple[Hashable, JsonSchemaMode, TypeAdapter[Any]]] = [
        (key, request.mode, request.adapter) for key, request in requests.items()
    ]
    by_key, definitions = TypeAdapter.json_schemas(
        inputs, by_alias=True, ref_template=REF_PREFIX + "{model}", schema_generator=_SchemaGenerator
    )
    components = {name: to_asyncapi_schema(schema) for name, schema in definitions.get("$defs", {}).items()}
    roots = {key: to_asyncapi_schema(by_key[(key, request.mode)]) for key, request in requests.items()}
    components, roots = require_tags(components, {key: (roots[key], requests[key].tag) for key in requests})
    components, roots = require_ids(components, {key: (roots[key], requests[key].correlation) for key in requests})
    return _named(components, roots)


# Tags ---------------------------------------------------------------------------------------


def require_tags(
    components: Mapping[str, Any], roots: Mapping[Hashable, tuple[Any, str | None]]
) -> tuple[dict[str, Any], dict[Hashable, Any]]:
    """Components and roots where every discriminated union's members require their tag.

    Pydantic's schema of a model whose tag has a default lets the tag be left
    out, but a discriminated union needs it to pick the member. A model used
    only as such a member requires its tag in its own schema; one also used
    elsewhere gets a second schema, `NameTagged`, for the union to refer to.
    `roots` maps keys to a schema and the tag it must carry (for a union's
    member that is a message of its own), or `None`.
    """
    uses: dict[str, set[str | None]] = {}

    def record(name: str, tag: str | None) -> str:
        needed = tag if tag is not None and _lacks_tag(components.get(name), tag) else None
        uses.setdefault(name, set()).add(needed)
        return name

    for schema in components.values():
        _retarget(schema, record)
    for schema, tag in roots.values():
        _retarget_root(schema, tag, record)

    tagged: dict[str, str] = {}  # a model's name -> the name of its tagged form
    result = dict(components)
    for name, tags in sorted(uses.items()):
        needed = sorted(tag for tag in tags if tag is not None)
        if not needed:
            continue
        schema = components[name]
        required = [*schema.get("required", []), *needed]
        if None in tags:  # used elsewhere as it is: the tagged form is a schema of its own
            tagged[name] = _free_name(f"{name}-{TAGGED_SUFFIX}", result)
            result[tagged[name]] = {**schema, "required": required}
        else:
            tagged[name] = name
            result[name] = {**schema, "required": required}

    def point(name: str, tag: str | None) -> str:
        return tagged.get(name, name) if tag is not None and _lacks_tag(components.get(name), tag) else name

    components_out = {name: _retarget(schema, point) for name, schema in result.items()}
    roots_out = {key: _retarget_root(schema, tag, point) for key, (schema, tag) in roots.items()}
    return components_out, roots_out


def _lacks_tag(schema: Any, tag: str) -> bool:
    """Whether a model's schema has the property `tag` but does not require it."""
    if not is_object(schema):
        return False
    return tag in schema.get("properties", {}) and tag not in schema.get("required", [])


def _retarget_root(schema: Any, tag: str | None, target: Callable[[str, str | None], str]) -> Any:
    name = ref_name(schema)
    if tag is not None and name is not None and len(schema) == 1:
        return {"$ref": REF_PREFIX + target(name, tag)}
    return _retarget(schema, target)


def _retarget(schema: Any, target: Callable[[str, str | None], str]) -> Any:
    """A copy of `schema` whose `$ref`s point where `target(name, tag)` says; `tag` is set for a union's member."""
    if not is_object(schema):
        return schema
    tag = schema.get(DISCRIMINATOR)
    options = schema.get("oneOf") if isinstance(tag, str) else None
    if not is_array(options):
        result = map_subschemas(schema, lambda sub: _retarget(sub, target))
    else:  # a discriminated union: its members are targeted as members
        members = [_retarget_root(option, tag, target) for option in options]
        mapped = map_subschemas({k: v for k, v in schema.items() if k != "oneOf"}, lambda sub: _retarget(sub, target))
        result = {key: members if key == "oneOf" else mapped[key] for key in schema}
    name = ref_name(schema)
    if name is not None:
        result["$ref"] = REF_PREFIX + target(name, None)
    return result


# Correlation ids -------------------------------------------------------------------------------


def require_ids(
    components: Mapping[str, Any], roots: Mapping[Hashable, tuple[Any, Correlation | None]]
) -> tuple[dict[str, Any], dict[Hashable, Any]]:
    """Components and roots where every request and reply has its correlation id, as its first, required field.

    The request and reply types do not declare the id: the connection adds
    it. A model used only as requests or replies with their ids in one field
    gets the id in its own schema; one also used without an id (a reply
    that is a message of its own too, a model inside another) or with ids in
    several fields gets a second schema per field, `NameRequest` or
    `NameReply`, for the requests and replies to refer to. `roots` maps keys
    to a schema and its `Correlation`, or `None` for a schema without an id.
    """
    plain: set[str] = set()

    def record(name: str, tag: str | None) -> str:
        plain.add(name)
        return name

    for schema in components.values():
        _retarget(schema, record)
    correlated: dict[str, dict[str, set[Role]]] = {}  # a model's name -> id field -> roles
    for schema, correlation in roots.values():
        name = payload_target(schema)
        if correlation is not None and name is not None:
            correlated.setdefault(name, {}).setdefault(correlation.field, set()).add(correlation.role)
        else:
            _retarget(schema, record)

    forms: dict[tuple[str, str], str] = {}  # (a model's name, id field) -> the name of the schema with the id
    result = dict(components)
    for name, fields in sorted(correlated.items()):
        for field, roles in sorted(fields.items()):
            if name not in plain and len(fields) == 1:
                forms[name, field] = name
            else:
                role = next(iter(roles)) if len(roles) == 1 else "correlated"
                forms[name, field] = _free_name(f"{name}-{role.capitalize()}", result)
            result[forms[name, field]] = _with_id(components[name], field)

    def root(schema: Any, correlation: Correlation | None) -> Any:
        if correlation is None:
            return schema
        name = payload_target(schema)
        if name is None:
            return _with_id(schema, correlation.field)
        return {"$ref": REF_PREFIX + forms[name, correlation.field]}

    return result, {key: root(schema, correlation) for key, (schema, correlation) in roots.items()}


def _with_id(schema: Any, field: str) -> Any:
    """An object schema with the correlation id `field` added: first among the properties and the required."""
    if not is_object(schema):
        return schema
    required = [name for name in schema.get("required", []) if name != field]
    properties = {field: _id_schema(), **schema.get("properties", {})}
    return {**schema, "properties": properties, "required": [field, *required]}


def _id_schema() -> dict[str, Any]:
    return {
        "description": "The correlation id: a string or an integer that the requester chose, and its reply repeats.",
        "type": ["string", "integer"],
        "maxLength": MAX_ID_LENGTH,
        "minimum": -MAX_ID_MAGNITUDE,
        "maximum": MAX_ID_MAGNITUDE,
    }


def _free_name(name: str, taken: Mapping[str, Any]) -> str:
    return next(candidate for candidate in numbered(name) if candidate not in taken)


def numbered(name: str, separator: str = "") -> Iterator[str]:
    """`name`, then `name2`, `name3`, ... (with `separator` before the number): candidates for a name not taken."""
    yield name
    n = 2
    while True:
        yield f"{name}{separator}{n}"
        n += 1


# Names --------------------------------------------------------------------------------------

_NOT_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")
_WORD = re.compile(r"[A-Za-z0-9]+")


def pascal_case(text: str) -> str:
    """`user_name` → `UserName`, `userName` → `UserName`: words joined, each with a capital first letter."""
    return "".join(word[0].upper() + word[1:] for word in _WORD.findall(text))


def _named(components: Mapping[str, Any], roots: Mapping[Hashable, Any]) -> Schemas:
    """Rename the components to identifiers (`Item-Input` → `ItemInput`), title them, and title inline enums."""
    renamed: dict[str, str] = {}
    wanted: dict[str, list[str]] = {}
    for name in components:
        wanted.setdefault(_NOT_IDENTIFIER.sub("", name) or name, []).append(name)
    for new, olds in wanted.items():
        for old in olds:  # two names that would become one keep their own
            renamed[old] = new if len(olds) == 1 and (new == old or new not in components) else old

    def rename(name: str, tag: str | None) -> str:
        return renamed.get(name, name)

    named = {renamed[name]: _retarget(schema, rename) for name, schema in components.items()}
    taken = {type_key(name) for name in named}
    titled: dict[str, Any] = {}
    for name in sorted(named):
        titled[name] = _title_inline({**named[name], "title": name}, name, taken, top=True)
    return Schemas(
        {name: titled[name] for name in named},  # in Pydantic's order
        {key: _retarget(schema, rename) for key, schema in roots.items()},
        taken,
    )


def title_payload(schema: Any, name: str, taken: set[str]) -> Any:
    """A payload written in place, titled `name` (or `name2`, ... when taken) and its enumerations after their places.

    `taken` holds the `type_key`s of the names in use; the new ones are added.
    A code generator makes a type of every payload, so each needs a name.
    """
    if not is_object(schema):
        return schema
    title = _free_title(name, taken)
    return _title_inline({**schema, "title": title}, title, taken, top=True)


def type_key(name: str) -> str:
    """What is left of a name once a code generator has rewritten it: `Item-Input`, `item_input` → `iteminput`."""
    return _NOT_ALPHANUMERIC.sub("", name.lower())


_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]")


def _title_inline(schema: Any, owner: str, taken: set[str], *, top: bool = False) -> Any:
    if not is_object(schema) or "$ref" in schema:
        return schema
    result = dict(schema)
    if not top and _modelled(schema):
        result["title"] = _free_title(owner, taken)
    for key, value in schema.items():
        if key == "properties" and is_object(value):
            result[key] = {
                field: _title_inline(sub, owner + pascal_case(field), taken) for field, sub in value.items()
            }
        elif key == "items" and is_array(value):
            result[key] = [_title_inline(sub, f"{owner}Item{i + 1}", taken) for i, sub in enumerate(value)]
        elif key in ("items", "additionalItems"):
            result[key] = _title_inline(value, owner + "Item", taken)
        elif key == "additionalProperties":
            result[key] = _title_inline(value, owner + "Value", taken)
        elif key in ("anyOf", "oneOf", "allOf") and is_array(value):
            alone = sum(1 for sub in value if sub != {"type": "null"}) == 1
            result[key] = [
                _title_inline(sub, owner if alone else f"{owner}Option{i + 1}", taken) for i, sub in enumerate(value)
            ]
    return result


def _modelled(schema: Mapping[str, Any]) -> bool:
    """Whether a code generator makes a type of its own of a schema written in place: an enum, an object with fields."""
    enum = schema.get("enum")
    return (is_array(enum) and len(enum) > 1) or "properties" in schema


def _free_title(name: str, taken: set[str]) -> str:
    title = next(candidate for candidate in numbered(name) if type_key(candidate) not in taken)
    taken.add(type_key(title))
    return title
