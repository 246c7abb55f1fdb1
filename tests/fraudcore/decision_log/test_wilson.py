"""Wilson 95% intervals: the published values, and none without trials."""

import pytest

from fraudcore.decision_log.comparison import Rate, wilson


def test_wilson_intervals_match_published_values() -> None:
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) is None


def test_a_rate_without_trials_has_no_value() -> None:
    assert Rate(0, 0).as_json() == {"value": None, "ci95": None, "of": 0}
    assert Rate(1, 4).as_json()["value"] == 0.25
