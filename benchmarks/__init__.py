"""typedws's benchmark suite: per-message cost, end to end, connection cost and memory.

Run it with `python -m benchmarks` (add `--quick` for a short run).
"""
