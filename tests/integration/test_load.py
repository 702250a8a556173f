"""The load benchmark at CI size: every echo correct under a few hundred concurrent connections, no error logged.

Correctness only: nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import pytest

from benchmarks.load import app, main, raise_open_file_limit, run_load
from tests.support.servers import serve

CONNECTIONS = 300
ROUND_TRIPS = 5


@pytest.mark.anyio
async def test_every_echo_is_correct_under_concurrent_load(ws_impl: str) -> None:
    """The server runs in this process, so the error-log check of `conftest.py` sees everything it logs."""
    raise_open_file_limit(CONNECTIONS)
    with serve(app, ws=ws_impl) as url:
        result = await run_load(url, CONNECTIONS, ROUND_TRIPS)
    assert result.failures == []
    assert len(result.latencies) == CONNECTIONS * ROUND_TRIPS


def test_the_load_script_reports_its_figures(capsys: pytest.CaptureFixture[str]) -> None:
    """The command line, with its server in a child process: exit status 0 means no failure and no error log."""
    status = main(["--connections", "50", "--round-trips", "3", "--ws", "wsproto"])
    report = capsys.readouterr().out
    assert status == 0, report
    for figure in ("messages/s", "latency p50", "latency p99", "server peak memory"):
        assert figure in report
    assert "150 received, 0 failures" in report
    assert "server error logs   0" in report
