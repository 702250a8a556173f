"""Two chat processes (`python -m examples.chat --hub-url redis://...`) sharing rooms through a real Redis server.

Needs Debian's `redis-server`: skipped without it, except in CI (`CI` set), where it fails.
"""

from __future__ import annotations

import signal
import sys
from contextlib import AbstractContextManager
from pathlib import Path

import anyio
import pytest

from examples.chat.messages import Error, Join, Joined, Left, Say, Users
from tests.support.servers import ChildProcess, child_process
from tests.demo.test_chat import WAIT, assert_said, chat_client, join, receive_until

pytestmark = pytest.mark.anyio


def chat_process(hub_url: str, log: Path) -> AbstractContextManager[ChildProcess]:
    """Run `python -m examples.chat` on a free port with `hub_url`, its output to `log`; stop it as Ctrl-C would.

    It is ready once it listens: uvicorn listens once the lifespan, hub and presence included, has started.
    """
    return child_process(
        lambda port: [sys.executable, "-m", "examples.chat", "--port", str(port), "--hub-url", hub_url],
        log,
        stop_signal=signal.SIGINT,
    )


async def test_two_processes_share_a_room_through_redis(redis_url: str, tmp_path: Path) -> None:
    with chat_process(redis_url, tmp_path / "first.log") as first:
        with anyio.fail_after(WAIT):
            async with chat_client(first.url("http")) as ana:
                assert await join(ana, "lobby", "ana") == ["ana"]

                # The second process starts after ana joined: the first one tells it who is here.
                with chat_process(redis_url, tmp_path / "second.log") as second:
                    async with chat_client(second.url("http")) as bob, chat_client(second.url("http")) as imposter:
                        await bob.send(Join(room="lobby", user="bob"))
                        assert await bob.receive() == Joined(room="lobby", user="bob")
                        await receive_until(bob, lambda m: m == Users(room="lobby", users=["ana", "bob"]))
                        assert await ana.receive() == Joined(room="lobby", user="bob")
                        assert await ana.receive() == Users(room="lobby", users=["ana", "bob"])

                        await imposter.send(Join(room="lobby", user="Ana"))  # ana is in the other process
                        assert (await imposter.receive()) == Error(
                            code="name_taken", detail="someone in room 'lobby' is called 'Ana' already"
                        )

                        await ana.send(Say(text="from the first process"))
                        await assert_said((ana, bob), "ana", "from the first process")
                        await bob.send(Say(text="from the second process"))
                        await assert_said((bob, ana), "bob", "from the second process")

                        # Stopping the second process takes bob out of the room in the first one.
                        assert await anyio.to_thread.run_sync(second.stop) == 0
                    assert await ana.receive() == Left(room="lobby", user="bob")
                    assert await ana.receive() == Users(room="lobby", users=["ana"])

    for process in (first, second):
        process.assert_clean()
