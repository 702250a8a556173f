"""Fan-out in one process: one publish on a `memory://` hub to 1, 100 and 1,000 connections.

`python -m benchmarks.fanout [--quick]` prints the cost per delivered
message of each way, in microseconds of this process's CPU time (the machine
may be shared), and its ratio to the floor measured in the same rounds:

- floor: what fan-out costs at the least: one validation of the message
  (`codec.decode`), one serialization (`codec.encode`), then N sends of the
  same frame (`ws.send_event`);
- forward: `topic.publish(value)` with each connection in `topic.forward_to(ws)`
  (the publish serializes, the hub validates once and encodes the frame once);
- subscriptions: `topic.publish(value)` with a task per connection doing
  `async for value in subscription: await ws.send(value)` (each send
  serializes again), for comparison.

The goal (issue 13): forward ≤ 1.2× the floor at 1,000 connections.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import time
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

from starlette.types import Message

from typedws import Hub, WebSocket
from typedws.hub import Subscription
from typedws._codecs import codec_for

from .inprocess import websocket_scope
from .payloads import Chat
from .rounds import Samples, Trial, interleave

FANOUTS = (1, 100, 1000)
"""How many connections one message goes to."""

GOAL = 1.2
"""forward / floor at 1,000 connections, at most."""

MESSAGE = Chat(room="lobby", user="ana", text="hello, everyone in the room!", seq=1, sent_at=1.5, tags=["a", "b"])


@dataclass(frozen=True)
class Settings:
    """How much one run does."""

    rounds: int
    deliveries: int
    """Messages delivered per contender and round (publishes × connections), about."""


FULL = Settings(rounds=9, deliveries=60_000)
QUICK = Settings(rounds=5, deliveries=12_000)
TINY = Settings(rounds=1, deliveries=10)


class Counter:
    """An ASGI `send` that counts the frames sent and keeps the last one."""

    def __init__(self) -> None:
        self.frames = 0
        self.last: Message | None = None

    async def send(self, message: Message) -> None:
        if message["type"] == "websocket.send":
            self.frames += 1
            self.last = message


async def connections(count: int) -> tuple[list[WebSocket[Chat, Chat]], Counter]:
    """`count` accepted connections that send `Chat` values into one `Counter`."""
    counter = Counter()
    connect: Message = {"type": "websocket.connect"}

    async def receive() -> Message:
        return connect

    opened: list[WebSocket[Chat, Chat]] = []
    for _ in range(count):
        ws = WebSocket(websocket_scope(), receive, counter.send, value_type=Chat)
        await ws.accept()
        opened.append(ws)
    return opened, counter


def publishes_for(fanout: int, settings: Settings) -> int:
    """How many messages to publish for about `settings.deliveries` deliveries."""
    return max(1, settings.deliveries // fanout)


async def floor(fanout: int, settings: Settings) -> float:
    """Microseconds per delivered message: one validation, one serialization, N sends of one frame."""
    conns, counter = await connections(fanout)
    codec = codec_for(Chat)
    frame = codec.encode(MESSAGE)
    payload = frame.encode() if isinstance(frame, str) else frame  # as the hub receives it
    publishes = publishes_for(fanout, settings)
    started = time.process_time()
    for _ in range(publishes):
        frame = codec.encode(codec.decode(payload))
        for ws in conns:
            await ws.send_event({"type": "websocket.send", "text": frame})
    elapsed = time.process_time() - started
    _check(counter, publishes * fanout)
    return elapsed / (publishes * fanout) * 1e6


async def forward(fanout: int, settings: Settings) -> float:
    """Microseconds per delivered message: `topic.publish` to N connections in `topic.forward_to(ws)`."""
    conns, counter = await connections(fanout)
    publishes = publishes_for(fanout, settings)
    async with Hub() as hub, AsyncExitStack() as stack:
        topic = hub.topic("fanout", Chat)
        for ws in conns:
            await stack.enter_async_context(topic.forward_to(ws))
        started = time.process_time()
        for _ in range(publishes):
            await topic.publish(MESSAGE)
        while counter.frames < publishes * fanout:  # the last sends are under way
            await asyncio.sleep(0)
        elapsed = time.process_time() - started
    _check(counter, publishes * fanout)
    return elapsed / (publishes * fanout) * 1e6


async def subscriptions(fanout: int, settings: Settings) -> float:
    """Microseconds per delivered message: `topic.publish` to N tasks that each forward their subscription."""
    conns, counter = await connections(fanout)
    publishes = publishes_for(fanout, settings)
    done = asyncio.Event()
    expected = publishes * fanout

    async def relay(values: Subscription[Chat], ws: WebSocket[Chat, Chat]) -> None:
        async for value in values:
            await ws.send(value)
            if counter.frames == expected:
                done.set()

    async with Hub(queue_size=publishes + 1) as hub, AsyncExitStack() as stack:
        topic = hub.topic("fanout", Chat)
        tasks: list[asyncio.Task[None]] = []
        for ws in conns:
            values = await stack.enter_async_context(topic.subscribe())
            tasks.append(asyncio.create_task(relay(values, ws)))
        started = time.process_time()
        for _ in range(publishes):
            await topic.publish(MESSAGE)
        await done.wait()
        elapsed = time.process_time() - started
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
    _check(counter, expected)
    return elapsed / expected * 1e6


def _check(counter: Counter, expected: int) -> None:
    if counter.frames != expected or counter.last is None or Chat.model_validate_json(counter.last["text"]) != MESSAGE:
        raise AssertionError(f"delivered {counter.frames} of {expected} messages, or changed them")


async def measure(settings: Settings) -> dict[int, Samples]:
    """Each way's microseconds per delivered message, for each fan-out, in interleaved rounds."""
    results: dict[int, Samples] = {}
    for fanout in FANOUTS:

        trials: dict[str, Trial] = {
            name: functools.partial(way, fanout, settings)
            for name, way in (("floor", floor), ("forward", forward), ("subscriptions", subscriptions))
        }
        results[fanout] = await interleave(trials, rounds=settings.rounds, unit="µs/delivered")
    return results


def render(results: dict[int, Samples]) -> str:
    """The table of medians and ratios to the floor, and the goal."""
    lines = [
        "Fan-out of one publish on a memory:// hub (µs per delivered message, median; ratio to the floor, same rounds)",
        f"{'connections':>12} {'floor':>8} {'forward':>16} {'subscriptions':>20}",
    ]
    for fanout, samples in results.items():
        lines.append(
            f"{fanout:>12} {samples.median('floor'):>8.3f}"
            f" {samples.median('forward'):>8.3f} ({samples.ratio('forward', 'floor'):>4.2f}×)"
            f" {samples.median('subscriptions'):>12.3f} ({samples.ratio('subscriptions', 'floor'):>4.2f}×)"
        )
    at_most = results[FANOUTS[-1]].ratio("forward", "floor")
    verdict = "met" if at_most <= GOAL else "NOT met"
    lines.append(f"goal: forward / floor at {FANOUTS[-1]} connections ≤ {GOAL}×: {at_most:.2f}× ({verdict})")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the fan-out benchmark and print its table."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fanout", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds and messages")
    args = parser.parse_args(argv)
    print(render(asyncio.run(measure(QUICK if args.quick else FULL))))


if __name__ == "__main__":
    main()
