"""Latency percentiles as the histogram knows them: the bucket holding each, never a made-up
precision."""

import math

from fraud_dashboard.summary import percentile_bucket


def test_a_percentile_is_the_bucket_that_holds_it() -> None:
    buckets = {0.002: 50, 0.003: 40, 0.25: 9, 0.5: 1}
    assert percentile_bucket(buckets, 0.5) == (0.0, 2.0)
    assert percentile_bucket(buckets, 0.9) == (2.0, 3.0)
    assert percentile_bucket(buckets, 0.99) == (3.0, 250.0)
    assert percentile_bucket(buckets, 1.0) == (250.0, 500.0)


def test_beyond_the_last_bound_only_the_lower_one_is_known() -> None:
    assert percentile_bucket({0.01: 1, math.inf: 99}, 0.99) == (10.0, None)
    assert percentile_bucket({}, 0.5) is None
