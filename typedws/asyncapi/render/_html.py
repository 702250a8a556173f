"""An AsyncAPI document as one self-contained HTML page.

Inline CSS, no scripts, no remote fonts or stylesheets (a Content Security
Policy in the page forbids them), and every piece of text from the document
escaped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from ._view import (
    CLIENT_TO_SERVER,
    SERVER_TO_CLIENT,
    ChannelView,
    Constraint,
    FieldRow,
    MessageView,
    PageView,
    SchemaView,
    Token,
    read_document,
)

__all__ = ["to_html"]

CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""The page's policy: its own inline styles, nothing loaded from anywhere, no scripts."""

_STYLE = """
:root { color-scheme: light dark; --fg: #1d232b; --muted: #5b6674; --bg: #ffffff; --panel: #f5f7fa;
  --line: #dde3ea; --accent: #1f6feb; --in: #0b7a3e; --out: #8a4b00; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --muted: #9aa5b4; --bg: #111418; --panel: #1a1f26;
  --line: #2c333d; --accent: #6ea8ff; --in: #56d38c; --out: #f0a44b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: var(--bg); }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; }
a { color: var(--accent); text-decoration: none; } a:hover { text-decoration: underline; }
.layout { display: grid; grid-template-columns: 17rem minmax(0, 1fr); max-width: 84rem; margin: 0 auto; }
nav { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow-y: auto; padding: 1.5rem 1rem;
  border-right: 1px solid var(--line); font-size: 0.92em; }
nav ul { list-style: none; margin: 0; padding: 0; } nav ul ul { padding-left: 0.9rem; margin: 0.15rem 0 0.6rem; }
nav li { margin: 0.15rem 0; overflow-wrap: anywhere; }
nav h2 { font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted);
  margin: 1rem 0 0.4rem; }
main { padding: 1.5rem 2.5rem 4rem; min-width: 0; }
header h1 { margin: 0 0 0.3rem; font-size: 2rem; }
.meta { color: var(--muted); margin: 0 0 1rem; }
section.channel { border-top: 2px solid var(--line); margin-top: 2.5rem; padding-top: 0.5rem; }
h2 { font-size: 1.5rem; margin: 1rem 0 0.5rem; } h3 { font-size: 1.2rem; margin: 0 0 0.4rem; }
h4 { font-size: 0.95rem; margin: 1rem 0 0.3rem; color: var(--muted); }
article { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.2rem;
  margin: 1.2rem 0; }
.badge { display: inline-block; font-size: 0.78em; font-weight: 600; padding: 0.05rem 0.5rem; border-radius: 999px;
  border: 1px solid currentColor; margin-right: 0.3rem; white-space: nowrap; }
.badge.in { color: var(--in); } .badge.out { color: var(--out); }
.flows { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 0.8rem; margin: 0.8rem 0; }
table { border-collapse: collapse; width: 100%; margin: 0.5rem 0; font-size: 0.93em; }
th, td { text-align: left; vertical-align: top; padding: 0.4rem 0.6rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; }
td.name code { font-weight: 600; } .muted { color: var(--muted); }
td > .constraint { display: block; white-space: nowrap; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 0.7rem 0.9rem;
  overflow-x: auto; margin: 0.3rem 0 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.6rem 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
@media (max-width: 52rem) { .layout { display: block; } nav { position: static; max-height: none;
  border-right: 0; border-bottom: 1px solid var(--line); } main { padding: 1rem; } }
"""


