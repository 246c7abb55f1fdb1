"""The live guard: the share of review and block decisions over the latest payments, exported
beside the rate the model card promises, so an alert fires when live traffic no longer looks
like what the model was evaluated on (a cold start, a clock running at the wrong speed, a drifted
world) rather than after analysts drown in alerts."""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable

from fraud_consumer.metrics import ConsumerMetrics

log = logging.getLogger(__name__)
WINDOW = 10_000  # decisions: at a 1% alert rate, 100 alerts, so a 1.5x change is 5 sigma away
MIN_DECISIONS = WINDOW // 2  # fewer say little: the gauge stays NaN (no alert) until then
ASK_EVERY_S = 60.0  # a scorer that cannot tell the expected rate is asked again this often


class AlertRateGuard:
    def __init__(self, metrics: ConsumerMetrics, expected: Callable[[], float | None]) -> None:
        self.metrics = metrics
        self.expected = expected
        self.batches: deque[tuple[int, int]] = deque()  # (flagged, decisions) per batch
        self.flagged = self.decisions = 0
        self.model_version: str | None = None
        self.expected_known = False
        self.next_ask = 0.0
        metrics.alert_rate.set(math.nan)
        metrics.expected_alert_rate.set(math.nan)

    def observe(self, flagged: int, decisions: int, model_version: str) -> None:
        if model_version != self.model_version:
            if self.model_version is not None:  # another model: its own window
                self.batches.clear()
                self.flagged = self.decisions = 0
                self.metrics.alert_rate.set(math.nan)
            self.model_version, self.expected_known, self.next_ask = model_version, False, 0.0
        if not self.expected_known and time.monotonic() >= self.next_ask:
            self.next_ask = time.monotonic() + ASK_EVERY_S
            rate = self.expected()
            self.expected_known = rate is not None
            self.metrics.expected_alert_rate.set(math.nan if rate is None else rate)
        self.batches.append((flagged, decisions))
        self.flagged += flagged
        self.decisions += decisions
        while self.batches and self.decisions - self.batches[0][1] >= WINDOW:
            old_flagged, old_decisions = self.batches.popleft()
            self.flagged -= old_flagged
            self.decisions -= old_decisions
        if self.decisions >= MIN_DECISIONS:
            self.metrics.alert_rate.set(self.flagged / self.decisions)
