"""The consumer's batch pipeline and label applier in this process against a real Redis, a
single server and a six-node Redis Cluster alike: what one batch writes, how redeliveries and
duplicates are recognised, and labels applied once."""

import datetime as dt
from functools import partial

import orjson
import pytest
import redis

from fraud_consumer.sink import WrittenMeanwhileError
from fraudcore.features import MerchantState
from fraudcore.live_stats import MODEL_VERSION, LiveTotals
from fraudcore.live_streams import alert_id, alert_record, map_point
from fraudcore.schemas import Decision, Label, ScoredTransaction

pytestmark = pytest.mark.integration


@pytest.fixture(params=["single", "cluster"])
def consumer_factory(request, inprocess_consumer_factory):
    """In-process consumers on the single Redis, or on the Redis Cluster (REDIS_CLUSTER=true)."""
    if request.param == "single":
        return inprocess_consumer_factory
    url = request.getfixturevalue("redis_cluster_url")
    return partial(inprocess_consumer_factory, redis_url=url, redis_cluster=True)


def untimed(outputs) -> list[dict]:
    """Records without their timings (a re-emitted copy was written before the sinks' time)."""
    return [{k: v for k, v in orjson.loads(o.value).items() if k != "timings"} for o in outputs]


def totals(consumer) -> LiveTotals:
    return LiveTotals.parse(consumer.pipeline.redis.hgetall(consumer.pipeline.keys.stats))


def test_a_batch_writes_state_markers_streams_statistics_and_records(
    consumer_factory, transactions
) -> None:
    consumer = consumer_factory()
    txs = transactions(40)
    result = consumer.score(txs)
    redis, keys = consumer.pipeline.redis, consumer.pipeline.keys

    assert (result.new, result.duplicates, len(result.outputs)) == (40, 0, 40)
    records = [ScoredTransaction.from_json(output.value) for output in result.outputs]
    assert [r.transaction.transaction_id for r in records] == [tx.transaction_id for tx in txs]
    assert all(redis.exists(keys.transaction(tx.card_id, tx.transaction_id)) for tx in txs)
    assert redis.get(result.batch_key) is not None  # the recovery copy, until Kafka has them
    # Later payments of a card see the earlier ones of the same batch.
    assert records[-1].features["card_history_log"] > 0

    stats = totals(consumer)
    decided = {d: sum(r.decision is d for r in records) for d in Decision}
    assert stats.transactions == 40
    assert stats.decisions == decided
    assert stats.amounts[Decision.APPROVE] == round(
        sum(r.transaction.amount for r in records if r.decision is Decision.APPROVE), 2
    )
    points = [map_point(fields) for _, fields in redis.xrange(keys.recent)]
    assert [p["id"] for p in points] == [tx.transaction_id for tx in txs]
    assert [p["decision"] for p in points] == [r.decision.value for r in records]
    flagged = [r.transaction.transaction_id for r in records if r.decision is not Decision.APPROVE]
    alerts = [alert_record(fields) for _, fields in redis.xrange(keys.alerts)]
    assert [alert_id(record) for record in alerts] == flagged
    assert redis.hget(keys.model, MODEL_VERSION) == b"test-model-1"
    assert redis.get(keys.card("card-0")) is not None
    merchant = MerchantState.from_pairs(
        [item for pair in redis.hgetall(keys.merchant("merch-0")).items() for item in pair]
    )
    assert sum(v for k, v in merchant.buckets.items() if k[0] == "d") == 14  # its 14 payments


def test_redelivery_is_re_emitted_from_the_recovery_copy_and_never_counted_twice(
    consumer_factory, transactions
) -> None:
    consumer = consumer_factory()
    txs = transactions(10)
    first = consumer.process([consumer.decoded(tx) for tx in txs])

    again = consumer.process([consumer.decoded(tx, offset=i) for i, tx in enumerate(txs)])

    assert (again.new, again.duplicates) == (0, 0)
    assert untimed(again.outputs) == untimed(first.outputs)  # the same records, sent again
    assert totals(consumer).transactions == 10
    # Once Kafka acknowledged the copies the recovery copy goes: a redelivery is then skipped.
    consumer.pipeline.sink.forget_batches([first.batch_key])
    late = consumer.process([consumer.decoded(tx, offset=i) for i, tx in enumerate(txs)])
    assert (late.new, late.duplicates, late.outputs) == (0, 0, [])
    assert totals(consumer).transactions == 10


