"""Timing shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable

REPEAT = 3


def best_of(function: Callable[[], object], repeat: int = REPEAT) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by other work)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)
