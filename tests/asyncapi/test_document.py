"""`typedws.asyncapi.document`: the AsyncAPI 3.0.0 document of an app's typed routes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute

import typedws
from tests.asyncapi import apps
from tests.asyncapi.apps import StubEndpoint, channel_messages, payload_validator, without_id
from typedws import WebSocket, asyncapi


class Chat(BaseModel):
    """The other `Chat`: a different model with the same name as `apps.Chat`."""

    room: str
    body: str


def doc(app: Any = apps.app, **options: Any) -> dict[str, Any]:
    return asyncapi.document(app, title=options.pop("title", "Test"), version=options.pop("version", "1.0.0"), **options)


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    schemas: dict[str, Any] = document["components"]["schemas"]
    resolved: dict[str, Any] = schemas[ref.removeprefix("#/components/schemas/")]
    return resolved


def payload(document: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    return resolve(document, message["payload"])


def all_refs(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [r for k, v in value.items() for r in ([v] if k == "$ref" else all_refs(v))]
    if isinstance(value, list):
        return [r for v in value for r in all_refs(v)]
    return []


def test_the_header_names_the_api_and_its_servers() -> None:
    document = doc(
        title="Rooms",
        version="2.1",
        description="Rooms and boards.",
        servers={"local": "ws://localhost:8000", "prod": "wss://example.com/api/", "raw": {"host": "h", "protocol": "ws"}},
    )
    assert document["asyncapi"] == "3.0.0"
    assert document["info"] == {"title": "Rooms", "version": "2.1", "description": "Rooms and boards."}
    assert document["servers"] == {
        "local": {"host": "localhost:8000", "protocol": "ws"},
        "prod": {"host": "example.com", "protocol": "wss", "pathname": "/api"},
        "raw": {"host": "h", "protocol": "ws"},
    }
    assert "servers" not in doc() and "description" not in doc()["info"]


@pytest.mark.parametrize("url", ["http://localhost:8000", "localhost:8000", "ws://", "ws:/path"])
def test_a_server_url_that_is_not_a_websocket_url_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="ws://HOST"):
        doc(servers={"s": url})


def test_each_route_is_a_channel_with_its_address_parameters_and_ws_binding() -> None:
    channels = doc()["channels"]
    assert list(channels) == ["rooms_room", "board", "strict", "v1_chat", "v1_raw_n"]
    rooms = channels["rooms_room"]
    assert rooms["address"] == "/rooms/{room}"
    assert rooms["parameters"] == {
        "room": {"description": "The `room` path segment.", "x-schema": {"type": "string", "pattern": "^[^/]+$"}}
    }
    assert rooms["bindings"] == {"ws": {"method": "GET", "bindingVersion": "0.1.0"}}
    # Mounts prefix the address; a convertor is dropped from it and its pattern kept in the parameter.
    raw = channels["v1_raw_n"]
    assert raw["address"] == "/v1/raw/{n}"
    assert raw["parameters"] == {
        "n": {"description": "The `n` path segment, matching `[0-9]+`.", "x-schema": {"type": "string", "pattern": "^[0-9]+$"}}
    }
    assert "parameters" not in channels["board"]
    assert channels["board"]["x-max-message-bytes"] == 2048


def test_the_handler_docstring_describes_the_channel() -> None:
    rooms = doc()["channels"]["rooms_room"]
    assert rooms["title"] == "room"
    assert rooms["summary"] == "A room: join it, post items, get the basket back."
    assert rooms["description"] == "A room: join it, post items, get the basket back.\n\nLeaving closes the connection."
    assert doc()["channels"]["board"]["summary"] == "Echo a point back."
    assert "description" not in doc()["channels"]["board"]


def test_channels_with_the_same_path_shape_get_distinct_ids() -> None:
    app = Starlette(routes=[WebSocketRoute("/a-b", apps.board), WebSocketRoute("/a_b", apps.board)])
    assert list(doc(app)["channels"]) == ["a-b", "a_b"]
    app = Starlette(routes=[WebSocketRoute("/a_b", apps.board), WebSocketRoute("/a/b", apps.board), WebSocketRoute("/", apps.board)])
    assert list(doc(app)["channels"]) == ["a_b_2", "a_b", "root"]  # keyed in the order of their paths


def test_a_channel_whose_messages_make_a_union_is_keyed_apart_from_every_type_name() -> None:
    # Modelina names such a channel's union after its key: `/chat` sending `Chat | Notice` must not be `Chat`.
    app = Starlette(routes=[WebSocketRoute("/chat", StubEndpoint("chat", apps.Chat, apps.Chat | apps.Notice))])
    assert list(doc(app)["channels"]) == ["chat_2"]
    app = Starlette(routes=[WebSocketRoute("/chat", StubEndpoint("chat", apps.Chat, apps.Chat))])
    assert list(doc(app)["channels"]) == ["chat"]  # one message each way: no union, no clash


def test_a_discriminated_union_gives_one_message_per_member() -> None:
    document = doc()
    received = channel_messages(document, "rooms_room", "receive")
    assert [m["name"] for m in received] == ["Join", "Post", "Leave"]
    for message, literal in zip(received, ["join", "post", "leave"], strict=True):
        assert payload(document, message)["properties"]["type"]["const"] == literal
        assert message["contentType"] == "application/json"


def test_a_plain_union_gives_one_message_per_member() -> None:
    document = doc()
    sent = channel_messages(document, "rooms_room", "send")
    assert [m["name"] for m in sent] == ["Basket", "Notice"]
    assert payload(document, sent[1])["required"] == ["text"]  # a TypedDict's NotRequired key is not required


def test_operations_receive_what_clients_send_and_send_what_the_server_sends() -> None:
    document = doc()
    assert set(document["operations"]) == {f"{action}_{c}" for c in document["channels"] for action in ("receive", "send")}
    for name, operation in document["operations"].items():
        assert operation["action"] == name.partition("_")[0]
        channel = operation["channel"]["$ref"].removeprefix("#/channels/")
        for ref in operation["messages"]:  # an operation's messages are its channel's messages
            assert ref["$ref"].removeprefix(f"#/channels/{channel}/messages/") in document["channels"][channel]["messages"]
    assert [m["name"] for m in channel_messages(document, "v1_chat", "send")] == ["text"]


def test_received_payloads_are_validation_schemas_and_sent_ones_serialization_schemas() -> None:
    document = doc()
    basket = payload(document, channel_messages(document, "rooms_room", "send")[0])
    # Serialization: computed fields are there, serialization aliases are used, defaults are always sent.
    assert basket["properties"]["total"]["readOnly"] is True
    assert "ownerName" in basket["properties"] and "owner" not in basket["properties"]
    assert set(basket["required"]) == {"items", "ownerName", "total"}
    item_out = resolve(document, basket["properties"]["items"]["items"])
    post = payload(document, channel_messages(document, "rooms_room", "receive")[1])
    item_in = resolve(document, post["properties"]["items"]["items"])
    assert item_in["required"] == ["name"]
    assert set(item_out["required"]) == {"name", "quantity", "priority", "tags"}
    assert basket["properties"]["items"]["items"] == {"$ref": "#/components/schemas/ItemOutput"}
    assert post["properties"]["items"]["items"] == {"$ref": "#/components/schemas/ItemInput"}


def test_fields_are_named_by_alias() -> None:
    document = doc()
    join = payload(document, channel_messages(document, "rooms_room", "receive")[0])
    assert list(join["properties"]) == ["type", "userName"]
    assert join["properties"]["userName"]["pattern"] == "^[a-z]+$"


def test_model_docstrings_give_message_summaries_and_descriptions() -> None:
    messages = doc()["components"]["messages"]
    assert messages["Join"]["title"] == "Join"
    assert messages["Join"]["summary"] == "Join the room."
    assert messages["Join"]["description"] == "Join the room.\n\nThe name is the user's handle: lowercase letters only."
    assert messages["Post"]["summary"] == "Post items, optionally at a given time."
    assert "description" not in messages["Post"]
    assert "summary" not in messages["Leave"]  # no docstring


def test_definitions_are_hoisted_into_components_and_every_ref_resolves() -> None:
    document = doc()
    text = json.dumps(document)
    assert "$defs" not in text and "#/$defs" not in text
    schemas = document["components"]["schemas"]
    for ref in all_refs(document):  # JSON pointers; the document's keys need no escaping
        target: Any = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, ref
            target = target[part]
    assert "ItemInput" in schemas and "Priority" in schemas
    assert schemas["Priority"]["enum"] == ["low", "high"]


def test_schemas_are_in_asyncapi_schema_dialect() -> None:
    document = doc()
    text = json.dumps(document)
    assert "prefixItems" not in text
    post = payload(document, channel_messages(document, "rooms_room", "receive")[1])
    tuple_schema = post["properties"]["position"]["anyOf"][0]
    assert tuple_schema["items"] == [{"type": "integer"}, {"type": "integer"}]
    for message in document["components"]["messages"].values():
        if "payload" in message:
            payload_validator(document, message["payload"])  # a valid draft-07 schema


def test_a_nested_discriminated_union_gets_a_property_name_discriminator() -> None:
    @typedws.listener
    async def nested(message: apps.Post) -> apps.ServerMessage | Wrapper:
        """Nested unions."""
        return Wrapper(inner=apps.Leave(type="leave"))

    document = doc(Starlette(routes=[WebSocketRoute("/n", nested)]))
    wrapper = document["components"]["schemas"]["Wrapper"]
    inner = wrapper["properties"]["inner"]
    # AsyncAPI's `discriminator` names a base schema's subschemas; a tagged `oneOf` is told by `x-discriminator`.
    assert inner["x-discriminator"] == "type" and "discriminator" not in inner
    assert [document["components"]["schemas"][ref["$ref"].rpartition("/")[2]]["properties"]["type"]["const"] for ref in inner["oneOf"]] == ["join", "post", "leave"]


class Wrapper(BaseModel):
    """A model holding a discriminated union."""

    inner: apps.ClientMessage


def test_text_bytes_json_and_own_codecs_have_their_content_types() -> None:
    document = doc(apps.stub_app)
    messages = document["components"]["messages"]
    assert messages["text"]["contentType"] == "text/plain"
    assert messages["text"]["payload"] == {"type": "string", "title": "text"}  # titled: Modelina names a type after it
    assert messages["json"]["contentType"] == "application/json"
    assert messages["json"]["payload"] == {"title": "json"}
    assert messages["upper_text"] == {"name": "upper_text", "title": "upper text", "contentType": "text/plain"}
    raw = doc()["components"]["messages"]["bytes"]
    assert raw["contentType"] == "application/octet-stream"
    assert raw["payload"] == {"type": "string", "format": "binary", "title": "bytes"}
    assert [m["name"] for m in channel_messages(document, "text", "receive")] == ["text"]
    assert document["channels"]["text"]["messages"] == {"text": {"$ref": "#/components/messages/text"}}


def test_models_of_the_same_name_from_different_modules_stay_apart() -> None:
    app = Starlette(
        routes=[
            WebSocketRoute("/a", StubEndpoint("a", apps.Chat, apps.Chat)),
            WebSocketRoute("/b", StubEndpoint("b", Chat, Chat)),
        ]
    )
    document = doc(app)
    (a,) = channel_messages(document, "a", "receive")
    (b,) = channel_messages(document, "b", "receive")
    assert {a["name"], b["name"]} == {"tests__asyncapi__apps__Chat", "tests__asyncapi__test_document__Chat"}
    assert a["title"] == a["name"] and b["title"] == b["name"]
    assert list(payload(document, a)["properties"]) == ["text"]
    assert list(payload(document, b)["properties"]) == ["room", "body"]
    assert len(document["components"]["messages"]) == 2


def test_one_model_in_both_directions_is_one_message_unless_its_schemas_differ() -> None:
    document = doc()
    assert [m["name"] for m in channel_messages(document, "strict", "receive")] == ["Strict"]
    assert [m["name"] for m in channel_messages(document, "strict", "send")] == ["Strict"]
    assert document["channels"]["strict"]["messages"] == {"Strict": {"$ref": "#/components/messages/Strict"}}
    # A dataclass with a default: the sent form always has the field, the received one may omit it.
    (point_in,) = channel_messages(document, "board", "receive")
    (point_out,) = channel_messages(document, "board", "send")
    assert (point_in["name"], point_out["name"]) == ("PointInput", "PointOutput")
    assert payload(document, point_in)["required"] == ["x", "y"]
    assert payload(document, point_out)["required"] == ["x", "y", "label"]


def test_a_type_without_a_json_schema_is_documented_as_any_value() -> None:
    class Opaque:
        pass

    class Holder(BaseModel):
        model_config = ConfigDict(arbitrary_types_allowed=True)
        thing: Opaque

    document = doc(Starlette(routes=[WebSocketRoute("/h", StubEndpoint("h", Holder, "text"))]))
    assert document["components"]["schemas"]["Holder"]["properties"]["thing"] == {"title": "Thing"}


def test_a_non_model_type_is_a_message_named_after_it() -> None:
    @typedws.listener
    async def items(item: apps.Item) -> list[apps.Item]:
        """Items."""
        return [item]

    document = doc(Starlette(routes=[WebSocketRoute("/items", items)]))
    (sent,) = channel_messages(document, "items", "send")
    assert (sent["name"], sent["title"]) == ("list_Item", "list[Item]")
    assert sent["payload"] == {"type": "array", "items": {"$ref": "#/components/schemas/ItemOutput"}, "title": "list_Item"}


def test_an_app_without_typed_routes_has_no_channels() -> None:
    document = doc(apps.plain_app)
    assert document["channels"] == {} and document["operations"] == {}
    assert "components" not in document


def test_fastapi_routes_and_mounted_routers_are_documented() -> None:
    app = FastAPI()

    @app.websocket("/fa/{room}")
    @typedws.endpoint
    async def fa(ws: WebSocket[apps.Chat, apps.Chat], room: str) -> None:
        """A FastAPI route."""
        await ws.accept()

    app.mount("/sub", Starlette(routes=[Mount("/deep", routes=[WebSocketRoute("/x", apps.strict)])]))
    document = doc(app)
    assert [c["address"] for c in document["channels"].values()] == ["/fa/{room}", "/sub/deep/x"]
    assert document["channels"]["fa_room"]["summary"] == "A FastAPI route."


def test_the_document_is_plain_json_and_the_same_each_time() -> None:
    first = doc()
    assert json.loads(json.dumps(first)) == first
    assert doc() == first


TARGETS = apps.targets()


@pytest.mark.parametrize("target", list(TARGETS))
def test_every_example_validates_against_its_payload_and_received_ones_decode(target: str) -> None:
    app = TARGETS[target]
    document = doc(app)
    # Channels come in route order.
    infos = {key: info for key, (_, info) in zip(document["channels"], typedws.typed_routes(app), strict=True)}
    checked = 0
    for channel, info in infos.items():
        received = channel_messages(document, channel, "receive", replies=False)
        for action in ("receive", "send"):
            for message in channel_messages(document, channel, action):
                for example in message.get("examples", []):
                    payload_validator(document, message["payload"]).validate(example["payload"])
                    if message in received:
                        info.receive_codec.decode(json.dumps(without_id(message, example["payload"])))
                    checked += 1
    assert checked > 0


def test_examples_show_values_and_follow_constraints() -> None:
    messages = doc()["components"]["messages"]
    assert messages["Join"]["examples"] == [{"name": "example", "payload": {"type": "join", "userName": "ana"}}]
    post = messages["Post"]["examples"][0]["payload"]
    assert post["at"] == "2024-01-01T12:00:00Z"  # a value rather than the `None` default
    assert len(post["items"]) == 1 and post["items"][0]["quantity"] == 1
    assert messages["Strict"]["examples"][0]["payload"] == {"value": 10}  # >= 7 and a multiple of 5
    # A sent example is what the server sends: computed fields and serialization aliases included.
    assert messages["Basket"]["examples"][0]["payload"] == {
        "items": [{"name": "string", "quantity": 1, "priority": "low", "tags": []}],
        "ownerName": "nobody",
        "total": 1,
    }
    assert "examples" not in doc(apps.stub_app)["components"]["messages"]["text"]


def test_members_of_a_discriminated_union_require_their_tag_even_with_a_default() -> None:
    # The route needs the tag to pick the member: `{}` is neither a Ping nor a Pong to it.
    document = doc(apps.tagged_app)
    schemas = document["components"]["schemas"]
    received = channel_messages(document, "top", "receive")
    # (Ping and Pong are sent too, inside Envelope: their schemas come in -Input and -Output forms.)
    assert [m["name"] for m in received] == ["PingInput", "PongInput"]
    assert received[0]["payload"] == {"$ref": "#/components/schemas/PingInput"}
    # Used only as union members, the models' own schemas require the tag.
    assert schemas["PingInput"]["required"] == ["kind"]
    nested = schemas["EnvelopeInput"]["properties"]["body"]
    assert nested["oneOf"] == [{"$ref": "#/components/schemas/PingInput"}, {"$ref": "#/components/schemas/PongInput"}]
    for message in received:
        validator = payload_validator(document, message["payload"])
        assert not validator.is_valid({})
        assert validator.is_valid(message["examples"][0]["payload"])
    # Sent values always carry their tag (fields with defaults are always sent).
    sent = schemas["EnvelopeOutput"]["properties"]["body"]["oneOf"]
    assert sent == [{"$ref": "#/components/schemas/PingOutput"}, {"$ref": "#/components/schemas/PongOutput"}]


def test_a_model_also_used_on_its_own_has_a_tagged_form_for_the_union() -> None:
    # `/echo` receives a `Say` alone (its `kind` may be left out); `/chat` a `Say | Shout` (it may not).
    from examples.starlette_app import app

    document = doc(app)
    schemas = document["components"]["schemas"]
    assert [m["name"] for m in channel_messages(document, "chat", "receive")] == ["SayTagged", "Shout"]
    assert [m["name"] for m in channel_messages(document, "echo", "receive")] == ["Say"]
    assert schemas["Say"]["required"] == ["text"]
    assert schemas["SayTagged"]["required"] == ["text", "kind"]
    assert schemas["SayTagged"]["title"] == "SayTagged"
    assert {key: value for key, value in schemas["SayTagged"].items() if key not in ("required", "title")} == {
        key: value for key, value in schemas["Say"].items() if key not in ("required", "title")
    }


def test_names_do_not_depend_on_the_order_of_the_routes() -> None:
    from examples.starlette_app import app

    forward = doc(app)
    backward = doc(Starlette(routes=list(reversed(app.routes))))
    assert backward["components"] == forward["components"]
    assert {key: channel["address"] for key, channel in backward["channels"].items()} == {
        key: channel["address"] for key, channel in forward["channels"].items()
    }


def test_one_model_used_in_several_places_is_one_schema_under_one_name() -> None:
    @typedws.listener
    async def first(item: apps.Item) -> str:
        """One."""
        return item.name

    @typedws.listener
    async def second(post: apps.Post) -> str:
        """Two: `Post.items` holds `Item`s too."""
        return ""

    document = doc(Starlette(routes=[WebSocketRoute("/one", first), WebSocketRoute("/two", second)]))
    assert [m["payload"] for m in channel_messages(document, "one", "receive")] == [{"$ref": "#/components/schemas/Item"}]
    post = document["components"]["schemas"]["Post"]
    assert post["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Item"}
    assert [name for name in document["components"]["schemas"] if name.startswith("Item")] == ["Item"]
    assert len(document["components"]["messages"]) == 3  # Item, Post, text


def test_every_schema_a_code_generator_makes_a_type_of_has_a_title_of_its_own() -> None:
    # Modelina names a model after its schema's title, else `AnonymousSchema_N`.
    from examples.chat.app import create_app

    for document in (doc(), doc(create_app()), doc(apps.stub_app), doc(apps.tagged_app)):
        schemas = document["components"]["schemas"]
        assert all(schema["title"] == name for name, schema in schemas.items())
        titles = list(schemas)
        for name, schema in schemas.items():
            for prop in schema.get("properties", {}).values():
                for part in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
                    if isinstance(part, dict) and len(part.get("enum", [])) > 1:
                        titles.append(part["title"])
        for message in document["components"]["messages"].values():
            if "payload" in message and "$ref" not in message["payload"]:
                titles.append(message["payload"]["title"])
        assert len(titles) == len({title.lower() for title in titles})
    assert doc(create_app())["components"]["schemas"]["Error"]["properties"]["code"]["title"] == "ErrorCode"
