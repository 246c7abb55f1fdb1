"""Day partitions of the decision log: made before rows need them, dropped after retention.

A day is a UTC day of event time, the same for a decision and its label. Partitions are made by
the writer for the days of each batch (whatever the clock, simulated worlds included) and ahead
of a day by ``maintain`` (the log's own, see ``log_clock``); ``maintain`` also drops the days
older than the retention before that day, with their labels. Makers serialise on an advisory
lock, because creating a partition locks the parent table and two makers of the same day would
otherwise race.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import DECISIONS, LABELS

PARTITIONED = (DECISIONS, LABELS)
_LOCK = 0x6672_6175_645F_7074  # "fraud_pt": the partition makers' advisory lock
_SUFFIX = re.compile(r"_p(\d{8})$")


def partition_name(table: str, day: dt.date) -> str:
    return f"{table}_p{day:%Y%m%d}"


def _bound(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(), dt.UTC).isoformat()


def ensure_days(conn: psycopg.Connection, days: Iterable[dt.date]) -> list[str]:
    """Make the partitions of ``days`` that do not exist yet; returns those made."""
    wanted = sorted(set(days))
    made: list[str] = []
    if not wanted:
        return made
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        for table in PARTITIONED:
            existing = set(existing_days(conn, table))
            for day in (day for day in wanted if day not in existing):
                name = partition_name(table, day)
                conn.execute(
                    sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})").format(
                        sql.Identifier(name),
                        sql.Identifier(table),
                        sql.Literal(_bound(day)),
                        sql.Literal(_bound(day + dt.timedelta(days=1))),
                    )
                )
                made.append(name)
    return made


def existing_days(conn: psycopg.Connection, table: str = DECISIONS) -> list[dt.date]:
    """The days ``table`` has partitions for, in order."""
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s)",
        (table,),
    ).fetchall()
    days = []
    for (name,) in rows:
        match = _SUFFIX.search(name)
        if match:
            days.append(dt.datetime.strptime(match[1], "%Y%m%d").date())
    return sorted(days)


@dataclass(frozen=True)
class Upkeep:
    made: list[str]
    dropped: list[str]


def maintain(
    conn: psycopg.Connection, today: dt.date, retention_days: int, days_ahead: int
) -> Upkeep:
    """Partitions from ``today`` to ``days_ahead`` days ahead of it; days more than
    ``retention_days`` before ``today`` dropped (decisions and labels alike)."""
    made = ensure_days(conn, (today + dt.timedelta(days=i) for i in range(days_ahead + 1)))
    oldest_kept = today - dt.timedelta(days=retention_days)
    dropped: list[str] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        for table in PARTITIONED:
            for day in existing_days(conn, table):
                if day < oldest_kept:
                    name = partition_name(table, day)
                    conn.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(name)))
                    dropped.append(name)
    return Upkeep(made=made, dropped=dropped)
