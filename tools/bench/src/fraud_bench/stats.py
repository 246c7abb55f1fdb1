"""Percentiles and timing loops."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def load_average() -> dict[str, float]:
    """The machine's load averages (1, 5, 15 minutes): the neighbours a measurement had."""
    one, five, fifteen = os.getloadavg()
    return {"1m": round(one, 2), "5m": round(five, 2), "15m": round(fifteen, 2)}


def measured_on(load_before: dict[str, float]) -> dict[str, object]:
    """When and on what a report was measured: the time now, the CPUs, the load before and
    now."""
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": load_average(),
        },
    }


def measured_sentence(report: dict[str, Any]) -> str:
    """What a summary says of ``measured_on``'s figures."""
    machine = report["machine"]
    return (
        f"Measured {report['measured_at']} on {machine['cpus']} CPUs, load average "
        f"{machine['load_before']['1m']} before, {machine['load_after']['1m']} after."
    )


def write_report(out: Path, report: dict[str, Any], names: tuple[str, str], summary: str) -> None:
    """The report as JSON and its markdown summary, side by side in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / names[0]).write_text(json.dumps(report, indent=1) + "\n")
    (out / names[1]).write_text(summary)


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
