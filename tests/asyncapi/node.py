"""The node programs the AsyncAPI tests run, from `.ci/asyncapi`: the official parser, Modelina and TypeScript.

CI installs them (`npm install` in `.ci/asyncapi`). Without node or a
package a test is skipped, except when the `CI` environment variable is
set: there it fails, so a CI run cannot pass without the check.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.programs import missing, require_program

ROOT = Path(__file__).resolve().parents[2]
"""The repository."""

PACKAGES = ROOT / ".ci" / "asyncapi" / "node_modules"
"""Where `npm install` in `.ci/asyncapi` puts the packages."""


def node(*packages: str) -> str:
    """The node executable, once `packages` are installed; skips the test (fails it in CI) without them."""
    executable = require_program("node", "apt-get install nodejs")
    for package in packages:
        if not (PACKAGES / package / "package.json").exists():
            missing(f"{package} is not installed (run `npm install` in .ci/asyncapi)")
    return executable


def run_node(script: Path, *args: str, cwd: Path, packages: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    """Run a node script in `cwd`, where a `node_modules` link makes `packages` importable."""
    executable = node(*packages)
    link = cwd / "node_modules"
    if not link.exists():
        link.symlink_to(PACKAGES, target_is_directory=True)
    return subprocess.run([executable, str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def tsc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the TypeScript compiler (`tsc`) with `args` in `cwd`."""
    executable = node("typescript")
    command = [executable, str(PACKAGES / "typescript" / "bin" / "tsc"), *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
