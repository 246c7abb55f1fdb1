"""The population stability index of one variable: binned on the reference's quantiles, with a
bin of its own for missing values (a feature that stops being defined is drift too).

PSI = sum over bins of (actual - expected) * ln(actual / expected), shares floored at ``FLOOR``
so that an empty bin counts as rare, not impossible. Read as usual: below 0.1 stable, 0.1-0.25
a moderate shift, above 0.25 a major one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

# Deciles, plus the top percent: the fraud score's tail (where alerts are) gets its own bin.
QUANTILES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99)
FLOOR = 1e-4  # the share an empty bin is taken to have
Values = npt.NDArray[np.floating]


class Histogram(BaseModel):
    """Interior bin edges and the reference's share per bin: bin i holds edges[i-1] < x <=
    edges[i] (open at both ends), the last share is the missing values'."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    edges: list[float]
    shares: list[float] = Field(min_length=2)

    @model_validator(mode="after")
    def _consistent(self) -> Histogram:
        if len(self.shares) != len(self.edges) + 2:
            raise ValueError(f"{len(self.edges)} edges need {len(self.edges) + 2} shares")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError("edges must increase strictly")
        if min(self.shares) < 0 or abs(sum(self.shares) - 1) > 1e-6:
            raise ValueError("shares must be non-negative and sum to 1")
        return self

    @classmethod
    def of(cls, values: Values, quantiles: tuple[float, ...] = QUANTILES) -> Histogram:
        """The reference histogram of a sample (its quantiles as edges, ties merged)."""
        values = np.asarray(values, dtype=np.float64)
        defined = values[~np.isnan(values)]
        edges = np.unique(np.quantile(defined, quantiles)) if defined.size else np.array([])
        counts = bin_counts(np.asarray(edges, dtype=np.float64), values)
        return cls(edges=edges.tolist(), shares=(counts / counts.sum()).tolist())

    @property
    def bins(self) -> int:
        return len(self.shares)


def bin_index(edges: npt.NDArray[np.float64], values: Values) -> npt.NDArray[np.intp]:
    """Each value's bin: 0..len(edges) by the edges, len(edges) + 1 when missing."""
    index = np.searchsorted(edges, values, side="left")
    index[np.isnan(values)] = len(edges) + 1
    return index


def bin_counts(edges: npt.NDArray[np.float64], values: Values) -> npt.NDArray[np.int64]:
    return np.bincount(bin_index(edges, values), minlength=len(edges) + 2).astype(np.int64)


def psi(expected: npt.ArrayLike, actual: npt.ArrayLike) -> float:
    """PSI between two distributions over the same bins (shares or counts; each normalised)."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    if e.shape != a.shape or e.ndim != 1:
        raise ValueError("PSI needs two non-empty distributions over the same bins")
    return float(psi_rows(e[None, :], a[None, :])[0])


def psi_rows(expected: npt.ArrayLike, actual: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """PSI of each row pair at once (rows padded with bins empty on both sides add nothing)."""
    e = np.asarray(expected, dtype=np.float64)
    a = np.asarray(actual, dtype=np.float64)
    e_sum, a_sum = e.sum(axis=1, keepdims=True), a.sum(axis=1, keepdims=True)
    if e.shape != a.shape or (e_sum <= 0).any() or (a_sum <= 0).any():
        raise ValueError("PSI needs two non-empty distributions over the same bins")
    e = np.maximum(e / e_sum, FLOOR)
    a = np.maximum(a / a_sum, FLOOR)
    return np.asarray(np.sum((a - e) * np.log(a / e), axis=1), dtype=np.float64)
