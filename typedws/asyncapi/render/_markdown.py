"""An AsyncAPI document as Markdown: per channel, its messages, their fields and an example.

Names, addresses, types and examples are escaped; descriptions (docstrings)
are written as they are, so they may use Markdown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ._view import ChannelView, Constraint, FieldRow, MessageView, SchemaView, Token, read_document

__all__ = ["to_markdown"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!~])")


def to_markdown(document: Mapping[str, Any]) -> str:
    """Render a document as Markdown (GitHub-flavoured: tables, fenced code)."""
    page = read_document(document)
    out: list[str] = [f"# {_escape(page.title)}", ""]
    if page.version:
        out += [f"Version {_code(page.version)}", ""]
    if page.description:
        out += [page.description, ""]
    if page.servers:
        out += ["## Servers", "", "| Name | URL | Description |", "| --- | --- | --- |"]
        out += [_row(_code(name), _code(url), _cell(description)) for name, url, description in page.servers]
        out.append("")
    out += ["## Channels", ""]
    if not page.channels:
        out += ["This app has no typed WebSocket routes.", ""]
    for channel in page.channels:
        summary = f": {_cell(channel.summary)}" if channel.summary else ""
        out.append(f"- [{_code(channel.address)}](#{channel.anchor}){summary}")
    out.append("")
    for channel in page.channels:
        out += _channel(channel)
    if page.schemas:
        out += ["## Schemas", "", "Types that message fields refer to.", ""]
        for schema in page.schemas:
            out += [_anchor(schema.anchor), f"### {_code(schema.key or schema.title)}", ""]
            out += _schema_body(schema)
    return "\n".join(out).rstrip("\n") + "\n"


def _channel(channel: ChannelView) -> list[str]:
    out = [_anchor(channel.anchor), f"### {_code(channel.address)}", ""]
    if channel.description:
        out += [channel.description, ""]
    if channel.title:
        out += [f"Handler: {_code(channel.title)}", ""]
    if channel.parameters:
        out += ["Path parameters:", "", "| Name | Description |", "| --- | --- |"]
        out += [_row(_code(name), _cell(description)) for name, description in channel.parameters]
        out.append("")
    if channel.max_message_bytes is not None:
        out += [f"Largest message accepted: {channel.max_message_bytes:,} bytes.", ""]
    out += [
        f"Client → server: {_message_links(channel.received)}  ",
        f"Server → client: {_message_links(channel.sent)}",
        "",
    ]
    if channel.exchanges:
        out += ["Requests and their replies (each reply carries its request's correlation id):", ""]
        out += ["| Request | Asked by | Replies |", "| --- | --- | --- |"]
        out += [
            _row(_message_links([e.request]), e.direction.split(" → ")[0], _message_links(e.replies))
            for e in channel.exchanges
        ]
        out.append("")
    for message in channel.messages:
        out += _message(message)
    return out


def _message_links(messages: Iterable[MessageView]) -> str:
    return ", ".join(f"[{_escape(m.title)}](#{m.anchor})" for m in messages) or "nothing"


def _message(message: MessageView) -> list[str]:
    key = f" ({_code(message.key)})" if message.key.casefold() != message.title.casefold() else ""
    out = [_anchor(message.anchor), f"#### {_escape(message.title)}{key}", ""]
    out += [f"*{' and '.join(message.directions) or 'unused'}* · {_code(message.content_type)}", ""]
    if message.correlation_id:
        out += [f"Correlation id: {_code(message.correlation_id)}", ""]
    if message.description:
        out += [message.description, ""]
    if message.payload is not None:
        out += _schema_body(message.payload, describe=False)
    else:
        out += ["The payload is not described.", ""]
    if message.example is not None:
        fence = "`" * max(3, _longest_backtick_run(message.example) + 1)
        out += ["Example:", "", f"{fence}json", message.example, fence, ""]
    return out


def _schema_body(schema: SchemaView, *, describe: bool = True) -> list[str]:
    out: list[str] = []
    if describe and schema.description:
        out += [schema.description, ""]
    if schema.fields:
        out += [
            "| Field | Type | Required | Constraints | Description |",
            "| --- | --- | --- | --- | --- |",
        ]
        out += [_field(field) for field in schema.fields]
        out.append("")
    elif schema.values:
        out += ["One of: " + ", ".join(_code(v) for v in schema.values), ""]
    else:
        out += [", ".join([f"Type: {_type(schema.type)}", *map(_constraint, schema.constraints)]), ""]
    return out


def _field(field: FieldRow) -> str:
    return _row(
        _code(field.name),
        _type(field.type),
        "yes" if field.required else "no",
        ", ".join(_constraint(c) for c in field.constraints),
        _cell(field.description),
    )


def _constraint(constraint: Constraint) -> str:
    return constraint.label if constraint.value is None else f"{constraint.label} {_code(constraint.value)}"


def _type(tokens: Iterable[Token]) -> str:
    return "".join(f"[{_escape(t.text)}](#{t.anchor})" if t.anchor else _escape(t.text) for t in tokens)


def _row(*cells: str) -> str:
    # GitHub splits table cells on `|` even inside code spans; `\|` keeps it.
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def _cell(text: str) -> str:
    return " ".join(text.split())


def _anchor(anchor: str | None) -> str:
    return f'<a id="{anchor}"></a>\n' if anchor else ""


def _escape(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))


def _code(text: str) -> str:
    text = " ".join(text.split())
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)
