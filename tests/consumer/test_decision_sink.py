"""The consumer's batch pipeline and label applier with a decision log, in this process against a
real Redis and a real PostgreSQL: every decision logged once, whichever of the two writes failed
or whichever consumer finished the batch, and labels joined through the log at any delay."""

import datetime as dt
import threading
import time
from time import time_ns

import numpy as np
import pytest

from fraud_consumer.decision_sink import DecisionLogUnavailableError
from fraud_consumer.decoding import decode_label
from fraud_consumer.labels import Waiting
from fraudcore.decision_log import connect, get_decisions
from fraudcore.features import CARD_EXCESS, FEATURE_NAMES, MerchantState
from fraudcore.live_stats import LiveTotals
from fraudcore.schemas import Decision, Label, ScoredTransaction, Transaction

pytestmark = pytest.mark.integration
LOCK_HELD_S = 4.0  # how long the batch write in flight is held off


@pytest.fixture
def database(decision_log_factory):
    return decision_log_factory()


def logged(settings) -> dict[str, tuple]:
    with connect(settings) as conn:
        rows = conn.execute(
            "SELECT transaction_id, score, decision, features, model_version, review_threshold, "
            "source_offset FROM decisions"
        ).fetchall()
    assert len(rows) == len({row[0] for row in rows}), "a decision logged twice"
    return {row[0]: row[1:] for row in rows}


def kill_sessions(settings) -> None:
    """The database drops the consumer's connection, as a restart or a network cut does."""
    with connect(settings) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'fraud-consumer'"
        )


def assert_logged_as_emitted(rows: dict[str, tuple], outputs) -> None:
    for output in outputs:
        record = ScoredTransaction.from_json(output.value)
        score, decision, features, version, review, offset = rows[record.transaction.transaction_id]
        assert (score, decision, version) == (record.score, record.decision.value, "test-model-1")
        assert (review, offset) == (0.2, record.source_offset)
        emitted = [record.features.get(name, np.nan) for name in FEATURE_NAMES]
        np.testing.assert_array_equal(np.float32(features), np.float32(emitted))


def decide_without_the_log(consumer, database, batch) -> None:
    """The batch's Redis write succeeds while its log write fails (the session was dropped)."""
    kill_sessions(database)
    with pytest.raises(DecisionLogUnavailableError):
        consumer.process(batch)


def stopped_before_the_log(factory, database, transactions, count: int, warm: int) -> list:
    """``count`` payments decided by a consumer (warmed by ``warm`` others) whose log write was
    cut, at offsets 100 on: in Redis, not in the log, as if it stopped right there."""
    first = factory(database_url=database.database_url)
    first.score(transactions(warm, prefix="warm"))
    txs = transactions(count)
    decide_without_the_log(
        first, database, [first.decoded(tx, 100 + i) for i, tx in enumerate(txs)]
    )
    return txs


def totals(consumer) -> LiveTotals:
    return LiveTotals.parse(consumer.pipeline.redis.hgetall(consumer.pipeline.keys.stats))


