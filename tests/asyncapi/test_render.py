"""Rendering a document: JSON, YAML, Markdown and a self-contained HTML page."""

from __future__ import annotations

import json
import re
import sys
from html.parser import HTMLParser
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute

from tests.asyncapi import apps
from tests.asyncapi.apps import StubEndpoint
from typedws import asyncapi

TARGETS = apps.targets()


def doc(app: Any = apps.app, title: str = "Test") -> dict[str, Any]:
    return asyncapi.document(app, title=title, version="1.0.0", servers={"local": "ws://localhost:8000"})


def everything_shown(document: dict[str, Any]) -> list[str]:
    """What a reader must find: every channel address, handshake parameter, close code, credential, message title
    and field name."""
    components = document.get("components", {})
    shown = [channel["address"] for channel in document["channels"].values()]
    for channel in document["channels"].values():
        shown.extend(channel.get("parameters", {}))
        for part in ("query", "headers", "x-cookies"):
            shown.extend(channel["bindings"]["ws"].get(part, {}).get("properties", {}))
        shown.extend(str(entry["code"]) for entry in channel["x-close-codes"])
    shown.extend(components.get("securitySchemes", {}))
    for message in components.get("messages", {}).values():
        shown.append(message["title"])
    for schema in components.get("schemas", {}).values():
        shown.extend(schema.get("properties", {}))
    return shown


def test_json_and_yaml_read_back_as_the_document() -> None:
    document = doc()
    assert json.loads(asyncapi.to_json(document)) == document
    text = asyncapi.to_yaml(document)
    assert yaml.safe_load(text) == document
    assert "&id" not in text and "*id" not in text  # shared objects are written out, not aliased
    assert asyncapi.render(document, "yaml") == text
    assert asyncapi.render(document, "json") == asyncapi.to_json(document)


def test_yaml_output_without_pyyaml_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "yaml", None)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'typedws\[yaml\]'"):
        asyncapi.to_yaml(doc())


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown format 'pdf'; expected one of json, yaml, markdown, html"):
        asyncapi.render(doc(), "pdf")  # type: ignore[arg-type]


# Markdown


