"""The HTML page's "try it" panels: off by default; when on, one script admitted by its hash, and it works in Chromium.

The browser test drives Debian's `chromium` with Playwright (see tests/demo/test_chat_browser.py,
whose fixtures it shares); it is skipped without `chromium`, except in CI, where it fails.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import pytest
from playwright.async_api import BrowserContext, expect
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

import typedws
from examples import starlette_app
from tests.asyncapi import apps
from tests.demo.test_chat_browser import WAIT, browser, watch_for_problems
from tests.support.servers import serve
from typedws import asyncapi

__all__ = ["browser"]  # the fixture, shared with the chat page's browser tests

HOSTILE = "</textarea><script>alert(1)</script>"


class Hostile(BaseModel):
    """A message whose example would break out of the page if it were not escaped."""

    text: str = Field(examples=[HOSTILE])


@typedws.listener
async def hostile(message: Hostile) -> Hostile:
    """Echo."""
    return message


def doc(app: Any) -> dict[str, Any]:
    return asyncapi.document(app, title="Test", version="1.0.0")


def scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.DOTALL)


def test_the_page_has_no_panels_and_no_script_unless_asked() -> None:
    html = asyncapi.to_html(doc(apps.app))
    assert "<script" not in html and 'class="try"' not in html
    assert "script-src" not in asyncapi.render(doc(apps.app), "html")


def test_with_panels_the_policy_admits_their_one_script_and_connections_to_the_pages_host() -> None:
    html = asyncapi.to_html(doc(starlette_app.app), try_it=True)
    (script,) = scripts(html)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{digest}'; connect-src 'self'"
    assert f'<meta http-equiv="Content-Security-Policy" content="{policy}">' in html
    assert html.count('<details class="try">') == 2  # one per channel
    # `/chat` receives `Say | Shout`: a choice of examples, the first one in the message box.
    assert '<option value="{\n  &quot;kind&quot;: &quot;say&quot;,' in html
    assert '<textarea class="try-message" rows="6" aria-label="Message">{\n  &quot;kind&quot;: &quot;say&quot;' in html


def test_panels_escape_the_examples() -> None:
    html = asyncapi.to_html(doc(Starlette(routes=[WebSocketRoute("/h", hostile)])), try_it=True)
    assert HOSTILE not in html
    assert len(scripts(html)) == 1


@pytest.fixture
def docs_url() -> Iterator[str]:
    """The Starlette example with its docs (panels on), served for one test: `http://127.0.0.1:PORT`."""
    app = Starlette(routes=[*starlette_app.app.routes, *asyncapi.routes(title="Example", version="1", try_it=True)])
    with serve(app) as url:
        yield url.replace("ws://", "http://")


def test_the_served_page_sends_the_same_policy(docs_url: str) -> None:
    response = httpx.get(docs_url + "/asyncapi")
    (script,) = scripts(response.text)
    assert f"'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'" in (
        response.headers["content-security-policy"]
    )


@pytest.mark.anyio
async def test_a_panel_connects_sends_the_examples_and_shows_the_replies(browser: BrowserContext, docs_url: str) -> None:
    with anyio.fail_after(WAIT):
        page = await browser.new_page()
        problems = watch_for_problems(page)  # a script or connection the policy refused is a console error
        await page.goto(docs_url + "/asyncapi")
        panel = page.locator("#channel-chat details.try")
        await panel.locator("summary").click()
        await panel.locator(".try-connect").click()
        log = panel.locator(".try-log")
        await expect(log.locator(".meta").last).to_have_text("open")
        await panel.locator(".try-send").click()
        await expect(log.locator(".in")).to_have_text(['{"kind":"said","text":"string"}'])
        await panel.locator(".try-example").select_option(label="Shout")
        await expect(panel.locator(".try-message")).to_have_value('{\n  "kind": "shout",\n  "text": "string"\n}')
        await panel.locator(".try-send").click()
        await expect(log.locator(".in").last).to_have_text('{"kind":"said","text":"STRING"}')
        await panel.locator(".try-message").fill("not json")
        await panel.locator(".try-send").click()
        await expect(log.locator(".meta").last).to_have_text(re.compile(r"^closed: 1007 "))
        await expect(panel.locator(".try-connect")).to_be_enabled()
        assert problems == []