def to_html(document: Mapping[str, Any], *, json_url: str | None = None) -> str:
    """Render a document as one self-contained HTML page; `json_url` links the JSON document."""
    page = read_document(document)
    title = escape(page.title)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">',
            f"<title>{title} · WebSocket API</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            '<div class="layout">',
            _nav(page),
            "<main>",
            _header(page, json_url),
            *(_channel(channel) for channel in page.channels),
            _schemas(page.schemas),
            "</main>",
            "</div>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _nav(page: PageView) -> str:
    items = []
    for channel in page.channels:
        messages = "".join(f'<li><a href="#{_id(m.anchor)}">{escape(m.title)}</a></li>' for m in channel.messages)
        items.append(
            f'<li><a href="#{_id(channel.anchor)}"><code>{escape(channel.address)}</code></a>'
            + (f"<ul>{messages}</ul>" if messages else "")
            + "</li>"
        )
    schemas = "".join(f'<li><a href="#{_id(s.anchor)}">{escape(s.key or s.title)}</a></li>' for s in page.schemas)
    return (
        '<nav aria-label="Contents">'
        + f"<h2>Channels</h2><ul>{''.join(items)}</ul>"
        + (f"<h2>Schemas</h2><ul>{schemas}</ul>" if schemas else "")
        + "</nav>"
    )


def _header(page: PageView, json_url: str | None) -> str:
    meta = ["WebSocket API"]
    if page.version:
        meta.append(f"version <code>{escape(page.version)}</code>")
    meta.append("AsyncAPI 3.0")
    if json_url:
        meta.append(f'<a href="{escape(json_url)}">AsyncAPI document (JSON)</a>')
    parts = [f"<header><h1>{escape(page.title)}</h1>", f'<p class="meta">{" · ".join(meta)}</p>']
    if page.description:
        parts.append(_text(page.description))
    if page.servers:
        rows = "".join(
            f"<tr><td><code>{escape(name)}</code></td><td><code>{escape(url)}</code></td>"
            f"<td>{escape(description)}</td></tr>"
            for name, url, description in page.servers
        )
        parts.append(f"<h4>Servers</h4><table><tr><th>Name</th><th>URL</th><th>Description</th></tr>{rows}</table>")
    if not page.channels:
        parts.append("<p>This app has no typed WebSocket routes.</p>")
    parts.append("</header>")
    return "".join(parts)


def _channel(channel: ChannelView) -> str:
    parts = [
        f'<section class="channel" id="{_id(channel.anchor)}">',
        f"<h2><code>{escape(channel.address)}</code></h2>",
    ]
    if channel.description:
        parts.append(_text(channel.description))
    facts = []
    if channel.title:
        facts.append(f"<dt>Handler</dt><dd><code>{escape(channel.title)}</code></dd>")
    if channel.max_message_bytes is not None:
        facts.append(f"<dt>Largest message</dt><dd>{channel.max_message_bytes:,} bytes</dd>")
    if facts:
        parts.append(f'<dl class="facts">{"".join(facts)}</dl>')
    if channel.parameters:
        rows = "".join(
            f"<tr><td><code>{escape(name)}</code></td><td>{_inline(description)}</td></tr>"
            for name, description in channel.parameters
        )
        parts.append(f"<h4>Path parameters</h4><table><tr><th>Name</th><th>Description</th></tr>{rows}</table>")
    parts.append(
        '<div class="flows">'
        + f"{_badge(CLIENT_TO_SERVER)}<div>{_links(channel.received)}</div>"
        + f"{_badge(SERVER_TO_CLIENT)}<div>{_links(channel.sent)}</div>"
        + "</div>"
    )
    if channel.exchanges:
        rows = "".join(
            f"<tr><td>{_links([e.request])}</td><td>{_badge(e.direction)}</td><td>{_links(e.replies)}</td></tr>"
            for e in channel.exchanges
        )
        parts.append(
            "<h4>Requests and their replies</h4><p class=\"muted\">Each reply carries its request's correlation id.</p>"
            f"<table><tr><th>Request</th><th>Asked</th><th>Replies</th></tr>{rows}</table>"
        )
    parts += [_message(message) for message in channel.messages]
    parts.append("</section>")
    return "".join(parts)


def _links(messages: Iterable[MessageView]) -> str:
    links = ", ".join(f'<a href="#{_id(m.anchor)}">{escape(m.title)}</a>' for m in messages)
    return links or '<span class="muted">nothing</span>'


