"""The documents are valid AsyncAPI 3.0 by the official parser (`@asyncapi/parser`, run with node).

CI installs the parser (`npm install` in `.ci/asyncapi`). Without node or the
package this test is skipped, except when the `CI` environment variable is
set: there it fails, so a CI run cannot pass without the check.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.asyncapi import apps
from tests.support.programs import missing, require_program
from typedws import asyncapi

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "asyncapi" / "validate.mjs"
PARSER = ROOT / ".ci" / "asyncapi" / "node_modules" / "@asyncapi" / "parser" / "package.json"


def node() -> str:
    """The node executable; skips the test (fails it in CI) when node or the parser is missing."""
    executable = require_program("node", "apt-get install nodejs")
    if not PARSER.exists():
        missing("@asyncapi/parser is not installed (run `npm install` in .ci/asyncapi)")
    return executable


def validate(paths: list[Path]) -> dict[str, Any]:
    result = subprocess.run([node(), str(SCRIPT), *map(str, paths)], capture_output=True, text=True, timeout=120)
    assert result.stdout, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_every_example_app_and_test_app_is_valid_asyncapi(tmp_path: Path) -> None:
    targets = apps.targets()
    assert {"examples.starlette_app:app", "examples.fastapi_app:app", "examples.chat.app:create_app()"} <= set(targets)
    paths = []
    for name, app in targets.items():
        document = asyncapi.document(
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


def test_the_parser_check_catches_an_invalid_document(tmp_path: Path) -> None:
    document = asyncapi.document(apps.app, title="t", version="1")
    document["operations"]["receive_board"]["action"] = "listen"  # not an AsyncAPI action
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    (result,) = validate([path])["documents"]
    assert any(error["path"][:3] == ["operations", "receive_board", "action"] for error in result["errors"])
