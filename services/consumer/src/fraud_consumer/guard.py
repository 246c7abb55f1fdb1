"""The live guard: the share of payments scoring at or above the review threshold over the latest
payments, exported beside the rate the model card measured on its validation weeks, so an alert
fires when live traffic no longer looks like what the model was evaluated on (a cold start, a
clock at the wrong speed, a drifted world) rather than after analysts drown in alerts. Scores,
not decisions: the named rules escalate more payments, and the card's rate does not count them."""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fraud_consumer.metrics import ConsumerMetrics

log = logging.getLogger(__name__)
WINDOW = 10_000  # payments: at a 1% alert rate, 100 alerts, so a 1.5x change is 5 sigma away
MIN_PAYMENTS = WINDOW // 2  # fewer say little: the gauge stays NaN (no alert) until then
ASK_EVERY_S = 60.0  # a scorer that cannot tell the card's figures is asked again this often


@dataclass(frozen=True)
class CardReference:
    """What the model card promises: the review threshold and its validation alert rate."""

    review_threshold: float
    expected_alert_rate: float


class AlertRateGuard:
    def __init__(
        self, metrics: ConsumerMetrics, reference: Callable[[str], CardReference | None]
    ) -> None:
        self.metrics = metrics
        self.reference = reference
        self.card: CardReference | None = None
        self.batches: deque[tuple[int, int]] = deque()  # (alerts, payments) per batch
        self.alerts = self.payments = 0
        self.model_version: str | None = None
        self.next_ask = 0.0
        metrics.alert_rate.set(math.nan)
        metrics.expected_alert_rate.set(math.nan)

    def _start(self, model_version: str) -> None:
        """Another model: its own card and its own window."""
        self.model_version, self.card, self.next_ask = model_version, None, 0.0
        self.batches.clear()
        self.alerts = self.payments = 0
        self.metrics.alert_rate.set(math.nan)
        self.metrics.expected_alert_rate.set(math.nan)

    def observe(self, scores: Sequence[float], model_version: str) -> None:
        if model_version != self.model_version:
            self._start(model_version)
        if self.card is None and time.monotonic() >= self.next_ask:
            self.next_ask = time.monotonic() + ASK_EVERY_S
            self.card = self.reference(model_version)
            if self.card is not None:
                self.metrics.expected_alert_rate.set(self.card.expected_alert_rate)
        if self.card is None:
            return
        threshold = self.card.review_threshold
        alerts = sum(score >= threshold for score in scores)
        self.batches.append((alerts, len(scores)))
        self.alerts += alerts
        self.payments += len(scores)
        while self.batches and self.payments - self.batches[0][1] >= WINDOW:
            old_alerts, old_payments = self.batches.popleft()
            self.alerts -= old_alerts
            self.payments -= old_payments
        if self.payments >= MIN_PAYMENTS:
            self.metrics.alert_rate.set(self.alerts / self.payments)
