"""The producer's Prometheus collectors (names and help texts live in fraudcore.metrics)."""

from __future__ import annotations

from typing import Any

from prometheus_client import Gauge, Histogram

from fraud_producer.poison import POISON_KINDS
from fraud_simulator.catalog import GENUINE, SCENARIOS
from fraudcore import metrics


class StreamMetrics:
    def __init__(self) -> None:
        self.transactions: Any = metrics.PRODUCER_TRANSACTIONS.create()
        self.labels: Any = metrics.PRODUCER_LABELS.create()
        self.poison: Any = metrics.PRODUCER_POISON.create()
        self.errors: Any = metrics.PRODUCER_DELIVERY_ERRORS.create()
        self.latency: Histogram = metrics.PRODUCER_DELIVERY_LATENCY.create()  # type: ignore[assignment]
        self.rate: Gauge = metrics.PRODUCER_TARGET_RATE.create()  # type: ignore[assignment]
        self.speed: Gauge = metrics.PRODUCER_WORLD_SPEED.create()  # type: ignore[assignment]
        self.world_time: Gauge = metrics.PRODUCER_WORLD_TIME.create()  # type: ignore[assignment]
        # Every known label value at zero from the start: rate() then reads 0, not nothing.
        for scenario in (GENUINE, *SCENARIOS):
            self.transactions.labels(scenario=scenario)
        for kind in POISON_KINDS:
            self.poison.labels(kind=kind)
        for is_fraud in ("true", "false"):
            self.labels.labels(is_fraud=is_fraud)


_METRICS: StreamMetrics | None = None


def stream_metrics() -> StreamMetrics:
    global _METRICS  # noqa: PLW0603 - one set of collectors per process (prometheus registry)
    if _METRICS is None:
        _METRICS = StreamMetrics()
    return _METRICS
