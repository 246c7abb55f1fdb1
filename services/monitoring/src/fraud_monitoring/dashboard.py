"""The "Fraud pipeline overview" Grafana dashboard, built from the metric contract.

``panel_queries`` reads the PromQL of every panel back out of the dashboard JSON (generated or
committed), so tests can run each query against a real Prometheus and fail on empty panels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from fraud_monitoring import log_panels, model_panels, panels
from fraud_monitoring.contract import JOBS, LATENCY_BUDGET_S
from fraud_monitoring.panels import Limit, Query
from fraud_monitoring.promql import RATE_INTERVAL, gauge, quantile, rate
from fraud_monitoring.sdk import Dashboard, DatasourceVariable, JSONEncoder, Row
from fraudcore import metrics as m

UID = "fraud-pipeline-overview"
TITLE = "Fraud pipeline overview"


class PanelQuery(NamedTuple):
    title: str
    expr: str


def _quantiles(spec: m.MetricSpec, qs: Sequence[float], by: Sequence[str] = ()) -> list[Query]:
    suffix = "".join(f" {{{{{label}}}}}" for label in by)
    return [Query(quantile(spec, q, by=by), f"p{q * 100:g}{suffix}") for q in qs]


def _rows() -> list[tuple[str, list[Any]]]:
    budget_ms = f"{LATENCY_BUDGET_S * 1000:g} ms"
    jobs = "|".join(job.name for job in JOBS)
    return [
        (
            f"Latency (budget {budget_ms})",
            [
                panels.time_series(
                    "End-to-end latency p50 / p95 / p99",
                    f"Produce to result in Redis, all consumers. Dashed line: the {budget_ms} "
                    "budget; the FraudEndToEndLatencyHigh alert fires when p99 stays above it.",
                    _quantiles(m.END_TO_END_LATENCY, (0.5, 0.95, 0.99)),
                    unit="s",
                    limits=[Limit(LATENCY_BUDGET_S)],
                ),
                panels.time_series(
                    "Stage latency p99 by stage",
                    "Per batch: kafka (send to poll), decode, features, scoring, sinks.",
                    _quantiles(m.STAGE_LATENCY, (0.99,), by=("stage",)),
                    unit="s",
                    limits=[Limit(LATENCY_BUDGET_S)],
                ),
                panels.time_series(
                    "Scorer request latency p50 / p99 by endpoint",
                    "HTTP latency inside fraud-scorer (excludes the network to the consumer).",
                    _quantiles(m.SCORER_REQUEST_LATENCY, (0.5, 0.99), by=("endpoint",)),
                    unit="s",
                ),
                panels.time_series(
                    "Model inference time p50 / p99",
                    "One ONNX Runtime call in fraud-scorer (a whole batch per call).",
                    _quantiles(m.SCORER_INFERENCE_LATENCY, (0.5, 0.99)),
                    unit="s",
                ),
            ],
        ),
        (
            "Throughput and outcomes",
            [
                panels.time_series(
                    "Throughput",
                    "Transactions scored and written by the consumers, against transactions "
                    "the simulator produced (by fraud scenario).",
                    [
                        Query(rate(m.CONSUMER_TRANSACTIONS), "scored"),
                        Query(
                            rate(m.PRODUCER_TRANSACTIONS, by=("scenario",)), "produced {{scenario}}"
                        ),
                    ],
                    unit="reqps",
                ),
                panels.time_series(
                    "Decisions by type",
                    "approve / review / block per second.",
                    [Query(rate(m.DECISIONS, by=("decision",)), "{{decision}}")],
                    unit="reqps",
                ),
                panels.time_series(
                    "Consumer lag",
                    "Messages between the consumers' positions and the end of each topic. "
                    "Growing lag means the consumers do not keep up (FraudConsumerLagGrowing).",
                    [Query(gauge(m.CONSUMER_LAG, by=("topic",)), "{{topic}}")],
                    unit="short",
                ),
                panels.time_series(
                    "Dead-letter messages by reason",
                    "Input that could not be processed, sent to the DLQ topic. Any of it fires "
                    "FraudDeadLetterMessages.",
                    [Query(rate(m.DLQ_MESSAGES, by=("reason",)), "{{reason}}")],
                    unit="reqps",
                    limits=[Limit(0.000001, "orange")],
                ),
            ],
        ),
        (
            "Model",
            [
                panels.single_stat(
                    "Model in use",
                    "Version of the model the consumers score with (one line per version).",
                    [Query(gauge(m.MODEL_INFO, "max", by=("version",)), "{{version}}")],
                    show_name=True,
                    base_color="blue",
                    height=8,
                ),
                panels.time_series(
                    "Live precision and recall",
                    "From delayed ground truth, per consumer: precision and recall of the "
                    "non-approve decisions. FraudPrecisionCollapse fires on a precision drop.",
                    [
                        Query(m.MODEL_PRECISION.name, "precision {{instance}}"),
                        Query(m.MODEL_RECALL.name, "recall {{instance}}"),
                    ],
                    unit="percentunit",
                    max_val=1,
                    width=6,
                ),
                panels.time_series(
                    "Alert rate against the model card",
                    "Share of each consumer's latest 10,000 payments scoring at or above the "
                    "review threshold, beside the model card's rate on its validation weeks. "
                    "FraudAlertRateOffModel fires outside 0.67-1.5 times the card's rate.",
                    [
                        Query(m.ALERT_RATE_WINDOW.name, "live {{instance}}"),
                        Query(gauge(m.ALERT_RATE_EXPECTED, "max"), "model card"),
                    ],
                    unit="percentunit",
                    width=6,
                ),
                panels.time_series(
                    "Ground-truth labels applied",
                    "Labels arriving on the labels topic, by outcome; precision and recall "
                    "only move while these arrive.",
                    [Query(rate(m.LABELS_RECEIVED, by=("is_fraud",)), "fraud={{is_fraud}}")],
                    unit="reqps",
                    width=6,
                ),
            ],
        ),
        (
            "Drift before labels",
            [
                panels.time_series(
                    "Drift from the training reference",
                    "Population stability index of each consumer's latest 10,000 payments against "
                    "the model card's training reference: the score, and the five features that "
                    "moved most. Under 0.1 stable; FraudScoreDrift and FraudFeatureDrift fire "
                    "above 0.25 for 15 minutes (hour_local, is_night and is_weekend shown, never "
                    "alerted on: a window of hours is never the reference's week). No line: no "
                    "reference in the card yet.",
                    [
                        Query(gauge(m.DRIFT_SCORE_PSI, "max"), "score"),
                        Query(
                            f"topk(5, {gauge(m.DRIFT_FEATURE_PSI, 'max', by=('feature',))})",
                            "{{feature}}",
                        ),
                    ],
                    unit="none",
                    limits=[Limit(0.1, "yellow"), Limit(0.25, "red")],
                    width=24,
                ),
            ],
        ),
        log_panels.row(),
        (
            "Reliability",
            [
                panels.time_series(
                    "Retries by dependency",
                    "Consumer retries after Redis, the scorer or Kafka failed.",
                    [Query(rate(m.CONSUMER_RETRIES, by=("dependency",)), "{{dependency}}")],
                    unit="reqps",
                    width=8,
                ),
                panels.time_series(
                    "Scorer requests by status",
                    "HTTP requests answered by fraud-scorer, by endpoint and status code.",
                    [
                        Query(
                            rate(m.SCORER_REQUESTS, by=("endpoint", "status")),
                            "{{endpoint}} {{status}}",
                        )
                    ],
                    unit="reqps",
                    width=8,
                ),
                panels.single_stat(
                    "Consumption paused",
                    "1 while a consumer has paused because a dependency is down.",
                    [Query(gauge(m.CONSUMER_PAUSED, "max"), "paused")],
                    limits=[Limit(1)],
                    width=4,
                    height=8,
                ),
                panels.single_stat(
                    "Dashboard clients",
                    "Browsers connected to the live event stream.",
                    [Query(gauge(m.DASHBOARD_CLIENTS), "clients")],
                    base_color="blue",
                    width=4,
                    height=8,
                ),
                panels.single_stat(
                    "Scrape targets up",
                    "Prometheus reached every instance of the job (1) or not (0).",
                    [Query(f'min by (job) (up{{job=~"{jobs}"}})', "{{job}}")],
                    base_color="red",
                    limits=[Limit(1, "green")],
                    width=24,
                ),
            ],
        ),
        model_panels.row(),  # last: the panels above keep their ids
    ]


def build() -> Dashboard:
    dashboard = (
        Dashboard(TITLE)
        .uid(UID)
        .description(
            "Generated by `make monitoring` from services/monitoring (fraud_monitoring.dashboard);"
            " edit the generator, not this JSON."
        )
        .tags(["fraud-detection", "generated"])
        .refresh("10s")
        .time("now-30m", "now")
        .readonly()
        .with_variable(
            DatasourceVariable(panels.DATASOURCE_VARIABLE).label("Prometheus").type("prometheus")
        )
    )
    panel_id = 0
    for title, row_panels in _rows():
        panel_id += 1
        dashboard = dashboard.with_row(Row(title).id(panel_id))
        for panel in row_panels:
            panel_id += 1
            dashboard = dashboard.with_panel(panel.id(panel_id))
    return dashboard


def to_json(dashboard: Dashboard) -> str:
    """Stable text: sorted keys, two-space indent, final newline (diffs stay readable)."""
    return JSONEncoder(sort_keys=True, indent=2).encode(dashboard.build()) + "\n"


def panel_queries(dashboard: Mapping[str, Any]) -> list[PanelQuery]:
    """(panel title, PromQL) for every query of every panel, rows and collapsed rows included."""
    found: list[PanelQuery] = []

    def visit(items: Sequence[Mapping[str, Any]]) -> None:
        for panel in items:
            for target in panel.get("targets") or []:
                if target.get("expr"):
                    found.append(PanelQuery(panel["title"], target["expr"]))
            visit(panel.get("panels") or [])

    visit(dashboard.get("panels") or [])
    return found


def load(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def expand_grafana_variables(expr: str, *, rate_interval: str) -> str:
    """The query as Prometheus would receive it from Grafana, for evaluating outside Grafana."""
    return expr.replace(RATE_INTERVAL, rate_interval)
