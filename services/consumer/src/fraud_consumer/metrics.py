"""The consumer's Prometheus collectors (names and buckets live in fraudcore.metrics)."""

from __future__ import annotations

from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry

from fraudcore import metrics


class ConsumerMetrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.end_to_end: Any = metrics.END_TO_END_LATENCY.create(registry)
        self.stage: Any = metrics.STAGE_LATENCY.create(registry)
        self.batch_size: Any = metrics.CONSUMER_BATCH_SIZE.create(registry)
        self.transactions: Any = metrics.CONSUMER_TRANSACTIONS.create(registry)
        self.decisions: Any = metrics.DECISIONS.create(registry)
        self.rules: Any = metrics.RULE_HITS.create(registry)
        self.dlq: Any = metrics.DLQ_MESSAGES.create(registry)
        self.duplicates: Any = metrics.DUPLICATES.create(registry)
        self.lag: Any = metrics.CONSUMER_LAG.create(registry)
        self.retries: Any = metrics.CONSUMER_RETRIES.create(registry)
        self.paused: Any = metrics.CONSUMER_PAUSED.create(registry)
        self.labels: Any = metrics.LABELS_RECEIVED.create(registry)
        self.outcomes: Any = metrics.LABEL_OUTCOMES.create(registry)
        self.precision: Any = metrics.MODEL_PRECISION.create(registry)
        self.recall: Any = metrics.MODEL_RECALL.create(registry)
        self.model_info: Any = metrics.MODEL_INFO.create(registry)
