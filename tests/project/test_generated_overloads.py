"""The overloads that map value types to `In` and `Out` are what `tools/generate_overloads.py` writes from its table."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from tools import generate_overloads
from tools.generate_overloads import BLOCKS, KINDS, NAMED, Block, cases, regenerated, stale_blocks
from typedws import ValueTypeName


def test_every_generated_block_is_up_to_date() -> None:
    assert stale_blocks() == [], "run `python tools/generate_overloads.py` and commit the result"


def test_a_block_edited_by_hand_is_reported(tmp_path: Path) -> None:
    for block in BLOCKS:
        copy = tmp_path / block.path
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_text((generate_overloads.ROOT / block.path).read_text())
    edited = tmp_path / "typedws/client/_connect.py"
    edited.write_text(edited.read_text().replace("# value_type=\"bytes\"", "# hand-made", 1))
    assert stale_blocks(tmp_path) == ["connect"]
    generate_overloads.write_blocks(tmp_path)
    assert stale_blocks(tmp_path) == []


def test_the_table_names_the_value_types_the_codecs_know() -> None:
    assert NAMED == typing.get_args(ValueTypeName)


def test_every_case_is_one_overload_labelled_by_its_case() -> None:
    for block in BLOCKS:
        written = generate_overloads.generate(block)
        labels = [case.label for case in cases(block.kinds)]
        assert written.count("@overload") == len(labels) == len(set(labels))
        assert all(f"# {label}\n" in written for label in labels)
    defaults = sum(kind.default for kind in KINDS)
    assert defaults == 1  # one case is what omitting the argument means


def test_markers_missing_or_repeated_are_an_error() -> None:
    block = Block(name="nowhere", path="typedws/client/_connect.py", template="{decorator}\n")
    with pytest.raises(ValueError, match="expected the markers of 'nowhere' once, found 0"):
        regenerated("def f() -> None: ...\n", block)
