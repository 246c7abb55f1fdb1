"""The handbook's prequential protocol: fixed-length train, delay and assessment blocks, folds
shifted back one assessment block at a time, and its "known compromised customers" rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

DAY = pd.Timedelta(days=1)
# Test weeks start on 2018-08-08, -15, -22 and -29; training starts 14 days before each.
TEST_TRAIN_START = dt.date(2018, 8, 15)
# Validation: the same folds one train+delay span earlier (the handbook's model selection).
VALID_TRAIN_START = dt.date(2018, 7, 11)


@dataclass(frozen=True)
class Fold:
    train_start: pd.Timestamp
    train_days: int = 7
    delay_days: int = 7
    assess_days: int = 7

    @property
    def assess_start(self) -> pd.Timestamp:
        return self.train_start + (self.train_days + self.delay_days) * DAY

    def label(self) -> str:
        return f"train {self.train_start.date()} / assess {self.assess_start.date()}"


def prequential_folds(latest_train_start: dt.date, n_folds: int = 4) -> list[Fold]:
    """``n_folds`` folds, the first starting its training on ``latest_train_start`` and each next
    one a week earlier."""
    start = pd.Timestamp(latest_train_start)
    return [Fold(start - 7 * fold * DAY) for fold in range(n_folds)]


def train_rows(times: pd.Series, fold: Fold) -> npt.NDArray[np.bool_]:
    end = fold.train_start + fold.train_days * DAY
    return np.asarray((times >= fold.train_start) & (times < end), dtype=np.bool_)


def assessment_rows(
    times: pd.Series, customers: pd.Series, fraud: pd.Series, fold: Fold
) -> npt.NDArray[np.bool_]:
    """Rows of the assessment block, less the payments of customers already known compromised:
    a customer with a fraud in the training block, or in the delay days up to the assessed day
    less the delay (labels known by then), is left out of that day's assessment."""
    day = ((times - fold.train_start) // DAY).to_numpy()
    customer = customers.to_numpy()
    is_fraud = fraud.to_numpy().astype(bool)
    keep = np.zeros(len(times), dtype=bool)
    for offset in range(fold.assess_days):
        assessed = fold.train_days + fold.delay_days + offset
        # Training block frauds, plus delay-period frauds whose label is `delay` days old.
        known_until = fold.train_days + offset - 1
        known = np.unique(customer[is_fraud & (day >= 0) & (day <= known_until)])
        today = day == assessed
        keep |= today & ~np.isin(customer, known)
    return keep
