"""A batch's latencies observed at once count exactly as observing them one at a time: every
bucket, the count and (to rounding) the sum, values on the bucket bounds and NaN included."""

import math

import numpy as np
from prometheus_client import CollectorRegistry

from fraud_consumer.metrics import ConsumerMetrics, observe_all


def samples(metrics: ConsumerMetrics) -> dict[tuple[str, str], float]:
    """The end-to-end histogram's samples by (name, bucket bound), but its creation time."""
    (family,) = [
        m for m in metrics.registry.collect() if m.name.endswith("end_to_end_latency_seconds")
    ]
    return {
        (s.name, s.labels.get("le", "")): s.value
        for s in family.samples
        if not s.name.endswith("_created")
    }


def test_observing_a_batch_at_once_counts_as_observing_each_value() -> None:
    one, batch = ConsumerMetrics(CollectorRegistry()), ConsumerMetrics(CollectorRegistry())
    single, many = (
        one.end_to_end.labels(scoring_mode="embedded"),
        batch.end_to_end.labels(scoring_mode="embedded"),
    )
    bounds = [b for b in single._upper_bounds if math.isfinite(b)]
    rng = np.random.default_rng(3)
    values = [
        *rng.exponential(0.05, 2_000).tolist(),
        *bounds,
        0.0,
        1e9,
        *(b * 1.000001 for b in bounds),
    ]
    for value in values:
        single.observe(value)
    observe_all(many, values[:-3])
    for small in (values[-3:-1], values[-1:]):  # small batches go one value at a time
        observe_all(many, small)
    observe_all(many, [])  # an empty batch observes nothing
    expected, got = samples(one), samples(batch)
    assert expected.keys() == got.keys()
    for key, value in expected.items():
        if key[0].endswith("_sum"):
            assert math.isclose(got[key], value, rel_tol=1e-12)
        else:
            assert got[key] == value, key
    assert got[("fraud_end_to_end_latency_seconds_count", "")] == len(values)


def test_a_nan_latency_lands_in_no_bucket_as_with_observe() -> None:
    one, batch = ConsumerMetrics(CollectorRegistry()), ConsumerMetrics(CollectorRegistry())
    one.end_to_end.labels(scoring_mode="remote").observe(math.nan)
    observe_all(batch.end_to_end.labels(scoring_mode="remote"), [math.nan])
    expected, got = samples(one), samples(batch)
    assert {k: v for k, v in got.items() if not k[0].endswith("_sum")} == {
        k: v for k, v in expected.items() if not k[0].endswith("_sum")
    }
    assert all(math.isnan(d[("fraud_end_to_end_latency_seconds_sum", "")]) for d in (expected, got))
