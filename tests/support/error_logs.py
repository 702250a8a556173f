"""Collect the ERROR records logged anywhere, for the suite's error-log check and for checks of their own."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


class ErrorRecords(logging.Handler):
    """Keeps the ERROR records it is given."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def error_records() -> Iterator[list[logging.LogRecord]]:
    """Collect the ERROR records logged through the root logger during the block."""
    handler = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
