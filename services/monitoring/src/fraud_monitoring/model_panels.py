"""The overview's models row: champion and challenger compared live, per model version.

From the consumers' per-version counters (``fraud_model_decisions_total``: the champion's
decisions and the challenger's in shadow; ``fraud_challenger_agreements_total``). Labels arrive
days later, so precision, recall and AP at the review budget are on the dashboard's models page
(from the decision log), not here.
"""

from __future__ import annotations

from typing import Any

from fraud_monitoring import panels
from fraud_monitoring.panels import Query
from fraud_monitoring.promql import rate
from fraudcore import metrics as m
from fraudcore.schemas import Decision

TITLE = "Models: champion and challenger, live"
_BY = ("model_version", "role")
_LEGEND = "{{model_version}} {{role}}"


def alert_rate() -> str:
    """Non-approve decisions over all decisions, per version and role."""
    alerts = rate(m.MODEL_DECISIONS, by=_BY, matchers=[("decision", "!=", Decision.APPROVE)])
    return f"{alerts} / {rate(m.MODEL_DECISIONS, by=_BY)}"


def agreement() -> str:
    """Per challenger version: the share of its shadow decisions equal to the champion's."""
    in_shadow = [("role", "=", m.CHALLENGER)]
    shadowed = rate(m.MODEL_DECISIONS, by=("model_version",), matchers=in_shadow)
    return f"{rate(m.CHALLENGER_AGREEMENTS, by=('model_version',))} / {shadowed}"


def row() -> tuple[str, list[Any]]:
    return (
        TITLE,
        [
            panels.time_series(
                "Decisions per model version",
                "Decisions per second by model version and role: the champion's are acted on, "
                "the challenger's are scored in shadow on the same payments and only logged. "
                "A promotion or rollback shows as one version's line handing over to another.",
                [Query(rate(m.MODEL_DECISIONS, by=_BY), _LEGEND)],
                unit="reqps",
                width=8,
            ),
            panels.time_series(
                "Alert rate per model version",
                "Share of each version's decisions that are review or block, champion (rules "
                "included) and challenger in shadow. The dashboard's models page has the same "
                "from the decision log with 95% intervals, and precision and recall as labels "
                "arrive.",
                [Query(alert_rate(), _LEGEND)],
                unit="percentunit",
                max_val=1,
                width=8,
            ),
            panels.time_series(
                "Challenger agreement with the champion",
                "Share of the payments scored in shadow on which the challenger took the "
                "champion's decision (approve, review or block). No line: no challenger set.",
                [Query(agreement(), "{{model_version}} agrees")],
                unit="percentunit",
                max_val=1,
                width=8,
            ),
        ],
    )
