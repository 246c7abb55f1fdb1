"""Prometheus alert rules for the pipeline, as a rule file and as a Kubernetes PrometheusRule.

The rule file (``groups:``) is exactly the ``spec`` of the PrometheusRule, so compose's
Prometheus and the Prometheus Operator load the same rules. Every alert has a section in
RUNBOOK.md (linked by ``runbook_url``) and is unit-tested with ``promtool test rules``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from fraud_monitoring.contract import CONSUMER, LATENCY_BUDGET_S, SCORER, Job
from fraud_monitoring.promql import gauge, quantile, rate, selector
from fraudcore import metrics as m
from fraudcore.drift import CALENDAR_FEATURES
from fraudcore.settings import ScoringMode

GROUP = "fraud-detection"
RUNBOOK = "services/monitoring/RUNBOOK.md"
WINDOW = "5m"  # rate window of the rules: 60 scrapes at compose's 5 s interval
LAG_FLOOR_MESSAGES = 1000  # below this, growing lag is noise (a few seconds of traffic)
PRECISION_FLOOR = 0.2  # tune to about half the model card's precision at the review threshold
# Live alert rate within this factor of the card's validation rate: the band make live-eval
# measures live traffic in (reports/live_eval.md) and the one the 32% cold start left far behind.
ALERT_RATE_BAND = 1.5
# PSI's usual reading: under 0.1 stable, 0.1-0.25 moderate, above 0.25 a major shift.
DRIFT_PSI_MAJOR = 0.25

Severity = Literal["warning", "critical"]


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    for_: str
    severity: Severity
    job: Job  # the service the alert is about (routing label ``service``)
    summary: str
    description: str
    runbook: str  # one sentence: what to do first

    @property
    def runbook_anchor(self) -> str:
        return self.name.lower()  # GitHub's anchor for the heading "## <name>"

    def rule(self) -> dict[str, Any]:
        return {
            "alert": self.name,
            "expr": self.expr,
            "for": self.for_,
            "labels": {"severity": self.severity, "service": self.job.name},
            "annotations": {
                "summary": self.summary,
                "description": self.description,
                "runbook": self.runbook,
                "runbook_url": f"{RUNBOOK}#{self.runbook_anchor}",
            },
        }


def _lines(*parts: str) -> str:
    return "\n".join(parts) + "\n"


def _input_waiting() -> str:
    # Work is waiting: messages behind the consumers, or the simulator producing right now.
    return f"({gauge(m.CONSUMER_LAG)} > 0 or {rate(m.PRODUCER_TRANSACTIONS, WINDOW)} > 0)"


def _up(job: Job) -> str:
    return f'up{{job="{job.name}"}}'


def alerts() -> list[Alert]:
    budget_ms = f"{LATENCY_BUDGET_S * 1000:g} ms"
    remote = ScoringMode.REMOTE.value
    return [
        Alert(
            "FraudEndToEndLatencyHigh",
            f"{quantile(m.END_TO_END_LATENCY, 0.99, WINDOW)} > {LATENCY_BUDGET_S:g}\n",
            "5m",
            "warning",
            CONSUMER,
            f"End-to-end p99 latency above the {budget_ms} budget",
            "p99 from produce to result in Redis is {{ $value | humanizeDuration }}, above the "
            f"{budget_ms} budget for 5 minutes.",
            "Open the 'Stage latency p99 by stage' panel to find the slow stage, then follow "
            "that stage's steps in the runbook.",
        ),
        Alert(
            "FraudDeadLetterMessages",
            # increase() misses a labelled counter's first increment (the series is born at 1),
            # so a series that did not exist 5 minutes ago counts as traffic too.
            _lines(
                f"{rate(m.DLQ_MESSAGES, WINDOW, by=('reason',), func='increase')} > 0",
                "or",
                f"sum by (reason) ({m.DLQ_MESSAGES.name} unless {m.DLQ_MESSAGES.name} "
                f"offset {WINDOW}) > 0",
            ),
            "0m",
            "warning",
            CONSUMER,
            "Messages are going to the dead-letter topic ({{ $labels.reason }})",
            "{{ $value | humanize }} message(s) with reason {{ $labels.reason }} were sent to "
            f"the dead-letter topic in the last {WINDOW}.",
            "Read a few messages from the DLQ topic to see the error, then fix the sender or "
            "the schema.",
        ),
        Alert(
            "FraudConsumerLagGrowing",
            _lines(
                f"{gauge(m.CONSUMER_LAG, by=('topic',))} > {LAG_FLOOR_MESSAGES}",
                "and",
                f"sum by (topic) (deriv({m.CONSUMER_LAG.name}[10m])) > 0",
            ),
            "10m",
            "warning",
            CONSUMER,
            "Consumer lag on {{ $labels.topic }} keeps growing",
            "{{ $value | humanize }} messages behind on {{ $labels.topic }} and still growing "
            "for 10 minutes: the consumers do not keep up.",
            "Check the consumers are not paused or retrying; if they are healthy, add "
            "partitions and consumer replicas.",
        ),
        Alert(
            "FraudScorerDown",
            f"{_up(SCORER)} == 0\n",
            "2m",
            "critical",
            SCORER,
            "fraud-scorer instance {{ $labels.instance }} is down",
            "Prometheus has not reached fraud-scorer at {{ $labels.instance }} for 2 minutes.",
            "Check the scorer pod's events and logs (model file missing or invalid is the usual "
            "cause) and restart or roll back.",
        ),
        Alert(
            "FraudScorerNotAnswering",
            # Only where consumers score remotely (embedded mode has no scorer) and work waits.
            _lines(
                f"({rate(m.SCORER_REQUESTS, WINDOW, matchers=[('status', '=~', '2..')])} "
                "or vector(0)) == 0",
                "and on()",
                f"count({selector(m.END_TO_END_LATENCY, suffix='_count', matchers=[('scoring_mode', '=', remote)])}) > 0",  # noqa: E501
                "and on()",
                _input_waiting(),
            ),
            "5m",
            "critical",
            SCORER,
            "fraud-scorer answers no scoring requests",
            "Consumers score remotely and have work waiting, but fraud-scorer answered no "
            f"request successfully in {WINDOW} (or is not scraped at all).",
            "Check the scorer is scraped and healthy, and that SCORER_URL and the API key in the "
            "consumer match the scorer.",
        ),
        Alert(
            "FraudNoTransactionsProcessed",
            _lines(
                f"({rate(m.CONSUMER_TRANSACTIONS, WINDOW)} or vector(0)) == 0",
                "and on()",
                _input_waiting(),
            ),
            "5m",
            "critical",
            CONSUMER,
            "No transactions processed while input is waiting",
            f"The consumers wrote no scored transaction in {WINDOW} although messages are waiting.",
            "Check the consumers are running and not paused (Redis or scorer down), then read "
            "their logs for the failing dependency.",
        ),
        Alert(
            "FraudConsumerDown",
            f"absent({_up(CONSUMER)} == 1)\n",
            "2m",
            "critical",
            CONSUMER,
            "No fraud-consumer instance is up",
            "Prometheus has reached no fraud-consumer instance for 2 minutes: nothing is scored.",
            "Check the consumer deployment's pods and logs (Kafka or Redis unreachable at start "
            "is the usual cause).",
        ),
        Alert(
            "FraudPrecisionCollapse",
            _lines(
                f"{gauge(m.MODEL_PRECISION, 'avg')} < {PRECISION_FLOOR:g}",
                "and on()",
                f"{rate(m.LABELS_RECEIVED, '15m')} > 0",
            ),
            "15m",
            "critical",
            CONSUMER,
            f"Live precision below {PRECISION_FLOOR:.0%}",
            "Precision of review/block decisions, from the ground truth arriving now, is "
            f"{{{{ $value | humanizePercentage }}}} (floor {PRECISION_FLOOR:.0%}) for 15 minutes: "
            "many genuine payments are being flagged.",
            "Compare the model version and the decision rates with the last good period; roll "
            "back the model or raise the thresholds.",
        ),
        *guard_alerts(),
        *drift_alerts(),
    ]


def _alert_rate_ratio() -> str:
    return f"({gauge(m.ALERT_RATE_WINDOW, 'avg')} / {gauge(m.ALERT_RATE_EXPECTED, 'max')})"


def guard_alerts() -> list[Alert]:
    """Live traffic against what the model was evaluated on."""
    low = 1 / ALERT_RATE_BAND
    return [
        Alert(
            "FraudAlertRateOffModel",
            _lines(
                f"{_alert_rate_ratio()} > {ALERT_RATE_BAND:g}",
                "or",
                f"{_alert_rate_ratio()} < {low:.3g}",
            ),
            "15m",
            "warning",
            CONSUMER,
            'Live alert rate {{ $value | printf "%.1f" }}x what the model card measured',
            "Payments at or above the review threshold among the consumers' latest run at "
            '{{ $value | printf "%.2f" }} times the model card\'s validation alert rate (band '
            f"{low:.2f}-{ALERT_RATE_BAND:g}x) for 15 minutes: live traffic no longer looks like "
            "what the model was evaluated on.",
            "Check the warm start ran and the world clock's speed (dashboard: simulated time and "
            "speed), then compare live features with the training data.",
        ),
    ]


def _non_calendar_feature_psi() -> str:
    calendar = "|".join(CALENDAR_FEATURES)
    return selector(m.DRIFT_FEATURE_PSI, matchers=[("feature", "!~", calendar)])


def drift_alerts() -> list[Alert]:
    """Drift before labels: live scores and features against the model card's reference."""
    line = f"{DRIFT_PSI_MAJOR:g}"
    return [
        Alert(
            "FraudScoreDrift",
            f"{gauge(m.DRIFT_SCORE_PSI, 'max')} > {line}\n",
            "15m",
            "warning",
            CONSUMER,
            'Fraud scores drifted from the training reference (PSI {{ $value | printf "%.2f" }})',
            'The scores of a consumer\'s latest payments are {{ $value | printf "%.2f" }} '
            f"away (PSI) from the model card's training reference, above {line} (a major shift) "
            "for 15 minutes: the world the model scores has changed, before labels can tell.",
            "Find the features that moved (panel 'Drift from the training reference'); retrain "
            "from the decision log if the shift persists.",
        ),
        Alert(
            "FraudFeatureDrift",
            f"max by (feature) ({_non_calendar_feature_psi()}) > {line}\n",
            "15m",
            "warning",
            CONSUMER,
            "Feature {{ $labels.feature }} drifted from the training reference "
            '(PSI {{ $value | printf "%.2f" }})',
            'Feature {{ $labels.feature }} as served is {{ $value | printf "%.2f" }} away '
            f"(PSI) from the model card's training reference, above {line} (a major shift) for "
            "15 minutes (calendar features are left out: a window of hours is never a week).",
            "Tell a changed world (spending, a fraud campaign) from a broken input (a producer "
            "or feature bug, a cold start); retrain from the decision log for the first.",
        ),
    ]


def rule_groups() -> dict[str, Any]:
    """The rule file's content; also the ``spec`` of the PrometheusRule."""
    return {"groups": [{"name": GROUP, "rules": [alert.rule() for alert in alerts()]}]}


def prometheus_rule(name: str = "fraud-detection-alerts") -> dict[str, Any]:
    """A ``monitoring.coreos.com/v1`` PrometheusRule for clusters without the Helm chart."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/name": "fraud-detection",
                "app.kubernetes.io/component": "alert-rules",
                "app.kubernetes.io/part-of": "fraud-detection",
            },
        },
        "spec": rule_groups(),
    }
