"""Two chat processes (`python -m examples.chat --hub-url redis://...`) sharing rooms through a real Redis server.

Needs Debian's `redis-server`: skipped without it, except in CI (`CI` set), where it fails.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import anyio
import pytest

from examples.chat.messages import Error, Join, Joined, Left, Said, Say, Users
from tests.redis_server import running_redis
from tests.server import free_port
from tests.test_chat import WAIT, chat_client, join, receive_until

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class ChatProcess:
    """A chat server process."""

    url: str
    log: Path
    process: subprocess.Popen[bytes]

    def output(self) -> str:
        """What the process wrote so far."""
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        """Stop the process as Ctrl-C would; return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


@contextlib.contextmanager
def chat_process(hub_url: str, workdir: Path, name: str) -> Iterator[ChatProcess]:
    """Run `python -m examples.chat` on a free port of 127.0.0.1 with `hub_url`; stop it on exit."""
    port = free_port()
    log = workdir / f"{name}.log"
    command = [sys.executable, "-m", "examples.chat", "--port", str(port), "--hub-url", hub_url]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=output, stderr=output)
    chat = ChatProcess(f"http://127.0.0.1:{port}", log, process)
    try:
        _wait_for_port(chat, port)
        yield chat
    finally:
        chat.stop()


def _wait_for_port(chat: ChatProcess, port: int) -> None:
    # uvicorn listens once the lifespan, hub and presence included, has started.
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if chat.process.poll() is not None:
            raise RuntimeError(f"the chat exited with {chat.process.returncode}:\n{chat.output()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError(f"the chat did not listen on port {port}:\n{chat.output()}")


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A real Redis server for one test."""
    with running_redis() as url:
        yield url


async def test_two_processes_share_a_room_through_redis(redis_url: str, tmp_path: Path) -> None:
    with chat_process(redis_url, tmp_path, "first") as first:
        with anyio.fail_after(WAIT):
            async with chat_client(first.url) as ana:
                assert await join(ana, "lobby", "ana") == ["ana"]

                # The second process starts after ana joined: the first one tells it who is here.
                with chat_process(redis_url, tmp_path, "second") as second:
                    async with chat_client(second.url) as bob, chat_client(second.url) as imposter:
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
                        for ws in (ana, bob):
                            said = await ws.receive()
                            assert isinstance(said, Said)
                            assert (said.user, said.text) == ("ana", "from the first process")
                        await bob.send(Say(text="from the second process"))
                        for ws in (bob, ana):
                            said = await ws.receive()
                            assert isinstance(said, Said)
                            assert (said.user, said.text) == ("bob", "from the second process")

                        # Stopping the second process takes bob out of the room in the first one.
                        assert await anyio.to_thread.run_sync(second.stop) == 0
                    assert await ana.receive() == Left(room="lobby", user="bob")
                    assert await ana.receive() == Users(room="lobby", users=["ana"])

    for process in (first, second):
        output = process.output()
        assert "Traceback" not in output and "ERROR" not in output, output
