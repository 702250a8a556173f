"""The fan-out benchmark (`python -m benchmarks.fanout`) runs every way once and prints its table; no speed asserted."""

from __future__ import annotations

import pytest

from benchmarks import fanout


@pytest.mark.anyio
async def test_the_fanout_benchmark_delivers_every_message_and_prints_its_ratios() -> None:
    results = await fanout.measure(fanout.TINY)
    assert list(results) == list(fanout.FANOUTS)
    for samples in results.values():
        assert set(samples.by_contender) == {"floor", "forward", "subscriptions"}
        assert all(figure > 0 for figures in samples.by_contender.values() for figure in figures)
    table = fanout.render(results)
    assert "goal: forward / floor at 1000 connections ≤ 1.2×" in table
    assert table.count("×)") == 2 * len(fanout.FANOUTS)
