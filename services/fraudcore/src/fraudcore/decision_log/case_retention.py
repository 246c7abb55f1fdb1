"""Retention of the analysts' records: verdicts, label disagreements and audit events older than
``CASE_RETENTION_DAYS`` deleted by ``fraud-decisions maintain``, in wall-clock time (when an
analyst acted, not the payment's event time), and the deletion itself audited.

These tables are not partitioned by day as decisions are: a case outlives its decision's day for
as long as its audit must, so they have a retention of their own, never shorter than the
decisions' (the setting refuses it). Unset, they are kept for good, as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import psycopg
from psycopg import sql

from fraudcore.decision_log.audit import AuditAction, record
from fraudcore.decision_log.contract import AUDIT, DISAGREEMENTS, VERDICTS

# Each table with the wall-clock time its rows are aged by.
AGED_BY = {VERDICTS: "given_at", DISAGREEMENTS: "received_at", AUDIT: "at"}
ACTOR = "fraud-decisions maintain"


@dataclass(frozen=True)
class Expired:
    before: dt.datetime  # rows older than this were deleted
    deleted: dict[str, int]  # per table


def expire_case_history(conn: psycopg.Connection, now: dt.datetime, retention_days: int) -> Expired:
    """Delete the rows older than ``retention_days`` before ``now`` from every table of
    ``AGED_BY``, in one transaction, and audit how many went (an audit event newer than the
    cut-off: the trail says when and how far it was cut)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    before = now - dt.timedelta(days=retention_days)
    deleted: dict[str, int] = {}
    with conn.transaction():
        for table, column in AGED_BY.items():
            query = sql.SQL("DELETE FROM {} WHERE {} < %s").format(
                sql.Identifier(table), sql.Identifier(column)
            )
            deleted[table] = conn.execute(query, (before,)).rowcount
        record(
            conn, actor=ACTOR, role="system", action=AuditAction.RETENTION, transaction_id=None,
            detail={"before": before.isoformat(), "retention_days": retention_days,
                    "deleted": deleted},
        )  # fmt: skip
    return Expired(before, deleted)
