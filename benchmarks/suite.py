"""The whole suite: what each mode measures, and the run that gathers every figure."""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

from . import construction, end_to_end, inprocess, memory, options
from .end_to_end import EndToEnd
from .payloads import Case, cases
from .rounds import Samples

SECTIONS = ("messages", "options", "end-to-end", "servers", "construction", "memory")
"""The parts of the suite, in the order they run: `--only` takes these names."""


@dataclass(frozen=True)
class Settings:
    """How much each benchmark does: more rounds and messages give steadier medians."""

    mode: str
    """The mode's name, for the report's title."""

    rounds: int
    """Interleaved rounds per comparison (after one warm-up round)."""

    messages: Mapping[str, int]
    """Messages echoed per contender and round in process, by case name."""

    e2e_messages: int
    """Messages echoed per server and round over uvicorn."""

    constructions: int
    """Connection objects built per contender and round."""

    idle_connections: int
    """Idle connections held open in process, per contender."""

    resident_connections: int
    """Idle connections held open to each uvicorn process."""


FULL = Settings("full", 15, {"small": 4000, "medium": 400, "large": 8, "union": 4000}, 5000, 20000, 1000, 500)
"""The default: about half a minute on an idle machine of two cores."""

QUICK = Settings("quick", 7, {"small": 600, "medium": 60, "large": 2, "union": 600}, 2000, 4000, 200, 100)
"""`--quick`: every benchmark, fewer rounds and messages; a few seconds."""

TINY = Settings("tiny", 1, {"small": 2, "medium": 2, "large": 1, "union": 2}, 5, 3, 3, 3)
"""Just enough to run every code path once (the suite's own test)."""


@dataclass
class Results:
    """Every figure of one run of the suite."""

    settings: Settings
    """How the run was made."""

    frame_bytes: dict[str, int] = field(default_factory=dict)
    """Each in-process case's frame size in bytes."""

    messages: dict[str, Samples] = field(default_factory=dict)
    """Per-message microseconds of each in-process contender, by case name."""

    options: Samples | None = None
    """Per-message microseconds of the typed echo with each production option on (small message)."""

    end_to_end: end_to_end.EndToEnd | None = None
    """Throughput and server CPU over uvicorn."""

    servers: EndToEnd | None = None
    """Throughput and server CPU of the typed echo on each server of the matrix."""

    construction: Samples | None = None
    """Nanoseconds per connection object."""

    python_bytes: dict[str, float] = field(default_factory=dict)
    """Python bytes per idle connection in process (small-message model), by contender."""

    resident_bytes: dict[str, float] = field(default_factory=dict)
    """Resident bytes per idle connection in a uvicorn process, by server."""


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run(settings: Settings, only: Collection[str] = SECTIONS, progress: Callable[[str], None] = _log) -> Results:
    """Run the parts of the suite named in `only`, reporting progress to `progress`."""
    results = Results(settings)
    all_cases: list[Case] = cases()
    if "messages" in only:
        for case in all_cases:
            progress(f"per message in process: {case.name} ({case.frame_bytes} B)")
            results.frame_bytes[case.name] = case.frame_bytes
            count = settings.messages[case.name]
            results.messages[case.name] = await inprocess.measure_case(case, count, settings.rounds)
    if "options" in only:
        progress("production options in process")
        results.options = await options.measure(all_cases[0], settings.messages[all_cases[0].name], settings.rounds)
    if "end-to-end" in only:
        progress("end to end over uvicorn on 127.0.0.1")
        results.end_to_end = await end_to_end.measure(all_cases[0].frame, settings.e2e_messages, settings.rounds)
    if "servers" in only:
        progress("the typed echo on every server")
        results.servers = await end_to_end.measure_servers(all_cases[0].frame, settings.e2e_messages, settings.rounds)
    if "construction" in only:
        progress("opening a connection")
        results.construction = await construction.measure(settings.constructions, settings.rounds)
    if "memory" in only:
        progress("memory per idle connection")
        results.python_bytes = await memory.measure_in_process(all_cases[0], settings.idle_connections)
        results.resident_bytes = await memory.measure_resident(settings.resident_connections)
    return results
