"""Percentiles and timing loops."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summary_ms(values: Sequence[float]) -> dict[str, float]:
    return {f"p{q}_ms": round(percentile(values, q), 3) for q in (50, 95, 99)}


def time_calls_us(call: Callable[[], object], repeat: int, warmup: int = 50) -> list[float]:
    """Microseconds per call, one sample per call."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        began = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - began) / 1_000)
    return samples