def test_every_decision_is_logged_as_it_was_emitted(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    txs = transactions(60)
    result = consumer.score(txs)

    rows = logged(database)
    assert result.logged == 60
    assert sorted(rows) == sorted(tx.transaction_id for tx in txs)
    assert_logged_as_emitted(rows, result.outputs)
    assert consumer.score(txs).logged == 0  # another message with the same ids: a duplicate


def test_a_batch_hands_its_log_write_over_and_the_log_is_settled_before_anyone_reads_it(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    sink = consumer.pipeline.decisions
    first, second = transactions(30, prefix="a"), transactions(20, prefix="b")
    for txs in (first, second):  # the second batch's write starts once the first's is done
        result = consumer.pipeline.process([consumer.decoded(tx) for tx in txs], time_ns(), 0.0)
        assert (result.new, result.logged) == (len(txs), 0)  # not waited for
    # A label reads the log: what is in flight is settled first, so it finds its decision.
    labels = [label_of(tx, is_fraud=True, days_later=1) for tx in second[:3]]
    assert consumer.apply_labels(labels) == []
    assert totals(consumer).labels == 3
    assert sink.settle() == 0  # nothing left in flight
    assert len(logged(database)) == 50


def hold_off_the_log_write_of(blocker, tx: Transaction, like: Transaction) -> None:
    """Another session inserts ``tx``'s row, uncommitted: a write of that row waits for it."""
    blocker.execute("BEGIN")
    blocker.execute(
        "CREATE TEMPORARY TABLE held ON COMMIT DROP AS "
        "SELECT * FROM decisions WHERE transaction_id = %s",
        (like.transaction_id,),
    )
    blocker.execute(
        "UPDATE held SET transaction_id = %s, event_time = %s", (tx.transaction_id, tx.event_time)
    )
    blocker.execute("INSERT INTO decisions SELECT * FROM held")


def test_a_label_of_a_decision_logged_before_does_not_wait_for_the_batch_in_flight(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    sink = consumer.pipeline.decisions
    old, new = transactions(6, prefix="old"), transactions(10, prefix="new")
    consumer.score(old)
    with connect(database) as blocker:
        hold_off_the_log_write_of(blocker, new[0], like=old[0])
        result = consumer.pipeline.process([consumer.decoded(tx) for tx in new], time_ns(), 0.0)
        assert (result.new, result.logged) == (10, 0)
        release = threading.Timer(LOCK_HELD_S, blocker.execute, ("ROLLBACK",))
        release.start()
        began = time.monotonic()
        assert consumer.apply_labels([label_of(tx, True, days_later=9) for tx in old]) == []
        took = time.monotonic() - began
        assert took < LOCK_HELD_S / 2, f"the label waited {took:.1f} s for the batch's write"
        assert sink.pending(tx.transaction_id for tx in new)  # which still waits
        release.join()
    assert totals(consumer).labels == 6
    assert sink.settle() == 10
    assert len(logged(database)) == 16


def test_a_failed_log_write_is_retried_from_memory_and_logs_each_decision_once(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    consumer.score(transactions(5, prefix="warm"))  # the connection is open
    txs = transactions(30)
    batch = [consumer.decoded(tx) for tx in txs]
    # Redis written, the log not: the processor retries the batch.
    decide_without_the_log(consumer, database, batch)
    assert set(logged(database)) == {f"warm-{i:04d}" for i in range(5)}

    retried = consumer.process(batch)
    assert (retried.new, retried.logged, len(retried.outputs)) == (0, 30, 30)
    rows = logged(database)
    assert len(rows) == 35
    assert_logged_as_emitted(rows, retried.outputs)
    assert totals(consumer).transactions == 35  # and Redis counted each once


def rows_written(sink, monkeypatch) -> list[str]:
    """The ids of every row the sink hands the database from now on."""
    ids: list[str] = []
    write = sink._write

    def counted(rows):
        ids.extend(row.transaction_id for row in rows)
        return write(rows)

    monkeypatch.setattr(sink, "_write", counted)
    return ids


def test_a_batch_recovered_after_its_log_write_settled_is_not_written_again(
    inprocess_consumer_factory, database, transactions, monkeypatch
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    txs = transactions(20)
    batch = [consumer.decoded(tx, 100 + i) for i, tx in enumerate(txs)]
    assert consumer.process(batch).new == 20
    consumer.pipeline.decisions.settle()
    written = rows_written(consumer.pipeline.decisions, monkeypatch)

    # The same messages again (a Kafka send failed, a rebalance): re-emitted from Redis, and
    # the log, which this process already has them in, is not written.
    again = consumer.process(batch)
    assert (again.new, again.logged, len(again.outputs)) == (0, 0, 20)
    assert written == []
    rows = logged(database)
    assert len(rows) == 20
    assert_logged_as_emitted(rows, again.outputs)


def test_a_recovered_batch_writes_what_this_process_did_not_log(
    inprocess_consumer_factory, database, transactions, monkeypatch
) -> None:
    txs = stopped_before_the_log(
        inprocess_consumer_factory, database, transactions, count=10, warm=2
    )
    # A successor logs a few of them itself first (from another batch of its own).
    successor = inprocess_consumer_factory(database_url=database.database_url)
    batch = [successor.decoded(tx, 100 + i) for i, tx in enumerate(txs)]
    assert successor.process(batch[:4]).logged == 4
    written = rows_written(successor.pipeline.decisions, monkeypatch)

    assert successor.process(batch).logged == 6
    assert sorted(written) == sorted(tx.transaction_id for tx in txs[4:])
    assert len(logged(database)) == 12


def test_a_successor_logs_what_a_stopped_consumer_wrote_only_to_redis(
    inprocess_consumer_factory, database, transactions
) -> None:
    txs = stopped_before_the_log(
        inprocess_consumer_factory, database, transactions, count=20, warm=3
    )

    # A new process reads the same messages again: the Redis markers say they were decided,
    # and the batch's recovery copy gives the records to re-emit and to log.
    successor = inprocess_consumer_factory(database_url=database.database_url)
    again = successor.process([successor.decoded(tx, offset=100 + i) for i, tx in enumerate(txs)])

    assert (again.new, again.logged, len(again.outputs)) == (0, 20, 20)
    rows = logged(database)
    assert_logged_as_emitted(rows, again.outputs)
    assert len(rows) == 23
    # The records do not carry rule versions: those in force are logged, not NULL.
    with connect(database) as conn:
        versions = conn.execute(
            "SELECT rules, rule_versions FROM decisions WHERE transaction_id LIKE 'tx-%'"
        ).fetchall()
    assert len(versions) == 20
    assert all(v is not None and len(v) == len(r) for r, v in versions)
    assert all(set(v) <= {1} for _, v in versions)  # the baseline's versions


def label_of(tx: Transaction, is_fraud: bool, days_later: float) -> tuple[str, Label]:
    at = tx.event_time + dt.timedelta(days=days_later)
    label = Label(transaction_id=tx.transaction_id, is_fraud=is_fraud, scenario="card_testing",
                  labelled_at=at)  # fmt: skip
    return tx.card_id, label


def merchant_labels(consumer, merchant_id: str) -> tuple[int, int]:
    redis, keys = consumer.pipeline.redis, consumer.pipeline.keys
    raw = redis.hgetall(keys.merchant(merchant_id))
    state = MerchantState.from_pairs([item for pair in raw.items() for item in pair])
    labels = sum(v for k, v in state.buckets.items() if k[0] == "l")
    frauds = sum(v for k, v in state.buckets.items() if k[0] == "f")
    return labels, frauds


def test_a_label_weeks_late_finds_its_decision_in_the_log_once(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    txs = transactions(9)
    decisions = {
        r.transaction.transaction_id: r.decision
        for r in (ScoredTransaction.from_json(o.value) for o in consumer.score(txs).outputs)
    }
    redis, keys = consumer.pipeline.redis, consumer.pipeline.keys
    redis.delete(
        *(keys.transaction(tx.card_id, tx.transaction_id) for tx in txs)
    )  # the records expired
    labels = [label_of(tx, is_fraud=i % 3 == 0, days_later=21) for i, tx in enumerate(txs)]

    assert consumer.apply_labels(labels) == []
    assert consumer.apply_labels(labels[:4]) == []  # delivered again: nothing counted twice

    stats = totals(consumer)
    assert (stats.labels, stats.labels_fraud) == (9, 3)
    assert sum(stats.outcomes.values()) == 9
    flagged = [decisions[tx.transaction_id] is not Decision.APPROVE for tx in txs]
    flagged_frauds = sum(flagged[i] for i in range(0, 9, 3))
    assert stats.outcomes["tp"] == flagged_frauds
    assert merchant_labels(consumer, "merch-0") == (3, 3)  # tx 0, 3, 6: every third a fraud
    assert merchant_labels(consumer, "merch-1") == (3, 0)
    with connect(database) as conn:
        (found,) = get_decisions(conn, txs[0].transaction_id)
    assert found.row["is_fraud"] is True
    assert found.row["country"] == txs[0].country  # the review queue filters on it


def unexplained_frauds(consumer, merchant_id: str) -> int:
    """The merchant's fraud labels its cards' spending did not explain (``u`` buckets)."""
    raw = consumer.pipeline.redis.hgetall(consumer.pipeline.keys.merchant(merchant_id))
    return sum(int(v) for k, v in raw.items() if k.startswith(b"u"))


@pytest.mark.parametrize("through", ["decision log", "redis marker"])
def test_a_fraud_counts_for_its_shop_only_where_the_card_s_spending_does_not_explain_it(
    inprocess_consumer_factory, database, transactions, through
) -> None:
    # Through the log: the records expired, a label reads the features as logged. Through the
    # marker: no log, the label reads the excess its payment's Redis marker kept.
    url = database.database_url if through == "decision log" else None
    consumer = inprocess_consumer_factory(database_url=url)
    txs = transactions(60)
    # The last payments at twenty times the card's usual against the shops' prices.
    txs[50:] = [tx.model_copy(update={"amount": tx.amount * 20}) for tx in txs[50:]]
    records = [ScoredTransaction.from_json(o.value) for o in consumer.score(txs).outputs]
    if url is not None:
        redis, keys = consumer.pipeline.redis, consumer.pipeline.keys
        redis.delete(*(keys.transaction(tx.card_id, tx.transaction_id) for tx in txs))
    assert consumer.apply_labels([label_of(tx, is_fraud=True, days_later=9) for tx in txs]) == []

    explained = {
        r.transaction.transaction_id
        for r in records
        if np.float32(r.features.get(CARD_EXCESS, np.nan)) > np.float32(np.log(2.0))
    }
    assert 0 < len(explained) < len(txs)  # both kinds of fraud are in the stream
    for merchant in ("merch-0", "merch-1", "merch-2"):
        at_merchant = [tx for tx in txs if tx.merchant_id == merchant]
        assert merchant_labels(consumer, merchant) == (len(at_merchant), len(at_merchant))
        expected = sum(tx.transaction_id not in explained for tx in at_merchant)
        assert unexplained_frauds(consumer, merchant) == expected, merchant


def test_a_label_whose_log_commit_failed_after_redis_is_not_applied_twice(
    inprocess_consumer_factory, database, transactions
) -> None:
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    txs = transactions(4)
    consumer.score(txs)
    applier = consumer.labels
    waiting = list(applier_waiting(consumer, txs))

    with pytest.raises(StoppedError):
        apply_then_stop(applier, waiting)
    assert totals(consumer).labels == 4
    with connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM decision_labels").fetchone() == (0,)

    assert applier.apply(waiting) == []  # the redelivery: new to the log, done in Redis
    assert totals(consumer).labels == 4
    assert merchant_labels(consumer, "merch-0") == (2, 2)
    with connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM decision_labels").fetchone() == (4,)


class StoppedError(Exception):
    pass


def apply_then_stop(applier, waiting) -> None:
    """Redis written, then the consumer stops before the log's transaction commits."""
    with applier.decisions.label_transaction([]) as conn:
        assert applier._apply(waiting, conn) == []
        raise StoppedError


def applier_waiting(consumer, txs: list[Transaction]):
    """Labels (all frauds, a day late) decoded as the processor hands them to the applier."""
    topic = consumer.pipeline.settings.topic_labels
    for tx in txs:
        card, label = label_of(tx, is_fraud=True, days_later=1)
        yield Waiting(decode_label(consumer.message(topic, card, label.to_json())))


def test_a_label_waits_for_its_log_row_from_when_the_log_answers_not_from_its_arrival(
    inprocess_consumer_factory, database, transactions
) -> None:
    """Labels that waited through an outage of the log (longer than the log wait) for decisions
    whose log write the outage held back: applied through the log once it is written, never
    around it through Redis alone (that left the log without their labels)."""
    txs = stopped_before_the_log(
        inprocess_consumer_factory, database, transactions, count=4, warm=2
    )
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    waiting = list(applier_waiting(consumer, txs))
    for entry in waiting:  # due long ago: the log was down
        entry.due_since = time.monotonic() - 10 * consumer.labels.log_wait_s

    still = consumer.labels.apply(waiting)

    assert len(still) == 4  # the log's first answer starts the wait
    assert totals(consumer).labels == 0
    consumer.process([consumer.decoded(tx, offset=100 + i) for i, tx in enumerate(txs)])
    assert consumer.labels.apply(still) == []
    assert totals(consumer).labels == 4
    with connect(database) as conn:
        labelled = conn.execute("SELECT count(*) FROM decision_labels").fetchone()
    assert labelled == (4,)


def test_a_label_of_a_logged_decision_waits_for_its_row_as_long_as_it_may_come(
    inprocess_consumer_factory, database, transactions
) -> None:
    """A consumer back from an outage reads the small label messages far ahead of the payments
    it reads again: a label whose decision's marker says it goes to the log waits for the row
    as long as a redelivery can log it (not the shorter wait kept for an older consumer's
    markers, which left the log without those labels), and only then goes through Redis."""
    txs = stopped_before_the_log(
        inprocess_consumer_factory, database, transactions, count=4, warm=2
    )
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    waiting = list(applier_waiting(consumer, txs))
    assert len(consumer.labels.apply(waiting)) == 4  # the log's first answer
    for entry in waiting:
        entry.log_since -= 2 * consumer.labels.log_wait_s

    still = consumer.labels.apply(waiting)

    assert len(still) == 4
    assert totals(consumer).labels == 0
    for entry in still:  # the recovery copy is gone: the row can no longer come
        entry.log_since -= consumer.labels.logged_wait_s
    assert consumer.labels.apply(still) == []
    assert totals(consumer).labels == 4
    with connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM decision_labels").fetchone() == (0,)


def test_a_label_of_a_decision_made_without_a_log_goes_through_redis_at_once(
    inprocess_consumer_factory, database, transactions
) -> None:
    txs = transactions(3)
    inprocess_consumer_factory().score(txs)  # decided before the log was configured
    consumer = inprocess_consumer_factory(database_url=database.database_url)

    assert consumer.labels.apply(list(applier_waiting(consumer, txs))) == []
    assert totals(consumer).labels == 3


def test_a_database_that_refuses_connections_is_unavailable_not_fatal(
    inprocess_consumer_factory, transactions
) -> None:
    consumer = inprocess_consumer_factory(
        database_url="postgresql://nobody@127.0.0.1:9/none", database_connect_timeout_s=1
    )
    with pytest.raises(DecisionLogUnavailableError, match="decision log"):
        consumer.score(transactions(2))


def test_a_label_waits_for_a_decision_whose_log_write_was_cut(
    inprocess_consumer_factory, database, transactions
) -> None:
    txs = stopped_before_the_log(
        inprocess_consumer_factory, database, transactions, count=3, warm=2
    )

    # The consumer stopped there; its successor gets the label first. It must not go through
    # the Redis record alone: the log would never hear of it.
    consumer = inprocess_consumer_factory(database_url=database.database_url)
    waiting = consumer.apply_labels([label_of(tx, is_fraud=True, days_later=2) for tx in txs])
    assert len(waiting) == 3
    assert totals(consumer).labels == 0

    batch = [consumer.decoded(tx, 100 + i) for i, tx in enumerate(txs)]
    assert consumer.process(batch).logged == 3  # the batch read again
    assert consumer.labels.apply(waiting) == []
    assert totals(consumer).labels == 3
    with connect(database) as conn:
        assert conn.execute("SELECT count(*) FROM decision_labels").fetchone() == (3,)
