"""The chat page in a real headless Chromium (Debian's `chromium`), driven by Playwright, beside a typed client.

Skipped without `chromium`, except in CI (`CI` set), where it fails. Playwright
drives the installed browser; it downloads none.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import anyio
import pytest
from playwright.async_api import BrowserContext, ConsoleMessage, Page, async_playwright, expect

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


async def test_the_page_joins_a_room_and_renders_messages(
    browser: BrowserContext, chat_url: str, tmp_path: Path
) -> None:
    with anyio.fail_after(WAIT):
        page = await browser.new_page()
        problems = watch_for_problems(page)
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

        assert problems == []