def _badge(direction: str) -> str:
    return f'<span class="badge {"in" if direction == CLIENT_TO_SERVER else "out"}">{escape(direction)}</span>'


def _message(message: MessageView) -> str:
    same = message.key.casefold() == message.title.casefold()
    key = "" if same else f' <code class="muted">{escape(message.key)}</code>'
    parts = [
        f'<article class="message" id="{_id(message.anchor)}">',
        f"<h3>{escape(message.title)}{key}</h3>",
        "<p>" + "".join(_badge(d) for d in message.directions) + f" <code>{escape(message.content_type)}</code></p>",
    ]
    if message.correlation_id:
        parts.append(f"<p>Correlation id: <code>{escape(message.correlation_id)}</code></p>")
    if message.description:
        parts.append(_text(message.description))
    if message.payload is not None:
        parts.append(_schema_body(message.payload, describe=False))
    else:
        parts.append('<p class="muted">The payload is not described.</p>')
    if message.example is not None:
        parts.append(f"<h4>Example</h4><pre><code>{escape(message.example)}</code></pre>")
    parts.append("</article>")
    return "".join(parts)


def _schemas(schemas: Iterable[SchemaView]) -> str:
    articles = "".join(
        f'<article class="schema" id="{_id(s.anchor)}"><h3><code>{escape(s.key or s.title)}</code></h3>'
        f"{_schema_body(s)}</article>"
        for s in schemas
    )
    if not articles:
        return ""
    return (
        '<section class="channel" id="schemas"><h2>Schemas</h2><p>Types that message fields refer to.</p>'
        f"{articles}</section>"
    )


def _schema_body(schema: SchemaView, *, describe: bool = True) -> str:
    parts = []
    if describe and schema.description:
        parts.append(_text(schema.description))
    if schema.fields:
        rows = "".join(_field(field) for field in schema.fields)
        parts.append(
            "<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Constraints</th><th>Description</th></tr>"
            + rows
            + "</table>"
        )
    elif schema.values:
        parts.append("<p>One of: " + ", ".join(f"<code>{escape(v)}</code>" for v in schema.values) + "</p>")
    else:
        parts.append("<p>" + ", ".join([f"Type: {_type(schema.type)}", *map(_constraint, schema.constraints)]) + "</p>")
    return "".join(parts)


_CODE_SPAN = re.compile(r"`([^`\n]+)`")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_NOT_REQUIRED = '<span class="muted">no</span>'


def _field(field: FieldRow) -> str:
    return (
        f'<tr><td class="name"><code>{escape(field.name)}</code></td>'
        f"<td>{_type(field.type)}</td>"
        f"<td>{'yes' if field.required else _NOT_REQUIRED}</td>"
        f"<td>{''.join(_constraint(c) for c in field.constraints)}</td>"
        f"<td>{_inline(field.description)}</td></tr>"
    )


def _constraint(constraint: Constraint) -> str:
    value = "" if constraint.value is None else f" <code>{escape(constraint.value)}</code>"
    return f'<span class="constraint">{escape(constraint.label)}{value}</span>'


def _type(tokens: Iterable[Token]) -> str:
    return "<code>" + "".join(
        f'<a href="#{_id(t.anchor)}">{escape(t.text)}</a>' if t.anchor else escape(t.text) for t in tokens
    ) + "</code>"


def _text(text: str) -> str:
    """Paragraphs (separated by blank lines, as in docstrings), each on lines as wide as the page."""
    paragraphs = _PARAGRAPH_BREAK.split(text.strip())
    return "".join(f"<p>{_inline(' '.join(paragraph.split()))}</p>" for paragraph in paragraphs)


def _inline(text: str) -> str:
    """Escaped text, with Markdown code spans (`like this`) shown as code: docstrings use them."""
    return _CODE_SPAN.sub(r"<code>\1</code>", escape(text))


def _id(anchor: str | None) -> str:
    return escape(anchor or "")
