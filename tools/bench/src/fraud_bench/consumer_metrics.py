"""A consumer's own figures read from its /metrics while a benchmark runs: a gauge's value, and
a stage's latency histogram between two readings (the batches of one window)."""

from __future__ import annotations

import math
import urllib.request
from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from fraudcore.metrics import STAGE_LATENCY


def samples(port: int) -> list[Sample]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def gauge(port: int, name: str) -> float:
    """A gauge's value (-1 when the consumer does not export it)."""
    return next((float(s.value) for s in samples(port) if s.name == name), -1.0)


@dataclass(frozen=True)
class Histogram:
    """Cumulative bucket counts by upper bound (seconds), their sum and count."""

    buckets: dict[float, float] = field(default_factory=dict)
    total_s: float = 0.0
    count: float = 0.0

    def __sub__(self, earlier: Histogram) -> Histogram:
        return Histogram(
            {le: n - earlier.buckets.get(le, 0.0) for le, n in self.buckets.items()},
            self.total_s - earlier.total_s,
            self.count - earlier.count,
        )

    def upper_bound_ms(self, q: float) -> float:
        """The bucket bound under which a share ``q`` of the observations fell (a bound, not an
        interpolation: the buckets are what the consumer keeps)."""
        wanted = q * self.count
        for le, n in sorted(self.buckets.items()):
            if n >= wanted:
                return le * 1000 if math.isfinite(le) else math.inf
        return math.nan

    def figures(self) -> dict[str, float]:
        """Batches observed, their mean in ms, and the bucket bounds of their p50 and p99."""
        if self.count <= 0:
            return {"batches": 0, "mean_ms": math.nan, "p50_le_ms": math.nan, "p99_le_ms": math.nan}
        return {
            "batches": int(self.count),
            "mean_ms": round(self.total_s / self.count * 1000, 3),
            "p50_le_ms": self.upper_bound_ms(0.50),
            "p99_le_ms": self.upper_bound_ms(0.99),
        }


def stage_histogram(port: int, stage: str) -> Histogram:
    """The consumer's STAGE_LATENCY histogram for ``stage`` as it stands now."""
    buckets: dict[float, float] = {}
    total = count = 0.0
    for sample in samples(port):
        if sample.labels.get("stage") != stage:
            continue
        if sample.name == f"{STAGE_LATENCY.name}_bucket":
            buckets[float(sample.labels["le"])] = float(sample.value)
        elif sample.name == f"{STAGE_LATENCY.name}_sum":
            total = float(sample.value)
        elif sample.name == f"{STAGE_LATENCY.name}_count":
            count = float(sample.value)
    return Histogram(buckets, total, count)
