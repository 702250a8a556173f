"""Declaring requests and answers: what is refused when the app is built, and the sorting rule on frames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pytest
from pydantic import BaseModel, TypeAdapter

import typedws
from tests.rpc.protocol import CLIENT_REQUESTS, GetRoom, NoSuchRoom, Ping, Pong, Room, get_room
from typedws import InvalidMessage, MalformedMessage, MessageError, Peer, RequestError, RequestFor
from typedws._codecs import codec_for
from typedws.requests._correlation import BadRequest, Correlator, Dropped, Message, Reply, Request

T = TypeVar("T")


@dataclass
class Lookup(RequestFor[Room]):
    """A dataclass request."""

    name: str


class WithId(BaseModel, RequestFor[Room]):
    """A request that declares the correlation field itself."""

    id: int


class Generic_(BaseModel, RequestFor[T], Generic[T]):
    """A request whose reply type is left open."""


def test_a_request_type_of_a_dataclass_is_declared_the_same_way() -> None:
    async def lookup(request: Lookup) -> Room:
        return Room(name=request.name)

    assert typedws.responder(lookup).info.receive_type is Lookup


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("def plain(request: GetRoom) -> Room: ...", "must be an `async def` function"),
        ("async def untyped(request) -> Room: ...", "annotate 'request' with the request type"),
        ("async def noreturn(request: GetRoom): ...", "annotate the return type"),
        ("async def wrong(request: GetRoom) -> Pong: ...", "returns Pong, which GetRoom does not declare"),
        ("async def plain_message(request: Room) -> Room: ...", "Room is not a request type"),
        ("async def three(request: GetRoom, peer: Any, extra: int) -> Room: ...", "must take the request"),
    ],
)
def test_an_answer_that_does_not_fit_its_request_is_refused_when_the_app_is_built(answer: str, message: str) -> None:
    namespace: dict[str, Any] = {"GetRoom": GetRoom, "Room": Room, "Pong": Pong, "Any": Any}
    exec(answer, namespace)  # noqa: S102 - the functions under test
    (function,) = [value for key, value in namespace.items() if key not in ("GetRoom", "Room", "Pong", "Any", "__builtins__")]
    with pytest.raises(TypeError, match=message):
        typedws.responder(function)


def test_two_answers_of_one_request_type_are_refused() -> None:
    async def again(request: GetRoom) -> Room | NoSuchRoom:
        return NoSuchRoom(name=request.name)

    with pytest.raises(TypeError, match="answers GetRoom, which get_room\\(\\) answers already"):
        typedws.responder(get_room, again)


def test_a_request_type_without_its_reply_type_is_refused() -> None:
    async def open_ended(request: Generic_[Any]) -> Room:
        return Room(name="?")

    with pytest.raises(TypeError, match="is not a request type"):
        typedws.responder(open_ended)


def test_a_request_type_with_a_field_of_the_correlation_fields_name_is_refused() -> None:
    async def with_id(request: WithId) -> Room:
        return Room(name="?")

    with pytest.raises(TypeError, match="has a field 'id', the correlation field"):
        typedws.responder(with_id)
    typedws.responder(with_id, correlation_field="ref")


def correlator() -> Correlator[Any, Any]:
    """The server side of the tests' protocol: receives `ClientRequest`, sends pings."""
    return Correlator(codec_for(CLIENT_REQUESTS), codec_for(TypeAdapter(Ping | Room)), max_size=200)


def test_the_sorting_rule_tells_requests_replies_messages_and_strays_apart() -> None:
    server = correlator()
    ping_id, frame = server.request(Ping(n=1))
    assert frame == f'{{"id":{ping_id},"type":"ping","n":1}}'
    assert server.incoming(f'{{"id": {ping_id}, "type": "get_room", "name": "a"}}') == Request(
        ping_id, GetRoom(name="a")
    ), "a valid request wins over a pending id of the same value"
    assert server.incoming(f'{{"type": "pong", "n": 1, "id": {ping_id}}}') == Reply(ping_id, Pong(n=1))
    stray = server.incoming(f'{{"type": "pong", "n": 1, "id": {ping_id}}}')  # answered already
    assert isinstance(stray, BadRequest) and stray.error.code == "invalid_request"
    assert server.incoming('{"id": null, "type": "get_room", "name": "a"}') == Message(GetRoom(name="a"))
    assert server.incoming('{"id": 3, "error": {"code": "x"}}') == Dropped()


def test_a_late_reply_to_a_request_given_up_is_dropped() -> None:
    server = correlator()
    ping_id, _ = server.request(Ping(n=1))
    server.forget(ping_id)
    assert server.incoming(f'{{"id": {ping_id}, "type": "pong", "n": 1}}') == Dropped()


def test_an_invalid_reply_or_error_reply_fails_its_request() -> None:
    server = correlator()
    first, _ = server.request(Ping(n=1))
    second, _ = server.request(Ping(n=2))
    invalid = server.incoming(f'{{"id": {first}, "type": "pong", "n": "one"}}')
    assert isinstance(invalid, Reply) and isinstance(invalid.error, InvalidMessage)
    refused = server.incoming(f'{{"id": {second}, "error": {{"code": "busy", "message": "later"}}}}')
    assert isinstance(refused, Reply) and isinstance(refused.error, RequestError)
    assert (refused.error.code, refused.error.message) == ("busy", "later")
    assert server.pending == 0


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        ('{"id": [1], "type": "get_room", "name": "a"}', InvalidMessage),
        ('{"id": 9007199254740993, "type": "get_room", "name": "a"}', InvalidMessage),
        ('{"id": "' + "x" * 129 + '", "type": "get_room"}', InvalidMessage),
        ('{"id": 1, "type": "get_room", "name": NaN}', MalformedMessage),
    ],
)
def test_a_frame_with_an_id_that_cannot_be_answered_raises_its_message_error(
    frame: str, error: type[MessageError]
) -> None:
    with pytest.raises(error) as caught:
        correlator().incoming(frame)
    assert "x" * 10 not in str(caught.value), "the peer's data stays out of the message"


def test_a_peer_needs_a_typed_connection() -> None:
    with pytest.raises(TypeError, match="a Peer works over"):
        Peer(object())  # type: ignore[arg-type]


def test_the_correlation_id_goes_first_in_replies_and_error_replies() -> None:
    server = correlator()
    assert server.reply("abc", GetRoom(name="a"), NoSuchRoom(name="a")) == '{"id":"abc","type":"no_such_room","name":"a"}'
    assert server.error_reply(7, RequestError(code="nope")) == '{"id":7,"error":{"code":"nope"}}'
    with pytest.raises(TypeError, match="cannot send Pong"):
        server.reply(1, GetRoom(name="a"), Pong(n=1))
