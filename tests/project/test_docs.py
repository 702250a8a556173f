"""The docs' code is code: every Python block of README.md and docs/*.md runs, and type-checks under mypy --strict.

The rule for writers: the ```python blocks of one file run in order, in one
namespace, as one script (from the checkout, so `examples` and `typedws`
import); a block fenced ```python check needs a live server, Redis or the
network, so it is type-checked with the others but not run. Blocks in other
languages (sh, json, javascript, ...) are not Python and are left alone.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<code>.*?)^(?P=indent)```[ \t]*$", re.MULTILINE | re.DOTALL
)


@dataclass(frozen=True)
class Block:
    """A fenced block of Python in a Markdown file."""

    code: str
    line: int
    """The line of its opening fence (1-based)."""
    runs: bool
    """`False` for ```python check blocks: type-checked only."""


def python_blocks(path: Path) -> list[Block]:
    """The Python blocks of a Markdown file, in order."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        words = match["info"].split()
        if words[:1] != ["python"]:
            continue
        if words[1:] not in ([], ["check"]):
            raise ValueError(f"{path.name}: unknown fence ```{match['info']}; use ```python or ```python check")
        line = text.count("\n", 0, match.start()) + 1
        code = textwrap.dedent(match["code"]) if match["indent"] else match["code"]  # a block in a list item
        blocks.append(Block(code, line, runs=words[1:] != ["check"]))
    return blocks


def script_of(path: Path, blocks: list[Block]) -> str:
    """The blocks as one module, each preceded by a comment naming where it comes from."""
    return "".join(f"# {path.name}, line {block.line}\n{block.code}\n" for block in blocks)


def _module_name(path: Path) -> str:
    return "doc_" + re.sub(r"\W", "_", path.stem.lower())


DOCS_WITH_CODE = [path for path in DOCS if any(block.runs for block in python_blocks(path))]


@pytest.mark.parametrize("path", DOCS_WITH_CODE, ids=lambda path: path.name)
def test_the_python_blocks_of_each_doc_run(path: Path, tmp_path: Path) -> None:
    script = tmp_path / f"{_module_name(path)}.py"
    script.write_text(script_of(path, [block for block in python_blocks(path) if block.runs]), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert result.returncode == 0, f"{path.name}'s code failed:\n{result.stdout}\n{result.stderr}"


def test_the_python_blocks_of_every_doc_type_check(tmp_path: Path) -> None:
    modules = []
    for path in DOCS:
        blocks = python_blocks(path)
        if blocks:
            module = tmp_path / f"{_module_name(path)}.py"
            module.write_text(script_of(path, blocks), encoding="utf-8")
            modules.append(str(module))
    assert modules
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "mypy.ini"), "--no-incremental", *modules],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_fence_with_an_unknown_word_is_refused(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("```python run\nprint(1)\n```\n")
    with pytest.raises(ValueError, match="unknown fence"):
        python_blocks(doc)
