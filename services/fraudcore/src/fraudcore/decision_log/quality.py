"""Live model quality from the decision log: per day of decision and model version, at the
review threshold each decision was taken under.

An alert is a payment scoring at or above the review threshold in force (as ``make live-eval``
and the model card count them). Precision is over alerts whose label has arrived, recall over
labelled frauds: a decision without a label is unknown, never counted as genuine, so a recent
day's figures rest on the labels so far (``label_coverage`` says how many).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.decision_log.partitions import existing_days

# Day bounds on event_time let PostgreSQL read only the window's partitions.
_QUALITY = sql.SQL("""
SELECT (d.event_time AT TIME ZONE 'UTC')::date AS day, d.model_version,
       count(*) AS decisions,
       count(*) FILTER (WHERE d.score >= d.review_threshold) AS alerts,
       count(l.is_fraud) AS labelled,
       count(l.is_fraud) FILTER (WHERE d.score >= d.review_threshold) AS labelled_alerts,
       count(*) FILTER (WHERE l.is_fraud) AS frauds,
       count(*) FILTER (WHERE l.is_fraud AND d.score >= d.review_threshold) AS caught
FROM {decisions} d LEFT JOIN {labels} l USING (transaction_id, event_time)
WHERE d.event_time >= %(since)s AND d.event_time < %(until)s
GROUP BY 1, 2
ORDER BY 1, 2
""").format(decisions=sql.Identifier(DECISIONS), labels=sql.Identifier(LABELS))
_ANY_ON_DAY = sql.SQL(
    "SELECT EXISTS (SELECT 1 FROM {} WHERE event_time >= %s AND event_time < %s)"
).format(sql.Identifier(DECISIONS))


@dataclass(frozen=True)
class DayQuality:
    """One day of decision by one model version."""

    day: dt.date
    model_version: str
    decisions: int
    alerts: int  # scored at or above the review threshold
    labelled: int  # decisions whose label has arrived
    labelled_alerts: int
    frauds: int  # labelled fraud
    caught: int  # labelled fraud among the alerts

    @property
    def alert_rate(self) -> float:
        return self.alerts / self.decisions

    @property
    def precision(self) -> float | None:
        """Labelled frauds among labelled alerts; None until an alert has its label."""
        return self.caught / self.labelled_alerts if self.labelled_alerts else None

    @property
    def recall(self) -> float | None:
        """Labelled frauds alerted on; None until a fraud label has arrived."""
        return self.caught / self.frauds if self.frauds else None

    @property
    def label_coverage(self) -> float:
        return self.labelled / self.decisions

    def as_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "model_version": self.model_version,
            "decisions": self.decisions,
            "alerts": self.alerts,
            "labelled": self.labelled,
            "frauds": self.frauds,
            "caught": self.caught,
            "alert_rate": self.alert_rate,
            "precision": self.precision,
            "recall": self.recall,
            "label_coverage": self.label_coverage,
        }


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), dt.UTC)


def latest_day(conn: psycopg.Connection) -> dt.date | None:
    """The newest UTC day holding a decision (partitions made ahead of the clock are empty), read
    partition by partition from the newest: each probe stops at its first row."""
    for day in reversed(existing_days(conn)):
        row = conn.execute(_ANY_ON_DAY, (_start(day), _start(day + dt.timedelta(days=1))))
        if row.fetchone() == (True,):
            return day
    return None


def quality(conn: psycopg.Connection, first: dt.date, last: dt.date) -> list[DayQuality]:
    """Each (day, model version) with decisions from ``first`` to ``last`` (UTC days, both
    included), in day then version order."""
    bounds = {"since": _start(first), "until": _start(last + dt.timedelta(days=1))}
    return [DayQuality(*row) for row in conn.execute(_QUALITY, bounds).fetchall()]


def recent_quality(conn: psycopg.Connection, days: int) -> list[DayQuality]:
    """The last ``days`` days up to the newest day with a decision (the world's clock may be
    anywhere: simulated time is not the wall clock's)."""
    last = latest_day(conn)
    if last is None:
        return []
    return quality(conn, last - dt.timedelta(days=days - 1), last)
