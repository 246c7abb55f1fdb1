"""A card's recent decisions from the log, newest first: the timeline and the map of the
decision page ("what did this card do before this payment?")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.decision_log.reader import LABEL_SELECT, decision_fields, label_fields

MAX_HISTORY = 200

_COLUMNS = (
    "transaction_id", "event_time", "card_id", "merchant_id", "amount", "currency", "country",
    "decision", "score", "model_version", "review_threshold", "block_threshold", "rules",
    "customer_id", "merchant_name", "merchant_category", "channel", "city", "lat", "lon",
    "device_id",
)  # fmt: skip
# Served by decisions_by_card (card_id, event_time DESC, transaction_id DESC): one index range
# per day partition, merged.
_BY_CARD = sql.SQL(
    "SELECT {columns}, {label} FROM {decisions} d "
    "LEFT JOIN {labels} l USING (transaction_id, event_time) "
    "WHERE d.card_id = %(card)s AND d.event_time <= %(until)s "
    "ORDER BY d.event_time DESC, d.transaction_id DESC LIMIT %(limit)s"
).format(
    columns=sql.SQL(", ").join(sql.Identifier("d", column) for column in _COLUMNS),
    label=LABEL_SELECT,
    decisions=sql.Identifier(DECISIONS),
    labels=sql.Identifier(LABELS),
)
FAR_FUTURE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def card_decisions(
    conn: psycopg.Connection, card_id: str, limit: int = 20, until: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Up to ``limit`` decisions on ``card_id`` at or before ``until`` (event time), newest
    first, as JSON, each with its label once one has arrived."""
    if not 1 <= limit <= MAX_HISTORY:
        raise ValueError(f"limit must be 1 to {MAX_HISTORY}")
    if until is not None and until.tzinfo is None:
        raise ValueError("until must carry a time zone")
    params = {"card": card_id, "until": until or FAR_FUTURE, "limit": limit}
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(_BY_CARD, params).fetchall()
    return [_entry(row) for row in rows]


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    return decision_fields(row) | {"label": label_fields(row)}
