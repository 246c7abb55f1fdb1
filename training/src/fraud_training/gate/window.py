"""The evaluation window: the decision log's payments of a span of event time, with the features
as served, the champion's logged decision and the label as joined. A payment whose label has not
arrived is pending: unknown, counted but never scored as genuine.

The default window is the latest ``days`` whose labels have had ``label_wait_days`` to arrive
(genuine labels come 7-8 simulated days after the payment): recent, yet mostly labelled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import psycopg
from psycopg import sql

from fraud_training.from_log import in_feature_order
from fraudcore.decision_log.contract import DECISIONS, FEATURE_SETS, LABELS
from fraudcore.decision_log.quality import latest_day
from fraudcore.features import FEATURE_NAMES

DAY = dt.timedelta(days=1)
COLUMNS = ["transaction_id", "event_time", "card_id", "amount", "decision", "model_version",
           "is_fraud", "scenario"]  # fmt: skip
_WINDOW = sql.SQL(
    "SELECT d.transaction_id, d.event_time, d.card_id, d.amount, d.decision, d.model_version, "
    "l.is_fraud, l.scenario, f.names, d.features "
    "FROM {decisions} d LEFT JOIN {labels} l USING (transaction_id, event_time) "
    "JOIN {sets} f USING (feature_set) "
    "WHERE d.event_time >= %(since)s AND d.event_time < %(until)s "
    "ORDER BY d.event_time, d.transaction_id"
).format(
    decisions=sql.Identifier(DECISIONS),
    labels=sql.Identifier(LABELS),
    sets=sql.Identifier(FEATURE_SETS),
)


class WindowError(ValueError):
    """The window asked for cannot be evaluated (empty, unlabelled, or seen in training)."""


@dataclass(frozen=True)
class Span:
    since: dt.datetime
    until: dt.datetime  # exclusive

    def describe(self) -> str:
        return f"{self.since.date()} .. {(self.until - DAY).date()}"


@dataclass(frozen=True)
class Window:
    span: Span
    rows: pd.DataFrame  # the labelled payments (or all), event-time order (COLUMNS)
    features: npt.NDArray[np.float32]  # as served, FEATURE_NAMES order
    pending: int  # payments of the span whose label has not arrived

    @property
    def logged(self) -> int:
        return len(self.rows) + self.pending if self.labelled_only else len(self.rows)

    labelled_only: bool = True


def parse_span(text: str) -> Span:
    """``FROM..TO``: UTC days, both included (``2026-03-10..2026-03-16``)."""
    first, sep, last = text.partition("..")
    try:
        start, end = dt.date.fromisoformat(first.strip()), dt.date.fromisoformat(last.strip())
    except ValueError as error:
        raise WindowError(f"--window {text!r}: FROM..TO, two ISO dates ({error})") from error
    if not sep or end < start:
        raise WindowError(f"--window {text!r}: FROM..TO with TO on or after FROM")
    return day_span(start, end)


def day_span(first: dt.date, last: dt.date) -> Span:
    since = dt.datetime.combine(first, dt.time(), dt.UTC)
    return Span(since, dt.datetime.combine(last, dt.time(), dt.UTC) + DAY)


def default_span(conn: psycopg.Connection, days: int, label_wait_days: int) -> Span:
    """The latest ``days`` ending ``label_wait_days`` before the log's newest decision day."""
    last = latest_day(conn)
    if last is None:
        raise WindowError("the decision log holds no decision")
    end = last - dt.timedelta(days=label_wait_days)
    return day_span(end - dt.timedelta(days=days - 1), end)


def read_window(conn: psycopg.Connection, span: Span, labelled_only: bool = True) -> Window:
    """The span's payments; only the labelled ones unless ``labelled_only`` is False (then
    ``is_fraud`` is None where the label is pending)."""
    rows, vectors, pending = [], [], 0
    with conn.cursor() as cursor:
        query = cursor.execute(_WINDOW, {"since": span.since, "until": span.until})
        for *fields, names, features in query:
            if fields[6] is None:  # no label yet: unknown, not genuine
                pending += 1
                if labelled_only:
                    continue
            rows.append(fields)
            vectors.append(in_feature_order(names, features))
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["event_time"] = pd.to_datetime(table["event_time"], utc=True)
    matrix = np.array(vectors, dtype=np.float32).reshape(len(rows), len(FEATURE_NAMES))
    return Window(span, table, matrix, pending, labelled_only)
