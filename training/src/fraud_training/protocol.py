"""Time-ordered splits for our world: train weeks, a label-delay gap, an assessment week.

A model trained at the start of its assessment week only knows labels that have arrived by
then: training rows whose ``label_time`` falls after that cut-off are left out (their label is
unknown). The gap is long enough for every genuine label (7-8 days) to arrive; the few slow
fraud labels that have not are the realistic loss.

Validation folds come first and end a full gap before the test week starts, so every label
they are scored with is known when the test week begins: hyperparameters are chosen on the
past only, and the test week is scored once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Split:
    name: str
    train_start: pd.Timestamp
    train_days: int
    gap_days: int
    assess_days: int

    @property
    def train_end(self) -> pd.Timestamp:
        return self.train_start + self.train_days * DAY

    @property
    def assess_start(self) -> pd.Timestamp:
        return self.train_end + self.gap_days * DAY

    @property
    def assess_end(self) -> pd.Timestamp:
        return self.assess_start + self.assess_days * DAY

    def train_rows(self, event_time: pd.Series, label_time: pd.Series) -> npt.NDArray[np.bool_]:
        """Rows in the training weeks whose label has arrived by the assessment start."""
        inside = (event_time >= self.train_start) & (event_time < self.train_end)
        return np.asarray(inside & (label_time <= self.assess_start), dtype=np.bool_)

    def assess_rows(self, event_time: pd.Series) -> npt.NDArray[np.bool_]:
        inside = (event_time >= self.assess_start) & (event_time < self.assess_end)
        return np.asarray(inside, dtype=np.bool_)

    def describe(self) -> dict[str, str | int]:
        return {
            "name": self.name,
            "train": f"{self.train_start.date()} .. {(self.train_end - DAY).date()}",
            "gap_days": self.gap_days,
            "assess": f"{self.assess_start.date()} .. {(self.assess_end - DAY).date()}",
        }


@dataclass(frozen=True)
class WorldProtocol:
    """The data's last ``assess_days`` are the test week; the validation weeks before it step
    back one block at a time, the latest ending a full gap before the test week starts."""

    train_days: int = 14
    gap_days: int = 8
    assess_days: int = 7
    validation_folds: int = 2

    def days_needed(self) -> int:
        """Span from the earliest validation training day to the end of the test week."""
        earliest_assess_end = self.assess_days * (self.validation_folds + 1) + self.gap_days
        return earliest_assess_end + self.gap_days + self.train_days

    def splits(self, first: pd.Timestamp, last: pd.Timestamp) -> tuple[list[Split], Split]:
        """Validation splits (latest first) and the test split for data in [first, last]."""
        end = last.normalize() + DAY
        test = self._split("test", end)
        # The latest validation week ends when the test's training labels are complete.
        valid_end = test.assess_start - self.gap_days * DAY
        valid = [
            self._split(f"valid-{fold + 1}", valid_end - fold * self.assess_days * DAY)
            for fold in range(self.validation_folds)
        ]
        if valid[-1].train_start < first.normalize():
            raise ValueError(
                f"the data ({first.date()} .. {last.date()}) is too short for this protocol: "
                f"it needs {self.days_needed()} days"
            )
        return valid, test

    def _split(self, name: str, assess_end: pd.Timestamp) -> Split:
        assess_start = assess_end - self.assess_days * DAY
        train_start = assess_start - (self.gap_days + self.train_days) * DAY
        return Split(name, train_start, self.train_days, self.gap_days, self.assess_days)
