"""Requests in the message docs: `reply` on each request operation, `correlationId` on each request and reply."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Any

import pytest

from tests.rpc.protocol import asking_app, rooms_app
from tests.test_asyncapi_parser import validate
from typedws import asyncapi


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


def test_requests_and_replies_carry_a_correlation_id_in_their_payload(rooms: dict[str, Any]) -> None:
    messages = rooms["components"]["messages"]
    for key in ("GetRoom", "Room", "NoSuchRoom", "ErrorReply", "Wait", "Waited"):
        message = messages[key]
        assert message["correlationId"]["location"] == "$message.payload#/id"
        payload = message["payload"]
        assert next(iter(payload["properties"])) == "id"
        assert payload["required"][0] == "id"
        assert message["examples"][0]["payload"]["id"] == 1
    error = messages["ErrorReply"]["payload"]
    assert error["properties"]["error"] == {"$ref": "#/components/schemas/ErrorReplyBody"}


def test_the_servers_requests_are_send_operations_and_plain_messages_keep_theirs(ask: dict[str, Any]) -> None:
    operations = ask["operations"]
    assert operations["send_ask_Ping"]["action"] == "send"
    assert operations["send_ask_Ping"]["reply"]["messages"][0] == {"$ref": "#/channels/ask/messages/Pong"}
    assert [m["$ref"] for m in operations["send_ask"]["messages"]] == ["#/channels/ask/messages/Note-Output"]
    assert [m["$ref"] for m in operations["receive_ask"]["messages"]] == ["#/channels/ask/messages/Note-Input"]
    assert "correlationId" not in ask["components"]["messages"]["Note-Input"]


def test_a_correlation_field_of_the_apps_own_is_the_documents_location() -> None:
    document = document_of(rooms_app(correlation_field="ref"))
    message = document["components"]["messages"]["GetRoom"]
    assert message["correlationId"]["location"] == "$message.payload#/ref"
    assert "ref" in message["payload"]["required"]


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
