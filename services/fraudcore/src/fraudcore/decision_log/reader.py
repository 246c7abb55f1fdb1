"""Reading a logged decision back: "why was payment X blocked last Tuesday?"."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from fraudcore.currency import REPORTING_CURRENCY, convertible, to_reporting
from fraudcore.decision_log.contract import (
    DECISION_COLUMNS,
    DECISIONS,
    FEATURE_SETS,
    LABELS,
    PAYMENT_COLUMNS,
    TIMING_COLUMNS,
)
from fraudcore.features.wording import explain
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, format_time

# The joined label's columns as label_fields reads them (every query that shows a label).
LABEL_SELECT = sql.SQL(
    "l.is_fraud, l.scenario, l.labelled_at, l.applied_at, l.source AS label_source, l.analyst"
)
_SELECT = sql.SQL(
    "SELECT {columns}, f.names AS feature_names, {label} "
    "FROM {decisions} d JOIN {sets} f USING (feature_set) "
    "LEFT JOIN {labels} l USING (transaction_id, event_time) "
).format(
    columns=sql.SQL(", ").join(sql.Identifier("d", column) for column in DECISION_COLUMNS),
    label=LABEL_SELECT,
    decisions=sql.Identifier(DECISIONS),
    sets=sql.Identifier(FEATURE_SETS),
    labels=sql.Identifier(LABELS),
)
_BY_ID = _SELECT + sql.SQL("WHERE d.transaction_id = %s ORDER BY d.decided_at")
# A uniform sample of one model's decisions (random order reads them all: an audit, not a query
# for the hot path).
_SAMPLE = _SELECT + sql.SQL("WHERE d.model_version = %s ORDER BY random() LIMIT %s")


@dataclass(frozen=True)
class LoggedDecision:
    """A decision as the log holds it, with its label when one has been applied."""

    row: dict[str, Any]

    @property
    def transaction_id(self) -> str:
        return str(self.row["transaction_id"])

    @property
    def features(self) -> dict[str, float]:
        """Name to value as served (float32 values; NaN where the feature was undefined)."""
        return dict(zip(self.row["feature_names"], self.row["features"], strict=True))

    @property
    def score(self) -> float:
        return float(self.row["score"])

    @property
    def decision(self) -> Decision:
        return Decision(self.row["decision"])

    @property
    def model_version(self) -> str:
        return str(self.row["model_version"])

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(review=self.row["review_threshold"], block=self.row["block_threshold"])

    def as_json(self) -> dict[str, Any]:
        """The decision for people and APIs: ISO times, undefined features as null."""
        row = self.row
        return decision_fields(row) | {
            "reasons": row["reasons"],
            "reasons_in_words": explain(row["reasons"], self.features),
            "features": {k: None if math.isnan(v) else v for k, v in self.features.items()},
            "feature_set": row["feature_set"],
            "timings": {name: row[name] for name in TIMING_COLUMNS},
            "source": {"partition": row["source_partition"], "offset": row["source_offset"]},
            "decided_at": format_time(row["decided_at"]),
            "label": label_fields(row),
            "challenger": challenger_fields(row),
        }


def decision_fields(row: dict[str, Any]) -> dict[str, Any]:
    """What identifies a decision and what was decided, as JSON (the look-up's and the queue's)."""
    return {
        "transaction_id": row["transaction_id"],
        "event_time": format_time(row["event_time"]),
        "card_id": row["card_id"],
        "merchant_id": row["merchant_id"],
        "amount": row["amount"],
        "currency": row["currency"],
        "reporting_amount": _in_reporting(row["amount"], row["currency"]),
        "reporting_currency": REPORTING_CURRENCY,
        "country": row["country"],
        "decision": row["decision"],
        "score": row["score"],
        "model_version": row["model_version"],
        "thresholds": {"review": row["review_threshold"], "block": row["block_threshold"]},
        "rules": row["rules"],
    } | {name: row[name] for name in PAYMENT_COLUMNS}


def challenger_fields(row: dict[str, Any]) -> dict[str, Any] | None:
    """The challenger's verdict in shadow as JSON, None when no challenger was set."""
    if row["challenger_version"] is None:
        return None
    return {
        "model_version": row["challenger_version"],
        "score": row["challenger_score"],
        "decision": row["challenger_decision"],
        "reasons": row["challenger_reasons"],
    }


def label_fields(row: dict[str, Any]) -> dict[str, Any] | None:
    """The joined label as JSON, None while it has not arrived."""
    if row["labelled_at"] is None:
        return None
    return {
        "is_fraud": row["is_fraud"],
        "scenario": row["scenario"],
        "labelled_at": format_time(row["labelled_at"]),
        "applied_at": format_time(row["applied_at"]),
        "source": row["label_source"],
        "analyst": row["analyst"],
    }


def _in_reporting(amount: float, currency: str) -> float | None:
    """The amount in the reporting currency at the world's rates; None without a rate."""
    return round(to_reporting(amount, currency), 2) if convertible(currency) else None


def get_decisions(conn: psycopg.Connection, transaction_id: str) -> list[LoggedDecision]:
    """The logged decisions of ``transaction_id``: one, or none (more only if a producer reused
    the id at another event time, which the log keeps apart)."""
    return _read(conn, _BY_ID, (transaction_id,))


def sample_decisions(
    conn: psycopg.Connection, model_version: str, size: int
) -> list[LoggedDecision]:
    """Up to ``size`` decisions taken by ``model_version``, drawn at random."""
    return _read(conn, _SAMPLE, (model_version, size))


def _read(
    conn: psycopg.Connection, query: sql.Composed, params: tuple[object, ...]
) -> list[LoggedDecision]:
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(query, params).fetchall()
    return [LoggedDecision(row) for row in rows]
