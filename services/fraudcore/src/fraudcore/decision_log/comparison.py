"""Champion against challenger, live, from the decision log: on the payments both scored (the
challenger in shadow), how often each would alert, how often they agree, and, as labels arrive,
precision, recall and average precision at the review budget.

The review budget is what the analysts actually worked: the champion's alerts (review or block
decisions) on those payments. Each model is given that many reviews, its highest scores, so the
two are compared on the same workload rather than at thresholds that alert at different rates.
Precision is over the reviewed payments whose label has arrived, recall over labelled frauds: an
unlabelled payment is unknown, never counted as genuine. Average precision at the budget is the
mean, over the labelled frauds, of the precision (among labelled reviews) at each fraud's rank
within the budget, 0 for a fraud left outside it: at most the recall, 1 only when every fraud is
reviewed ahead of every labelled genuine payment. Intervals are 95%: Wilson for proportions, and
for average precision the logit interval of Boyd, Eng and Page (2013) over the labelled frauds.
Equal scores are ranked by transaction id, so a window reads the same every time.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.decision_log.quality import latest_day

Z95 = 1.959964  # two-sided 95% normal quantile

_COMPARE = sql.SQL("""
WITH pair AS (
    SELECT d.transaction_id, d.model_version, d.challenger_version, d.score,
           d.challenger_score, d.decision <> 'approve' AS alert,
           d.challenger_decision <> 'approve' AS shadow_alert,
           d.decision = d.challenger_decision AS agree, l.is_fraud
    FROM {decisions} d LEFT JOIN {labels} l USING (transaction_id, event_time)
    WHERE d.challenger_version IS NOT NULL
      AND d.event_time >= %(since)s AND d.event_time < %(until)s
), ranked AS (
    SELECT *,
           count(*) FILTER (WHERE alert) OVER w AS budget,
           row_number() OVER (w ORDER BY score DESC, transaction_id) AS champion_rank,
           row_number() OVER (w ORDER BY challenger_score DESC, transaction_id) AS challenger_rank
    FROM pair
    WINDOW w AS (PARTITION BY model_version, challenger_version)
), precise AS (
    -- at each labelled fraud: the precision among the labelled payments ranked up to it
    SELECT *,
           CASE WHEN is_fraud THEN (count(*) FILTER (WHERE is_fraud) OVER c)::float8
                                   / (count(is_fraud) OVER c) END AS champion_precision,
           CASE WHEN is_fraud THEN (count(*) FILTER (WHERE is_fraud) OVER s)::float8
                                   / (count(is_fraud) OVER s) END AS challenger_precision
    FROM ranked
    WINDOW p AS (PARTITION BY model_version, challenger_version),
           c AS (p ORDER BY champion_rank), s AS (p ORDER BY challenger_rank)
)
SELECT model_version, challenger_version, count(*), max(budget),
       count(*) FILTER (WHERE alert), count(*) FILTER (WHERE shadow_alert),
       count(*) FILTER (WHERE agree),
       count(is_fraud), count(*) FILTER (WHERE is_fraud),
       count(is_fraud) FILTER (WHERE champion_rank <= budget),
       count(*) FILTER (WHERE is_fraud AND champion_rank <= budget),
       coalesce(sum(champion_precision) FILTER (WHERE champion_rank <= budget), 0),
       count(is_fraud) FILTER (WHERE challenger_rank <= budget),
       count(*) FILTER (WHERE is_fraud AND challenger_rank <= budget),
       coalesce(sum(challenger_precision) FILTER (WHERE challenger_rank <= budget), 0)
FROM precise
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


def logit_interval(value: float, positives: int, z: float = Z95) -> tuple[float, float] | None:
    """Boyd, Eng and Page's logit interval of an average precision over ``positives`` frauds;
    at 0 or 1 (no logit) the Wilson interval of as many frauds found; None without frauds."""
    if positives == 0:
        return None
    if value <= 0.0 or value >= 1.0:
        return wilson(round(value * positives), positives, z)
    centre = math.log(value / (1 - value))
    half = z / math.sqrt(positives * value * (1 - value))
    return 1 / (1 + math.exp(-(centre - half))), 1 / (1 + math.exp(-(centre + half)))


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
class AveragePrecision:
    """An average precision over ``frauds`` labelled frauds with its interval."""

    value: float | None
    frauds: int

    def as_json(self) -> dict[str, Any]:
        interval = None if self.value is None else logit_interval(self.value, self.frauds)
        return {
            "value": self.value,
            "ci95": None if interval is None else list(interval),
            "of": self.frauds,
        }


@dataclass(frozen=True)
class AtBudget:
    """One model given the review budget: its top-``budget`` scores reviewed."""

    labelled: int  # reviewed payments whose label has arrived
    caught: int  # labelled frauds among them
    frauds: int  # labelled frauds among all the pair's payments
    precision_sum: float = 0.0  # over the frauds caught: the precision at each one's rank

    @property
    def average_precision(self) -> AveragePrecision:
        return AveragePrecision(self.precision_sum / self.frauds if self.frauds else None,
                                self.frauds)  # fmt: skip

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
                "ap_at_budget": at_budget.average_precision.as_json(),
            }

        return {
            "payments": self.payments,
            "review_budget": self.budget,
            "agreement": Rate(self.agreements, self.payments).as_json(),
            "labelled": self.labelled,
            "pending": self.payments - self.labelled,
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
        labelled, frauds, c_labelled, c_caught, c_sum, s_labelled, s_caught, s_sum = rest
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
                champion_at_budget=AtBudget(c_labelled, c_caught, frauds, float(c_sum)),
                challenger_at_budget=AtBudget(s_labelled, s_caught, frauds, float(s_sum)),
            )
        )
    return out


def last_days(conn: psycopg.Connection, days: int) -> tuple[dt.datetime, dt.datetime] | None:
    """The ``days`` whole UTC days up to the newest day holding a decision (the world's clock,
    which may be simulated), as [since, until); None while the log is empty."""
    last = latest_day(conn)
    if last is None:
        return None
    since = dt.datetime.combine(last - dt.timedelta(days=days - 1), dt.time(), dt.UTC)
    return since, since + dt.timedelta(days=days)
