"""What a frame costs the server to decode, per KiB: valid, invalid and hostile inputs side by side.

`python -m benchmarks.hostile [--size KIB] [--rounds N]` decodes frames of about the same size through
the codecs a typed connection uses, and prints µs per KiB for each, with its ratio to the typical valid
message of that size (the baseline, measured in the same rounds). Issue 17's goal: no input costs more
than a small multiple of the baseline. What each hostile frame tries:

- `nan in strings`: the words NaN and Infinity inside string values (a strict second parse runs).
- `nan token`: a bare NaN token (refused).
- `nested arrays`: runs of `[[[...]]]`, each array a Python object if parsed (refused past the budget).
- `empty objects`: `[{}, {}, ...]`, the densest legal-looking container run (refused past the budget).
- `brackets in strings`: strings full of brackets (counted, then found to be in strings: accepted).
- `many errors`: every item of a list invalid (tens of thousands of validation errors).
- `union tags`: a tag that matches no member, with a line break in it, in every item.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from typedws import Codec, MessageError
from typedws._codecs import codec_for


class Item(BaseModel):
    """A line of an order: about 60 bytes of JSON."""

    name: str
    quantity: int
    tags: list[str]


class Join(BaseModel):
    """A union member."""

    kind: Literal["join"] = "join"
    room: str


class Leave(BaseModel):
    """A union member."""

    kind: Literal["leave"] = "leave"
    room: str


Command = Annotated[Join | Leave, Field(discriminator="kind")]


def _repeat(unit: str, size: int) -> str:
    """A JSON array of `unit` repeated to about `size` characters."""
    return "[" + ",".join([unit] * max(1, size // (len(unit) + 1))) + "]"


def frames(size: int) -> dict[str, tuple[Codec[object], str]]:
    """The contenders: a codec and a frame of about `size` characters each; the first is the baseline."""
    items: Codec[object] = codec_for(TypeAdapter(list[Item]))
    commands: Codec[object] = codec_for(TypeAdapter(list[Command]))
    anything: Codec[object] = codec_for("json")
    item = json.dumps({"name": "a chair", "quantity": 4, "tags": ["wood", "oak"]})
    return {
        "valid items": (items, _repeat(item, size)),
        "valid commands": (commands, _repeat('{"kind": "join", "room": "lobby"}', size)),
        "nan in strings": (items, _repeat(item.replace("a chair", "NaN Infinity"), size)),
        "nan token": (anything, _repeat("1", size - 8)[:-1] + ",NaN]"),
        "nested arrays": (items, _repeat("[" * 100 + "]" * 100, size)),
        "empty objects": (anything, _repeat("{}", size)),
        "brackets in strings": (anything, _repeat(json.dumps("[{[{[{[{" * 4), size)),
        "many errors": (items, _repeat('{"name": 1, "quantity": "x", "tags": 5}', size)),
        "union tags": (commands, _repeat(json.dumps({"kind": "x\nCRITICAL forged", "room": "a"}), size)),
    }


def _decode_time(codec: Codec[object], frame: str) -> float:
    start = time.perf_counter()
    try:
        codec.decode(frame)
    except MessageError:
        pass
    return time.perf_counter() - start


def measure(size: int, rounds: int) -> dict[str, list[float]]:
    """µs per KiB of each contender, one figure per round; rounds interleave the contenders."""
    contenders = frames(size)
    results: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds + 1):  # the first round warms up
        for name, (codec, frame) in contenders.items():
            results[name].append(_decode_time(codec, frame) * 1e6 / (len(frame) / 1024))
    return {name: figures[1:] for name, figures in results.items()}


def render(results: dict[str, list[float]], size: int) -> str:
    """A table: µs/KiB and the ratio to the baseline, paired by round."""
    baseline = next(iter(results))
    lines = [f"decoding frames of about {size // 1024} KiB", "", f"{'input':<22}{'µs/KiB':>10}{'× valid':>10}"]
    for name, figures in results.items():
        ratio = statistics.median(a / b for a, b in zip(figures, results[baseline], strict=True))
        lines.append(f"{name:<22}{statistics.median(figures):>10.1f}{ratio:>10.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, out: Callable[[str], None] = print) -> None:
    """Parse the command line, measure, print the table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="frame size in KiB (default 1024)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds (default 5)")
    args = parser.parse_args(argv)
    size = args.size * 1024
    out(render(measure(size, args.rounds), size))


if __name__ == "__main__":
    main()
