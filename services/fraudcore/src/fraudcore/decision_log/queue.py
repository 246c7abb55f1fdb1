"""The review queue: logged decisions waiting for a human, oldest or riskiest first, paged by
keyset (a page starts after the previous page's last key, so a deep page costs what the first
does and a decision arriving meanwhile never shifts or repeats rows, as OFFSET would).

Waiting means: a decision the policy sends to a human (review; block too where policy asks for
confirmation) whose ground truth has not arrived and that no analyst has judged fraud or genuine.
A label (a chargeback, or an analyst's verdict come back through the consumer) closes the case,
and so does the verdict itself the moment it is recorded (its label was acknowledged by Kafka
by then); an escalation leaves the case waiting.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraudcore.decision_log.contract import (
    DECISIONS,
    FEATURE_SETS,
    LABELS,
    PAYMENT_COLUMNS,
    VERDICTS,
)
from fraudcore.decision_log.reader import decision_fields
from fraudcore.features.wording import explain
from fraudcore.schemas import Decision, format_time

MAX_PAGE = 200


class QueueOrder(StrEnum):
    OLDEST = "oldest"  # by event time: the longest waiting first
    RISKIEST = "riskiest"  # by score, highest first; ties oldest first


class QueueError(ValueError):
    """A filter, order or cursor that cannot select anything meaningful; names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class QueueFilter:
    """Which waiting decisions to show; ``None`` means any."""

    decisions: frozenset[Decision]
    amount_min: float | None = None
    amount_max: float | None = None
    country: str | None = None
    model_version: str | None = None
    since: dt.datetime | None = None  # event time, included
    until: dt.datetime | None = None  # event time, excluded

    def check(self, queued: Collection[Decision]) -> None:
        """Raises QueueError for a filter outside ``queued`` (the policy) or an empty range."""
        if not self.decisions:
            raise QueueError("decision", "at least one decision is needed")
        outside = sorted(self.decisions - set(queued))
        if outside:
            raise QueueError(
                "decision", f"{', '.join(outside)} not queued (queued: {', '.join(sorted(queued))})"
            )
        amounts = (self.amount_min, self.amount_max)
        if any(value is not None and not math.isfinite(value) for value in amounts):
            raise QueueError("amount", "must be a finite number")
        low, high = amounts
        if low is not None and high is not None and low > high:
            raise QueueError("amount_min", "greater than amount_max")
        for name, moment in (("since", self.since), ("until", self.until)):
            if moment is not None and moment.tzinfo is None:
                raise QueueError(name, "must carry a time zone (e.g. 2026-03-02T00:00:00Z)")
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise QueueError("since", "not before until")


@dataclass(frozen=True)
class QueueKey:
    """Where a page ended, in the order's terms; opaque to clients as a cursor string."""

    order: QueueOrder
    score: float
    event_time: dt.datetime
    transaction_id: str

    def cursor(self) -> str:
        payload = [self.order.value, self.score, format_time(self.event_time), self.transaction_id]
        return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")

    @classmethod
    def parse(cls, cursor: str, order: QueueOrder) -> QueueKey:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            name, score, event_time, transaction_id = orjson.loads(raw)
            key = cls(
                QueueOrder(name), float(score), dt.datetime.fromisoformat(event_time),
                str(transaction_id),
            )  # fmt: skip
        except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError) as error:
            raise QueueError("after", "not a cursor this queue returned") from error
        if key.order is not order:
            raise QueueError("after", f"a cursor of the {key.order} order, not {order}")
        if key.event_time.tzinfo is None or not math.isfinite(key.score):
            raise QueueError("after", "not a cursor this queue returned")
        return key


@dataclass(frozen=True)
class QueuePage:
    items: list[dict[str, Any]]
    next: QueueKey | None  # None on the last page

    def as_json(self) -> dict[str, Any]:
        return {"items": self.items, "next": None if self.next is None else self.next.cursor()}


