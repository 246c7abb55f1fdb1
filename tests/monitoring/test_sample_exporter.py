from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from fraud_consumer.metrics import ConsumerMetrics
from fraud_monitoring.contract import JOBS, series_labels
from fraud_monitoring.sample_exporter import INFO_VALUES, LABEL_VALUES, SampleTraffic
from fraud_producer.poison import POISON_KINDS
from fraud_scorer.routes import scoring
from fraud_scorer.state import ScorerMetrics
from fraud_simulator.catalog import GENUINE, SCENARIOS
from fraudcore.features import FEATURE_NAMES


def test_each_job_exports_exactly_its_own_metrics_with_every_label() -> None:
    traffic = SampleTraffic()
    traffic.tick()
    for job in JOBS:
        text = generate_latest(traffic.services[job.name].registry).decode()
        samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
        exported = {s.name for s in samples if not s.name.endswith("_created")}
        expected = {name for spec in job.metrics for name in series_labels(spec)}
        assert exported == expected, job.name
        for spec in job.metrics:
            for name, labels in series_labels(spec).items():
                for sample in (s for s in samples if s.name == name):
                    assert set(sample.labels) == set(labels), name


def test_every_label_of_the_contract_has_the_values_the_services_export() -> None:
    labels = {label for job in JOBS for spec in job.metrics for label in spec.labels}
    assert labels <= set(LABEL_VALUES)
    assert LABEL_VALUES["decision"] == ("approve", "review", "block")
    # What the consumer and the scorer export from their start, label by label.
    exported: dict[str, set[str]] = {}
    consumer, scorer = CollectorRegistry(), CollectorRegistry()
    ConsumerMetrics(consumer), ScorerMetrics(scorer)
    for registry in (consumer, scorer):
        for family in registry.collect():
            for sample in family.samples:
                for label, value in sample.labels.items():
                    exported.setdefault(label, set()).add(value)
    for label in ("stage", "decision", "rule", "reason", "dependency", "outcome", "is_fraud",
                  "result"):  # fmt: skip
        assert set(LABEL_VALUES[label]) == exported[label], label
    assert INFO_VALUES["features"] == str(len(FEATURE_NAMES))
    # Values owned by the producer and the scorer themselves.
    assert LABEL_VALUES["scenario"] == (GENUINE, *SCENARIOS)
    assert set(LABEL_VALUES["kind"]) <= set(POISON_KINDS)
    scorer_paths = {route.path for route in scoring.router.routes}
    assert set(LABEL_VALUES["endpoint"]) <= scorer_paths


def test_ticks_move_counters_and_histograms_forward() -> None:
    traffic = SampleTraffic(seed=1)
    names = ("fraud_consumer_transactions_total", "fraud_end_to_end_latency_seconds_count")

    def totals() -> list[float]:
        text = "".join(generate_latest(s.registry).decode() for s in traffic.services.values())
        samples = [s for f in text_string_to_metric_families(text) for s in f.samples]
        return [sum(s.value for s in samples if s.name == name) for name in names]

    traffic.tick()
    before = totals()
    traffic.tick()
    assert all(a > b for a, b in zip(totals(), before, strict=True))
