"""The review queue's filters and cursors refuse what cannot select anything, naming the
parameter; a cursor round-trips and belongs to its order."""

import base64
import datetime as dt

import pytest

from fraudcore.decision_log.queue import (
    QueueError,
    QueueFilter,
    QueueKey,
    QueueOrder,
    page_query,
)
from fraudcore.schemas import Decision

REVIEW_ONLY = (Decision.REVIEW,)
T = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("filters", "parameter", "message"),
    [
        (QueueFilter(frozenset()), "decision", "at least one"),
        (QueueFilter(frozenset({Decision.BLOCK})), "decision",
         r"block not queued \(queued: review\)"),
        (QueueFilter(frozenset({Decision.APPROVE, Decision.REVIEW})), "decision", "approve not"),
        (QueueFilter(frozenset({Decision.REVIEW}), amount_min=10, amount_max=5), "amount_min",
         "greater than amount_max"),
        (QueueFilter(frozenset({Decision.REVIEW}), amount_max=float("inf")), "amount", "finite"),
        (QueueFilter(frozenset({Decision.REVIEW}), since=dt.datetime(2026, 3, 2)), "since",
         "time zone"),
        (QueueFilter(frozenset({Decision.REVIEW}), since=T, until=T), "since", "not before until"),
    ],
)  # fmt: skip
def test_bad_filters_name_their_parameter(filters, parameter, message):
    with pytest.raises(QueueError, match=message) as caught:
        filters.check(REVIEW_ONLY)
    assert caught.value.parameter == parameter


def test_a_good_filter_passes_and_blocks_pass_where_policy_queues_them():
    QueueFilter(frozenset({Decision.REVIEW}), amount_min=5, amount_max=5, since=T).check(
        REVIEW_ONLY
    )
    QueueFilter(frozenset({Decision.BLOCK})).check((Decision.REVIEW, Decision.BLOCK))


def test_a_cursor_round_trips_and_belongs_to_its_order():
    key = QueueKey(QueueOrder.RISKIEST, 0.875, T, "tx-1:a.b")
    assert QueueKey.parse(key.cursor(), QueueOrder.RISKIEST) == key
    with pytest.raises(QueueError, match="riskiest order, not oldest") as caught:
        QueueKey.parse(key.cursor(), QueueOrder.OLDEST)
    assert caught.value.parameter == "after"


@pytest.mark.parametrize("cursor", ["", "not base64 !", "bnVsbA", "WzEsMiwzXQ", "WyJvbGRlc3QiXQ"])
def test_a_forged_or_damaged_cursor_is_refused(cursor):
    with pytest.raises(QueueError, match="not a cursor this queue returned"):
        QueueKey.parse(cursor, QueueOrder.OLDEST)


@pytest.mark.parametrize(
    "payload",
    [
        b'["oldest", 0.5, "2026-03-02T00:00:00", "tx-1"]',
        b'["oldest", 1e999, "2026-03-02T00:00:00Z", "tx-1"]',
    ],
)
def test_a_naive_or_non_finite_cursor_is_refused(payload):
    cursor = base64.urlsafe_b64encode(payload).decode()
    with pytest.raises(QueueError, match="not a cursor"):
        QueueKey.parse(cursor, QueueOrder.OLDEST)


@pytest.mark.parametrize("limit", [0, 201, -1])
def test_the_page_size_is_bounded(limit):
    with pytest.raises(QueueError, match="must be 1 to 200"):
        page_query(QueueFilter(frozenset({Decision.REVIEW})), QueueOrder.OLDEST, limit, None)
