"""Prometheus metric definitions: every metric name, help text, label set and bucket layout.

Services create only the metrics they export (``spec.create(registry)``), so names live here once
and a process never exports another service's zeros. Names follow Prometheus conventions: the
``fraud_`` prefix, base units (seconds, bytes) in the name, ``_total`` on counters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, Info

# Resolves 0.5-100 ms finely (the 35 ms budget sits between buckets), then coarser up to 10 s.
LATENCY_BUCKETS_S: tuple[float, ...] = (
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035,
    0.04, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip
# Single-call timings such as one ONNX inference live well below a millisecond.
FAST_BUCKETS_S: tuple[float, ...] = (
    0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1,
)  # fmt: skip
BATCH_SIZE_BUCKETS: tuple[float, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)

# Label values with a fixed set (each exported at zero from the start, sampled by monitoring).
STAGES: tuple[str, ...] = ("kafka", "decode", "features", "scoring", "sinks")  # Timings fields
# The decision log's per batch: its write (on its own thread), and what the consumer's loop
# waited for that write (the log's share of the critical path).
LOG_WRITE_STAGE, LOG_WAIT_STAGE = "decision_log", "decision_log_wait"
RETRY_DEPENDENCIES: tuple[str, ...] = ("redis", "scorer", "kafka", "database")
RELOAD_RESULTS: tuple[str, ...] = ("ok", "refused")
SERVING_ROLES: tuple[str, ...] = ("champion", "challenger", "requested")  # the scorer's per version
CHAMPION, CHALLENGER = "champion", "challenger"  # roles of the consumer's decisions per version

Kind = Literal["counter", "gauge", "histogram", "info"]
Metric = Counter | Gauge | Histogram | Info


@dataclass(frozen=True)
class MetricSpec:
    name: str
    help: str
    kind: Kind
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = field(default=LATENCY_BUCKETS_S)

    def create(self, registry: CollectorRegistry = REGISTRY) -> Metric:
        # prometheus_client appends _total to counters itself; the spec keeps the full name.
        name = self.name.removesuffix("_total") if self.kind == "counter" else self.name
        if self.kind == "counter":
            return Counter(name, self.help, self.labels, registry=registry)
        if self.kind == "gauge":
            return Gauge(name, self.help, self.labels, registry=registry)
        if self.kind == "info":
            return Info(name.removesuffix("_info"), self.help, self.labels, registry=registry)
        return Histogram(name, self.help, self.labels, registry=registry, buckets=self.buckets)


# --- producer -------------------------------------------------------------------------------
PRODUCER_TRANSACTIONS = MetricSpec(
    "fraud_producer_transactions_total",
    "Transactions handed to Kafka, by fraud scenario ('genuine' for legitimate ones).",
    "counter",
    ("scenario",),
)
PRODUCER_LABELS = MetricSpec(
    "fraud_producer_labels_total", "Ground-truth labels sent, by outcome.", "counter", ("is_fraud",)
)
PRODUCER_POISON = MetricSpec(
    "fraud_producer_poison_messages_total",
    "Deliberately malformed messages sent (test and benchmark traffic).",
    "counter",
    ("kind",),
)
PRODUCER_DELIVERY_ERRORS = MetricSpec(
    "fraud_producer_delivery_errors_total",
    "Messages Kafka reported as not delivered.",
    "counter",
    ("topic",),
)
PRODUCER_DELIVERY_LATENCY = MetricSpec(
    "fraud_producer_delivery_latency_seconds",
    "Time from produce() to the broker's acknowledgement.",
    "histogram",
)
PRODUCER_TARGET_RATE = MetricSpec(
    "fraud_producer_target_rate_tps", "Requested transaction rate.", "gauge"
)
PRODUCER_WORLD_SPEED = MetricSpec(
    "fraud_producer_world_speed_ratio",
    "Simulated seconds per real second of the world's clock (0 in steady pace).",
    "gauge",
)
PRODUCER_WORLD_TIME = MetricSpec(
    "fraud_producer_world_time_seconds",
    "The simulated world's current time (Unix seconds) on the producer's clock.",
    "gauge",
)

# --- consumer (stream processor) ---------------------------------------------------------------
END_TO_END_LATENCY = MetricSpec(
    "fraud_end_to_end_latency_seconds",
    "Time from the producer's send to the result being written to Redis.",
    "histogram",
    ("scoring_mode",),
)
STAGE_LATENCY = MetricSpec(
    "fraud_stage_latency_seconds",
    "Time per pipeline stage and batch: kafka (send to poll), decode, features, scoring, sinks.",
    "histogram",
    ("stage",),
)
CONSUMER_BATCH_SIZE = MetricSpec(
    "fraud_consumer_batch_messages",
    "Messages per processed batch.",
    "histogram",
    buckets=BATCH_SIZE_BUCKETS,
)
CONSUMER_TRANSACTIONS = MetricSpec(
    "fraud_consumer_transactions_total",
    "Transactions scored and written, each counted once.",
    "counter",
)
DECISIONS = MetricSpec(
    "fraud_decisions_total", "Decisions taken, by decision.", "counter", ("decision",)
)
# Per model version, so a challenger in shadow is compared live with the champion it shadows.
MODEL_DECISIONS = MetricSpec(
    "fraud_model_decisions_total",
    "Decisions by model version, role and decision: the champion's (acted on, rules included) "
    "and the challenger's in shadow (logged, never acted on).",
    "counter",
    ("model_version", "role", "decision"),
)
CHALLENGER_AGREEMENTS = MetricSpec(
    "fraud_challenger_agreements_total",
    "Payments on which the challenger in shadow (model_version) took the champion's decision.",
    "counter",
    ("model_version", "champion_version"),
)
RULE_HITS = MetricSpec(
    "fraud_rule_hits_total", "Named rules that fired, by rule.", "counter", ("rule",)
)
RULE_SHADOW_HITS = MetricSpec(
    "fraud_rule_shadow_hits_total",
    "Shadow rules that would have fired (nothing acted on), by rule.",
    "counter",
    ("rule",),
)
RULE_SHADOW_NEW_ALERTS = MetricSpec(
    "fraud_rule_shadow_new_alerts_total",
    "Shadow rules that would have fired on a payment the live policy approved (an alert the rule "
    "would add), by rule.",
    "counter",
    ("rule",),
)
RULE_ERRORS = MetricSpec(
    "fraud_rule_errors_total",
    "Rule evaluations that failed and did not fire (the payment still decided), by rule.",
    "counter",
    ("rule",),
)
RULES_REVISION = MetricSpec(
    "fraud_rules_revision",
    "The revision of the rules the consumer decides with (0: the built-in baseline).",
    "gauge",
)
LISTS_REVISION = MetricSpec(
    "fraud_lists_revision",
    "The revision of the lists the consumer's rules read (0: none written).",
    "gauge",
)
DLQ_MESSAGES = MetricSpec(
    "fraud_dlq_messages_total",
    "Messages sent to the dead-letter topic, by reason class.",
    "counter",
    ("reason",),
)
DUPLICATES = MetricSpec(
    "fraud_consumer_duplicates_total",
    "Transactions seen again (redelivery or duplicate send) and not counted twice.",
    "counter",
)
CONSUMER_LAG = MetricSpec(
    "fraud_consumer_lag_messages",
    "Messages between the consumer's position and the end of each partition.",
    "gauge",
    ("topic", "partition"),
)
CONSUMER_RETRIES = MetricSpec(
    "fraud_consumer_retries_total",
    "Retries after a dependency failed, by dependency (redis, scorer, kafka, database).",
    "counter",
    ("dependency",),
)
CONSUMER_PAUSED = MetricSpec(
    "fraud_consumer_paused",
    "1 while consumption is paused because a dependency is down.",
    "gauge",
)
LABELS_RECEIVED = MetricSpec(
    "fraud_consumer_labels_total",
    "Ground-truth labels applied, by outcome.",
    "counter",
    ("is_fraud",),
)
LABEL_OUTCOMES = MetricSpec(
    "fraud_label_outcomes_total",
    "Labelled transactions by confusion-matrix cell at the review threshold (tp, fp, fn, tn).",
    "counter",
    ("outcome",),
)
MODEL_PRECISION = MetricSpec(
    "fraud_model_precision_ratio",
    "Live precision of non-approve decisions, from the labels received so far.",
    "gauge",
)
MODEL_RECALL = MetricSpec(
    "fraud_model_recall_ratio",
    "Live recall of non-approve decisions, from the labels received so far.",
    "gauge",
)
ALERT_RATE_WINDOW = MetricSpec(
    "fraud_alert_rate_window_ratio",
    "Share of the consumer's latest payments scoring at or above the review threshold.",
    "gauge",
)
ALERT_RATE_EXPECTED = MetricSpec(
    "fraud_alert_rate_expected_ratio",
    "The model card's alert rate at the review threshold on its validation weeks.",
    "gauge",
)
MODEL_INFO = MetricSpec("fraud_model_info", "The model in use: version and feature count.", "info")

# Drift before labels (fraudcore.drift): PSI of the latest payments against the model card's
# training reference; NaN until the window is full enough or when the card has no reference.
DRIFT_SCORE_PSI = MetricSpec(
    "fraud_drift_score_psi",
    "Population stability index of the latest payments' scores against the training reference.",
    "gauge",
)
DRIFT_FEATURE_PSI = MetricSpec(
    "fraud_drift_feature_psi",
    "Population stability index of each feature as served against the training reference.",
    "gauge",
    ("feature",),
)
DRIFT_WINDOW = MetricSpec(
    "fraud_drift_window_payments",
    "Payments in the sliding window drift is measured over (0 without a reference).",
    "gauge",
)

# --- scorer -----------------------------------------------------------------------------------
SCORER_REQUEST_LATENCY = MetricSpec(
    "fraud_scorer_request_latency_seconds",
    "HTTP request latency by endpoint.",
    "histogram",
    ("endpoint",),
)
SCORER_REQUESTS = MetricSpec(
    "fraud_scorer_requests_total",
    "HTTP requests by endpoint and status code.",
    "counter",
    ("endpoint", "status"),
)
SCORER_INFERENCE_LATENCY = MetricSpec(
    "fraud_scorer_inference_latency_seconds",
    "ONNX Runtime inference time per call.",
    "histogram",
    buckets=FAST_BUCKETS_S,
)
SCORER_BATCH_ROWS = MetricSpec(
    "fraud_scorer_batch_rows",
    "Rows per batch scoring request.",
    "histogram",
    buckets=BATCH_SIZE_BUCKETS,
)
SCORER_MODEL_RELOADS = MetricSpec(
    "fraud_scorer_model_reloads_total",
    "Model reload attempts by result (ok, refused).",
    "counter",
    ("result",),
)
# Per model version: which ones serve, and the rows each scored in which role (champion,
# challenger in shadow, or a version a client asked for by name).
SCORER_SERVING_MODELS = MetricSpec(
    "fraud_scorer_serving_models",
    "1 for each model version the scorer serves, by role (champion, challenger).",
    "gauge",
    ("role", "model_version"),
)
SCORER_MODEL_ROWS = MetricSpec(
    "fraud_scorer_model_rows_total",
    "Rows scored by model version and role (champion, challenger, requested).",
    "counter",
    ("model_version", "role"),
)

# --- dashboard --------------------------------------------------------------------------------
DASHBOARD_CLIENTS = MetricSpec(
    "fraud_dashboard_clients", "Browsers connected to the live event stream.", "gauge"
)
DASHBOARD_EVENTS_SENT = MetricSpec(
    "fraud_dashboard_events_sent_total", "Events pushed to browsers (all clients).", "counter"
)
DASHBOARD_DELIVERY_DELAY = MetricSpec(
    "fraud_dashboard_delivery_delay_seconds",
    "Time from a result being written to Redis to its push to a browser.",
    "histogram",
)

# --- decision log quality (exported by the dashboard, which reads the log) --------------------
# Per UTC day of decision and model version, at the review threshold in force; a decision whose
# label has not arrived is unknown, not genuine (fraudcore.decision_log.quality).
QUALITY_LABELS: tuple[str, ...] = ("day", "model_version")
LOG_DECISIONS = MetricSpec(
    "fraud_log_decisions",
    "Decisions in the decision log, per day of decision and model version.",
    "gauge",
    QUALITY_LABELS,
)
LOG_ALERT_RATE = MetricSpec(
    "fraud_log_alert_rate_ratio",
    "Share of a day's decisions scoring at or above the review threshold, from the log.",
    "gauge",
    QUALITY_LABELS,
)
LOG_PRECISION = MetricSpec(
    "fraud_log_precision_ratio",
    "Frauds among a day's labelled alerts at the review threshold, from the log.",
    "gauge",
    QUALITY_LABELS,
)
LOG_RECALL = MetricSpec(
    "fraud_log_recall_ratio",
    "A day's labelled frauds scoring at or above the review threshold, from the log.",
    "gauge",
    QUALITY_LABELS,
)
LOG_LABEL_COVERAGE = MetricSpec(
    "fraud_log_label_coverage_ratio",
    "Share of a day's decisions whose ground-truth label has arrived.",
    "gauge",
    QUALITY_LABELS,
)
LOG_QUALITY_REFRESHED = MetricSpec(
    "fraud_log_quality_refreshed_timestamp_seconds",
    "When the decision log's quality figures were last read (Unix seconds).",
    "gauge",
)
LOG_QUALITY_ERRORS = MetricSpec(
    "fraud_log_quality_errors_total",
    "Reads of the decision log's quality figures that failed (database unavailable).",
    "counter",
)
