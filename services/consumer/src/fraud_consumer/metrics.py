"""The consumer's Prometheus collectors (names and buckets live in fraudcore.metrics)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
from prometheus_client import REGISTRY, CollectorRegistry

from fraudcore import live_stats, metrics
from fraudcore.rules import BASELINE_RULES
from fraudcore.schemas import DLQ_REASONS, Decision


class ConsumerMetrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.end_to_end: Any = metrics.END_TO_END_LATENCY.create(registry)
        self.stage: Any = metrics.STAGE_LATENCY.create(registry)
        self.batch_size: Any = metrics.CONSUMER_BATCH_SIZE.create(registry)
        self.transactions: Any = metrics.CONSUMER_TRANSACTIONS.create(registry)
        self.decisions: Any = metrics.DECISIONS.create(registry)
        self.model_decisions: Any = metrics.MODEL_DECISIONS.create(registry)
        self.agreements: Any = metrics.CHALLENGER_AGREEMENTS.create(registry)
        # (version, role) -> its children by decision: exported (at zero) from its first batch
        self._model_children: dict[tuple[str, str], dict[Decision, Any]] = {}
        self.rules: Any = metrics.RULE_HITS.create(registry)
        self.shadow_rules: Any = metrics.RULE_SHADOW_HITS.create(registry)
        self.shadow_new_alerts: Any = metrics.RULE_SHADOW_NEW_ALERTS.create(registry)
        self.rule_errors: Any = metrics.RULE_ERRORS.create(registry)
        self.rules_revision: Any = metrics.RULES_REVISION.create(registry)
        self.lists_revision: Any = metrics.LISTS_REVISION.create(registry)
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
        self.alert_rate: Any = metrics.ALERT_RATE_WINDOW.create(registry)
        self.expected_alert_rate: Any = metrics.ALERT_RATE_EXPECTED.create(registry)
        self.drift_score: Any = metrics.DRIFT_SCORE_PSI.create(registry)
        self.drift_feature: Any = metrics.DRIFT_FEATURE_PSI.create(registry)
        self.drift_window: Any = metrics.DRIFT_WINDOW.create(registry)
        self._initialise()

    def _initialise(self) -> None:
        """Export every known label value at zero from the start, so a rate() over a series
        that has not happened yet reads 0 instead of nothing (alerts and panels rely on it)."""
        for decision in Decision:
            self.decisions.labels(decision=decision.value)
        for rule in BASELINE_RULES:
            self.rules.labels(rule=rule.id)
        for reason in DLQ_REASONS:
            self.dlq.labels(reason=reason)
        for dependency in metrics.RETRY_DEPENDENCIES:
            self.retries.labels(dependency=dependency)
        for outcome in live_stats.OUTCOMES:
            self.outcomes.labels(outcome=outcome)
        for is_fraud in ("true", "false"):
            self.labels.labels(is_fraud=is_fraud)
        for stage in metrics.STAGES:
            self.stage.labels(stage=stage)

    def _children(self, version: str, role: str) -> dict[Decision, Any]:
        # Every decision of a version exported from its first batch: alert rates read 0, not
        # nothing, until the version's first alert. Looked up once, not per batch.
        children = self._model_children.get((version, role))
        if children is None:
            children = {d: self.model_decisions.labels(version, role, d.value) for d in Decision}
            self._model_children[version, role] = children
        return children

    def observe_models(
        self,
        champion: str,
        decided: Sequence[Decision],
        challenger: str | None = None,
        shadowed: Sequence[Decision] = (),
    ) -> None:
        """One batch's decisions by model version: the champion's, and the challenger's in
        shadow with how many of them were the champion's (the log's agreement, live)."""
        roles = [(metrics.CHAMPION, champion, decided)]
        if challenger is not None:
            roles.append((metrics.CHALLENGER, challenger, shadowed))
            agreed = sum(a == b for a, b in zip(decided, shadowed, strict=True))
            self.agreements.labels(challenger, champion).inc(agreed)
        for role, version, decisions in roles:
            children = self._children(version, role)
            for decision, count in Counter(decisions).items():
                children[decision].inc(count)


# Up to this many values, observe() one at a time costs less than numpy's fixed ~20 us.
FEW_VALUES = 8


def observe_all(histogram: Any, values: Sequence[float]) -> None:
    """``histogram.observe(value)`` for every value (a batch's latencies, in seconds) at about
    the cost of one: numpy counts the buckets. Uses prometheus_client's Histogram internals;
    a test checks the result against ``observe`` one value at a time."""
    if len(values) <= FEW_VALUES:
        for value in values:
            histogram.observe(value)
        return
    histogram._raise_if_not_observable()
    amounts = np.asarray(values, dtype=np.float64)
    bounds = histogram._upper_bounds
    # observe() counts a value in the first bucket whose bound is >= it (NaN: in none).
    counts = np.bincount(np.searchsorted(bounds, amounts, side="left"), minlength=len(bounds))
    for bucket, count in zip(histogram._buckets, counts.tolist(), strict=False):
        if count:
            bucket.inc(count)
    histogram._sum.inc(float(amounts.sum()))
