"""docs/production.md shows the server matrix's own table of server differences, as the matrix asserts it."""

from __future__ import annotations

from pathlib import Path

from tests.support.launchers import differences_table

PAGE = Path(__file__).resolve().parents[2] / "docs" / "production.md"

START = "<!-- server-differences: generated from tests/support/launchers.py; tests/project/test_server_table.py checks it -->\n"
END = "<!-- end of server-differences -->"


def test_the_production_page_shows_the_matrix_table_of_server_differences() -> None:
    text = PAGE.read_text(encoding="utf-8")
    assert START in text and END in text, f"docs/production.md lacks the markers around the table: {START!r}"
    shown = text.split(START, 1)[1].split(END, 1)[0]
    assert shown == differences_table(), f"replace the table in docs/production.md with:\n{differences_table()}"
