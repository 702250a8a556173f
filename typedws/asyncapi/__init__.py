"""Message docs for an app's typed WebSocket routes: AsyncAPI 3.0, YAML, Markdown and HTML.

```python
from typedws import asyncapi

doc = asyncapi.document(app, title="Chat", version="1.0.0")
print(asyncapi.to_yaml(doc))
app.routes.extend(asyncapi.routes(title="Chat", version="1.0.0"))  # /asyncapi.json, /asyncapi
```

The document has one channel per typed route, one message per type (or
union member) received or sent, with JSON Schema payloads from Pydantic,
`receive` operations for what clients send and `send` operations for what
the server sends, and for each request type an operation with its `reply`.
The renderers take such a document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal, TypeAlias, cast

from pydantic import JsonValue

from ..handlers import typed_routes
from ._document import ASYNCAPI_VERSION, ServerSpec, build_document
from ._serving import routes
from .render import to_html, to_markdown

__all__ = [
    "ASYNCAPI_VERSION",
    "Document",
    "FORMATS",
    "Format",
    "ServerSpec",
    "document",
    "render",
    "routes",
    "to_html",
    "to_json",
    "to_markdown",
    "to_yaml",
]

Format: TypeAlias = Literal["json", "yaml", "markdown", "html"]
"""The formats a document renders to."""

FORMATS: tuple[Format, ...] = ("json", "yaml", "markdown", "html")
"""Every `Format`, in the order the command line lists them."""


Document: TypeAlias = dict[str, JsonValue]
"""An AsyncAPI document: a JSON object, ready for `json.dumps`."""


def document(
    app: object,
    *,
    title: str,
    version: str,
    description: str | None = None,
    servers: Mapping[str, ServerSpec] | None = None,
) -> Document:
    """Return the AsyncAPI 3.0.0 document of an app's typed WebSocket routes, as a JSON-ready dict.

    `app` is a Starlette or FastAPI app (or a router or `Mount`); mounted apps
    are included. `servers` maps names to `ws://`/`wss://` URLs or to
    AsyncAPI Server Objects. An app without typed routes gives a document
    without channels.
    """
    built = build_document(typed_routes(app), title=title, version=version, description=description, servers=servers)
    return cast(Document, built)  # built of JSON values only


def to_json(document: Mapping[str, Any]) -> str:
    """Render a document as indented JSON."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_yaml(document: Mapping[str, Any]) -> str:
    """Render a document as YAML.

    Needs PyYAML (`pip install 'typedws[yaml]'`); raises `ModuleNotFoundError`
    saying so when it is missing.
    """
    try:
        import yaml
    except ModuleNotFoundError:
        raise ModuleNotFoundError("YAML output needs PyYAML: pip install 'typedws[yaml]'", name="yaml") from None

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # write shared objects out in full: no `&id001` anchors

    # (The stubs leave a parameter's type partly unknown; the call is fully typed here.)
    text: str = yaml.dump(  # pyright: ignore[reportUnknownMemberType]
        dict(document), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100
    )
    return text


def render(document: Mapping[str, Any], format: Format) -> str:
    """Render a document in one of the `FORMATS`."""
    renderers = {"json": to_json, "yaml": to_yaml, "markdown": to_markdown, "html": to_html}
    try:
        renderer = renderers[format]
    except KeyError:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}") from None
    return renderer(document)
