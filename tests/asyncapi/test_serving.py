"""`typedws.asyncapi.routes`: the JSON document and the HTML page, served by a running app (real uvicorn)."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, WebSocketRoute

from tests.asyncapi import apps
from tests.support.servers import serve
from typedws import asyncapi


def http(url: str) -> str:
    return url.replace("ws://", "http://", 1)


def test_the_json_document_and_the_html_page_are_served() -> None:
    app = Starlette(routes=[*apps.app.routes, *asyncapi.routes(title="Rooms", version="3.0", servers={"local": "ws://127.0.0.1"})])
    expected = asyncapi.document(apps.app, title="Rooms", version="3.0", servers={"local": "ws://127.0.0.1"})
    with serve(app) as url, httpx.Client(base_url=http(url)) as client:
        response = client.get("/asyncapi.json")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json() == expected
        page = client.get("/asyncapi")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        assert page.text == asyncapi.to_html(expected, json_url="asyncapi.json")
        assert client.head("/asyncapi").status_code == 200
        assert client.post("/asyncapi.json").status_code == 405


def test_the_document_is_built_on_the_first_request_and_kept() -> None:
    app = Starlette(routes=asyncapi.routes(title="Late", version="1"))
    app.routes.append(WebSocketRoute("/board", apps.board))  # added after the docs routes: still documented
    with serve(app) as url, httpx.Client(base_url=http(url)) as client:
        first = client.get("/asyncapi.json").json()
        assert [c["address"] for c in first["channels"].values()] == ["/board"]
        app.routes.append(WebSocketRoute("/strict", apps.strict))  # after the first request: the kept document stands
        assert client.get("/asyncapi.json").json() == first
        assert "/strict" not in client.get("/asyncapi").text


def test_the_docs_can_be_mounted_and_document_another_app() -> None:
    docs = asyncapi.routes(title="Mounted", version="1", path="/docs", app=apps.app)
    app = Starlette(routes=[Mount("/api", routes=docs), WebSocketRoute("/other", apps.chat)])
    with serve(app) as url, httpx.Client(base_url=http(url)) as client:
        document = client.get("/api/docs.json").json()
        assert "/rooms/{room}" in [c["address"] for c in document["channels"].values()]
        assert "/other" not in [c["address"] for c in document["channels"].values()]
        page = client.get("/api/docs").text
        assert 'href="docs.json"' in page  # relative: /api/docs -> /api/docs.json
        assert client.get("/api/docs.json").status_code == 200


def test_an_app_without_typed_routes_serves_an_empty_document() -> None:
    app = Starlette(routes=[*apps.plain_app.routes, *asyncapi.routes(title="Plain", version="1")])
    with serve(app) as url, httpx.Client(base_url=http(url)) as client:
        assert client.get("/asyncapi.json").json()["channels"] == {}
        assert "This app has no typed WebSocket routes." in client.get("/asyncapi").text


@pytest.mark.parametrize("path", ["asyncapi", "/", "/docs/", ""])
def test_a_bad_path_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="path must look like /asyncapi"):
        asyncapi.routes(title="t", version="1", path=path)


def test_a_bad_server_url_is_refused_when_the_routes_are_made() -> None:
    with pytest.raises(ValueError, match="ws://HOST"):
        asyncapi.routes(title="t", version="1", servers={"s": "http://example.com"})
