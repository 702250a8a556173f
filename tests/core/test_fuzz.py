"""Fuzzing with hypothesis: values round-trip, and no frame a peer sends gets an undefined answer.

(a) Any value of a model, or of a discriminated union of models, sent to a
real uvicorn server and echoed back, arrives equal, in standard JSON.
(b) Arbitrary text and binary frames and mutated valid JSON only ever get a
valid value echoed or one of the defined close codes, with its fixed reason:
never an exception out of the handler nor an error log. The bulk of (b)
drives the connection in process over plain ASGI events; a smaller run goes
over a real server.

Example counts are bounded (`settings` below) so the suite stays fast.
"""

from __future__ import annotations

import contextlib
import json
import math
from datetime import datetime
from typing import Annotated, Any, Literal

import anyio
import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError
from starlette.types import Message, Receive, Scope, Send
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.wire import parse_standard_json
from tests.support.error_logs import error_records
from tests.support.servers import serve
from typedws import (
    InvalidMessage,
    MalformedMessage,
    MessageTooLarge,
    UnexpectedFrame,
    WebSocket,
)

LIMIT = 4096
"""The `max_size` of the fuzzed connections, in bytes: small enough for the fuzzer to cross it."""

CLOSES: dict[int, set[str]] = {
    1003: {UnexpectedFrame.reason},
    1007: {MalformedMessage.reason, InvalidMessage.reason},
    1009: {MessageTooLarge.reason},
}
"""The close codes bad input may get, with their reasons."""

FAST = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
"""For in-process runs."""

OVER_THE_WIRE = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
"""For runs over a real server, where each example costs a round trip or a new connection."""


# The value types -----------------------------------------------------------------------------


class Point(BaseModel):
    x: int
    y: int


class Profile(BaseModel):
    """A model with most kinds of field, finite floats only."""

    model_config = ConfigDict(allow_inf_nan=False)

    name: str
    age: int
    score: float
    tags: list[str]
    home: Point | None
    active: bool
    counts: dict[str, int]
    level: Literal["low", "high"]
    seen: datetime


class Join(BaseModel):
    """Carries a field with an alias: what is sent must use it, so the peer's model accepts it."""

    model_config = ConfigDict(validate_by_name=True, validate_by_alias=True)

    kind: Literal["join"] = "join"
    room: str
    user: str = Field(alias="userName")


