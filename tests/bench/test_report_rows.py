"""The report's shared judgement of paired rounds: the median's distribution-free interval."""

from __future__ import annotations

import pytest

from fraud_bench.report_rows import median_interval, resolution, within_budget


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
