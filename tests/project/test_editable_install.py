"""The README's editable install (`pip install -e '.[dev]'`) is visible to mypy and pyright from elsewhere.

setuptools' editable install is an import hook that neither checker follows;
hatchling's is a `.pth` path entry to the checkout, which both do. A user's
module in a folder outside the checkout is checked by both, in strict mode,
with the environment this suite runs in (installed as the README says).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
USER_CODE = '''\
from pydantic import BaseModel
from typing_extensions import assert_type

import typedws
from typedws import WebSocket


class Say(BaseModel):
    text: str


@typedws.endpoint
async def echo(ws: WebSocket[Say, Say]) -> None:
    async with ws:
        async for say in ws:
            assert_type(say, Say)
            await ws.send(say)


assert_type(echo, typedws.Endpoint[Say, Say])
'''


def run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, env=os.environ.copy(), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}{result.stderr}"


def test_the_install_is_an_editable_path_entry_to_the_checkout() -> None:
    distribution = importlib.metadata.distribution("typedws")
    origin = json.loads(distribution.read_text("direct_url.json") or "{}")
    assert origin.get("dir_info", {}).get("editable"), "install the checkout as the README says: pip install -e '.[dev]'"
    path_entries = [
        Path(line)
        for file in distribution.files or ()
        if file.name.endswith(".pth")
        for line in file.read_text().splitlines()
        if line and not line.startswith(("import ", "#"))
    ]
    assert path_entries == [ROOT]


def test_mypy_and_pyright_see_the_editable_install_from_a_folder_outside_the_checkout(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(USER_CODE)
    run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy_cache"), "app.py"], tmp_path)
    (tmp_path / "pyrightconfig.json").write_text('{"typeCheckingMode": "strict"}')
    run([sys.executable, "-m", "pyright", "--pythonpath", sys.executable, "app.py"], tmp_path)
