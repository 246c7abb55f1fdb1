"""Our world's time-ordered splits: dates, the label-arrival rule, and too-short data."""

import pandas as pd
import pytest

from fraud_training.protocol import DAY, WorldProtocol

FIRST = pd.Timestamp("2026-01-05 00:00:07", tz="UTC")


def test_nine_weeks_give_two_validation_weeks_then_the_test_week() -> None:
    valid, test = WorldProtocol().splits(FIRST, FIRST + 62 * DAY)
    assert test.describe() == {
        "name": "test", "train": "2026-02-08 .. 2026-02-21", "gap_days": 8,
        "assess": "2026-03-02 .. 2026-03-08",
    }  # fmt: skip
    assert [v.assess_start.date().isoformat() for v in valid] == ["2026-02-15", "2026-02-08"]
    # Every validation label (genuine ones take up to 8 days) is in by the test week's start.
    assert all(v.assess_end + 8 * DAY <= test.assess_start for v in valid)
    assert valid[-1].train_start >= FIRST.normalize()


def test_training_rows_need_their_label_by_the_assessment_start() -> None:
    _, test = WorldProtocol().splits(FIRST, FIRST + 62 * DAY)
    event = pd.Series(
        [test.train_start, test.train_end - DAY, test.train_end - DAY, test.train_end]
    )
    label = pd.Series([event[0] + 8 * DAY, test.assess_start, test.assess_start + DAY, event[3]])
    assert test.train_rows(event, label).tolist() == [True, True, False, False]
    assess = pd.Series([test.assess_start - DAY, test.assess_start, test.assess_end - DAY / 2])
    assert test.assess_rows(assess).tolist() == [False, True, True]


def test_too_short_data_is_refused_with_the_days_needed() -> None:
    with pytest.raises(ValueError, match="needs 51 days"):
        WorldProtocol().splits(FIRST, FIRST + 40 * DAY)
    WorldProtocol().splits(FIRST, FIRST + 50 * DAY)
