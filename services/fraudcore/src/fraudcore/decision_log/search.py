"""Search of the decision log by transaction id, card id or merchant id, newest first, paged by
keyset (event time, transaction id), each branch an index range read."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraudcore.decision_log.contract import DECISIONS, PAYMENT_COLUMNS
from fraudcore.decision_log.reader import decision_fields
from fraudcore.schemas import format_time

MAX_PAGE = 200


class SearchField(StrEnum):
    TRANSACTION = "transaction"
    CARD = "card"
    MERCHANT = "merchant"


class SearchError(ValueError):
    """A cursor this search did not return; names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class SearchKey:
    event_time: dt.datetime
    transaction_id: str

    def cursor(self) -> str:
        payload = [format_time(self.event_time), self.transaction_id]
        return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")

    @classmethod
    def parse(cls, cursor: str) -> SearchKey:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            event_time, transaction_id = orjson.loads(raw)
            key = cls(dt.datetime.fromisoformat(event_time), str(transaction_id))
        except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError) as error:
            raise SearchError("after", "not a cursor this search returned") from error
        if key.event_time.tzinfo is None:
            raise SearchError("after", "not a cursor this search returned")
        return key


# Each branch leaves out rows an earlier branch already matched, so no decision shows twice.
_BRANCHES = {
    SearchField.TRANSACTION: sql.SQL("transaction_id = %(q)s"),
    SearchField.CARD: sql.SQL("card_id = %(q)s AND transaction_id <> %(q)s"),
    SearchField.MERCHANT: sql.SQL(
        "merchant_id = %(q)s AND transaction_id <> %(q)s AND card_id <> %(q)s"
    ),
}
_SHOWN = (
    "transaction_id", "event_time", "card_id", "merchant_id", "amount", "currency", "country",
    "decision", "score", "model_version", "review_threshold", "block_threshold", "rules",
    *PAYMENT_COLUMNS,
)  # fmt: skip
_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, _SHOWN))  # what decision_fields shows
_KEYSET = sql.SQL(" AND (event_time, transaction_id) < (%(k_time)s, %(k_id)s)")


def search_query(fields: list[SearchField], after: SearchKey | None) -> sql.Composed:
    """The SQL of one page; ``fields`` in the order of _BRANCHES."""
    keyset = sql.SQL("") if after is None else _KEYSET
    branches = [
        sql.SQL(
            "(SELECT {columns}, {matched} AS matched FROM {table} WHERE {condition}{keyset} "
            "ORDER BY event_time DESC, transaction_id DESC LIMIT %(limit)s)"
        ).format(
            columns=_COLUMNS, matched=sql.Literal(field.value), table=sql.Identifier(DECISIONS),
            condition=_BRANCHES[field], keyset=keyset,
        )
        for field in SearchField if field in fields
    ]  # fmt: skip
    query = sql.SQL("SELECT * FROM ({}) found ORDER BY event_time DESC, transaction_id DESC "
                    "LIMIT %(limit)s").format(sql.SQL(" UNION ALL ").join(branches))  # fmt: skip
    return query


def search(
    conn: psycopg.Connection,
    q: str,
    fields: list[SearchField],
    limit: int = 50,
    after: SearchKey | None = None,
) -> dict[str, Any]:
    """A page of the decisions whose transaction, card or merchant id is ``q``: ``items`` (each
    saying which id ``matched``) and ``next``, the cursor of the following page or None."""
    if not 1 <= limit <= MAX_PAGE:
        raise SearchError("limit", f"must be 1 to {MAX_PAGE}")
    if not fields:
        raise SearchError("field", "at least one field to search")
    query = search_query(fields, after)
    params: dict[str, Any] = {"q": q, "limit": limit + 1}
    if after is not None:
        params |= {"k_time": after.event_time, "k_id": after.transaction_id}
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(query, params).fetchall()
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = SearchKey(rows[-1]["event_time"], rows[-1]["transaction_id"]).cursor()
    items = [decision_fields(row) | {"matched": row["matched"]} for row in rows]
    return {"query": q, "items": items, "next": following}
