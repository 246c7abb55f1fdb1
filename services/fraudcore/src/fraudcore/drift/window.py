"""Drift over a sliding window of the latest payments: bin counts per block of payments, summed
over the window, compared with the reference by PSI each time a block completes."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fraudcore.drift.psi import psi_rows
from fraudcore.drift.reference import DriftReference

WINDOW = 10_000  # payments: a decile holds 1,000, so PSI's sampling noise stays near 0.001
MIN_PAYMENTS = WINDOW // 2  # fewer say little: nothing is reported until then
BLOCK = WINDOW // 100  # the window moves by blocks of this many payments


@dataclass(frozen=True)
class Drift:
    payments: int  # in the window
    score: float
    features: dict[str, float]


class DriftWindow:
    """Feed scored batches (feature rows as served, scores); ``observe`` returns the window's
    drift whenever a block completes and the window holds enough payments, else None."""

    def __init__(
        self,
        reference: DriftReference,
        feature_names: tuple[str, ...],
        window: int = WINDOW,
        min_payments: int = MIN_PAYMENTS,
        block: int = BLOCK,
    ) -> None:
        missing = sorted(set(feature_names) - set(reference.features))
        if missing:
            raise ValueError(f"the reference has no histogram for {', '.join(missing)}")
        self.names = feature_names
        self.histograms = [reference.score, *(reference.features[n] for n in feature_names)]
        series, width = len(self.histograms), max(h.bins for h in self.histograms)
        # Every series' edges in one matrix, padded with +inf (never below a value), so that one
        # comparison bins a whole batch: a value's bin is the number of edges below it.
        self.edges = np.full((series, width - 2), np.inf)
        self.expected = np.zeros((series, width))  # padded bins are empty on both sides
        for row, histogram in enumerate(self.histograms):
            self.edges[row, : len(histogram.edges)] = histogram.edges
            self.expected[row, : histogram.bins] = histogram.shares
        self.missing = np.array([h.bins - 1 for h in self.histograms])
        self.offsets = np.arange(series) * width
        self.window, self.min_payments, self.block = window, min_payments, block
        self.blocks: deque[tuple[int, npt.NDArray[np.int64]]] = deque()
        self.total = np.zeros_like(self.expected, dtype=np.int64)
        self.pending = np.zeros_like(self.total)
        self.pending_payments = self.payments = 0

    def observe(self, features: npt.NDArray[np.floating], scores: npt.ArrayLike) -> Drift | None:
        values = np.column_stack([np.asarray(scores, dtype=np.float64),
                                  np.asarray(features, dtype=np.float64)])  # fmt: skip
        index = (self.edges[None, :, :] < values[:, :, None]).sum(axis=2)
        index = np.where(np.isnan(values), self.missing, index) + self.offsets
        self.pending += np.bincount(index.ravel(), minlength=self.total.size).reshape(
            self.total.shape
        )
        self.pending_payments += len(values)
        if self.pending_payments < self.block:
            return None
        self._push()
        return self.drift()

    def _push(self) -> None:
        self.blocks.append((self.pending_payments, self.pending))
        self.total += self.pending
        self.payments += self.pending_payments
        self.pending = np.zeros_like(self.total)
        self.pending_payments = 0
        while self.blocks and self.payments - self.blocks[0][0] >= self.window:
            payments, counts = self.blocks.popleft()
            self.payments -= payments
            self.total -= counts

    def drift(self) -> Drift | None:
        """The window's PSI per series, once it holds ``min_payments``."""
        if self.payments < self.min_payments:
            return None
        values = psi_rows(self.expected, self.total).tolist()
        return Drift(self.payments, values[0], dict(zip(self.names, values[1:], strict=True)))
