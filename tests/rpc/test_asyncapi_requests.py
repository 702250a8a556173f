"""Requests in the message docs: `reply` on each request operation, `correlationId` on each request and reply."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

import typedws
from tests.rpc.protocol import GetRoom, Note, Room, asking_app, get_room, rooms_app
from tests.asyncapi.test_parser import validate
from typedws import WebSocket, asyncapi
from typedws.asyncapi._schema import payload_target


def document_of(app: Any) -> dict[str, Any]:
    return asyncapi.document(app, title="requests", version="1.0.0")


@pytest.fixture(scope="module")
def rooms() -> dict[str, Any]:
    """The document of the `/rooms` responder (client → server requests)."""
    return document_of(rooms_app())


@pytest.fixture(scope="module")
def ask() -> dict[str, Any]:
    """The document of `/ask` (server → client requests, beside plain notes)."""
    return document_of(asking_app(queue.Queue()))


def test_each_request_has_an_operation_whose_reply_lists_its_replies_and_the_error_reply(rooms: dict[str, Any]) -> None:
    operation = rooms["operations"]["receive_rooms_GetRoom"]
    assert operation["action"] == "receive"
    assert operation["messages"] == [{"$ref": "#/channels/rooms/messages/GetRoom"}]
    assert operation["reply"] == {
        "channel": {"$ref": "#/channels/rooms"},
        "messages": [
            {"$ref": "#/channels/rooms/messages/Room"},
            {"$ref": "#/channels/rooms/messages/NoSuchRoom"},
            {"$ref": "#/channels/rooms/messages/ErrorReply"},
        ],
    }
    assert rooms["operations"]["receive_rooms_Wait"]["reply"]["messages"][0] == {
        "$ref": "#/channels/rooms/messages/Waited"
    }
    assert "send_rooms" not in rooms["operations"], "a responder sends nothing but replies"
    assert "receive_rooms" not in rooms["operations"], "nor receives anything but requests"


def payload_of(document: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    """A message's payload schema: the component its `$ref` names, or itself."""
    target = payload_target(message["payload"])
    schema: dict[str, Any] = message["payload"] if target is None else document["components"]["schemas"][target]
    return schema


def test_requests_and_replies_carry_a_correlation_id_in_their_payload(rooms: dict[str, Any]) -> None:
    messages = rooms["components"]["messages"]
    for key in ("GetRoom", "Room", "NoSuchRoom", "ErrorReply", "Wait", "Waited"):
        message = messages[key]
        assert message["correlationId"]["location"] == "$message.payload#/id"
        payload = payload_of(rooms, message)
        assert next(iter(payload["properties"])) == "id"
        assert payload["required"][0] == "id"
        assert message["examples"][0]["payload"]["id"] == 1
    error = payload_of(rooms, messages["ErrorReply"])
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorReplyBody"}


def test_the_servers_requests_are_send_operations_and_plain_messages_keep_theirs(ask: dict[str, Any]) -> None:
    operations = ask["operations"]
    assert operations["send_ask_Ping"]["action"] == "send"
    assert operations["send_ask_Ping"]["reply"]["messages"][0] == {"$ref": "#/channels/ask/messages/Pong"}
    assert [m["$ref"] for m in operations["send_ask"]["messages"]] == ["#/channels/ask/messages/NoteOutput"]
    assert [m["$ref"] for m in operations["receive_ask"]["messages"]] == ["#/channels/ask/messages/NoteInput"]
    assert "correlationId" not in ask["components"]["messages"]["NoteInput"]


def test_a_correlation_field_of_the_apps_own_is_the_documents_location() -> None:
    document = document_of(rooms_app(correlation_field="ref"))
    message = document["components"]["messages"]["GetRoom"]
    assert message["correlationId"]["location"] == "$message.payload#/ref"
    assert "ref" in payload_of(document, message)["required"]


def test_documents_with_requests_are_valid_by_the_official_parser(
    rooms: dict[str, Any], ask: dict[str, Any], tmp_path: Path
) -> None:
    paths: list[Path] = []
    for name, document in (("rooms", rooms), ("ask", ask)):
        path = tmp_path / f"{name}.json"
        path.write_text(asyncapi.to_json(document))
        paths.append(path)
    report = validate(paths)
    assert {d["file"]: d["errors"] for d in report["documents"] if d["errors"]} == {}


def test_markdown_and_html_show_each_request_with_its_replies(rooms: dict[str, Any], ask: dict[str, Any]) -> None:
    markdown = asyncapi.to_markdown(rooms)
    assert (
        "| [GetRoom](#channel-rooms-message-GetRoom) | client | [Room](#channel-rooms-message-Room),"
        " [NoSuchRoom](#channel-rooms-message-NoSuchRoom), [ErrorReply](#channel-rooms-message-ErrorReply) |"
    ) in markdown
    assert "Correlation id: `$message.payload#/id`" in markdown
    assert "| [Ping](#channel-ask-message-Ping) | server | [Pong](#channel-ask-message-Pong)," in asyncapi.to_markdown(ask)
    html = asyncapi.to_html(rooms)
    assert "<h4>Requests and their replies</h4>" in html
    assert '<td><a href="#channel-rooms-message-Wait">Wait</a></td>' in html
    assert "Correlation id: <code>$message.payload#/id</code>" in html


def test_a_reply_that_is_also_a_message_of_its_own_has_a_second_schema_that_carries_the_id() -> None:
    @typedws.endpoint
    async def lobby(ws: WebSocket[GetRoom | Note, Room | Note]) -> None:
        """Rooms are asked for, and also sent unasked."""

    document = document_of(Starlette(routes=[WebSocketRoute("/lobby", lobby)]))
    schemas, messages = document["components"]["schemas"], document["components"]["messages"]
    assert "id" not in schemas["Room"]["properties"]  # sent on its own, without an id
    assert list(schemas["RoomReply"]["properties"])[0] == "id" and schemas["RoomReply"]["title"] == "RoomReply"
    assert messages["RoomReply"]["payload"] == {"$ref": "#/components/schemas/RoomReply"}
    assert list(schemas["NoSuchRoom"]["properties"])[0] == "id"  # only ever a reply: its own schema has the id
    reply = document["operations"]["receive_lobby_GetRoom"]["reply"]["messages"]
    assert [m["$ref"].rpartition("/")[2] for m in reply] == ["RoomReply", "NoSuchRoom", "ErrorReply"]
    sent = document["operations"]["send_lobby"]["messages"]
    assert [m["$ref"].rpartition("/")[2] for m in sent] == ["Room", "NoteOutput"]


def test_a_responders_close_codes_say_that_invalid_requests_are_answered_and_name_its_own() -> None:
    rooms = typedws.responder(get_room, name="rooms", close_codes={4001: "Too many rooms asked for."})
    document = document_of(Starlette(routes=[WebSocketRoute("/rooms", rooms)]))
    codes = {entry["code"]: entry["description"] for entry in document["channels"]["rooms"]["x-close-codes"]}
    assert "without a valid correlation id `id`" in codes[1007] and "`ErrorReply`" in codes[1007]
    assert codes[4001] == "Too many rooms asked for."
    assert list(document["operations"]) == ["receive_rooms_GetRoom"]  # a responder's only operations: its requests
