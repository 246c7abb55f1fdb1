import re

from prometheus_client import CollectorRegistry, generate_latest

from fraudcore import metrics
from fraudcore.schemas import Timings

SPECS = [value for value in vars(metrics).values() if isinstance(value, metrics.MetricSpec)]


def test_every_metric_follows_prometheus_naming() -> None:
    assert SPECS
    for spec in SPECS:
        assert re.fullmatch(r"fraud_[a-z0-9_]+", spec.name), spec.name
        if spec.kind == "counter":
            assert spec.name.endswith("_total"), spec.name
        if spec.kind == "histogram":
            assert spec.name.endswith(("_seconds", "_bytes", "_messages", "_rows")), spec.name
        if spec.kind == "gauge" and "ratio" in spec.help.lower():
            assert spec.name.endswith("_ratio"), spec.name
        assert spec.help.endswith("."), spec.name


def test_names_are_unique() -> None:
    names = [spec.name for spec in SPECS]
    assert len(names) == len(set(names))


def test_specs_create_metrics_that_export_under_their_own_name() -> None:
    registry = CollectorRegistry()
    for spec in SPECS:
        metric = spec.create(registry)
        if spec.labels:
            metric = metric.labels(*["x"] * len(spec.labels))
        if spec.kind == "counter":
            metric.inc()
        elif spec.kind == "histogram":
            metric.observe(0.004)
        elif spec.kind == "gauge":
            metric.set(1)
    text = generate_latest(registry).decode()
    for spec in SPECS:
        assert (
            f"\n{spec.name}" in text or text.startswith(spec.name) or f"{spec.name}_bucket" in text
        )


def test_latency_buckets_resolve_the_35ms_budget() -> None:
    buckets = metrics.LATENCY_BUCKETS_S
    assert list(buckets) == sorted(buckets)
    assert 0.035 in buckets
    assert sum(1 for bound in buckets if 0.001 <= bound <= 0.1) >= 12


def test_the_stage_labels_are_the_timings_of_a_scored_record() -> None:
    timed = tuple(name.removesuffix("_ms") for name in Timings.model_fields)
    assert (*metrics.STAGES, "end_to_end") == timed
