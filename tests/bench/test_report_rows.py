"""The report's shared pieces: the median's distribution-free interval of paired rounds, and
how a variant's sustainable and drain rates read."""

from __future__ import annotations

import pytest

from fraud_bench.report_rows import median_interval, resolution, sustained, within_budget


@pytest.mark.parametrize(
    ("rounds", "k", "coverage"),
    [(3, 1, 0.75), (6, 1, 0.969), (10, 2, 0.979), (20, 6, 0.959)],
)
def test_the_interval_is_the_widest_order_statistics_that_cover_95_percent(
    rounds: int, k: int, coverage: float
) -> None:
    diffs = [float(i) for i in range(rounds, 0, -1)]  # unsorted on purpose
    low, high, covered = median_interval(diffs)
    assert (low, high) == (float(k), float(rounds + 1 - k))
    assert covered == pytest.approx(coverage, abs=1e-3)


def test_a_budget_is_met_only_when_the_whole_interval_is_within_it() -> None:
    assert within_budget([0.2, -0.5, 0.9, 1.0, 0.1, 0.3], 1.0)
    assert not within_budget([0.2, -0.5, 0.9, 1.1, 0.1, 0.3], 1.0)  # median 0.25, one round over
    assert "cannot tell" in resolution([0.2, -0.5, 0.9, 1.1, 0.1, 0.3], 1.0)
    assert "all of it over" in resolution([1.2, 1.5, 3.0], 1.0)


def test_a_drain_rate_shows_the_drains_it_is_the_median_of() -> None:
    one = {"max_tps_verified": True, "max_tps": 3_589, "drain_tps": 3_987.3}
    assert sustained(one) == "3,589 (3,987)"
    several = {**one, "drain_tps": 4_157.0, "drains_tps": [3_578.0, 4_157.0, 3_804.0]}
    assert sustained(several) == "3,589 (4,157: median of 3,578 / 4,157 / 3,804)"
    assert sustained({**several, "max_tps_verified": None}).startswith("not searched (4,157")
