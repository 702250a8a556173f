"""Interleaved rounds: every contender runs once per round, so a noisy moment hits them all alike."""

from __future__ import annotations

import gc
import statistics
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

Trial = Callable[[], Awaitable[float]]
"""One measurement of one contender: runs a batch and returns its figure (time per operation, rate, ...)."""


@dataclass
class Samples:
    """The figures each contender got, round by round, in one unit."""

    unit: str
    """What a figure is, for the table: `µs/message`, `messages/s`, ..."""

    by_contender: dict[str, list[float]] = field(default_factory=dict)
    """Each contender's figures, one per round, in round order."""

    def median(self, contender: str) -> float:
        """The contender's median figure."""
        return statistics.median(self.by_contender[contender])

    def ratio(self, contender: str, baseline: str) -> float:
        """The median, over rounds, of the contender's figure divided by the baseline's in the same round.

        Pairing the rounds cancels the drift of a shared machine's load.
        """
        pairs = zip(self.by_contender[contender], self.by_contender[baseline], strict=True)
        return statistics.median(a / b for a, b in pairs)


async def interleave(trials: Mapping[str, Trial], *, rounds: int, unit: str, warmup: int = 1) -> Samples:
    """Run every trial once per round, rotating their order each round; the warm-up rounds are dropped."""
    names = list(trials)
    samples = Samples(unit, {name: [] for name in names})
    for index in range(warmup + rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            gc.collect()
            figure = await trials[name]()
            if index >= warmup:
                samples.by_contender[name].append(figure)
    return samples
