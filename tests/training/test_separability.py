"""Single-field AP: the direction that separates best, categories by their fraud rate."""

import numpy as np
import pandas as pd
import pytest

from fraud_training.metrics import average_precision
from fraud_training.separability import best_single_field, categorical_ap, numeric_ap


def test_numeric_ap_takes_the_better_direction_and_ranks_missing_last() -> None:
    positive = np.array([1, 1, 0, 0])
    assert numeric_ap([1.0, 2.0, 3.0, 4.0], positive) == 1.0  # low values are the fraud
    assert numeric_ap([np.nan, 5.0, 1.0, 2.0], positive) == pytest.approx((1 + 2 / 4) / 2)


def test_categorical_ap_scores_each_value_by_its_fraud_rate() -> None:
    assert categorical_ap(["a", "a", "b", "b"], [1, 1, 0, 0]) == 1.0
    assert categorical_ap(["a", "b", "a", "b"], [1, 1, 0, 0]) == pytest.approx(0.5)
    assert categorical_ap([None, None, "b", "b"], [1, 1, 0, 0]) == 1.0


def test_best_single_field_names_the_column() -> None:
    table = pd.DataFrame({"noise": [0.3, 0.1, 0.2, 0.4], "cat": ["x", "x", "y", "y"]})
    column, ap = best_single_field(table, np.array([1, 1, 0, 0]), ["noise"], ["cat"])
    assert (column, ap) == ("cat", 1.0)


def test_one_sort_numeric_ap_equals_scoring_each_direction_separately() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 30, 5_000).astype(float)  # many ties
    values[rng.random(5_000) < 0.2] = np.nan
    positive = rng.random(5_000) < 0.05 + 0.01 * np.nan_to_num(values)
    missing = np.isnan(values)
    up = average_precision(np.where(missing, -np.inf, values), positive)
    down = average_precision(np.where(missing, -np.inf, -values), positive)
    assert numeric_ap(values, positive) == pytest.approx(max(up, down))
