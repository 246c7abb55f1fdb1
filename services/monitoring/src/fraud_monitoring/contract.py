"""What monitoring relies on beyond the metric names: scrape jobs, ports, ownership, the budget.

Metric names, types, labels and buckets come from ``fraudcore.metrics`` only. The few facts
below are not in that module, so they live here once, and tests cross-check each one against
its real owner (the services' settings defaults, ``fraudcore.metrics``).
"""

from __future__ import annotations

from dataclasses import dataclass

from fraudcore import metrics as m
from fraudcore.metrics import MetricSpec

# The product's end-to-end latency budget (produce -> result in Redis). The dashboard service
# has the same default (DASHBOARD_LATENCY_BUDGET_MS); it is a bucket boundary in
# LATENCY_BUCKETS_S, so histogram_quantile compares against it exactly.
LATENCY_BUDGET_S = 0.035

# Labels Prometheus attaches to every scraped series (from the scrape job and target).
TARGET_LABELS: tuple[str, ...] = ("job", "instance")

# The ``MetricSpec`` of an info metric lists no labels: prometheus_client's Info takes its keys
# at ``.info({...})`` time. MODEL_INFO's help text names them ("version and feature count"); the
# consumer must use these keys. A candidate to move into fraudcore.metrics with the consumer.
INFO_KEYS: dict[str, tuple[str, ...]] = {m.MODEL_INFO.name: ("version", "features")}


@dataclass(frozen=True)
class Job:
    """One scrape job: a service, where its /metrics lives, and the metrics it exports."""

    name: str  # the Prometheus ``job`` label; alert rules select on it
    compose_host: str  # service name in docker-compose.yml (its DNS name there)
    port: int  # the settings default: METRICS_PORT for workers, the HTTP port for web apps
    metrics: tuple[MetricSpec, ...]
    path: str = "/metrics"


PRODUCER = Job(
    "fraud-producer",
    "producer",
    9101,
    (
        m.PRODUCER_TRANSACTIONS,
        m.PRODUCER_LABELS,
        m.PRODUCER_POISON,
        m.PRODUCER_DELIVERY_ERRORS,
        m.PRODUCER_DELIVERY_LATENCY,
        m.PRODUCER_TARGET_RATE,
        m.PRODUCER_WORLD_SPEED,
        m.PRODUCER_WORLD_TIME,
    ),
)
CONSUMER = Job(
    "fraud-consumer",
    "consumer",
    9102,
    (
        m.END_TO_END_LATENCY,
        m.STAGE_LATENCY,
        m.CONSUMER_BATCH_SIZE,
        m.CONSUMER_TRANSACTIONS,
        m.DECISIONS,
        m.MODEL_DECISIONS,
        m.CHALLENGER_AGREEMENTS,
        m.RULE_HITS,
        m.RULE_SHADOW_HITS,
        m.RULE_SHADOW_NEW_ALERTS,
        m.RULE_ERRORS,
        m.RULES_REVISION,
        m.LISTS_REVISION,
        m.DLQ_MESSAGES,
        m.DUPLICATES,
        m.CONSUMER_LAG,
        m.CONSUMER_RETRIES,
        m.CONSUMER_PAUSED,
        m.LABELS_RECEIVED,
        m.LABEL_OUTCOMES,
        m.MODEL_PRECISION,
        m.MODEL_RECALL,
        m.ALERT_RATE_WINDOW,
        m.ALERT_RATE_EXPECTED,
        m.MODEL_INFO,
        m.DRIFT_SCORE_PSI,
        m.DRIFT_FEATURE_PSI,
        m.DRIFT_WINDOW,
    ),
)
SCORER = Job(
    "fraud-scorer",
    "scorer",
    8000,
    (
        m.SCORER_REQUEST_LATENCY,
        m.SCORER_REQUESTS,
        m.SCORER_INFERENCE_LATENCY,
        m.SCORER_BATCH_ROWS,
        m.SCORER_MODEL_RELOADS,
        m.SCORER_SERVING_MODELS,
        m.SCORER_MODEL_ROWS,
    ),
)
DASHBOARD = Job(
    "fraud-dashboard",
    "dashboard",
    8501,
    (
        m.DASHBOARD_CLIENTS,
        m.DASHBOARD_EVENTS_SENT,
        m.DASHBOARD_DELIVERY_DELAY,
        # The dashboard reads the decision log anyway (GET /api/decisions/{id}); one query an
        # interval serves both its quality panel and these gauges.
        m.LOG_DECISIONS,
        m.LOG_ALERT_RATE,
        m.LOG_PRECISION,
        m.LOG_RECALL,
        m.LOG_LABEL_COVERAGE,
        m.LOG_QUALITY_REFRESHED,
        m.LOG_QUALITY_ERRORS,
    ),
)
JOBS: tuple[Job, ...] = (PRODUCER, CONSUMER, SCORER, DASHBOARD)


def all_specs() -> list[MetricSpec]:
    """Every metric the platform defines, in ``fraudcore.metrics`` order."""
    return [value for value in vars(m).values() if isinstance(value, MetricSpec)]


def series_labels(spec: MetricSpec) -> dict[str, tuple[str, ...]]:
    """The series a metric exports, each with the labels it carries (target labels excluded)."""
    if spec.kind == "histogram":
        return {
            f"{spec.name}_bucket": (*spec.labels, "le"),
            f"{spec.name}_sum": spec.labels,
            f"{spec.name}_count": spec.labels,
        }
    if spec.kind == "info":
        return {spec.name: (*spec.labels, *INFO_KEYS.get(spec.name, ()))}
    return {spec.name: spec.labels}


def known_series() -> dict[str, tuple[str, ...]]:
    """Every series name any fraud service exports, plus Prometheus's own ``up``."""
    series: dict[str, tuple[str, ...]] = {"up": ()}
    for spec in all_specs():
        series.update(series_labels(spec))
    return series
