from collections import Counter

from fraud_consumer.settings import ConsumerSettings
from fraud_dashboard.settings import DashboardSettings
from fraud_monitoring import contract
from fraud_producer.settings import ProducerSettings
from fraud_scorer.settings import ScorerSettings
from fraudcore import metrics


def _default(settings: type, field: str) -> object:
    return settings.model_fields[field].default


def test_ports_are_the_services_settings_defaults() -> None:
    assert contract.PRODUCER.port == _default(ProducerSettings, "metrics_port")
    assert contract.CONSUMER.port == _default(ConsumerSettings, "metrics_port")
    assert contract.SCORER.port == _default(ScorerSettings, "scorer_port")
    assert contract.DASHBOARD.port == _default(DashboardSettings, "dashboard_port")


def test_every_metric_belongs_to_exactly_one_job() -> None:
    owners = Counter(spec.name for job in contract.JOBS for spec in job.metrics)
    assert set(owners) == {spec.name for spec in contract.all_specs()}
    assert [name for name, count in owners.items() if count > 1] == []


def test_each_job_exports_its_own_prefix_family() -> None:
    # A cheap guard against a metric filed under the wrong service.
    for spec in contract.PRODUCER.metrics:
        assert spec.name.startswith("fraud_producer_")
    for spec in contract.SCORER.metrics:
        assert spec.name.startswith("fraud_scorer_")
    for spec in contract.DASHBOARD.metrics:  # its own, and the decision log's figures it reads
        assert spec.name.startswith(("fraud_dashboard_", "fraud_log_"))
    others = (*contract.PRODUCER.metrics, *contract.CONSUMER.metrics, *contract.SCORER.metrics)
    assert not [spec.name for spec in others if spec.name.startswith("fraud_log_")]


def test_latency_budget_matches_the_dashboard_setting_and_a_bucket_boundary() -> None:
    budget_ms = _default(DashboardSettings, "dashboard_latency_budget_ms")
    assert budget_ms == contract.LATENCY_BUDGET_S * 1000
    assert contract.LATENCY_BUDGET_S in metrics.END_TO_END_LATENCY.buckets


def test_every_info_metric_declares_its_keys() -> None:
    for spec in contract.all_specs():
        if spec.kind == "info":
            assert contract.INFO_KEYS.get(spec.name), spec.name


def test_known_series_expand_histograms() -> None:
    series = contract.known_series()
    assert series["fraud_stage_latency_seconds_bucket"] == ("stage", "le")
    assert series["fraud_stage_latency_seconds_count"] == ("stage",)
    assert series["fraud_model_info"] == ("version", "features")
    assert "up" in series
