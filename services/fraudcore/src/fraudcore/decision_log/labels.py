"""Ground truth joined to logged decisions at any delay, each label applied exactly once.

A label is looked up by transaction id in the log (which keeps decisions for the retention, not
for a Redis TTL) and inserted under the decision's own key with ``ON CONFLICT DO NOTHING``; the
insert's ``RETURNING`` tells which labels are new. Only those may move merchant risk state and
outcome counters, so a label delivered twice, or by two consumers at once, counts once.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import psycopg
from psycopg import sql

from fraudcore.decision_log.contract import DECISIONS, DISAGREEMENTS, FEATURE_SETS, LABELS
from fraudcore.features import CARD_EXCESS
from fraudcore.schemas import Decision, Label


class LabelStatus(StrEnum):
    APPLIED = "applied"  # new: update the state and counters that depend on it
    ALREADY_APPLIED = "already_applied"  # a repeat: nothing to do
    NOT_LOGGED = "not_logged"  # no decision (yet, or any more): the caller decides


@dataclass(frozen=True)
class LabelledDecision:
    """What a caller needs from the decision to account for its label."""

    card_id: str
    merchant_id: str
    event_time: dt.datetime
    decision: Decision
    score: float
    model_version: str
    card_excess: float  # the payment's CARD_EXCESS as served (NaN: undefined), for the label


@dataclass(frozen=True)
class LabelOutcome:
    transaction_id: str
    status: LabelStatus
    decision: LabelledDecision | None = None


# The first label of a transaction wins, within a batch (earliest labelled_at) and across
# batches (the primary key). Keys are inserted in id order, so that two sessions applying
# overlapping batches wait on each other instead of deadlocking. The main query sees the table
# as it was before the insert, so an applied label is one the insert returned. A label that
# loses to one saying otherwise (a chargeback after an analyst's verdict) is kept aside.
_APPLY = sql.SQL("""
WITH batch AS (
    SELECT * FROM unnest(%(ids)s::text[], %(fraud)s::bool[], %(scenarios)s::text[],
                         %(labelled)s::timestamptz[], %(sources)s::text[], %(analysts)s::text[])
        AS l(transaction_id, is_fraud, scenario, labelled_at, source, analyst)
), incoming AS (
    SELECT DISTINCT ON (transaction_id) * FROM batch ORDER BY transaction_id, labelled_at
), applied AS (
    INSERT INTO {labels} (transaction_id, event_time, is_fraud, scenario, labelled_at, source,
                          analyst)
    SELECT i.transaction_id, d.event_time, i.is_fraud, i.scenario, i.labelled_at, i.source,
           i.analyst
    FROM incoming i JOIN {decisions} d USING (transaction_id)
    ORDER BY i.transaction_id
    ON CONFLICT DO NOTHING
    RETURNING transaction_id, event_time
), disagreeing AS (
    INSERT INTO {disagreements} (transaction_id, event_time, is_fraud, scenario, labelled_at,
                                 source, analyst)
    SELECT b.transaction_id, d.event_time, b.is_fraud, b.scenario, b.labelled_at, b.source,
           b.analyst
    FROM batch b JOIN {decisions} d USING (transaction_id) JOIN incoming i USING (transaction_id)
    LEFT JOIN {labels} e ON e.transaction_id = d.transaction_id AND e.event_time = d.event_time
    WHERE b.is_fraud <> COALESCE(e.is_fraud, i.is_fraud)
    ON CONFLICT DO NOTHING
)
SELECT i.transaction_id, a.transaction_id IS NOT NULL, d.card_id, d.merchant_id, d.event_time,
       d.decision, d.score, d.model_version,
       d.features[array_position(s.names, %(excess)s::text)]
FROM incoming i
LEFT JOIN {decisions} d USING (transaction_id)
LEFT JOIN {feature_sets} s USING (feature_set)
LEFT JOIN applied a ON a.transaction_id = d.transaction_id AND a.event_time = d.event_time
""").format(
    labels=sql.Identifier(LABELS),
    decisions=sql.Identifier(DECISIONS),
    disagreements=sql.Identifier(DISAGREEMENTS),
    feature_sets=sql.Identifier(FEATURE_SETS),
)


def apply_labels(conn: psycopg.Connection, labels: Sequence[Label]) -> list[LabelOutcome]:
    """One outcome per label, in order; a repeat of an id in the same batch is ALREADY_APPLIED."""
    if not labels:
        return []
    params = {
        "ids": [label.transaction_id for label in labels],
        "fraud": [label.is_fraud for label in labels],
        "scenarios": [label.scenario for label in labels],
        "labelled": [label.labelled_at for label in labels],
        "sources": [label.source.value for label in labels],
        "analysts": [label.analyst for label in labels],
        "excess": CARD_EXCESS,
    }
    with conn.transaction():
        rows = conn.execute(_APPLY, params).fetchall()
    first: dict[str, LabelOutcome] = {}
    for tx_id, applied, card, merchant, event_time, decision, score, model, excess in rows:
        if card is None:
            first[tx_id] = LabelOutcome(tx_id, LabelStatus.NOT_LOGGED)
            continue
        if tx_id in first and first[tx_id].status is LabelStatus.APPLIED:
            continue  # one id logged twice (at two event times): account for it once
        status = LabelStatus.APPLIED if applied else LabelStatus.ALREADY_APPLIED
        logged = LabelledDecision(
            card, merchant, event_time, Decision(decision), score, model,
            math.nan if excess is None else float(excess),
        )  # fmt: skip
        first[tx_id] = LabelOutcome(tx_id, status, logged)
    outcomes: list[LabelOutcome] = []
    seen: set[str] = set()
    for label in labels:
        outcome = first[label.transaction_id]
        if label.transaction_id in seen and outcome.status is LabelStatus.APPLIED:
            outcome = LabelOutcome(
                outcome.transaction_id, LabelStatus.ALREADY_APPLIED, outcome.decision
            )
        seen.add(label.transaction_id)
        outcomes.append(outcome)
    return outcomes
