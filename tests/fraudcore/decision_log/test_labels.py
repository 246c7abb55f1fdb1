"""Ground truth joined at any delay: each label applied once, however often it is delivered."""

import datetime as dt
import random
import threading

import psycopg
import pytest

from fraudcore.decision_log import (
    DecisionLogWriter,
    LabelStatus,
    apply_labels,
    connect,
    get_decisions,
)
from fraudcore.decision_log.contract import LABELS
from fraudcore.decision_log.partitions import maintain
from fraudcore.schemas import Decision, Label

pytestmark = pytest.mark.integration


def _label(transaction_id: str, at: dt.datetime, *, fraud: bool = True) -> Label:
    scenario = "card_testing" if fraud else "genuine"
    return Label(transaction_id=transaction_id, is_fraud=fraud, scenario=scenario, labelled_at=at)


def _labels(conn: psycopg.Connection) -> int:
    (count,) = conn.execute(f"SELECT count(*) FROM {LABELS}").fetchone()
    return int(count)


def test_a_label_delivered_twice_is_applied_once(decision_log, make_row) -> None:
    row = make_row(score=0.93, decision=Decision.BLOCK, merchant_id="merch-7")
    DecisionLogWriter(decision_log).write([row])
    label = _label(row.transaction_id, row.event_time + dt.timedelta(days=3))
    (first,) = apply_labels(decision_log, [label])
    assert first.status is LabelStatus.APPLIED
    assert first.decision is not None
    assert (first.decision.merchant_id, first.decision.decision) == ("merch-7", Decision.BLOCK)
    assert first.decision.event_time == row.event_time
    (second,) = apply_labels(decision_log, [label])
    assert second.status is LabelStatus.ALREADY_APPLIED
    assert _labels(decision_log) == 1
    (logged,) = get_decisions(decision_log, row.transaction_id)
    assert logged.as_json()["label"]["is_fraud"] is True


def test_repeats_in_one_batch_count_once_and_the_earliest_label_wins(
    decision_log, make_row
) -> None:
    row = make_row()
    DecisionLogWriter(decision_log).write([row])
    later = _label(row.transaction_id, row.event_time + dt.timedelta(days=8), fraud=False)
    earlier = _label(row.transaction_id, row.event_time + dt.timedelta(days=2))
    outcomes = apply_labels(decision_log, [later, earlier, later])
    assert [o.status for o in outcomes] == [
        LabelStatus.APPLIED,
        LabelStatus.ALREADY_APPLIED,
        LabelStatus.ALREADY_APPLIED,
    ]
    (logged,) = get_decisions(decision_log, row.transaction_id)
    assert logged.as_json()["label"]["is_fraud"] is True  # the chargeback came first


def test_a_label_before_its_decision_waits_and_applies_once_it_is_logged(
    decision_log, make_row
) -> None:
    row = make_row()
    label = _label(row.transaction_id, row.event_time + dt.timedelta(minutes=5))
    (early,) = apply_labels(decision_log, [label])
    assert (early.status, early.decision) == (LabelStatus.NOT_LOGGED, None)
    DecisionLogWriter(decision_log).write([row])
    assert [o.status for o in apply_labels(decision_log, [label])] == [LabelStatus.APPLIED]


def test_a_label_weeks_after_its_decision_applies_until_retention_drops_the_day(
    decision_log, make_row
) -> None:
    decided = make_row()
    other = make_row()
    DecisionLogWriter(decision_log).write([decided, other])
    weeks_later = decided.event_time + dt.timedelta(days=23)
    # Three weeks of upkeep on the world's clock, a 31-day retention: the day is still there.
    upkeep = maintain(decision_log, weeks_later.date(), retention_days=31, days_ahead=3)
    assert upkeep.dropped == []
    (late,) = apply_labels(decision_log, [_label(decided.transaction_id, weeks_later)])
    assert late.status is LabelStatus.APPLIED
    maintain(decision_log, (decided.event_time + dt.timedelta(days=33)).date(), 31, 3)
    (gone,) = apply_labels(decision_log, [_label(other.transaction_id, weeks_later)])
    assert gone.status is LabelStatus.NOT_LOGGED
    assert _labels(decision_log) == 0  # dropped with its decision's day


def test_two_consumers_applying_the_same_labels_at_once_apply_each_once(
    decision_log, make_row, database_factory
) -> None:
    rows = [make_row(source_offset=i) for i in range(300)]
    DecisionLogWriter(decision_log).write(rows)
    labels = [_label(row.transaction_id, row.event_time + dt.timedelta(days=1)) for row in rows]
    dsn, password = decision_log.info.dsn, decision_log.info.password
    applied: list[int] = []
    start = threading.Barrier(3)

    def consumer(batch: list[Label]) -> None:
        with psycopg.connect(dsn, password=password, autocommit=True) as conn:
            start.wait()
            total = 0
            for i in range(0, len(batch), 50):
                outcomes = apply_labels(conn, batch[i : i + 50])
                total += sum(o.status is LabelStatus.APPLIED for o in outcomes)
            applied.append(total)

    # Each consumer meets the labels in its own order: locks taken in id order cannot deadlock.
    orders = [random.Random(seed).sample(labels, len(labels)) for seed in range(3)]
    threads = [threading.Thread(target=consumer, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(applied) == 3
    assert sum(applied) == 300
    assert _labels(decision_log) == 300


def test_no_labels_is_no_query(database_factory) -> None:
    with connect(database_factory()) as conn:  # not even migrated: nothing is asked of it
        assert apply_labels(conn, []) == []
