"""The printed report: tables of medians, and every goal beside the ratio measured in the same run."""

from __future__ import annotations

import operator
import platform
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from importlib.metadata import version

from .rounds import Samples
from .suite import Results

_COMPARISONS: dict[str, Callable[[float, float], bool]] = {"≤": operator.le, "≥": operator.ge, ">": operator.gt}


@dataclass(frozen=True)
class Goal:
    """A target ratio and the ratio this run measured."""

    name: str
    """What is compared, e.g. `typed / floor, small`."""

    measured: float
    """The ratio measured (median of paired rounds)."""

    sign: str
    """How the ratio must compare with the target: `≤`, `≥` or `>`."""

    target: float
    """The bound."""

    note: str = ""
    """The same ratio for the floor, and why a goal is what it is when the issue does not set it directly."""

    @property
    def met(self) -> bool:
        """Whether the measured ratio meets the goal."""
        return _COMPARISONS[self.sign](self.measured, self.target)

    @property
    def bound(self) -> str:
        """The goal as text, e.g. `≤ 1.25×`."""
        return f"{self.sign} {self.target:g}×"


def goals(results: Results) -> list[Goal]:
    """Every goal the run has figures for, each noting the same ratio for the floor (the best reachable)."""
    found: list[Goal] = []
    for case, samples in results.messages.items():
        note = f"typed / core calls: {samples.ratio('typed', 'core calls'):.2f}×"
        if case not in ("small", "large"):
            note += "; the small-message goal, applied here too"
        bound = 1.1 if case == "large" else 1.25
        found.append(Goal(f"typed / floor, {case}", samples.ratio("typed", "floor"), "≤", bound, note))
        note = f"floor: {samples.ratio('starlette', 'floor'):.2f}×"
        found.append(Goal(f"starlette / typed, {case}", samples.ratio("starlette", "typed"), "≥", 3.0, note))
        note = f"floor: {samples.ratio('litestar', 'floor'):.2f}×; Litestar's listener does not validate"
        found.append(Goal(f"litestar / typed, {case}", samples.ratio("litestar", "typed"), ">", 1.0, note))
        if "litestar+dto" in samples.by_contender:
            note = f"floor: {samples.ratio('litestar+dto', 'floor'):.2f}×"
            found.append(Goal(f"litestar+dto / typed, {case}", samples.ratio("litestar+dto", "typed"), ">", 1.0, note))
    if results.end_to_end is not None:
        throughput, cpu = results.end_to_end.throughput, results.end_to_end.server_cpu
        note = f"floor: {throughput.ratio('floor', 'raw starlette'):.2f}×"
        ratio = throughput.ratio("typed", "raw starlette")
        found.append(Goal("typed / raw starlette, messages/s end to end", ratio, "≥", 0.95, note))
        # Server CPU per message is what limits a busy server; it is steadier than the client-paced rate.
        note = f"floor: {cpu.ratio('raw starlette', 'floor'):.2f}×; messages/s when the server's CPU is the limit"
        ratio = cpu.ratio("raw starlette", "typed")
        found.append(Goal("raw starlette / typed, server CPU per message", ratio, "≥", 0.95, note))
    if results.construction is not None:
        ratio = results.construction.ratio("typed model", "starlette")
        found.append(Goal("typed model / starlette, opening a connection", ratio, "≤", 1.5))
    return found


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], left: Collection[int] = (0,)) -> list[str]:
    """Columns padded to line up: the `left` ones aligned left, figures aligned right."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [cell.ljust(width) if i in left else cell.rjust(width) for i, (cell, width) in pairs]
        return "  ".join(cells).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(row) for row in rows)]


def _figure(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _size(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"


def _samples_table(samples: Samples, baseline: str) -> list[str]:
    header = ["contender", f"median {samples.unit}", f"× {baseline}"]
    rows = [
        [name, _figure(samples.median(name)), f"{samples.ratio(name, baseline):.2f}"] for name in samples.by_contender
    ]
    return _table(header, rows)


_PACKAGES = ("typedws", "pydantic", "starlette", "litestar", "uvicorn", "hypercorn", "granian", "daphne")


def _messages_section(results: Results) -> list[str]:
    contenders = list(next(iter(results.messages.values())).by_contender)
    rows = []
    for case, samples in results.messages.items():
        cells = [case, _size(results.frame_bytes[case])]
        for name in contenders:
            if name in samples.by_contender:
                cells.append(f"{_figure(samples.median(name))} ({samples.ratio(name, 'floor'):.2f}×)")
            else:
                cells.append("n/a")
        rows.append(cells)
    title = "Per message in process, µs/message (ratio: × floor, median of paired rounds)"
    return ["", title, *_table(["case", "frame", *contenders], rows)]


def _end_to_end_section(results: Results) -> list[str]:
    assert results.end_to_end is not None
    throughput, cpu = results.end_to_end.throughput, results.end_to_end.server_cpu
    rows = [[name, _figure(throughput.median(name)), _figure(cpu.median(name))] for name in throughput.by_contender]
    title = f"End to end over uvicorn on 127.0.0.1, small messages, {results.settings.e2e_messages} per round"
    return ["", title, *_table(["server", "messages/s", "server CPU µs/message"], rows)]


def _servers_section(results: Results) -> list[str]:
    assert results.servers is not None
    throughput, cpu = results.servers.throughput, results.servers.server_cpu
    baseline = next(iter(throughput.by_contender))
    rows = [
        [
            name,
            _figure(throughput.median(name)),
            f"{throughput.ratio(name, baseline):.2f}",
            _figure(cpu.median(name)),
            f"{cpu.ratio(name, baseline):.2f}",
        ]
        for name in throughput.by_contender
    ]
    title = f"The typed echo on every server, 127.0.0.1, small messages, {results.settings.e2e_messages} per round"
    header = ["server", "messages/s", f"× {baseline}", "server CPU µs/message", f"× {baseline}"]
    return ["", title, *_table(header, rows)]


def _memory_section(results: Results) -> list[str]:
    in_process, resident = results.python_bytes, results.resident_bytes
    names = [*in_process, *(name for name in resident if name not in in_process)]

    def cell(table: dict[str, float], name: str) -> str:
        return _figure(table[name]) if name in table else ""

    rows = [[name, cell(in_process, name), cell(resident, name)] for name in names]
    header = ["contender", "in process (Python allocations)", "uvicorn process (resident)"]
    return ["", "Memory per idle open connection, bytes", *_table(header, rows)]


def _goals_section(found: list[Goal]) -> list[str]:
    rows = [
        [goal.name, f"{goal.measured:.2f}×", goal.bound, "met" if goal.met else "MISSED", goal.note] for goal in found
    ]
    return ["", "Goals (ratios from this run)", *_table(["goal", "measured", "target", "", "note"], rows, (0, 3, 4))]


def render(results: Results) -> str:
    """The report as text: versions, one table per benchmark, then the goals."""
    settings = results.settings
    packages = ", ".join(f"{name} {version(name)}" for name in _PACKAGES)
    lines = [
        f"typedws benchmarks, {settings.mode} mode: {settings.rounds} interleaved rounds per comparison, medians",
        f"Python {platform.python_version()}, {packages}",
    ]
    if results.messages:
        lines += _messages_section(results)
    if results.options is not None:
        title = "Production options in process, small messages: each on alone, against the typed echo with none"
        lines += ["", title, *_samples_table(results.options, "typed")]
    if results.end_to_end is not None:
        lines += _end_to_end_section(results)
    if results.servers is not None:
        lines += _servers_section(results)
    if results.construction is not None:
        lines += ["", "Opening a connection: one WebSocket object", *_samples_table(results.construction, "starlette")]
    if results.python_bytes or results.resident_bytes:
        lines += _memory_section(results)
    found = goals(results)
    if found:
        lines += _goals_section(found)
    return "\n".join(lines)
