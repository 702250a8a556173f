"""Run the benchmark suite: `python -m benchmarks [--quick] [--only SECTION ...]`."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from .report import render
from .suite import FULL, QUICK, SECTIONS, run


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line, run the suite and print its report."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="typedws against the floor, Starlette and Litestar: medians and same-run ratios.",
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds and messages (a few seconds)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, default=SECTIONS, metavar="SECTION",
                        help=f"run only these parts: {', '.join(SECTIONS)}")  # fmt: skip
    args = parser.parse_args(argv)
    results = asyncio.run(run(QUICK if args.quick else FULL, only=args.only))
    print(render(results))


if __name__ == "__main__":
    main()