def markdown_tables(text: str) -> list[list[list[str]]]:
    """The tables of a Markdown text, as rows of cells (split on unescaped pipes)."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append([c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]])
        elif current:
            tables.append(current)
            current = []
    return tables


@pytest.mark.parametrize("target", list(TARGETS))
def test_markdown_shows_every_channel_message_field_and_example(target: str) -> None:
    document = doc(TARGETS[target])
    text = asyncapi.to_markdown(document)
    for name in everything_shown(document):
        assert name in text.replace("\\", ""), name
    # Every example is there as a JSON block that reads back as the example.
    blocks = [json.loads(b) for b in re.findall(r"^```json\n(.*?)\n```$", text, re.MULTILINE | re.DOTALL)]
    for message in document["components"]["messages"].values():
        for example in message.get("examples", []):
            assert example["payload"] in blocks
    # Tables keep their shape; internal links lead somewhere.
    for table in markdown_tables(text):
        assert len({len(row) for row in table}) == 1, table
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    assert set(re.findall(r"\]\(#([^)]+)\)", text)) <= anchors


def test_markdown_per_channel_has_message_tables_with_fields() -> None:
    text = asyncapi.to_markdown(doc())
    rooms = text[text.index("### `/rooms/{room}`") : text.index("### `/board`")]
    assert "Client → server: [Join](#channel-rooms_room-message-Join)" in rooms
    assert "| `userName` | string | yes | pattern `^[a-z]+$` |  |" in rooms
    assert "| `items` | array of [ItemInput](#schema-ItemInput) | yes | min items `1` |  |" in rooms
    assert "| `name` | string | yes | min length `1`, max length `40` | What it is \\| a table cell must keep this pipe. |" in text
    assert '<a id="schema-ItemInput"></a>\n\n### `ItemInput`' in text


def test_markdown_shows_the_handshake_the_credentials_and_the_close_codes() -> None:
    text = asyncapi.to_markdown(doc(apps.secured_app))
    assert "| `n` | path | integer | yes | ≥ `2` | The `n` path segment, matching `[0-9]+`. The room's number. |" in text
    assert "| `limit` | query | integer | no | ≥ `1`, ≤ `100`, default `10` | How many lines. |" in text
    assert "| `x-trace-id` | header | string | no | max length `64` |  |" in text
    assert "| `session` | cookie | string | no |  |  |" in text
    assert "- an API key in the `x-key` header (`APIKeyHeader`): The key you were given." in text
    assert "- an OAuth2 token (`password` flow), with the scopes `chat` (`OAuth2PasswordBearer`)" in text
    assert "| `4004` | No such room. |" in text


def test_the_html_page_shows_the_handshake_the_credentials_and_the_close_codes() -> None:
    html = asyncapi.to_html(doc(apps.secured_app))
    assert (
        '<tr><td class="name"><code>limit</code></td><td>query</td><td><code>integer</code></td><td><span class="muted">no</span></td>'
        in html
    )
    assert "<li>an API key in the <code>x-key</code> header <code class=\"muted\">APIKeyHeader</code>: The key you were given.</li>" in html
    assert "<tr><td><code>4004</code></td><td>No such room.</td></tr>" in html


def test_a_payload_that_is_not_an_object_shows_its_type_and_rules() -> None:
    document = doc()
    assert "Type: string, format `binary`\n" in asyncapi.to_markdown(document)  # the Bytes message
    assert "<p>Type: <code>string</code>, <span class=\"constraint\">format <code>binary</code></span></p>" in (
        asyncapi.to_html(document)
    )


def test_markdown_escapes_names_and_keeps_tables_whole() -> None:
    text = asyncapi.to_markdown(doc(title="Rooms <script>alert(1)</script> | *x*"))
    assert text.startswith("# Rooms \\<script\\>alert\\(1\\)\\</script\\> | \\*x\\*\n")
    assert "<script>" not in text


def test_markdown_for_an_app_without_typed_routes() -> None:
    assert "This app has no typed WebSocket routes." in asyncapi.to_markdown(doc(apps.plain_app))


# HTML


class Page(HTMLParser):
    """What a page holds: its tags, ids, links, text, and whether its tags nest properly."""

    VOID = frozenset({"meta", "br", "hr", "img", "link", "input", "wbr"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.ids: list[str] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.misnested: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if (id_ := dict(attrs).get("id")) is not None:
            self.ids.append(id_)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.misnested.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@pytest.mark.parametrize("target", list(TARGETS))
def test_the_html_page_shows_everything_and_loads_nothing(target: str) -> None:
    document = doc(TARGETS[target])
    page = Page(asyncapi.to_html(document))
    assert page.misnested == [] and page.open == []
    text = "".join(page.text)
    for name in everything_shown(document):
        assert name in text, name
    for message in document["components"]["messages"].values():
        for example in message.get("examples", []):
            assert json.dumps(example["payload"], indent=2, ensure_ascii=False) in text
    # Self-contained: no scripts, no external resources, and a policy that forbids loading any.
    assert {tag for tag, _ in page.tags}.isdisjoint({"script", "link", "img", "iframe", "object", "embed"})
    assert not any("src" in attrs for _, attrs in page.tags)
    assert not any(v and re.match(r"\w+:", v) for _, attrs in page.tags for k, v in attrs.items() if k == "href")
    assert ("meta", {"http-equiv": "Content-Security-Policy", "content": "default-src 'none'; style-src 'unsafe-inline'; img-src data:"}) in page.tags
    # Internal links lead somewhere, and ids are unique.
    assert len(page.ids) == len(set(page.ids))
    links = {v.removeprefix("#") for _, attrs in page.tags for k, v in attrs.items() if k == "href" and v}
    assert links <= set(page.ids)


def test_the_html_page_escapes_everything() -> None:
    hostile = "</title><script>alert(1)</script>"

    class Evil(apps.Chat):
        """<img src=x onerror=alert(1)> & `code`"""

    app = Starlette(routes=[WebSocketRoute("/x/{a}", StubEndpoint(hostile, Evil, "text", description=hostile))])
    html = asyncapi.to_html(doc(app, title=hostile))
    page = Page(html)
    assert {tag for tag, _ in page.tags}.isdisjoint({"script", "img"})
    text = "".join(page.text)
    assert hostile in text and "<img src=x onerror=alert(1)> & code" in text
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; <code>code</code>" in html  # code spans are shown as code


def test_the_html_page_shows_docstring_paragraphs_as_paragraphs() -> None:
    description = "A line wrapped\n   where the docstring wraps it.\n\n  A second paragraph."
    app = Starlette(routes=[WebSocketRoute("/x", StubEndpoint("x", "text", "text", description=description))])
    html = asyncapi.to_html(doc(app))
    assert "<p>A line wrapped where the docstring wraps it.</p><p>A second paragraph.</p>" in html


def test_the_html_page_links_the_json_document_when_asked() -> None:
    page = Page(asyncapi.to_html(doc(), json_url="asyncapi.json"))
    assert ("a", {"href": "asyncapi.json"}) in page.tags
    assert not any(attrs.get("href") == "asyncapi.json" for _, attrs in Page(asyncapi.to_html(doc())).tags)


def test_the_html_page_for_an_app_without_typed_routes() -> None:
    assert "This app has no typed WebSocket routes." in asyncapi.to_html(doc(apps.plain_app))
