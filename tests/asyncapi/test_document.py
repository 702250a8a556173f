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
from tests.asyncapi.apps import StubEndpoint, channel_messages, payload_validator
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
    assert rooms["parameters"] == {"room": {"description": "The `room` path segment."}}
    assert rooms["bindings"] == {"ws": {"method": "GET", "bindingVersion": "0.1.0"}}
    # Mounts prefix the address; a convertor is dropped from it and named in the parameter.
    raw = channels["v1_raw_n"]
    assert raw["address"] == "/v1/raw/{n}"
    assert raw["parameters"] == {"n": {"description": "The `n` path segment (convertor `int`)."}}
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
    app = Starlette(routes=[WebSocketRoute("/a/b", apps.board), WebSocketRoute("/a_b", apps.board), WebSocketRoute("/", apps.board)])
    assert list(doc(app)["channels"]) == ["a_b", "a_b_2", "root"]


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
    assert basket["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Item-Output"}
    assert post["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Item-Input"}


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
    assert "Item-Input" in schemas and "Priority" in schemas
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
    assert wrapper["properties"]["inner"]["discriminator"] == "type"


class Wrapper(BaseModel):
    """A model holding a discriminated union."""

    inner: apps.ClientMessage


def test_text_bytes_json_and_own_codecs_have_their_content_types() -> None:
    document = doc(apps.stub_app)
    messages = document["components"]["messages"]
    assert messages["text"]["contentType"] == "text/plain"
    assert messages["text"]["payload"] == {"type": "string"}
    assert messages["json"]["contentType"] == "application/json"
    assert messages["json"]["payload"] == {}
    assert messages["upper_text"] == {"name": "upper_text", "title": "upper text", "contentType": "text/plain"}
    raw = doc()["components"]["messages"]["bytes"]
    assert raw["contentType"] == "application/octet-stream"
    assert raw["payload"] == {"type": "string", "format": "binary"}
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
    assert a["name"] != b["name"]
    assert a["title"] == b["title"] == "Chat"
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
    assert (point_in["name"], point_out["name"]) == ("Point-Input", "Point-Output")
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
    assert sent["payload"] == {"type": "array", "items": {"$ref": "#/components/schemas/Item-Output"}}


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
    for operation in document["operations"].values():
        channel = operation["channel"]["$ref"].removeprefix("#/channels/")
        for message in channel_messages(document, channel, operation["action"]):
            for example in message.get("examples", []):
                payload_validator(document, message["payload"]).validate(example["payload"])
                if operation["action"] == "receive":
                    infos[channel].receive_codec.decode(json.dumps(example["payload"]))
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
    received = channel_messages(document, "top", "receive")
    # (Ping and Pong are sent too, inside Envelope: their schemas come in -Input and -Output forms.)
    assert [m["name"] for m in received] == ["Ping-Input", "Pong-Input"]
    assert received[0]["payload"] == {"allOf": [{"$ref": "#/components/schemas/Ping-Input"}], "required": ["kind"]}
    assert document["components"]["schemas"]["Ping-Input"].get("required") is None  # the model's own schema stays
    nested = document["components"]["schemas"]["Envelope-Input"]["properties"]["body"]
    assert nested["discriminator"] == "kind"
    assert nested["oneOf"] == [
        {"allOf": [{"$ref": "#/components/schemas/Ping-Input"}], "required": ["kind"]},
        {"allOf": [{"$ref": "#/components/schemas/Pong-Input"}], "required": ["kind"]},
    ]
    for message in received:
        validator = payload_validator(document, message["payload"])
        assert not validator.is_valid({})
        assert validator.is_valid(message["examples"][0]["payload"])
    # Sent values always carry their tag (fields with defaults are always sent), so no wrapping is needed.
    sent = document["components"]["schemas"]["Envelope-Output"]["properties"]["body"]["oneOf"]
    assert sent == [{"$ref": "#/components/schemas/Ping-Output"}, {"$ref": "#/components/schemas/Pong-Output"}]
