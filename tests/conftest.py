"""Fixtures shared by every test: the async backend, the error-log check, a Redis server."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.support.error_logs import error_records
from tests.support.redis_server import running_redis
from tests.support.servers import WS_IMPLEMENTATIONS

collect_ignore = ["typing"]  # checked by mypy (tests/project/test_mypy.py, test_pyright.py), never run


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio, the loop uvicorn uses."""
    return "asyncio"


@pytest.fixture(params=WS_IMPLEMENTATIONS)
def ws_impl(request: pytest.FixtureRequest) -> str:
    """Each of uvicorn's WebSocket implementations in turn."""
    impl: str = request.param
    return impl


@pytest.fixture(autouse=True)
def no_error_logs(request: pytest.FixtureRequest) -> Iterator[list[logging.LogRecord]]:
    """Fail a test whose server, handlers or event loop logged an error.

    A bad peer must never cause an error log; a test that provokes one on
    purpose (a handler crash) carries `@pytest.mark.expect_error_log`, and
    may read the records this fixture yields.
    """
    with error_records() as records:
        yield records
    if request.node.get_closest_marker("expect_error_log") is None and records:
        messages = "\n".join(f"{r.name}: {r.getMessage()}" for r in records)
        pytest.fail(f"unexpected error logs:\n{messages}")


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """A real Redis server (`tests.support.redis_server`) for the tests of one module: skipped without it, failed in CI."""
    with running_redis() as url:
        yield url
