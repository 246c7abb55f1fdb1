"""A decision log of any size for the review-queue benchmark, filled in seconds per million rows.

The schema is the production one (the production migrator applies every migration, the
partition maker makes the day partitions, the production writer logs a first batch and with it
the feature set); the bulk is ``INSERT ... SELECT`` over ``generate_series`` on the server, one
expression per column of the writer's own column list, so a column the log gains and this fill
lacks is an error here, not a silent default.

The shape is a month of traffic: 2 % of decisions are reviews and 0.5 % blocks; ground truth has
arrived for 95 % of the decisions older than a week (chargebacks and the simulator's genuine
labels); a third of last week's alerts were judged by analysts (their labels and verdicts), and
some older alerts were escalated. What is left waiting is the queue's few thousand open cases,
behind tens of thousands of closed ones that an oldest-first page has to skip.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fraudcore.decision_log import DecisionLogWriter, DecisionRow
from fraudcore.decision_log.contract import DECISION_COLUMNS, DECISIONS, LABELS, VERDICTS
from fraudcore.decision_log.partitions import ensure_days
from fraudcore.features import FEATURE_NAMES
from fraudcore.model_card import Thresholds
from fraudcore.schemas import Decision, Timings

BLOCK_SHARE = 0.005
ALERT_SHARE = 0.025  # reviews and blocks together
THRESHOLDS = Thresholds(review=0.2, block=0.8)
MODELS = ("model-2026-11-a", "model-2026-10-b")  # the current model; a retired one, a tenth
COUNTRIES = ("FR", "DE", "NL", "ES", "IT", "GB", "US", "BR")
REASONS = ("card_count_1h", "amount_ratio_card", "new_country")
CHUNK = 100_000

# One SQL expression per decision column; g.i numbers the row, g.r1 picks the decision, g.r2 the
# rest; d.decision is the decision picked.
_EXPRESSIONS = {
    "transaction_id": "'q-' || lpad(g.i::text, 9, '0')",
    "event_time": "%(start)s::timestamptz + make_interval(secs => g.i * %(step)s)",
    "card_id": "'card-' || (g.i * 7919 %% 60000)",
    "merchant_id": "'merchant-' || (g.i * 104729 %% 4000)",
    "amount": "round((2 + 3000 * g.r2 ^ 3)::numeric, 2)::float8",
    "currency": "(ARRAY['EUR','EUR','EUR','USD','GBP'])[1 + g.i %% 5]",
    "feature_set": "%(feature_set)s",
    "features": "array_fill((g.r2 * 10)::real, ARRAY[%(features)s])",
    "score": "CASE d.decision WHEN 'approve' THEN g.r2 * %(review)s "
    "WHEN 'review' THEN %(review)s + g.r2 * (%(block)s - %(review)s) "
    "ELSE %(block)s + g.r2 * (1 - %(block)s) END",
    "model_version": "CASE WHEN g.i %% 10 = 0 THEN %(old_model)s ELSE %(model)s END",
    "review_threshold": "%(review)s",
    "block_threshold": "%(block)s",
    "rules": "CASE WHEN d.decision = 'block' AND g.r2 < 0.3 "
    "THEN ARRAY['R01-IMPOSSIBLE-TRAVEL'] ELSE '{}'::text[] END",
    "reasons": "CASE WHEN d.decision = 'approve' THEN '{}'::text[] ELSE %(reasons)s END",
    "decision": "d.decision",
    "kafka_ms": "1.5", "decode_ms": "0.1", "features_ms": "0.6", "scoring_ms": "2.0",
    "sinks_ms": "1.2", "end_to_end_ms": "6.0",
    "source_partition": "g.i %% 12",
    "source_offset": "g.i",
    "decided_at": "%(start)s::timestamptz + make_interval(secs => g.i * %(step)s + 0.04)",
    "country": "(%(countries)s::text[])[1 + (g.i * 31) %% %(country_count)s]",
    "customer_id": "'customer-' || (g.i * 7919 %% 60000)",
    "merchant_name": "'Shop ' || (g.i * 104729 %% 4000)",
    "merchant_category": "'5411'",
    "channel": "(ARRAY['pos','online','contactless','atm'])[1 + g.i %% 4]",
    "city": "'Lyon'",
    "lat": "45.76 + g.r2",
    "lon": "4.84 - g.r2",
    "device_id": "'device-' || (g.i * 7919 %% 60000)",
    "challenger_version": "NULL", "challenger_score": "NULL", "challenger_decision": "NULL",
    "challenger_reasons": "NULL",
    "rule_versions": "NULL", "shadow_rules": "NULL", "shadow_rule_versions": "NULL",
}  # fmt: skip
_DECISIONS_SQL = (
    "INSERT INTO {table} ({columns}) SELECT {values} FROM (SELECT i, random() AS r1, "
    "random() AS r2 FROM generate_series(%(first)s::bigint, %(last)s::bigint) AS i) g, "
    "LATERAL (SELECT CASE WHEN g.r1 < %(block_share)s THEN 'block' WHEN g.r1 < %(alert_share)s "
    "THEN 'review' ELSE 'approve' END AS decision) d"
)
# Ground truth: most of what is older than a week; analysts' labels on a third of last week's
# alerts, with the verdicts they came from; escalations on a few older alerts, still waiting.
_CHARGEBACKS = (
    "INSERT INTO {labels} (transaction_id, event_time, is_fraud, scenario, labelled_at, source) "
    "SELECT transaction_id, event_time, decision <> 'approve' AND score > 0.6, 'chargeback', "
    "event_time + interval '5 days', 'chargeback' FROM {decisions} "
    "WHERE event_time < %(week_ago)s AND random() < 0.95"
)
_ANALYSTS = (
    "INSERT INTO {labels} (transaction_id, event_time, is_fraud, scenario, labelled_at, source, "
    "analyst) SELECT transaction_id, event_time, score > 0.6, 'analyst', "
    "event_time + interval '20 minutes', 'analyst', 'analyst-' || (source_offset %% 7) "
    "FROM {decisions} WHERE event_time >= %(week_ago)s AND decision <> 'approve' "
    "AND random() < 0.33"
)
_VERDICTS = (
    "INSERT INTO {verdicts} (transaction_id, event_time, analyst, verdict, comment, given_at, "
    "label_sent) SELECT transaction_id, event_time, analyst, "
    "CASE WHEN is_fraud THEN 'fraud' ELSE 'genuine' END, '', labelled_at, true FROM {labels} "
    "WHERE source = 'analyst'"
)
_ESCALATIONS = (
    "INSERT INTO {verdicts} (transaction_id, event_time, analyst, verdict, comment, label_sent) "
    "SELECT transaction_id, event_time, 'analyst-1', 'escalate', 'second opinion', false "
    "FROM {decisions} d WHERE decision <> 'approve' AND random() < 0.05"
)


@dataclass(frozen=True)
class Filled:
    decisions: int
    alerts: int  # reviews and blocks
    labels: int
    verdicts: int
    days: int
    seconds: float

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "seconds": round(self.seconds, 1)}


def _seed_row(start: dt.datetime) -> DecisionRow:
    """The first decision, through the production writer: it registers the feature set."""
    return DecisionRow(
        transaction_id="q-seed", event_time=start, card_id="card-seed", merchant_id="merchant-0",
        amount=12.5, currency="EUR", features=[1.0] * len(FEATURE_NAMES), score=0.5,
        model_version=MODELS[0], thresholds=THRESHOLDS, rules=[], reasons=list(REASONS),
        decision=Decision.REVIEW, timings=Timings(), source_partition=0, source_offset=0,
        decided_at=start, country="FR",
    )  # fmt: skip


def _decisions_statement(features: str | None = None) -> sql.Composed:
    expressions = _EXPRESSIONS if features is None else _EXPRESSIONS | {"features": features}
    missing = set(DECISION_COLUMNS) ^ set(expressions)
    if missing:
        raise RuntimeError(f"the fill and the log's columns differ: {sorted(missing)}")
    return sql.SQL(_DECISIONS_SQL).format(
        table=sql.Identifier(DECISIONS),
        columns=sql.SQL(", ").join(map(sql.Identifier, DECISION_COLUMNS)),
        values=sql.SQL(", ").join(sql.SQL(expressions[name]) for name in DECISION_COLUMNS),
    )


def _run(conn: psycopg.Connection, statement: str, params: dict[str, Any]) -> None:
    names = {"decisions": DECISIONS, "labels": LABELS, "verdicts": VERDICTS}
    query = sql.SQL(statement).format(**{k: sql.Identifier(v) for k, v in names.items()})
    conn.execute(query, params)


def server(conn: psycopg.Connection) -> dict[str, str | None]:
    """Which PostgreSQL the log was measured on, and its buffer cache."""
    row = conn.execute(
        "SELECT current_setting('server_version'), current_setting('shared_buffers')"
    ).fetchone()
    return {"version": row[0] if row else None, "shared_buffers": row[1] if row else None}


def fill(
    conn: psycopg.Connection,
    decisions: int,
    days: int,
    end: dt.datetime,
    seed: float = 0.42,
    *,
    features: str | None = None,
) -> Filled:
    """``decisions`` rows (the seed row included) spread evenly over the ``days`` before
    ``end``, with labels and verdicts as described above; the tables analysed after.
    ``features``: another SQL expression for the feature vectors (a real[] per row)."""
    began = time.perf_counter()
    start = end - dt.timedelta(days=days)
    ensure_days(conn, (start.date() + dt.timedelta(days=n) for n in range(days + 1)))
    DecisionLogWriter(conn).write([_seed_row(start)])
    conn.execute("SELECT setseed(%s)", (seed,))
    params: dict[str, Any] = {
        "start": start, "step": days * 86_400 / decisions,
        "feature_set": _seed_row(start).feature_set,
        "features": len(FEATURE_NAMES), "review": THRESHOLDS.review, "block": THRESHOLDS.block,
        "model": MODELS[0], "old_model": MODELS[1], "reasons": list(REASONS),
        "countries": list(COUNTRIES), "country_count": len(COUNTRIES),
        "block_share": BLOCK_SHARE, "alert_share": ALERT_SHARE,
    }  # fmt: skip
    statement = _decisions_statement(features)
    for first in range(1, decisions, CHUNK):
        last = min(decisions - 1, first + CHUNK - 1)
        conn.execute(statement, params | {"first": first, "last": last})
    week_ago = {"week_ago": end - dt.timedelta(days=7)}
    for statement_text in (_CHARGEBACKS, _ANALYSTS, _VERDICTS, _ESCALATIONS):
        _run(conn, statement_text, week_ago)
    conn.execute("VACUUM ANALYZE")  # what autovacuum does to a log this size within minutes

    def count(query: str) -> int:
        row = conn.execute(query).fetchone()
        return int(row[0]) if row else 0

    return Filled(
        decisions=count(f"SELECT count(*) FROM {DECISIONS}"),  # noqa: S608 - constant names
        alerts=count(f"SELECT count(*) FROM {DECISIONS} WHERE decision <> 'approve'"),  # noqa: S608
        labels=count(f"SELECT count(*) FROM {LABELS}"),  # noqa: S608
        verdicts=count(f"SELECT count(*) FROM {VERDICTS}"),  # noqa: S608
        days=days,
        seconds=time.perf_counter() - began,
    )
