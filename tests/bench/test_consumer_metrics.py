"""A stage's histogram between two readings of a consumer's /metrics: the batches of the window
in between, their mean and the bucket bounds of their percentiles."""

import math

from fraud_bench.consumer_metrics import Histogram


def test_the_difference_of_two_readings_is_the_window_between() -> None:
    before = Histogram({0.001: 5.0, 0.002: 5.0, 0.005: 10.0, math.inf: 10.0}, 0.02, 10.0)
    after = Histogram({0.001: 5.0, 0.002: 95.0, 0.005: 109.0, math.inf: 110.0}, 0.25, 110.0)
    window = after - before
    assert window.count == 100
    assert window.figures() == {
        "batches": 100, "mean_ms": 2.3, "p50_le_ms": 2.0, "p99_le_ms": 5.0,
    }  # fmt: skip


def test_a_window_without_batches_has_no_figures() -> None:
    figures = Histogram({0.001: 3.0}, 0.001, 3.0) - Histogram({0.001: 3.0}, 0.001, 3.0)
    assert figures.figures()["batches"] == 0
    assert math.isnan(figures.figures()["mean_ms"])


def test_a_percentile_beyond_the_last_bound_says_so() -> None:
    window = Histogram({0.001: 1.0, math.inf: 100.0}, 5.0, 100.0)
    assert window.upper_bound_ms(0.99) == math.inf
