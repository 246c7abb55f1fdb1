"""Champion against challenger from the decision log (real PostgreSQL): alert rates, agreement
and precision/recall at the review budget on ten payments worked out by hand."""

import datetime as dt

import pytest

from fraudcore.decision_log import ChallengerVerdict, DecisionLogWriter
from fraudcore.decision_log.comparison import compare, wilson
from fraudcore.decision_log.contract import LABELS
from fraudcore.schemas import Decision

pytestmark = pytest.mark.integration
FRAUDS = {0, 1, 8}
UNLABELLED = 6


def _challenger_score(i: int) -> float:
    return {0: 0.95, 1: 0.9, 8: 0.85}.get(i, 0.1 + i / 100)


def _decision(score: float) -> Decision:
    return Decision.REVIEW if score >= 0.5 else Decision.APPROVE


def _write(conn, make_row) -> None:
    """Ten payments: the champion's score i/10 (alerts 5-9), the challenger's high on the three
    frauds (0, 1, 8); every label in but payment 6's; and payments with no challenger."""
    rows = []
    for i in range(10):
        shadow = _challenger_score(i)
        rows.append(make_row(
            transaction_id=f"p-{i}", score=i / 10, decision=_decision(i / 10),
            challenger=ChallengerVerdict("m-2", shadow, _decision(shadow), []),
        ))  # fmt: skip
    rows += [make_row(model_version="m-0", score=0.9, decision=Decision.BLOCK) for _ in range(5)]
    DecisionLogWriter(conn).write(rows)
    for row in rows[:10]:
        index = int(row.transaction_id[2:])
        if index != UNLABELLED:
            conn.execute(
                f"INSERT INTO {LABELS} (transaction_id, event_time, is_fraud, scenario, "
                "labelled_at) VALUES (%s, %s, %s, 'test', %s)",
                (row.transaction_id, row.event_time, index in FRAUDS, row.decided_at),
            )


def test_the_two_models_on_the_same_payments_at_the_same_budget(decision_log, make_row):
    _write(decision_log, make_row)
    since = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    (pair,) = compare(decision_log, since, since + dt.timedelta(days=30))
    assert (pair.champion, pair.challenger, pair.payments) == ("m-1", "m-2", 10)
    assert (pair.budget, pair.champion_alerts, pair.challenger_alerts) == (5, 5, 3)
    assert pair.agreements == 4  # 2, 3, 4 both approve; 8 both review
    assert (pair.labelled, pair.frauds) == (9, 3)
    # The champion reviews 5-9 (6 unlabelled): one fraud of four labelled, of three frauds.
    champion = pair.champion_at_budget
    assert (champion.precision.value, champion.recall.value) == (1 / 4, 1 / 3)
    # The challenger reviews 0, 1, 8, 9, 7: all three frauds among five labelled.
    challenger = pair.challenger_at_budget
    assert (challenger.precision.value, challenger.recall.value) == (3 / 5, 1.0)
    # AP at the budget: the champion finds fraud 8 second of its labelled reviews (1/2), and
    # misses 0 and 1; the challenger finds all three first.
    assert champion.average_precision.value == pytest.approx(1 / 6)
    assert challenger.average_precision.value == 1.0
    shown = pair.as_json()
    assert shown["pending"] == 1
    found = {"value": 1.0, "ci95": list(wilson(3, 3)), "of": 3}
    assert shown["challenger"]["ap_at_budget"] == found
    low, high = shown["champion"]["ap_at_budget"]["ci95"]
    assert 0 < low < 1 / 6 < high < 1
    assert shown["agreement"]["value"] == 0.4
    assert shown["challenger"]["recall_at_budget"]["ci95"] == list(wilson(3, 3))
    assert compare(decision_log, since - dt.timedelta(days=30), since) == []  # another window
