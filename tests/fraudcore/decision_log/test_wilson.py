"""Wilson 95% intervals: the published values, and none without trials."""

import pytest

from fraudcore.decision_log.comparison import AveragePrecision, Rate, logit_interval, wilson


def test_wilson_intervals_match_published_values() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) is None


def test_a_rate_without_trials_has_no_value() -> None:
    assert Rate(0, 0).as_json() == {"value": None, "ci95": None, "of": 0}
    assert Rate(1, 4).as_json()["value"] == 0.25


def test_average_precision_intervals_are_logit_intervals_over_the_frauds() -> None:
    # logit(0.5) = 0, half width 1.96 / sqrt(100 * 0.25) = 0.392: expit(+-0.392)
    assert logit_interval(0.5, 100) == pytest.approx((0.40323, 0.59677), abs=1e-4)
    low, high = logit_interval(0.9, 20)  # asymmetric, inside (0, 1)
    assert 0.9 - low > high - 0.9 > 0
    assert high < 1
    assert logit_interval(1.0, 3) == wilson(3, 3)  # no logit at the edges
    assert logit_interval(0.0, 4) == wilson(0, 4)
    assert logit_interval(0.3, 0) is None
    assert AveragePrecision(None, 0).as_json() == {"value": None, "ci95": None, "of": 0}