_ORDER_BY = {
    QueueOrder.OLDEST: sql.SQL("d.event_time, d.transaction_id"),
    QueueOrder.RISKIEST: sql.SQL("d.score DESC, d.event_time, d.transaction_id"),
}
_AFTER = {
    QueueOrder.OLDEST: sql.SQL("(d.event_time, d.transaction_id) > (%(k_time)s, %(k_id)s)"),
    # Mixed directions allow no row comparison; "score <=" alone is what lets the index start at
    # the cursor instead of reading every row above it.
    QueueOrder.RISKIEST: sql.SQL(
        "d.score <= %(k_score)s AND (d.score < %(k_score)s "
        "OR (d.event_time, d.transaction_id) > (%(k_time)s, %(k_id)s))"
    ),
}
_SELECT = sql.SQL(
    "SELECT d.transaction_id, d.event_time, d.card_id, d.merchant_id, d.amount, d.currency, "
    "d.country, d.decision, d.score, d.model_version, d.review_threshold, d.block_threshold, "
    "d.rules, d.reasons, d.features, f.names AS feature_names, {payment} "
    "FROM {decisions} d JOIN {sets} f USING (feature_set) "
    # The literals match the queue indexes' predicate (open cases, migration 0005: a label or a
    # verdict closes a case by trigger), so the planner reads open cases only; the NOT EXISTS
    # below stay as the definition, checked on those few rows.
    "WHERE d.decision <> 'approve' AND d.queue_closed_at IS NULL "
    "AND d.decision = ANY(%(decisions)s) "
    "AND NOT EXISTS (SELECT 1 FROM {labels} l "
    "WHERE l.transaction_id = d.transaction_id AND l.event_time = d.event_time) "
    "AND NOT EXISTS (SELECT 1 FROM {verdicts} v WHERE v.transaction_id = d.transaction_id "
    "AND v.event_time = d.event_time AND v.verdict <> 'escalate') "
).format(
    decisions=sql.Identifier(DECISIONS), sets=sql.Identifier(FEATURE_SETS),
    labels=sql.Identifier(LABELS), verdicts=sql.Identifier(VERDICTS),
    payment=sql.SQL(", ").join(sql.Identifier("d", name) for name in PAYMENT_COLUMNS),
)  # fmt: skip
_CONDITIONS = (
    ("amount_min", "d.amount >= %(amount_min)s"),
    ("amount_max", "d.amount <= %(amount_max)s"),
    ("country", "d.country = %(country)s"),
    ("model_version", "d.model_version = %(model_version)s"),
    ("since", "d.event_time >= %(since)s"),
    ("until", "d.event_time < %(until)s"),
)


def _item(row: dict[str, Any]) -> dict[str, Any]:
    features = dict(zip(row["feature_names"], row["features"], strict=True))
    return decision_fields(row) | {
        "reasons": row["reasons"],
        "reasons_in_words": explain(row["reasons"], features),
    }


def page_query(
    filters: QueueFilter, order: QueueOrder, limit: int, after: QueueKey | None
) -> tuple[sql.Composed, dict[str, Any]]:
    """The SQL of one page and its parameters (one row more than ``limit``: is there a next?)."""
    if not 1 <= limit <= MAX_PAGE:
        raise QueueError("limit", f"must be 1 to {MAX_PAGE}")
    params: dict[str, Any] = {
        "decisions": sorted(decision.value for decision in filters.decisions),
        "limit": limit + 1,
    }
    query = _SELECT
    for name, condition in _CONDITIONS:
        value = getattr(filters, name)
        if value is not None:
            params[name] = value
            query += sql.SQL("AND ") + sql.SQL(condition) + sql.SQL(" ")
    if after is not None:
        params |= {"k_score": after.score, "k_time": after.event_time, "k_id": after.transaction_id}
        query += sql.SQL("AND ") + _AFTER[order] + sql.SQL(" ")
    query += sql.SQL("ORDER BY ") + _ORDER_BY[order] + sql.SQL(" LIMIT %(limit)s")
    return query, params


def waiting(
    conn: psycopg.Connection,
    filters: QueueFilter,
    order: QueueOrder = QueueOrder.OLDEST,
    limit: int = 50,
    after: QueueKey | None = None,
) -> QueuePage:
    """One page of decisions waiting for a human, starting after ``after``."""
    query, params = page_query(filters, order, limit, after)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cursor:
        # The filters repeat the index predicate's decision test, so the planner counts it twice,
        # expects a handful of open cases, and would sort them all (or start parallel workers)
        # rather than read the first page off the order's index: tell it what the query is for.
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        rows = cursor.execute(query, params).fetchall()
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        following = QueueKey(order, last["score"], last["event_time"], last["transaction_id"])
    return QueuePage([_item(row) for row in rows], following)
