"""Routes that serve an app's message docs: the AsyncAPI JSON and the HTML page."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from ..handlers import typed_routes
from ._document import ServerSpec, build_document, server_objects
from .render import content_security_policy, to_html

__all__ = ["routes"]


def routes(
    *,
    title: str,
    version: str,
    description: str | None = None,
    servers: Mapping[str, ServerSpec] | None = None,
    path: str = "/asyncapi",
    app: Any = None,
    try_it: bool = False,
) -> list[BaseRoute]:
    """Routes serving the message docs: `{path}.json` (the AsyncAPI document) and `{path}` (the HTML page).

    The document describes `app` when given, else the app that handles the
    request (Starlette's `request.app`). It is built on the first request and
    kept. Add the routes to an app (`app.routes.extend(asyncapi.routes(...))`
    or `Starlette(routes=[..., *asyncapi.routes(...)])`) or to a `Mount`.
    `try_it` gives the page a panel per channel that connects to it and
    sends an example (see `to_html`); leave it off where the docs are public.
    Raises `ValueError` for a `path` that is not `/NAME...` or a bad server URL.
    """
    if not path.startswith("/") or not path.strip("/") or path.endswith("/"):
        raise ValueError(f"path must look like /asyncapi (a slash, a name, no trailing slash); got {path!r}")
    options = {
        "title": title,
        "version": version,
        "description": description,
        "servers": server_objects(servers) if servers else None,
    }
    docs = _Docs(app, options, json_url=path.rpartition("/")[2] + ".json", try_it=try_it)
    return [
        Route(path + ".json", docs.json, methods=["GET"], name="asyncapi_json"),
        Route(path, docs.html, methods=["GET"], name="asyncapi_html"),
    ]


class _Docs:
    """The document of one app, built on first use and rendered once per format."""

    def __init__(self, app: Any, options: Mapping[str, Any], *, json_url: str, try_it: bool) -> None:
        self._app = app
        self._try_it = try_it
        self._options = options
        self._json_url = json_url  # relative: `/x/asyncapi` links `/x/asyncapi.json` under any mount
        self._document: dict[str, Any] | None = None
        self._json: bytes | None = None
        self._html: str | None = None

    def _built(self, request: Request) -> dict[str, Any]:
        if self._document is None:
            app = self._app if self._app is not None else request.app
            self._document = build_document(typed_routes(app), **self._options)
        return self._document

    async def json(self, request: Request) -> Response:
        """The AsyncAPI document as JSON."""
        if self._json is None:
            self._json = json.dumps(self._built(request), ensure_ascii=False).encode()
        return Response(self._json, media_type="application/json")

    async def html(self, request: Request) -> Response:
        """The HTML page."""
        if self._html is None:
            self._html = to_html(self._built(request), json_url=self._json_url, try_it=self._try_it)
        return HTMLResponse(self._html, headers={"Content-Security-Policy": content_security_policy(self._try_it)})
