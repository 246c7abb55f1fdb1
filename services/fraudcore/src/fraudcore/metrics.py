"""Prometheus metric definitions: every metric name, help text, label set and bucket layout.

Services create only the metrics they export (``spec.create(registry)``), so names live here once
and a process never exports another service's zeros. Names follow Prometheus conventions: the
``fraud_`` prefix, base units (seconds, bytes) in the name, ``_total`` on counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, Info

# Resolves 0.5-100 ms finely (the 35 ms budget sits between buckets), then coarser up to 10 s.
LATENCY_BUCKETS_S: tuple[float, ...] = (
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035,
    0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
# Single-call timings such as one ONNX inference live well below a millisecond.
FAST_BUCKETS_S: tuple[float, ...] = (
    0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1,
)  # fmt: skip
BATCH_SIZE_BUCKETS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)

Kind = Literal["counter", "gauge", "histogram", "info"]
Metric = Counter | Gauge | Histogram | Info


@dataclass(frozen=True)
class MetricSpec:
    name: str
    help: str
    kind: Kind
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = field(default=LATENCY_BUCKETS_S)

    def create(self, registry: CollectorRegistry = REGISTRY) -> Metric:
        # prometheus_client appends _total to counters itself; the spec keeps the full name.
        name = self.name.removesuffix("_total") if self.kind == "counter" else self.name
        if self.kind == "counter":
            return Counter(name, self.help, self.labels, registry=registry)
        if self.kind == "gauge":
            return Gauge(name, self.help, self.labels, registry=registry)
        if self.kind == "info":
            return Info(name.removesuffix("_info"), self.help, self.labels, registry=registry)
        return Histogram(name, self.help, self.labels, registry=registry, buckets=self.buckets)


# --- producer -------------------------------------------------------------------------------
PRODUCER_TRANSACTIONS = MetricSpec(
    "fraud_producer_transactions_total",
    "Transactions handed to Kafka, by fraud scenario ('genuine' for legitimate ones).",
    "counter",
    ("scenario",),
)
PRODUCER_LABELS = MetricSpec(
    "fraud_producer_labels_total", "Ground-truth labels sent, by outcome.", "counter", ("is_fraud",)
)
PRODUCER_POISON = MetricSpec(
    "fraud_producer_poison_messages_total",
    "Deliberately malformed messages sent (test and benchmark traffic).",
    "counter",
    ("kind",),
)
PRODUCER_DELIVERY_ERRORS = MetricSpec(
    "fraud_producer_delivery_errors_total",
    "Messages Kafka reported as not delivered.",
    "counter",
    ("topic",),
)
PRODUCER_DELIVERY_LATENCY = MetricSpec(
    "fraud_producer_delivery_latency_seconds",
    "Time from produce() to the broker's acknowledgement.",
    "histogram",
)
PRODUCER_TARGET_RATE = MetricSpec(
    "fraud_producer_target_rate_tps", "Requested transaction rate.", "gauge"
)

PRODUCER_METRICS = (
    PRODUCER_TRANSACTIONS,
    PRODUCER_LABELS,
    PRODUCER_POISON,
    PRODUCER_DELIVERY_ERRORS,
    PRODUCER_DELIVERY_LATENCY,
    PRODUCER_TARGET_RATE,
)
