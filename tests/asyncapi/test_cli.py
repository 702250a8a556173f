"""`python -m typedws asyncapi MODULE:ATTR`, run as a user runs it (a subprocess)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.asyncapi import apps
from typedws import asyncapi

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "typedws", *args], cwd=cwd, capture_output=True, text=True, timeout=60, env=env
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], status: int, message: str) -> None:
    assert result.returncode == status
    assert result.stdout == ""
    assert result.stderr == f"error: {message}\n"
    assert "Traceback" not in result.stderr


def test_json_to_standard_output_by_default() -> None:
    result = run("asyncapi", "tests.asyncapi.apps:app")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    # Without --title/--version: MODULE:ATTR and 0.1.0 for a Starlette app.
    assert json.loads(result.stdout) == asyncapi.document(apps.app, title="tests.asyncapi.apps:app", version="0.1.0")


def test_title_version_description_and_servers() -> None:
    result = run(
        "asyncapi", "tests.asyncapi.apps:app", "--title", "Rooms", "--version", "2.0",
        "--description", "All rooms.", "--server", "ws://localhost:8000", "--server", "prod=wss://example.com/x",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["info"] == {"title": "Rooms", "version": "2.0", "description": "All rooms."}
    assert document["servers"] == {
        "default": {"host": "localhost:8000", "protocol": "ws"},
        "prod": {"host": "example.com", "protocol": "wss", "pathname": "/x"},
    }


def test_a_fastapi_app_gives_its_own_title_and_version() -> None:
    result = run("asyncapi", "examples.fastapi_app:app")
    assert result.returncode == 0, result.stderr
    from examples.fastapi_app import app

    assert json.loads(result.stdout)["info"] == {"title": app.title, "version": app.version}


@pytest.mark.parametrize("format", ["yaml", "markdown", "html"])
def test_each_format(format: asyncapi.Format) -> None:
    result = run("asyncapi", "tests.asyncapi.apps:app", "--format", format, "--title", "T", "--version", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout == asyncapi.render(asyncapi.document(apps.app, title="T", version="1"), format)
    if format == "yaml":
        assert yaml.safe_load(result.stdout)["asyncapi"] == "3.0.0"


def test_output_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "docs.md"
    result = run("asyncapi", "tests.asyncapi.apps:app", "--format", "markdown", "--output", str(target))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert target.read_text(encoding="utf-8").startswith("# tests.asyncapi.apps:app\n")


def test_what_the_module_prints_while_imported_stays_out_of_the_document(tmp_path: Path) -> None:
    (tmp_path / "noisy.py").write_text("print('hello from noisy')\nfrom tests.asyncapi.apps import app\n")
    result = run("asyncapi", "noisy:app", cwd=tmp_path, env=_env_with_root())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["asyncapi"] == "3.0.0"
    assert result.stderr == "hello from noisy\n"


def test_a_factory_written_with_parentheses_is_called() -> None:
    result = run("asyncapi", "examples.chat.app:create_app()", "--title", "Chat", "--version", "1")
    assert result.returncode == 0, result.stderr
    from examples.chat.app import create_app

    assert json.loads(result.stdout) == asyncapi.document(create_app(), title="Chat", version="1")


def test_a_factory_that_fails_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "factories.py").write_text("def failing():\n    raise RuntimeError('no config')\n\nvalue = 3\n")
    assert_one_line_error(
        run("asyncapi", "factories:failing()", cwd=tmp_path), 2, "factories:failing(): calling failing() failed: RuntimeError: no config"
    )
    assert_one_line_error(
        run("asyncapi", "factories:value()", cwd=tmp_path), 2, "factories:value(): 'value' is not a function to call"
    )


def _env_with_root() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(ROOT)}


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("no_such_module:app", "no module named 'no_such_module'"),
        ("tests.no_such_module:app", "no module named 'tests.no_such_module'"),
        ("tests.asyncapi.apps:no_such_app", "tests.asyncapi.apps:no_such_app: 'tests.asyncapi.apps' has no attribute 'no_such_app'"),
        ("tests.asyncapi.apps:app.nothing", "tests.asyncapi.apps:app.nothing: 'tests.asyncapi.apps' has no attribute 'app.nothing'"),
        ("tests.asyncapi.apps:NOT_AN_APP", "tests.asyncapi.apps:NOT_AN_APP is not a Starlette or FastAPI app (it has no routes)"),
        ("tests.asyncapi.apps:plain_app", "tests.asyncapi.apps:plain_app has no typed WebSocket routes"),
        ("tests.asyncapi.apps", "expected MODULE:ATTR (like myproject.main:app), got 'tests.asyncapi.apps'"),
        (":app", "expected MODULE:ATTR (like myproject.main:app), got ':app'"),
    ],
)
def test_a_bad_target_is_a_one_line_error_with_status_2(target: str, message: str) -> None:
    assert_one_line_error(run("asyncapi", target), 2, message)


def test_a_module_that_fails_to_import_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import this_dependency_is_missing\n")
    (tmp_path / "crashing.py").write_text("raise RuntimeError('no database\\nat all')\n")
    (tmp_path / "exiting.py").write_text("import sys\nsys.exit(3)\n")
    expected = {
        "broken": "cannot import 'broken': ModuleNotFoundError: No module named 'this_dependency_is_missing'",
        "crashing": "cannot import 'crashing': RuntimeError: no database at all",
        "exiting": "cannot import 'exiting': SystemExit: 3",
    }
    for module, message in expected.items():
        assert_one_line_error(run("asyncapi", f"{module}:app", cwd=tmp_path), 2, message)


def test_bad_options_are_one_line_errors_with_status_2() -> None:
    bad_format = run("asyncapi", "tests.asyncapi.apps:app", "--format", "pdf")
    assert bad_format.returncode == 2 and bad_format.stdout == ""
    # argparse's wording of the choices varies between Python versions.
    assert bad_format.stderr.startswith("error: argument --format: invalid choice: 'pdf' (choose from ")
    assert bad_format.stderr.endswith(" (see python -m typedws asyncapi --help)\n")
    assert bad_format.stderr.count("\n") == 1
    assert_one_line_error(
        run("asyncapi", "tests.asyncapi.apps:app", "--server", "http://x"),
        2,
        "a server URL looks like ws://HOST[:PORT][/PATH] or wss://...; got 'http://x'",
    )
    assert_one_line_error(
        run("asyncapi", "tests.asyncapi.apps:app", "--server", "ws://a", "--server", "ws://b"),
        2,
        "two servers named 'default'; name them: --server NAME=URL",
    )
    assert_one_line_error(run(), 2, "expected a command: asyncapi (see python -m typedws --help)")
    assert run("asyncapi", "--help").returncode == 0


def test_an_output_file_that_cannot_be_written_is_status_1(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "docs.json"
    assert_one_line_error(
        run("asyncapi", "tests.asyncapi.apps:app", "--output", str(target)),
        1,
        f"cannot write {target}: No such file or directory",
    )
