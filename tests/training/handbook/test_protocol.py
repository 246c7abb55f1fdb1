"""The handbook's fold dates and its known-compromised-customers rule."""

import datetime as dt

import numpy as np
import pandas as pd

from fraud_training.handbook.protocol import (
    TEST_TRAIN_START,
    VALID_TRAIN_START,
    Fold,
    assessment_rows,
    prequential_folds,
    train_rows,
)


def test_test_and_validation_weeks_are_the_handbooks() -> None:
    test = [str(f.assess_start.date()) for f in prequential_folds(TEST_TRAIN_START)]
    valid = [str(f.assess_start.date()) for f in prequential_folds(VALID_TRAIN_START)]
    assert test == ["2018-08-29", "2018-08-22", "2018-08-15", "2018-08-08"]
    assert valid == ["2018-07-25", "2018-07-18", "2018-07-11", "2018-07-04"]
    # Every validation fold ends before the first test week starts.
    assert max(valid) < min(test)


def test_known_compromised_customers_leave_later_assessment_days() -> None:
    fold = Fold(pd.Timestamp("2018-04-01"))
    day = np.array([2, 8, 14, 15, 16, 16, 14, 20])
    customer = pd.Series([1, 2, 1, 2, 2, 3, 3, 4])
    fraud = pd.Series([1, 1, 0, 0, 0, 0, 1, 0])
    times = pd.Series(
        pd.Timestamp("2018-04-01") + pd.to_timedelta(day, unit="D") + pd.Timedelta(hours=12)
    )
    keep = assessment_rows(times, customer, fraud, fold)
    # Customer 1: fraud in training -> gone from every assessment day.
    # Customer 2: fraud on day 8 (delay period) is known from assessment day 16 (8 + 7 + 1) on.
    # Customer 3: its own fraud on assessment day 14 is not known yet (labels take 7 days).
    assert keep.tolist() == [False, False, False, True, False, True, True, True]
    assert train_rows(times, fold).tolist() == [True] + [False] * 7


def test_folds_step_back_one_week() -> None:
    folds = prequential_folds(dt.date(2018, 8, 15), n_folds=3)
    assert [f.train_start.date() for f in folds] == [
        dt.date(2018, 8, 15), dt.date(2018, 8, 8), dt.date(2018, 8, 1)
    ]  # fmt: skip
