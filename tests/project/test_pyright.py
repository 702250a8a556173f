"""Pyright, the type checker most editors run, as a second judge beside mypy.

It checks the package, the typing tests (`tests/typing/`) and the tools in
strict mode (`[tool.pyright]` in pyproject.toml), and measures how completely the public
API is typed (`--verifytypes`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
MINIMUM_COMPLETENESS = 0.98
"""The share of public symbols whose type pyright knows, at least (starlette, pydantic and fastapi score 83–86%)."""


def pyright(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run pyright with this interpreter's packages in view (`PATH` picks its `python`)."""
    executable = Path(sys.executable)
    environment = {**os.environ, "PATH": f"{executable.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [sys.executable, "-m", "pyright", "--pythonpath", str(executable), *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_pyright_strict_is_clean() -> None:
    """Also proves every `# pyright: ignore[rule]` in `tests/typing/` matches an error (unnecessary ones fail)."""
    result = pyright("--project", str(ROOT / "pyproject.toml"))  # named: pyright would take a config of a parent folder
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_public_api_is_typed_completely(tmp_path: Path) -> None:
    """`pyright --verifytypes`, run from outside the checkout, as a user's editor sees the installed package."""
    result = pyright("--verifytypes", "typedws", "--ignoreexternal", "--outputjson", cwd=tmp_path)
    report = json.loads(result.stdout)
    completeness = report["typeCompleteness"]
    if completeness["packageRootDirectory"] is None or not completeness["exportedSymbolCounts"]:
        pytest.fail(f"pyright did not find the typedws package: {result.stdout[:2000]}")
    score: float = completeness["completenessScore"]
    unknown = [
        f"{symbol['name']}: {diagnostic['message']}"
        for symbol in completeness["symbols"]
        if not symbol["isTypeKnown"] and symbol["isExported"]
        for diagnostic in symbol["diagnostics"]
    ]
    assert score >= MINIMUM_COMPLETENESS, f"{score:.1%} of the public API is typed:\n" + "\n".join(unknown)
