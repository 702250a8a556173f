"""The benchmark suite runs: every code path of `python -m benchmarks --quick`, once, with tiny counts.

These tests check that every contender echoes correctly and that the report
shows every figure and goal; they assert nothing about speed.
"""

from __future__ import annotations

import math

import pytest
from starlette.types import Receive, Scope, Send

import benchmarks.__main__ as cli
from benchmarks import flood, suite
from benchmarks.apps import CONTENDERS
from benchmarks.inprocess import EchoMismatch, seconds_per_message
from benchmarks.payloads import cases
from benchmarks.report import goals, render
from benchmarks.servers import uvicorn_process
from tests.support.launchers import LAUNCHERS


def _finite_positive(figures: list[float]) -> bool:
    return bool(figures) and all(math.isfinite(f) and f > 0 for f in figures)


@pytest.mark.anyio
async def test_every_part_of_the_suite_runs_and_reports() -> None:
    results = await suite.run(suite.TINY, progress=lambda _: None)

    assert list(results.messages) == ["small", "medium", "large", "union"]
    for case, samples in results.messages.items():
        expected = set(CONTENDERS) - ({"litestar+dto"} if case == "union" else set())
        assert set(samples.by_contender) == expected
        assert all(_finite_positive(figures) for figures in samples.by_contender.values())
    assert results.end_to_end is not None
    assert set(results.end_to_end.throughput.by_contender) == {"raw starlette", "typed", "floor", "litestar"}
    assert all(_finite_positive(f) for f in results.end_to_end.throughput.by_contender.values())
    assert all(len(f) == suite.TINY.rounds for f in results.end_to_end.server_cpu.by_contender.values())
    assert results.options is not None
    assert set(results.options.by_contender) == {
        "typed", "all off", "idle_timeout", "rate_limit", "heartbeat", "telemetry, API only", "telemetry, SDK"
    }
    assert results.servers is not None
    assert list(results.servers.throughput.by_contender) == [launcher.name for launcher in LAUNCHERS]
    assert all(_finite_positive(f) for f in results.servers.server_cpu.by_contender.values())
    assert results.construction is not None
    assert all(_finite_positive(f) for f in results.construction.by_contender.values())
    assert set(results.python_bytes) == set(CONTENDERS)
    assert set(results.resident_bytes) == {"raw starlette", "typed", "floor", "litestar"}

    text = render(results)
    assert "The typed echo on every server" in text
    assert "Production options in process" in text
    for goal in goals(results):
        assert goal.name in text
    assert len(goals(results)) == 4 + 4 + 4 + 3 + 2 + 1  # floor, starlette, litestar, litestar+dto, e2e, opening


def test_the_command_line_prints_the_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "QUICK", suite.TINY)
    cli.main(["--quick", "--only", "messages", "construction"])
    out = capsys.readouterr().out
    assert "tiny mode" in out
    assert "typed / floor, small" in out
    assert "typed model / starlette, opening a connection" in out
    assert "End to end" not in out


@pytest.mark.anyio
async def test_an_echo_that_changes_the_message_is_caught() -> None:
    async def wrong_echo(scope: Scope, receive: Receive, send: Send) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        while (await receive())["type"] == "websocket.receive":
            await send({"type": "websocket.send", "text": '{"something": "else"}'})

    with pytest.raises(EchoMismatch):
        await seconds_per_message(wrong_echo, cases()[0].frame, 3)


def test_a_server_that_cannot_start_is_reported_with_its_output() -> None:
    expected = r"(?s)uvicorn exited with status \d+ before it listened:.*no_such_app"
    with pytest.raises(RuntimeError, match=expected), uvicorn_process("benchmarks.apps:no_such_app"):
        pass


def test_the_flood_benchmark_prints_each_endpoints_p99_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    flood.main(["--round-trips", "30"])
    out = capsys.readouterr().out
    assert "p99 × idle" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("limited", "unlimited"))]
    assert [row[0] for row in rows] == ["limited", "unlimited"]
    assert all(row[-1].endswith("×") and float(row[-1].rstrip("×")) > 0 for row in rows)
