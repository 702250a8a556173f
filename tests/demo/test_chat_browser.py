"""The chat page in a real headless Chromium (Debian's `chromium`), driven by Playwright, beside a typed client.

Skipped without `chromium`, except in CI (`CI` set), where it fails. Playwright
drives the installed browser; it downloads none.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from playwright.async_api import BrowserContext, ConsoleMessage, Page, WebSocket, async_playwright, expect

from examples.chat.messages import Say
from tests.support.programs import require_program
from tests.demo.test_chat import chat_client, join, running_chat

pytestmark = pytest.mark.anyio

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT = 30
"""Seconds the whole browser test may take before it fails (a hang guard)."""


@pytest.fixture
async def browser(tmp_path: Path) -> AsyncIterator[BrowserContext]:
    """A headless Chromium with a fresh profile."""
    executable = require_program("chromium", "apt-get install chromium")
    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            tmp_path / "profile", executable_path=executable, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield context
        finally:
            await context.close()


@pytest.fixture
def chat_url() -> Iterator[str]:
    """The base URL of a chat served for one test, on the memory hub."""
    with running_chat() as url:
        yield url


def watch_for_problems(page: Page) -> list[str]:
    """Collect the page's console errors and uncaught exceptions."""
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def watch_frames(page: Page) -> list[tuple[str, dict[str, Any]]]:
    """Collect the JSON frames the page sends (`"sent"`) and receives (`"received"`) over its WebSockets."""
    frames: list[tuple[str, dict[str, Any]]] = []

    def on_websocket(socket: WebSocket) -> None:
        socket.on("framesent", lambda payload: frames.append(("sent", json.loads(payload))))
        socket.on("framereceived", lambda payload: frames.append(("received", json.loads(payload))))

    page.on("websocket", on_websocket)
    return frames


async def test_the_page_joins_a_room_and_renders_messages(
    browser: BrowserContext, chat_url: str, tmp_path: Path
) -> None:
    with anyio.fail_after(WAIT):
        page = await browser.new_page()
        problems = watch_for_problems(page)
        frames = watch_frames(page)
        await page.goto(chat_url)
        await expect(page.locator("#status")).to_have_text("connected")
        await expect(page.locator("#chat")).to_be_hidden()
        await expect(page.locator("#error")).to_be_hidden()

        await page.fill("#user", "ana")
        await page.fill("#room", "lobby")
        await page.click("#join")
        await expect(page.locator("#room-name")).to_have_text("lobby")
        await expect(page.locator("#join-form")).to_be_hidden()
        await expect(page.locator("#users li")).to_have_text(["ana"])
        # The join is a request: its reply, the room's users, carries the same correlation id.
        [join_request] = [frame for way, frame in frames if way == "sent"]
        assert join_request == {"id": 1, "type": "join", "room": "lobby", "user": "ana"}
        assert ("received", {"id": 1, "type": "users", "room": "lobby", "users": ["ana"]}) in frames

        markup = "<b>bold?</b> & <img src=x onerror=alert(1)>"
        await page.fill("#text", markup)
        await page.press("#text", "Enter")
        mine = page.locator("#messages .said").last
        await expect(mine.locator(".user")).to_have_text("ana")
        await expect(mine.locator(".text")).to_have_text(markup)  # shown as text, not markup
        assert await page.locator("#messages b, #messages img").count() == 0

        async with chat_client(chat_url) as bob:
            assert await join(bob, "lobby", "bob") == ["ana", "bob"]
            await expect(page.locator("#users li")).to_have_text(["ana", "bob"])
            await expect(page.locator("#messages .notice").last).to_have_text("bob joined")
            await bob.send(Say(text="hello from the typed client"))
            theirs = page.locator("#messages .said").last
            await expect(theirs.locator(".user")).to_have_text("bob")
            await expect(theirs.locator(".text")).to_have_text("hello from the typed client")
            await page.screenshot(path=tmp_path / "chat.png")

            await page.click("#leave")
            await expect(page.locator("#join-form")).to_be_visible()
            await expect(page.locator("#chat")).to_be_hidden()
            await page.fill("#user", "Bob")
            await page.click("#join")
            await expect(page.locator("#error")).to_have_text("someone in room 'lobby' is called 'Bob' already")
            await expect(page.locator("#join-form")).to_be_visible()
            refusal = frames[-1][1]  # a typed error reply to the second join request
            assert (refusal["id"], refusal["error"]["code"]) == (2, "name_taken")

        assert problems == []