def test_the_same_transaction_from_another_message_is_a_duplicate(
    consumer_factory, transactions
) -> None:
    consumer = consumer_factory()
    tx, other = transactions(2)
    result = consumer.score([tx, tx, other])  # the same id twice in one batch
    assert (result.new, result.duplicates, len(result.outputs)) == (2, 1, 2)
    resent = consumer.score([tx])  # sent again by a retrying upstream: a new message
    assert (resent.new, resent.duplicates, resent.outputs) == (0, 1, [])
    assert totals(consumer).transactions == 2


def test_labels_wait_for_their_transaction_and_apply_once(consumer_factory, transactions) -> None:
    consumer = consumer_factory()
    tx = transactions(1)[0]
    label = Label(transaction_id=tx.transaction_id, is_fraud=True, scenario="card_testing",
                  labelled_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))  # fmt: skip
    waiting = consumer.apply_labels([(tx.card_id, label)])
    assert len(waiting) == 1
    assert totals(consumer).labels == 0

    decision = ScoredTransaction.from_json(consumer.score([tx]).outputs[0].value).decision
    assert consumer.labels.apply(waiting) == []
    assert consumer.apply_labels([(tx.card_id, label)]) == []  # a redelivered label
    stats = totals(consumer)
    assert (stats.labels, stats.labels_fraud) == (1, 1)
    cell = "tp" if decision is not Decision.APPROVE else "fn"
    assert stats.outcomes == {"tp": 0, "fp": 0, "fn": 0, "tn": 0} | {cell: 1}
    redis, keys = consumer.pipeline.redis, consumer.pipeline.keys
    day = int(dt.datetime(2026, 12, 1, tzinfo=dt.UTC).timestamp() // 86_400)
    merchant = redis.hgetall(keys.merchant(tx.merchant_id))
    assert (merchant[f"l{day}".encode()], merchant[f"f{day}".encode()]) == (b"1", b"1")


def test_a_batch_another_consumer_wrote_meanwhile_is_not_written_again(
    consumer_factory, monkeypatch, transactions
) -> None:
    """A zombie waking up and the partitions' new owner may process the same messages at once:
    whoever writes second writes nothing (and redoes the batch, then recognising it)."""
    owner = consumer_factory()
    zombie = consumer_factory()  # the same key prefix: the same Redis state
    batch = [owner.decoded(tx) for tx in transactions(20)]
    load = zombie.pipeline.sink.load

    def load_then_lose_the_race(*args):
        loaded = load(*args)
        owner.process(batch)  # the owner writes them between the zombie's read and write
        return loaded

    monkeypatch.setattr(zombie.pipeline.sink, "load", load_then_lose_the_race)
    with pytest.raises(WrittenMeanwhileError):
        zombie.process(batch)
    assert totals(owner).transactions == 20
    monkeypatch.undo()
    again = zombie.process(batch)  # the retry: every payment recognised, re-emitted, not counted
    assert (again.new, len(again.outputs)) == (0, 20)
    assert totals(owner).transactions == 20


def test_a_single_redis_sees_one_load_and_one_write_per_batch(
    inprocess_consumer_factory, transactions, monkeypatch
) -> None:
    """Cluster support costs a single Redis nothing: a batch is still two round trips (a load,
    a write), and a batch of labels two (a pipeline of GETs, a write)."""
    consumer = inprocess_consumer_factory()

    def genuine(txs):
        at = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
        return [
            (tx.card_id, Label(transaction_id=tx.transaction_id, is_fraud=False,
                               scenario="genuine", labelled_at=at))
            for tx in txs
        ]  # fmt: skip

    warm = transactions(5, prefix="warm")
    consumer.score(warm)
    consumer.apply_labels(genuine(warm))  # the scripts are loaded by now
    sent = []
    send = redis.connection.Connection.send_packed_command

    def counted(connection, command, check_health=True):
        sent.append(command)  # one call per command or per whole pipeline
        return send(connection, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)
    txs = transactions(40)
    consumer.score(txs)
    assert len(sent) == 2
    assert consumer.apply_labels(genuine(txs)) == []
    assert len(sent) == 4
