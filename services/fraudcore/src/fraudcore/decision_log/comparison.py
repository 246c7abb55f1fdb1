"""Champion against challenger, live, from the decision log: on the payments both scored (the
challenger in shadow), how often each would alert, how often they agree, and, as labels arrive,
precision and recall at the review budget.

The review budget is what the analysts actually worked: the champion's alerts (review or block
decisions) on those payments. Each model is given that many reviews, its highest scores, so the
two are compared on the same workload rather than at thresholds that alert at different rates.
Precision is over the reviewed payments whose label has arrived, recall over labelled frauds: an
unlabelled payment is unknown, never counted as genuine. Intervals are Wilson 95% intervals.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import DECISIONS, LABELS

Z95 = 1.959964  # two-sided 95% normal quantile

_COMPARE = sql.SQL("""
WITH pair AS (
    SELECT d.model_version, d.challenger_version, d.score, d.challenger_score,
           d.decision <> 'approve' AS alert, d.challenger_decision <> 'approve' AS shadow_alert,
           d.decision = d.challenger_decision AS agree, l.is_fraud
    FROM {decisions} d LEFT JOIN {labels} l USING (transaction_id, event_time)
    WHERE d.challenger_version IS NOT NULL
      AND d.event_time >= %(since)s AND d.event_time < %(until)s
), ranked AS (
    SELECT *,
           count(*) FILTER (WHERE alert) OVER w AS budget,
           row_number() OVER (w ORDER BY score DESC) AS champion_rank,
           row_number() OVER (w ORDER BY challenger_score DESC) AS challenger_rank
    FROM pair
    WINDOW w AS (PARTITION BY model_version, challenger_version)
)
SELECT model_version, challenger_version, count(*), max(budget),
       count(*) FILTER (WHERE alert), count(*) FILTER (WHERE shadow_alert),
       count(*) FILTER (WHERE agree),
       count(is_fraud), count(*) FILTER (WHERE is_fraud),
       count(is_fraud) FILTER (WHERE champion_rank <= budget),
       count(*) FILTER (WHERE is_fraud AND champion_rank <= budget),
       count(is_fraud) FILTER (WHERE challenger_rank <= budget),
       count(*) FILTER (WHERE is_fraud AND challenger_rank <= budget)
FROM ranked
GROUP BY 1, 2
ORDER BY 1, 2
""").format(decisions=sql.Identifier(DECISIONS), labels=sql.Identifier(LABELS))


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion; None without trials."""
    if trials == 0:
        return None
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    half /= 1 + z * z / trials
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Rate:
    """successes / trials with its interval (None while there are no trials)."""

    successes: int
    trials: int

    @property
    def value(self) -> float | None:
        return self.successes / self.trials if self.trials else None

    def as_json(self) -> dict[str, Any]:
        interval = wilson(self.successes, self.trials)
        return {
            "value": self.value,
            "ci95": None if interval is None else list(interval),
            "of": self.trials,
        }


@dataclass(frozen=True)
class AtBudget:
    """One model given the review budget: its top-``budget`` scores reviewed."""

    labelled: int  # reviewed payments whose label has arrived
    caught: int  # labelled frauds among them
    frauds: int  # labelled frauds among all the pair's payments

    @property
    def precision(self) -> Rate:
        return Rate(self.caught, self.labelled)

    @property
    def recall(self) -> Rate:
        return Rate(self.caught, self.frauds)


@dataclass(frozen=True)
class Comparison:
    champion: str
    challenger: str
    payments: int
    budget: int  # the champion's alerts: the reviews worked
    champion_alerts: int
    challenger_alerts: int
    agreements: int  # same decision
    labelled: int
    frauds: int
    champion_at_budget: AtBudget
    challenger_at_budget: AtBudget

    def as_json(self) -> dict[str, Any]:
        def model(version: str, alerts: int, at_budget: AtBudget) -> dict[str, Any]:
            return {
                "model_version": version,
                "alert_rate": Rate(alerts, self.payments).as_json(),
                "precision_at_budget": at_budget.precision.as_json(),
                "recall_at_budget": at_budget.recall.as_json(),
            }

        return {
            "payments": self.payments,
            "review_budget": self.budget,
            "agreement": Rate(self.agreements, self.payments).as_json(),
            "labelled": self.labelled,
            "frauds": self.frauds,
            "champion": model(self.champion, self.champion_alerts, self.champion_at_budget),
            "challenger": model(self.challenger, self.challenger_alerts, self.challenger_at_budget),
        }


def compare(conn: psycopg.Connection, since: dt.datetime, until: dt.datetime) -> list[Comparison]:
    """Each (champion, challenger) pair with payments of event time in [since, until)."""
    rows = conn.execute(_COMPARE, {"since": since, "until": until}).fetchall()
    out = []
    for row in rows:
        champion, challenger, payments, budget, alerts, shadow_alerts, agree, *rest = row
        labelled, frauds, c_labelled, c_caught, s_labelled, s_caught = rest
        out.append(
            Comparison(
                champion=champion,
                challenger=challenger,
                payments=payments,
                budget=budget,
                champion_alerts=alerts,
                challenger_alerts=shadow_alerts,
                agreements=agree,
                labelled=labelled,
                frauds=frauds,
                champion_at_budget=AtBudget(c_labelled, c_caught, frauds),
                challenger_at_budget=AtBudget(s_labelled, s_caught, frauds),
            )
        )
    return out
