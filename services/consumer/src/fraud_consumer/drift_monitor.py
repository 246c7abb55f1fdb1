"""Drift before labels, exported: PSI of the latest payments' scores and features against the
model card's training reference, as Prometheus gauges (NaN while the window fills, or when the
model's card carries no reference). A switch of model starts a new window on its own card."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from fraud_consumer.metrics import ConsumerMetrics
from fraudcore.drift import Drift, DriftReference, DriftWindow
from fraudcore.drift.window import BLOCK, MIN_PAYMENTS, WINDOW
from fraudcore.features import FEATURE_NAMES

log = logging.getLogger(__name__)
ASK_EVERY_S = 60.0  # a scorer that cannot tell the card's reference is asked again this often


class DriftMonitor:
    def __init__(
        self,
        metrics: ConsumerMetrics,
        reference: Callable[[str], DriftReference | None],
        window: int = WINDOW,
    ) -> None:
        self.metrics = metrics
        self.reference = reference
        self.window_payments = window
        self.model_version: str | None = None
        self.window: DriftWindow | None = None
        self.next_ask = 0.0
        self._clear()

    def _clear(self) -> None:
        self.metrics.drift_score.set(math.nan)
        for name in FEATURE_NAMES:
            self.metrics.drift_feature.labels(feature=name).set(math.nan)
        self.metrics.drift_window.set(0)
        self.window_reported = 0
        # Batches wait here until they fill the window's block, then go in as one: the window
        # would only add up their bin counts until then, at a dozen array operations a batch.
        self.waiting: list[tuple[npt.NDArray[np.float32], Sequence[float]]] = []
        self.waiting_payments = 0

    def _start(self, model_version: str) -> None:
        self.model_version, self.window, self.next_ask = model_version, None, 0.0
        self._clear()

    def _ask(self, model_version: str) -> None:
        self.next_ask = time.monotonic() + ASK_EVERY_S
        reference = self.reference(model_version)
        if reference is None:
            return
        if reference.model_version != self.model_version:
            log.warning("drift reference of %s does not describe model %s: drift not measured",
                        reference.model_version, self.model_version)  # fmt: skip
            return
        log.info("drift of %s measured against its card's training reference (%s)",
                 model_version, reference.window)  # fmt: skip
        # Reported from half the window, moved in hundredths of it, as the default window is.
        payments = self.window_payments
        least, block = payments * MIN_PAYMENTS // WINDOW, max(1, payments * BLOCK // WINDOW)
        self.window = DriftWindow(reference, FEATURE_NAMES, payments, least, block)

    def observe(
        self, rows: npt.NDArray[np.float32], scores: Sequence[float], model_version: str
    ) -> None:
        if model_version != self.model_version:
            self._start(model_version)
        if self.window is None and time.monotonic() >= self.next_ask:
            self._ask(model_version)
        if self.window is None:
            return
        self.waiting.append((rows, scores))
        self.waiting_payments += len(rows)
        if self.waiting_payments < self.window.block:
            return
        batches, self.waiting, self.waiting_payments = self.waiting, [], 0
        drift = self.window.observe(
            np.concatenate([rows for rows, _ in batches]),
            [score for _, some in batches for score in some],
        )
        if self.window.payments != self.window_reported:  # it moves by blocks, not per batch
            self.window_reported = self.window.payments
            self.metrics.drift_window.set(self.window_reported)
        if drift is not None:
            self._export(drift)

    def _export(self, drift: Drift) -> None:
        self.metrics.drift_score.set(drift.score)
        for name, value in drift.features.items():
            self.metrics.drift_feature.labels(feature=name).set(value)
