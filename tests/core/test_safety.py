"""Refusals describe what is wrong without the peer's data, and a frame's cost is bounded by its size."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from typedws import InvalidMessage, MalformedMessage, MessageError
from typedws._codecs import codec_for
from typedws._safety import BYTES_PER_CONTAINER, CHECKED_SIZE, check_frame

MARKER = "PEER-7c2e"


class Join(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["join"] = "join"
    room: str = Field(max_length=8)
    scores: dict[str, int] = {}


class Leave(BaseModel):
    kind: Literal["leave"] = "leave"
    room: str

    @field_validator("room")
    @classmethod
    def lower(cls, room: str) -> str:
        if room != room.lower():
            raise ValueError("room names are lower case")
        return room


Command = Annotated[Join | Leave, Field(discriminator="kind")]
COMMANDS = codec_for(TypeAdapter(list[Command]))


def refusal(message: Any) -> MessageError:
    with pytest.raises(MessageError) as refused:
        COMMANDS.decode(json.dumps(message))
    return refused.value


def test_a_declared_field_is_named_and_a_peers_key_is_not() -> None:
    error = refusal([{"kind": "join", "room": "a", MARKER: 1}, {"kind": "join", "room": 5}])
    assert str(error) == (
        "message is not a valid list[Join | Leave]: 0.join.…: Extra inputs are not permitted;"
        " 1.join.room: Input should be a valid string"
    )
    assert isinstance(error, InvalidMessage)
    assert error.errors[0]["loc"] == (0, "join", MARKER)  # the handler may still see where, in `errors`


def test_a_peers_dict_key_is_not_named() -> None:
    error = refusal([{"kind": "join", "room": "a", "scores": {MARKER: "x"}}])
    assert MARKER not in str(error)
    assert "0.join.scores.…: Input should be a valid integer" in str(error)


def test_a_tag_matching_no_member_is_cut_out_of_the_message_and_the_context() -> None:
    error = refusal([{"kind": f"{MARKER}\nCRITICAL forged", "room": "a"}])
    assert isinstance(error, InvalidMessage)
    assert MARKER not in str(error) and "\n" not in str(error)
    assert "Input tag '…' found using 'kind' does not match any of the expected tags: 'join', 'leave'" in str(error)
    assert MARKER not in json.dumps(error.errors)
    assert "tag" not in error.errors[0].get("ctx", {})


def test_the_rules_parameters_stay_in_the_context() -> None:
    error = refusal([{"kind": "join", "room": "a much too long name"}])
    assert isinstance(error, InvalidMessage)
    assert error.errors[0]["ctx"] == {"max_length": 8}
    assert "String should have at most 8 characters" in str(error)


def test_an_application_validators_message_is_kept_but_made_printable() -> None:
    error = refusal([{"kind": "leave", "room": "Lobby"}])
    assert "room names are lower case" in str(error)


def test_control_characters_in_any_description_are_escaped() -> None:
    class Strict(BaseModel):
        room: str

        @field_validator("room")
        @classmethod
        def refuse(cls, room: str) -> str:
            raise ValueError(f"no room {room}")  # an application that quotes the input: made printable at least

    with pytest.raises(InvalidMessage) as refused:
        codec_for(Strict).decode(json.dumps({"room": "a\nCRITICAL forged"}))
    assert "\n" not in str(refused.value) and "\\n" in str(refused.value)


def test_many_errors_are_counted_and_their_details_built_only_when_asked() -> None:
    error = refusal([{"kind": "join", "room": i} for i in range(500)])
    assert str(error) == "message is not a valid list[Join | Leave]: 500 errors"
    assert isinstance(error, InvalidMessage)
    assert len(error.errors) == 500
    assert error.errors[499]["loc"] == (499, "join", "room")


def test_malformed_json_is_described_by_the_parser_without_the_input() -> None:
    with pytest.raises(MalformedMessage) as refused:
        COMMANDS.decode('[{"kind": "' + MARKER)
    assert MARKER not in str(refused.value)
    assert str(refused.value).startswith("malformed JSON: EOF while parsing a string")


def test_no_refusal_carries_pydantics_error_as_its_cause() -> None:
    error = refusal([{"kind": "join", "room": MARKER * 3}])
    assert error.__cause__ is None and error.__suppress_context__


@pytest.mark.parametrize(
    ("frame", "refused"),
    [
        ("[" + ",".join(["[]"] * (CHECKED_SIZE // 2)) + "]", True),  # one array per 3 bytes
        ("[" + ",".join(["[1,2]"] * (CHECKED_SIZE // 4)) + "]", False),  # one per 6 bytes: typical enough
        (json.dumps(["[[{{"] * (CHECKED_SIZE // 4)), False),  # brackets in strings do not count
        ("[" + ",".join(["[]"] * 100) + "]", False),  # small frames are not counted
    ],
    ids=["dense arrays", "pairs", "brackets in strings", "small"],
)
@pytest.mark.parametrize("kind", [str, bytes])
def test_the_container_budget(frame: str, refused: bool, kind: type) -> None:
    data: str | bytes = frame if kind is str else frame.encode()
    if refused:
        with pytest.raises(MalformedMessage, match=f"more than one array or object per {BYTES_PER_CONTAINER} bytes"):
            check_frame(data)
    else:
        check_frame(data)


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_nan_tokens_are_refused_and_the_words_in_strings_are_not(token: str) -> None:
    with pytest.raises(MalformedMessage):
        check_frame(f'[1, {token}]')
    check_frame(json.dumps([f"{token} inside a string"]))
