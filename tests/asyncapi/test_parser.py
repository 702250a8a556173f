"""The documents are valid AsyncAPI 3.0 by the official parser (`@asyncapi/parser`, run with node).

Without node or the parser the tests are skipped, except in CI (see `tests.asyncapi.node`).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.asyncapi import apps
from tests.asyncapi.node import node
from typedws import asyncapi

SCRIPT = Path(__file__).resolve().parent / "validate.mjs"


def validate(paths: list[Path]) -> dict[str, Any]:
    result = subprocess.run(
        [node("@asyncapi/parser"), str(SCRIPT), *map(str, paths)], capture_output=True, text=True, timeout=120
    )
    assert result.stdout, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_every_example_app_and_test_app_is_valid_asyncapi(tmp_path: Path) -> None:
    targets = apps.targets()
    assert {"examples.starlette_app:app", "examples.fastapi_app:app", "examples.chat.app:create_app()"} <= set(targets)
    paths = []
    documents: dict[str, dict[str, Any]] = {}  # read as JSON, unchecked
    for name, app in targets.items():
        document = documents[name] = asyncapi.document(
            app, title=name, version="1.0.0", description="Checked by the parser.", servers={"local": "ws://localhost:8000/ws"}
        )
        path = tmp_path / f"{name.replace(':', '.')}.json"
        path.write_text(asyncapi.to_json(document))
        paths.append(path)
    yaml_path = tmp_path / "tests.app.yaml"  # the YAML rendering too
    yaml_path.write_text(asyncapi.to_yaml(yaml.safe_load(paths[0].read_text())))
    paths.append(yaml_path)
    report = validate(paths)
    assert report["parser"].startswith("3.")
    errors = {d["file"]: d["errors"] for d in report["documents"] if d["errors"]}
    assert errors == {}
    assert len(report["documents"]) == len(paths)
    # What was checked includes handshake parameters, security schemes and close codes.
    assert set(documents["examples.fastapi_app:app"]["channels"]["rooms_room"]["bindings"]["ws"]) >= {"query", "headers"}
    assert {"query", "headers", "x-cookies"} <= set(documents["tests:secured_app"]["channels"]["vversion_rooms_n"]["bindings"]["ws"])
    assert len(documents["tests:secured_app"]["components"]["securitySchemes"]) == 3
    assert all("x-close-codes" in c for document in documents.values() for c in document["channels"].values())


def test_the_parser_check_catches_an_invalid_document(tmp_path: Path) -> None:
    document: dict[str, Any] = asyncapi.document(apps.app, title="t", version="1")
    document["operations"]["receive_board"]["action"] = "listen"  # not an AsyncAPI action
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    (result,) = validate([path])["documents"]
    assert any(error["path"][:3] == ["operations", "receive_board", "action"] for error in result["errors"])