class Say(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    kind: Literal["say"] = "say"
    room: str
    text: str
    at: float


class Move(BaseModel):
    kind: Literal["move"] = "move"
    path: list[Point]


class Leave(BaseModel):
    kind: Literal["leave"] = "leave"
    room: str
    reason: str | None = None


Event = Join | Say | Move | Leave
EVENTS = TypeAdapter[Event](Annotated[Event, Field(discriminator="kind")])
PROFILES = TypeAdapter(Profile)

finite_floats = st.floats(allow_nan=False, allow_infinity=False)
points = st.builds(Point, x=st.integers(), y=st.integers())
profiles = st.builds(
    Profile,
    name=st.text(),
    age=st.integers(),
    score=finite_floats,
    tags=st.lists(st.text()),
    home=st.none() | points,
    active=st.booleans(),
    counts=st.dictionaries(st.text(), st.integers()),
    level=st.sampled_from(["low", "high"]),
    seen=st.datetimes(),
)
events: st.SearchStrategy[Event] = st.one_of(
    st.builds(lambda room, user: Join(room=room, user=user), st.text(), st.text()),
    st.builds(Say, room=st.text(), text=st.text(), at=finite_floats),
    st.builds(Move, path=st.lists(points)),
    st.builds(Leave, room=st.text(), reason=st.none() | st.text()),
)


# The server ----------------------------------------------------------------------------------


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Echo profiles at `/profile` and events at `/event`, each at most `LIMIT` bytes."""
    ws: WebSocket[Any, Any]
    if scope["path"] == "/profile":
        ws = WebSocket(scope, receive, send, value_type=Profile, max_size=LIMIT)
    else:
        ws = WebSocket(scope, receive, send, value_type=EVENTS, max_size=LIMIT)
    async with ws:
        async for value in ws:
            await ws.send(value)


# (a) Round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "adapter", "values"),
    [("/profile", PROFILES, profiles), ("/event", EVENTS, events)],
    ids=["model", "discriminated union"],
)
def test_any_value_round_trips_over_a_real_server(
    path: str, adapter: TypeAdapter[Any], values: st.SearchStrategy[Any], ws_impl: str
) -> None:
    with serve(app, ws=ws_impl) as url, connect(url + path, max_size=None) as peer:

        @OVER_THE_WIRE
        @given(value=values, binary=st.booleans())
        def round_trip(value: Any, binary: bool) -> None:
            frame = adapter.dump_json(value, by_alias=True)
            assume(len(frame) <= LIMIT)  # larger ones are size limit cases, which (b) covers
            peer.send(frame if binary else frame.decode())
            reply = peer.recv(timeout=10)
            parse_standard_json(reply)
            assert adapter.validate_json(reply) == value

        round_trip()


# (b) Arbitrary and mutated frames ------------------------------------------------------------

TOKENS = [
    b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e400", b"9" * 5000, b"[" * 300, b"{" * 300,
    b"{", b"}", b"[", b"]", b'"', b"\\", b",", b":", b"null", b"true", b"0", b"-", b".", b"e",
    b"\xff", b"\xc3", b"\xed\xa0\x80", b"\\ud800", "é".encode(), b"\x00", b" ", b'"kind"', b'"join"',
]  # fmt: skip
"""Bytes worth inserting into valid JSON: non-standard tokens, huge numbers, deep nesting, broken UTF-8."""


@st.composite
def mutated(draw: st.DrawFn, valid: st.SearchStrategy[bytes]) -> bytes:
    """A valid JSON frame with a few bytes inserted, deleted, replaced or repeated."""
    data = bytearray(draw(valid))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        edit = draw(st.sampled_from(["insert", "delete", "replace", "repeat"]))
        if edit == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS) | st.binary(min_size=1, max_size=4))
        elif edit == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif edit == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 16))] * draw(st.integers(1, 300))
    return bytes(data)


def as_frames(payloads: st.SearchStrategy[bytes]) -> st.SearchStrategy[str | bytes]:
    """Each payload in a binary frame, or in a text frame when it is valid UTF-8."""

    def frame(payload: bytes, text: bool) -> str | bytes:
        if text:
            with contextlib.suppress(UnicodeDecodeError):
                return payload.decode()
        return payload

    return st.builds(frame, payloads, st.booleans())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
valid_json = (
    profiles.map(lambda v: PROFILES.dump_json(v, by_alias=True))
    | events.map(lambda v: EVENTS.dump_json(v, by_alias=True))
    | json_values.map(lambda v: json.dumps(v).encode())  # NaN and Infinity included
)


def say_of_length(unit: str, count: int) -> bytes:
    """A valid `Say` frame whose text is `unit` repeated `count` times."""
    return EVENTS.dump_json(Say(room="r", text=unit * count, at=0.0))


near_the_limit: st.SearchStrategy[str | bytes] = st.one_of(
    st.builds(lambda unit, count: unit * count, st.text(min_size=1, max_size=3), st.integers(LIMIT // 3, LIMIT)),
    st.builds(lambda unit, count: unit * count, st.binary(min_size=1, max_size=3), st.integers(LIMIT // 3, LIMIT)),
    as_frames(st.builds(say_of_length, st.sampled_from("aé€😀"), st.integers(LIMIT // 4 - 40, LIMIT))),
)
"""Frames around `LIMIT` bytes, text often non-ASCII: under it in characters, maybe over it in bytes."""

frames: st.SearchStrategy[str | bytes] = st.one_of(
    st.text(),
    st.binary(),
    near_the_limit,
    as_frames(valid_json),
    as_frames(mutated(valid_json)),
)

VALUE_TYPES: dict[str, Any] = {"model": Profile, "union": EVENTS, "json": "json", "text": "text", "bytes": "bytes"}
"""The value types fuzzed in process, by test id."""

ORACLES: dict[str, TypeAdapter[Any]] = {"model": PROFILES, "union": EVENTS, "json": TypeAdapter(JsonValue)}
"""For the JSON value types: the adapter that tells, apart from typedws, which frames hold a valid value."""


async def drive(value_type: Any, incoming: list[str | bytes]) -> list[Message]:
    """Run an echo connection over in-memory ASGI events: `incoming` frames, then the peer leaves.

    Returns the events the connection sent; an exception out of the handler propagates.
    """
    inbox: list[Message] = [{"type": "websocket.connect"}]
    for frame in incoming:
        inbox.append({"type": "websocket.receive", "text": frame} if isinstance(frame, str) else
                     {"type": "websocket.receive", "bytes": frame})  # fmt: skip
    inbox.append({"type": "websocket.disconnect", "code": 1000})
    outbox: list[Message] = []

    async def receive() -> Message:
        return inbox.pop(0)

    async def send(message: Message) -> None:
        outbox.append(message)

    scope: Scope = {"type": "websocket", "path": "/", "headers": [], "query_string": b""}
    ws: WebSocket[Any, Any] = WebSocket(scope, receive, send, value_type=value_type, max_size=LIMIT)
    async with ws:
        async for value in ws:
            await ws.send(value)
    return outbox


def utf8_size(frame: str | bytes) -> int:
    return len(frame.encode() if isinstance(frame, str) else frame)


def holds_a_valid_value(adapter: TypeAdapter[Any], frame: str | bytes) -> bool:
    """Whether `frame` is standard JSON holding a valid value, checked apart from typedws."""
    try:
        adapter.validate_json(frame)
        parse_standard_json(frame)
    except (ValidationError, ValueError, RecursionError):
        return False
    return True


def non_finite_as_none(value: object) -> object:
    """`value` with every NaN or infinite float, at any depth, replaced by `None`, as it is sent."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [non_finite_as_none(item) for item in value]
    if isinstance(value, dict):
        return {key: non_finite_as_none(item) for key, item in value.items()}
    return value


def check_answers(value_type: Any, incoming: list[str | bytes], outbox: list[Message]) -> None:
    """The connection accepted, echoed a valid value for each valid frame, and closed on the first bad one.

    The close carries a defined code and its fixed reason; 1009 exactly for
    frames over the limit, 1003 exactly for the wrong kind of frame.
    """
    assert outbox[0]["type"] == "websocket.accept"
    answers = outbox[1:]
    for frame, answer in zip(incoming, answers, strict=False):
        wrong_kind = (value_type == "text" and isinstance(frame, bytes)) or (
            value_type == "bytes" and isinstance(frame, str)
        )
        too_large = utf8_size(frame) > LIMIT
        if answer["type"] == "websocket.close":
            code = answer["code"]
            event(f"closed with {code}")
            assert code in CLOSES and answer["reason"] in CLOSES[code]
            assert len(answer["reason"].encode()) <= 123
            assert (code == 1003) == wrong_kind
            assert (code == 1009) == (too_large and not wrong_kind)
            assert answer is answers[-1], "nothing may follow the close"
            return
        assert answer["type"] == "websocket.send"
        assert not wrong_kind and not too_large
        event("echoed")
        sent: str | bytes = answer["text"] if answer.get("text") is not None else answer["bytes"]
        if value_type in ("text", "bytes"):
            assert sent == frame
        else:
            parse_standard_json(sent)
    assert len(answers) == len(incoming), "every valid frame gets its echo"


@pytest.mark.parametrize("kind", list(VALUE_TYPES))
def test_any_frames_get_a_valid_echo_or_a_defined_close_in_process(kind: str) -> None:
    value_type = VALUE_TYPES[kind]
    oracle = ORACLES.get(kind)

    @FAST
    @given(incoming=st.lists(frames, min_size=1, max_size=4))
    def answers_are_defined(incoming: list[str | bytes]) -> None:
        with error_records() as errors:
            outbox = anyio.run(drive, value_type, incoming)
        assert errors == []
        check_answers(value_type, incoming, outbox)
        if oracle is not None:
            for frame, answer in zip(incoming, outbox[1:], strict=False):
                echoed = answer["type"] == "websocket.send"
                assert echoed == (holds_a_valid_value(oracle, frame) and utf8_size(frame) <= LIMIT)
                if echoed:
                    # Non-finite floats go out as null (see test_bad_input); everything else comes back equal.
                    assert oracle.validate_json(answer["text"]) == non_finite_as_none(oracle.validate_json(frame))

    answers_are_defined()


class TrackedApp:
    """`app`, keeping every exception that escapes a handler."""

    def __init__(self) -> None:
        self.escaped: list[BaseException] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await app(scope, receive, send)
        except BaseException as exc:
            self.escaped.append(exc)
            raise


def test_any_frames_get_a_valid_echo_or_a_defined_close_over_a_real_server(ws_impl: str) -> None:
    tracked = TrackedApp()
    with serve(tracked, ws=ws_impl) as url, contextlib.ExitStack() as connections:
        peer: list[ClientConnection] = []

        def current() -> ClientConnection:
            if not peer:
                peer.append(connections.enter_context(connect(url + "/event", max_size=None)))
            return peer[0]

        @OVER_THE_WIRE
        @given(frame=frames)
        def answer_is_defined(frame: str | bytes) -> None:
            ws = current()
            ws.send(frame)
            try:
                reply = ws.recv(timeout=10)
            except ConnectionClosed as closed:
                peer.clear()
                event(f"closed with {closed.rcvd.code if closed.rcvd else None}")
                assert closed.rcvd is not None
                assert closed.rcvd.code in CLOSES and closed.rcvd.reason in CLOSES[closed.rcvd.code]
                assert (closed.rcvd.code == 1009) == (utf8_size(frame) > LIMIT)
                assert closed.rcvd.code != 1003  # JSON comes in text and binary frames alike
            else:
                event("echoed")
                assert utf8_size(frame) <= LIMIT
                assert EVENTS.validate_json(reply) == EVENTS.validate_json(frame)
                parse_standard_json(reply)
            assert tracked.escaped == []

        answer_is_defined()
    assert tracked.escaped == []

