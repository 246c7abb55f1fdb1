"""The live run's decision log, read before its database stops: quality per day of decision by
the production query (``fraudcore.decision_log.quality``), every logged id, the labels joined
and the thresholds in force."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fraudcore.decision_log import connect
from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.decision_log.quality import DayQuality, quality
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
_IDS = sql.SQL("SELECT transaction_id FROM {}").format(sql.Identifier(DECISIONS))
_LABELS = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(LABELS))
_THRESHOLDS = sql.SQL(
    "SELECT model_version, review_threshold, block_threshold, count(*) FROM {} "
    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
).format(sql.Identifier(DECISIONS))


@dataclass(frozen=True)
class LoggedRun:
    days: list[DayQuality]
    rows: int  # rows in the log, a repeated id counted each time
    ids: set[str]
    labels: int  # labels joined to a logged decision
    thresholds: list[dict[str, Any]]  # each (model version, thresholds) in force, with its rows


def _labels(conn: psycopg.Connection) -> int:
    row = conn.execute(_LABELS).fetchone()
    return int(row[0]) if row else 0


def wait_for_labels(url: str, expected: int, timeout_s: float, idle_s: float) -> int:
    """Labels joined in the log: until ``expected``, or none new for ``idle_s``, or the timeout;
    whatever is missing then shows in the label coverage, it is not waited for for ever."""
    deadline = time.monotonic() + timeout_s
    with connect(DatabaseSettings(database_url=url)) as conn:
        joined, last_change = _labels(conn), time.monotonic()
        while joined < expected and time.monotonic() < deadline:
            if time.monotonic() - last_change > idle_s:
                break
            time.sleep(2)
            now = _labels(conn)
            if now != joined:
                joined, last_change = now, time.monotonic()
    log.info("%d of %d labels joined in the decision log", joined, expected)
    return joined


def read_logged(url: str, first: dt.date, last: dt.date) -> LoggedRun:
    """The log's figures for the UTC days ``first`` to ``last`` (both included), and all of it
    for the counts."""
    with connect(DatabaseSettings(database_url=url)) as conn:
        days = quality(conn, first, last)
        ids = [str(tx_id) for (tx_id,) in conn.execute(_IDS).fetchall()]
        thresholds = [
            {"model_version": version, "review": review, "block": block, "rows": rows}
            for version, review, block, rows in conn.execute(_THRESHOLDS).fetchall()
        ]
        return LoggedRun(days, len(ids), set(ids), _labels(conn), thresholds)
