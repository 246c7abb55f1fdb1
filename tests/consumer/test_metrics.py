"""A batch's latencies observed at once count exactly as observing them one at a time: every
bucket, the count and (to rounding) the sum, values on the bucket bounds and NaN included."""

import math

import numpy as np
from prometheus_client import CollectorRegistry

from fraud_consumer.metrics import ConsumerMetrics, observe_all
from fraudcore.schemas import Decision


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


def model_decisions(metrics: ConsumerMetrics) -> dict[tuple[str, str, str], float]:
    """fraud_model_decisions_total by (version, role, decision)."""
    return {
        (s.labels["model_version"], s.labels["role"], s.labels["decision"]): s.value
        for family in metrics.registry.collect()
        if family.name == "fraud_model_decisions"
        for s in family.samples
        if s.name.endswith("_total")
    }


def test_model_decisions_count_per_version_and_role_with_every_decision_exported() -> None:
    metrics = ConsumerMetrics(CollectorRegistry())
    review, approve, block = Decision.REVIEW, Decision.APPROVE, Decision.BLOCK
    metrics.observe_models("m-1", [approve, review, approve])
    metrics.observe_models("m-1", [block], "m-2", [review])
    metrics.observe_models("m-2", [approve])  # promoted: the challenger's version as champion
    assert model_decisions(metrics) == {
        ("m-1", "champion", "approve"): 2, ("m-1", "champion", "review"): 1,
        ("m-1", "champion", "block"): 1, ("m-2", "challenger", "approve"): 0,
        ("m-2", "challenger", "review"): 1, ("m-2", "challenger", "block"): 0,
        ("m-2", "champion", "approve"): 1, ("m-2", "champion", "review"): 0,
        ("m-2", "champion", "block"): 0,
    }  # fmt: skip
