"""The audit trail: who read or judged which decision, or changed which rule or list, and when,
in the decision log's database."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from fraudcore.decision_log.contract import AUDIT
from fraudcore.schemas import format_time


class AuditAction(StrEnum):
    READ_DECISION = "read_decision"
    READ_CASE = "read_case"
    VERDICT = "verdict"
    RULE_CHANGE = "rule_change"  # a rule version written or its status changed (rule_store)
    LIST_CHANGE = "list_change"  # an entry added to, renewed on or removed from a list (list_store)
    RETENTION = "retention"  # analysts' records past their retention deleted (case_retention)


_INSERT = sql.SQL(
    "INSERT INTO {} (actor, role, action, transaction_id, detail) VALUES (%s, %s, %s, %s, %s)"
).format(sql.Identifier(AUDIT))
_BY_TRANSACTION = sql.SQL(
    "SELECT event_id, at, actor, role, action, transaction_id, detail FROM {} "
    "WHERE transaction_id = %s ORDER BY event_id"
).format(sql.Identifier(AUDIT))


def record(
    conn: psycopg.Connection,
    *,
    actor: str,
    role: str,
    action: AuditAction,
    transaction_id: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    conn.execute(_INSERT, (actor, role, action.value, transaction_id, Jsonb(detail or {})))


def changes(
    conn: psycopg.Connection, action: AuditAction, key: str, value: str | None
) -> list[dict[str, Any]]:
    """The events of one kind of change, oldest first; of one thing (``detail[key] == value``)
    unless ``value`` is None."""
    query = sql.SQL(
        "SELECT event_id, at, actor, role, transaction_id, detail FROM {} WHERE action = %s "
        "AND (%s::text IS NULL OR detail->>{} = %s) ORDER BY event_id"
    ).format(sql.Identifier(AUDIT), sql.Literal(key))
    with conn.cursor(row_factory=dict_row) as cursor:
        return cursor.execute(query, (action.value, value, value)).fetchall()


def trail(conn: psycopg.Connection, transaction_id: str) -> list[dict[str, Any]]:
    """The audit events of one transaction, oldest first."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_BY_TRANSACTION, (transaction_id,)).fetchall()
    return [row | {"at": format_time(row["at"])} for row in rows]
