"""The README says what is true: its example is the tested quickstart, its test command is what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import TypeAdapter

from examples.quickstart import Command, Event, Join, Say, app
from typedws.testing import TestClient

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_example_is_the_quickstart_file() -> None:
    assert (ROOT / "examples" / "quickstart.py").read_text() in README


def test_the_quickstart_works() -> None:
    with TestClient(app).websocket_connect("/chat", send_type=TypeAdapter(Command), receive_type=Event) as ws:
        ws.send(Join(room="kitchen"))
        assert ws.receive() == Event(room="kitchen", text="joined")
        ws.send(Say(text="hello"))
        assert ws.receive() == Event(room="kitchen", text="hello")


def test_the_readme_opens_with_the_demo_and_test_commands_and_ci_runs_the_latter() -> None:
    commands = re.findall(r"^python3 -m venv .*$", README, flags=re.MULTILINE)
    assert commands[0].endswith("python -m examples.chat")
    assert commands[1].endswith("python -m pytest")
    assert README.index(commands[0]) < README.index("## ")
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
