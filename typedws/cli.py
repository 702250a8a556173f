"""The command line: `python -m typedws asyncapi MODULE:ATTR [--format ...] [--output FILE]`.

`ATTR` names the app, or a function that makes it when written with
parentheses (`main:create_app()`, as `uvicorn --factory` calls it).

Errors about the target (no module, no attribute, not an app, no typed
routes) and other bad input are one line on standard error and exit status 2;
a file that cannot be written is exit status 1.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from . import asyncapi
from .handlers import typed_routes

__all__ = ["main"]

EXIT_USAGE = 2
"""Exit status for a bad target or bad arguments."""

EXIT_OUTPUT = 1
"""Exit status for an output file that cannot be written."""


class _Failure(Exception):
    """A one-line error for standard error, with its exit status."""

    def __init__(self, message: str, status: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Failure(f"{message} (see {self.prog} --help)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with `argv` (default: `sys.argv[1:]`); return the exit status."""
    try:
        args = _parser().parse_args(argv)
        if args.command != "asyncapi":
            raise _Failure("expected a command: asyncapi (see python -m typedws --help)")
        text = _asyncapi(args)
        _write(text, args.output)
    except _Failure as failure:
        print(f"error: {' '.join(str(failure).split())}", file=sys.stderr)
        return failure.status
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m typedws", description="typedws command line.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)
    docs = commands.add_parser(
        "asyncapi",
        help="print the message docs of an app's typed WebSocket routes",
        description="Print the AsyncAPI 3.0 document (or Markdown or HTML docs) of an app's typed WebSocket routes.",
    )
    docs.add_argument(
        "target", metavar="MODULE:ATTR", help="the app (myproject.main:app), or a function making it (main:create_app())"
    )
    docs.add_argument("--format", choices=asyncapi.FORMATS, default="json", help="output format (default: json)")
    docs.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    docs.add_argument("--title", help="the API's title (default: the app's title, else MODULE:ATTR)")
    docs.add_argument("--version", help="the API's version (default: the app's version, else 0.1.0)")
    docs.add_argument("--description", help="a description of the API")
    docs.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="[NAME=]URL",
        help="a ws:// or wss:// URL the API is served at (repeatable; NAME defaults to 'default')",
    )
    return parser


def _asyncapi(args: argparse.Namespace) -> str:
    app = _load_app(args.target)
    if next(typed_routes(app), None) is None:
        raise _Failure(f"{args.target} has no typed WebSocket routes")
    title = args.title or _app_text(app, "title") or args.target
    version = args.version or _app_text(app, "version") or "0.1.0"
    try:
        document = asyncapi.document(
            app, title=title, version=version, description=args.description, servers=_servers(args.server)
        )
        return asyncapi.render(document, args.format)
    except (ValueError, TypeError, ModuleNotFoundError) as error:
        raise _Failure(str(error)) from None


def _load_app(target: str) -> Any:
    """Import `MODULE:ATTR` (ATTR may be dotted, and end in `()` to call it) and return the app.

    Raises `_Failure` when it is not one.
    """
    module_name, _, attribute = target.partition(":")
    attribute, factory = (attribute[:-2], True) if attribute.endswith("()") else (attribute, False)
    if not module_name or not attribute:
        raise _Failure(f"expected MODULE:ATTR (like myproject.main:app), got {target!r}")
    # Whatever the module prints while it is imported must not end up in the document.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name == module_name or module_name.startswith(f"{error.name}."):
                raise _Failure(f"no module named {module_name!r}") from None
            raise _Failure(f"cannot import {module_name!r}: {type(error).__name__}: {error}") from None
        except (Exception, SystemExit) as error:
            raise _Failure(f"cannot import {module_name!r}: {type(error).__name__}: {error}") from None
    app: Any = module
    for part in attribute.split("."):
        try:
            app = getattr(app, part)
        except AttributeError:
            raise _Failure(f"{target}: {module_name!r} has no attribute {attribute!r}") from None
    if factory:
        if not callable(app):
            raise _Failure(f"{target}: {attribute!r} is not a function to call")
        with contextlib.redirect_stdout(sys.stderr):
            try:
                app = app()
            except Exception as error:
                raise _Failure(f"{target}: calling {attribute}() failed: {type(error).__name__}: {error}") from None
    if not isinstance(getattr(app, "routes", None), list):
        raise _Failure(f"{target} is not a Starlette or FastAPI app (it has no routes)")
    return app


def _app_text(app: Any, name: str) -> str | None:
    value = getattr(app, name, None)
    return value if isinstance(value, str) and value else None


def _servers(specs: Sequence[str]) -> dict[str, str]:
    servers: dict[str, str] = {}
    for spec in specs:
        name, url = spec.split("=", 1) if "=" in spec.partition("://")[0] else ("default", spec)
        if name in servers:
            raise _Failure(f"two servers named {name!r}; name them: --server NAME=URL")
        servers[name] = url
    return servers


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError as error:
        raise _Failure(f"cannot write {output}: {error.strerror or error}", EXIT_OUTPUT) from None

