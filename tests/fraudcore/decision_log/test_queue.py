"""The review queue on a real PostgreSQL, rows written by the production writer and labels by the
production label path: the right decisions in the right order, every filter, keyset pages that
neither repeat nor skip while decisions and labels keep arriving, and an index for each order."""

import datetime as dt
import random

import pytest

from fraudcore.decision_log import DecisionLogWriter, apply_labels
from fraudcore.decision_log.cases import CaseKey, Verdict, record_verdict
from fraudcore.decision_log.queue import QueueFilter, QueueKey, QueueOrder, page_query, waiting
from fraudcore.schemas import Decision, Label

pytestmark = pytest.mark.integration
DAY0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
BOTH = frozenset({Decision.REVIEW, Decision.BLOCK})


@pytest.fixture
def logged(decision_log, make_row):
    """400 decisions over three days (scores with ties, three countries, two models), a quarter
    of the queued ones labelled; returns the rows still waiting."""
    rng = random.Random(7)
    rows = []
    for _ in range(400):
        decision = rng.choice([Decision.APPROVE, Decision.REVIEW, Decision.BLOCK])
        rows.append(
            make_row(
                event_time=DAY0 + dt.timedelta(seconds=rng.randrange(3 * 86_400)),
                decision=decision, score=rng.choice([0.5, 0.75, 0.9, rng.random()]),
                amount=round(rng.uniform(1, 2_000), 2), country=rng.choice(["FR", "DE", "BR"]),
                model_version=rng.choice(["m-1", "m-2"]), reasons=["card_count_1h"],
            )
        )  # fmt: skip
    DecisionLogWriter(decision_log).write(rows)
    queued = [row for row in rows if row.decision is not Decision.APPROVE]
    labelled = {row.transaction_id for row in rng.sample(queued, len(queued) // 4)}
    apply_labels(
        decision_log,
        [Label(transaction_id=i, is_fraud=True, scenario="x", labelled_at=DAY0) for i in labelled],
    )
    return [row for row in queued if row.transaction_id not in labelled]


def _all_pages(conn, filters, order, limit=7):
    ids, after, pages = [], None, 0
    while True:
        page = waiting(conn, filters, order, limit, after)
        ids += [item["transaction_id"] for item in page.items]
        pages += 1
        assert len(page.items) <= limit
        if page.next is None:
            return ids, pages
        after = QueueKey.parse(page.next.cursor(), order)


def _sorted(rows, order):
    if order is QueueOrder.OLDEST:
        return [
            r.transaction_id for r in sorted(rows, key=lambda r: (r.event_time, r.transaction_id))
        ]
    key = lambda r: (-r.score, r.event_time, r.transaction_id)  # noqa: E731
    return [r.transaction_id for r in sorted(rows, key=key)]


@pytest.mark.parametrize("order", list(QueueOrder))
def test_pages_hold_every_waiting_decision_once_in_order(decision_log, logged, order):
    ids, pages = _all_pages(decision_log, QueueFilter(BOTH), order)
    assert ids == _sorted(logged, order)
    assert pages == len(logged) // 7 + 1


def test_filters_select_what_they_say(decision_log, logged):
    since, until = DAY0 + dt.timedelta(hours=20), DAY0 + dt.timedelta(days=2)
    filters = QueueFilter(
        frozenset({Decision.BLOCK}), amount_min=100.0, amount_max=1_500.0, country="DE",
        model_version="m-2", since=since, until=until,
    )  # fmt: skip
    expected = [
        row for row in logged
        if row.decision is Decision.BLOCK and 100 <= row.amount <= 1_500 and row.country == "DE"
        and row.model_version == "m-2" and since <= row.event_time < until
    ]  # fmt: skip
    assert expected, "the fixture should leave some rows for this filter"
    for order in QueueOrder:
        assert _all_pages(decision_log, filters, order, limit=3)[0] == _sorted(expected, order)
    reviews = QueueFilter(frozenset({Decision.REVIEW}))
    only_reviews = [row for row in logged if row.decision is Decision.REVIEW]
    assert _all_pages(decision_log, reviews, QueueOrder.OLDEST, 50)[0] == _sorted(
        only_reviews, QueueOrder.OLDEST
    )


def test_an_item_reads_its_reasons_in_words(decision_log, logged):
    item = waiting(decision_log, QueueFilter(BOTH), QueueOrder.RISKIEST, 1).items[0]
    top = max(logged, key=lambda r: (r.score, -r.event_time.timestamp()))
    assert item["transaction_id"] == top.transaction_id
    assert item["country"] == top.country
    assert item["thresholds"] == {"review": 0.2, "block": 0.8}
    # make_row's features: card_count_1h is 12/7, its 30-day count 15/7
    assert item["reasons"] == ["card_count_1h"]
    assert item["reasons_in_words"] == [
        {"feature": "card_count_1h", "text": "2 earlier payments on this card in the last hour; "
         "usually fewer than 1"}
    ]  # fmt: skip


def test_pages_neither_repeat_nor_skip_while_decisions_and_labels_arrive(
    decision_log, logged, make_row
):
    ordered = _sorted(logged, QueueOrder.OLDEST)
    first = waiting(decision_log, QueueFilter(BOTH), QueueOrder.OLDEST, 10)
    assert [item["transaction_id"] for item in first.items] == ordered[:10]
    # Meanwhile: a decision older than the page's end, one newer, and a label for a row ahead.
    older = make_row(event_time=DAY0, decision=Decision.REVIEW, transaction_id="tx-0-early")
    newer = make_row(event_time=DAY0 + dt.timedelta(days=3, hours=1), decision=Decision.BLOCK)
    DecisionLogWriter(decision_log).write([older, newer])
    closed = Label(transaction_id=ordered[15], is_fraud=False, scenario="genuine", labelled_at=DAY0)
    apply_labels(decision_log, [closed])
    following, after = [], first.next
    while after is not None:
        page = waiting(decision_log, QueueFilter(BOTH), QueueOrder.OLDEST, 10, after)
        following += [item["transaction_id"] for item in page.items]
        after = page.next
    assert following == [*ordered[10:15], *ordered[16:], newer.transaction_id]
    fresh, _ = _all_pages(decision_log, QueueFilter(BOTH), QueueOrder.OLDEST, 10)
    assert fresh[0] == "tx-0-early"  # a fresh start sees it


def test_a_fraud_or_genuine_verdict_closes_the_case_at_once_an_escalation_does_not(
    decision_log, logged
):
    first, second, third = _sorted(logged, QueueOrder.OLDEST)[:3]
    rows = {row.transaction_id: row for row in logged}
    with decision_log.transaction():
        for tx, verdict in ((first, Verdict.FRAUD), (second, Verdict.ESCALATE),
                            (third, Verdict.GENUINE)):  # fmt: skip
            case = CaseKey(tx, rows[tx].event_time)
            record_verdict(decision_log, case, "ana", verdict, "")
    ids, _ = _all_pages(decision_log, QueueFilter(BOTH), QueueOrder.OLDEST, 50)
    assert ids[0] == second  # escalated: still waiting, for a colleague
    assert first not in ids
    assert third not in ids
    assert len(ids) == len(logged) - 2
    closed = dict(
        decision_log.execute(
            "SELECT transaction_id, queue_closed_at IS NOT NULL FROM decisions "
            "WHERE decision <> 'approve'"
        ).fetchall()
    )  # by trigger: labels (the fixture's quarter) and final verdicts close; nothing else does
    assert {tx for tx, done in closed.items() if not done} == set(ids)


@pytest.mark.parametrize(
    ("order", "index"),
    [(QueueOrder.OLDEST, "_event_time_transaction_id_idx"),
     (QueueOrder.RISKIEST, "_score_event_time_transaction_id_idx")],
)  # fmt: skip
def test_each_order_reads_its_partial_index_without_sorting(decision_log, logged, order, index):
    for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
        decision_log.execute(f"SET {setting} = off")
    first = waiting(decision_log, QueueFilter(BOTH), order, 20)
    for after in (None, first.next):  # a later page starts in the index at its cursor
        query, params = page_query(QueueFilter(BOTH), order, 20, after)
        lines = decision_log.execute(b"EXPLAIN " + query.as_bytes(decision_log), params)
        plan = "\n".join(line for (line,) in lines.fetchall())
        scans = [line for line in plan.splitlines() if "Index Scan using decisions_p" in line]
        assert len(scans) == 3, plan  # one per day partition
        assert all(f"{index} on" in line for line in scans), plan
        assert order is QueueOrder.RISKIEST or "score" not in plan, plan
        assert "Sort" not in plan.replace("Sort Key", ""), plan
        conditions = [line for line in plan.splitlines() if "Index Cond" in line]
        starts = (
            "(score <=" if order is QueueOrder.RISKIEST else "ROW(event_time, transaction_id) >"
        )
        assert after is None or len([c for c in conditions if starts in c]) == 3, plan
