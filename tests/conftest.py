"""Fixtures shared by every test: the async backend and the error-log check."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.server import WS_IMPLEMENTATIONS

collect_ignore = ["typing"]  # checked by mypy (tests/test_mypy.py), never run


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop uvicorn uses."""
    return "asyncio"


@pytest.fixture(params=WS_IMPLEMENTATIONS)
def ws_impl(request: pytest.FixtureRequest) -> str:
    """Each of uvicorn's WebSocket implementations in turn."""
    impl: str = request.param
    return impl


class _ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(autouse=True)
def no_error_logs(request: pytest.FixtureRequest) -> Iterator[list[logging.LogRecord]]:
    """Fail a test whose server, handlers or event loop logged an error.

    A bad peer must never cause an error log; a test that provokes one on
    purpose (a handler crash) carries `@pytest.mark.expect_error_log`, and
    may read the records this fixture yields.
    """
    handler = _ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.records
    finally:
        root.removeHandler(handler)
    if request.node.get_closest_marker("expect_error_log") is None and handler.records:
        messages = "\n".join(f"{r.name}: {r.getMessage()}" for r in handler.records)
        pytest.fail(f"unexpected error logs:\n{messages}")
