"""The HTML page's "try it" panels: open a channel's connection from the page and send an example message.

Off unless asked for (`to_html(..., try_it=True)`, `asyncapi.routes(..., try_it=True)`):
a panel connects from the reader's browser, with the reader's cookies, to
the page's own host. The page's Content Security Policy then admits exactly
one script, the panels' (by its hash), and WebSocket connections to the
page's own host (`connect-src 'self'`); everything else stays forbidden. The
script writes what the server sends as text (`textContent`), never as markup.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from ._view import ChannelView

__all__ = ["SCRIPT", "STYLE", "content_security_policy", "panel"]

BASE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
"""The page's policy without panels: its own inline styles, nothing loaded from anywhere, no scripts."""

SCRIPT = """
"use strict";
for (const panel of document.querySelectorAll("details.try")) {
  const part = (name) => panel.querySelector(`.try-${name}`);
  const [url, connect, close, example, message, send, log] =
    ["url", "connect", "close", "example", "message", "send", "log"].map(part);
  let socket = null;
  const note = (kind, text) => {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = text;
    log.append(item);
  };
  const opened = (open) => {
    connect.disabled = open;
    close.disabled = !open;
    send.disabled = !open;
  };
  const address = () => {
    const value = url.value.trim();
    if (!value.startsWith("/")) return value;
    return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}${value}`;
  };
  connect.addEventListener("click", () => {
    try {
      socket = new WebSocket(address());
    } catch (error) {
      note("meta", String(error));
      return;
    }
    connect.disabled = true;
    note("meta", `connecting to ${socket.url}`);
    socket.addEventListener("open", () => {
      opened(true);
      note("meta", "open");
    });
    socket.addEventListener("message", (event) => {
      note("in", typeof event.data === "string" ? event.data : `(${event.data.size} bytes)`);
    });
    socket.addEventListener("close", (event) => {
      opened(false);
      note("meta", `closed: ${event.code}${event.reason ? ` ${event.reason}` : ""}`);
      socket = null;
    });
  });
  close.addEventListener("click", () => socket?.close(1000));
  send.addEventListener("click", () => {
    socket?.send(message.value);
    note("out", message.value);
  });
  example?.addEventListener("change", () => {
    message.value = example.value;
  });
}
"""
"""The panels' script (inline, admitted by its hash)."""

STYLE = """
details.try { margin: 1rem 0; border: 1px dashed var(--line); border-radius: 8px; padding: 0.6rem 1rem; }
details.try summary { cursor: pointer; font-weight: 600; }
.try-row { display: flex; gap: 0.5rem; margin: 0.5rem 0; flex-wrap: wrap; }
.try-url { flex: 1; min-width: 16rem; }
.try input, .try select, .try textarea, .try button { font: inherit; color: inherit; background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; padding: 0.3rem 0.5rem; }
.try textarea { width: 100%; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.try-log { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.88em;
  max-height: 16rem; overflow-y: auto; padding-left: 1.5rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.try-log .in { color: var(--out); } .try-log .out { color: var(--in); } .try-log .meta { color: var(--muted); }
"""
"""The panels' styles (the page's colours: what the server sends in its colour, what the client sends in the client's)."""


def content_security_policy(try_it: bool) -> str:
    """The page's policy: with panels, their one script (by hash) and WebSockets to the page's host too."""
    if not try_it:
        return BASE_POLICY
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return f"{BASE_POLICY}; script-src 'sha256-{digest}'; connect-src 'self'"


def panel(channel: ChannelView) -> str:
    """A channel's panel: its address to connect to, an example of each message a client sends, a log."""
    examples = [(message.title, message.example) for message in channel.received if message.example is not None]
    options = "".join(f'<option value="{escape(text)}">{escape(title)}</option>' for title, text in examples)
    choose = f'<div class="try-row"><select class="try-example" aria-label="Example">{options}</select></div>'
    first = escape(examples[0][1]) if examples else ""
    return (
        '<details class="try"><summary>Try it</summary>'
        '<div class="try-row">'
        f'<input class="try-url" value="{escape(channel.address)}" aria-label="Address"'
        ' title="A path on this host, or a ws:// or wss:// URL; fill in the path parameters and query">'
        '<button type="button" class="try-connect">Connect</button>'
        '<button type="button" class="try-close" disabled>Close</button></div>'
        + (choose if len(examples) > 1 else "")
        + f'<textarea class="try-message" rows="6" aria-label="Message">{first}</textarea>'
        '<div class="try-row"><button type="button" class="try-send" disabled>Send</button></div>'
        '<ol class="try-log" aria-live="polite"></ol></details>'
    )
