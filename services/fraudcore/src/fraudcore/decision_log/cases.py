"""An analyst's case: the verdicts given on one decision, the label that counted, the labels
that said otherwise, and whether a chargeback contradicts an analyst.

A verdict is recorded here by the dashboard; a fraud or genuine verdict also leaves as a label
on ``transaction-labels`` and comes back through the consumer like a chargeback, so the label
that counts is whichever arrived first, and a later one that disagrees is kept beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraudcore.decision_log.contract import DECISIONS, DISAGREEMENTS, LABELS, VERDICTS
from fraudcore.schemas import LabelSource, format_time


class Verdict(StrEnum):
    FRAUD = "fraud"
    GENUINE = "genuine"
    ESCALATE = "escalate"  # asks a colleague: history only, no label

    @property
    def is_fraud(self) -> bool | None:
        """The label this verdict sends; None when it sends none."""
        return {Verdict.FRAUD: True, Verdict.GENUINE: False}.get(self)


@dataclass(frozen=True)
class CaseKey:
    """A logged decision: the id and the event time of the payment."""

    transaction_id: str
    event_time: dt.datetime


_FIND = sql.SQL(
    "SELECT event_time, card_id FROM {} WHERE transaction_id = %s ORDER BY decided_at DESC LIMIT 1"
).format(sql.Identifier(DECISIONS))
_INSERT = sql.SQL(
    "INSERT INTO {} (transaction_id, event_time, analyst, verdict, comment, label_sent) "
    "VALUES (%s, %s, %s, %s, %s, %s) RETURNING verdict_id, given_at"
).format(sql.Identifier(VERDICTS))
_VERDICTS = sql.SQL(
    "SELECT verdict_id, analyst, verdict, comment, given_at, label_sent FROM {} "
    "WHERE transaction_id = %s AND event_time = %s ORDER BY verdict_id"
).format(sql.Identifier(VERDICTS))
_LABELS = sql.SQL(
    "SELECT true AS counted, is_fraud, scenario, labelled_at, source, analyst, "
    "applied_at AS received_at FROM {labels} WHERE transaction_id = %(id)s AND event_time = %(at)s "
    "UNION ALL SELECT false, is_fraud, scenario, labelled_at, source, analyst, received_at "
    "FROM {disagreements} WHERE transaction_id = %(id)s AND event_time = %(at)s "
    "ORDER BY received_at, labelled_at"
).format(labels=sql.Identifier(LABELS), disagreements=sql.Identifier(DISAGREEMENTS))


def find_case(conn: psycopg.Connection, transaction_id: str) -> tuple[CaseKey, str] | None:
    """The case of a logged decision and its card, or None; of an id logged at two event times,
    the latest decided."""
    row = conn.execute(_FIND, (transaction_id,)).fetchone()
    return None if row is None else (CaseKey(transaction_id, row[0]), str(row[1]))


def record_verdict(
    conn: psycopg.Connection, case: CaseKey, analyst: str, verdict: Verdict, comment: str
) -> dict[str, Any]:
    """Adds a verdict to the case's history (in the caller's transaction); returns it as JSON."""
    row = conn.execute(
        _INSERT,
        (case.transaction_id, case.event_time, analyst, verdict.value, comment,
         verdict.is_fraud is not None),
    ).fetchone()  # fmt: skip
    assert row is not None  # INSERT ... RETURNING returns its row
    verdict_id, given_at = row
    return {
        "verdict_id": verdict_id, "analyst": analyst, "verdict": verdict.value,
        "comment": comment, "given_at": format_time(given_at),
        "label_sent": verdict.is_fraud is not None,
    }  # fmt: skip


def contradicted(verdicts: list[dict[str, Any]], labels: list[dict[str, Any]]) -> bool:
    """A label from another source than the analysts says otherwise than an analyst's verdict."""
    judged = {row["verdict"] == Verdict.FRAUD for row in verdicts if row["verdict"] != "escalate"}
    others = {row["is_fraud"] for row in labels if row["source"] != LabelSource.ANALYST}
    return any(said != truth for said in judged for truth in others)


def read_case(conn: psycopg.Connection, case: CaseKey) -> dict[str, Any]:
    """The case's verdicts (oldest first), its labels (the counted one and any disagreeing),
    and ``contradicted``."""
    with conn.cursor(row_factory=dict_row) as cursor:
        verdicts = cursor.execute(_VERDICTS, (case.transaction_id, case.event_time)).fetchall()
        params = {"id": case.transaction_id, "at": case.event_time}
        labels = cursor.execute(_LABELS, params).fetchall()
    return {
        "transaction_id": case.transaction_id,
        "event_time": format_time(case.event_time),
        "verdicts": [row | {"given_at": format_time(row["given_at"])} for row in verdicts],
        "labels": [
            row | {key: format_time(row[key]) for key in ("labelled_at", "received_at")}
            for row in labels
        ],
        "contradicted": contradicted(verdicts, labels),
    }
