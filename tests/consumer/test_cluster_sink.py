"""The consumer's batch write on a six-node Redis Cluster, where it is one call per slot: a race
with another consumer that wins some slots and loses others, and a write cut short by a node
that stops answering, each leave every payment counted once."""

import signal
import threading
import time

import pytest
import redis

from fraud_consumer.sink import WrittenMeanwhileError
from fraudcore.live_stats import LiveTotals
from fraudcore.redis_slots import slot_of

pytestmark = pytest.mark.integration


@pytest.fixture
def cluster_consumer(inprocess_consumer_factory, redis_cluster_url):
    def make(**overrides):
        return inprocess_consumer_factory(
            redis_url=redis_cluster_url, redis_cluster=True, **overrides
        )

    return make


def day_counts(consumer, merchant_ids) -> int:
    """Payments counted in these merchants' daily buckets."""
    client, keys = consumer.pipeline.redis, consumer.pipeline.keys
    return sum(
        int(value)
        for m in merchant_ids
        for name, value in client.hgetall(keys.merchant(m)).items()
        if name.startswith(b"d")
    )


def totals(consumer) -> LiveTotals:
    return LiveTotals.parse(consumer.pipeline.redis.hgetall(consumer.pipeline.keys.stats))


def test_a_race_lost_in_some_slots_writes_the_rest_once(
    cluster_consumer, monkeypatch, transactions
):
    """The owner writes the batch's first half while a zombie holds all of it loaded: the zombie's
    calls for those cards' slots write nothing, its other slots are written, and its merchant
    counts and statistics carry only what it wrote."""
    owner = cluster_consumer()
    zombie = cluster_consumer()
    txs = transactions(20, cards=20)
    owner_batch = [owner.decoded(tx, offset=i) for i, tx in enumerate(txs[:10])]
    batch = [zombie.decoded(tx, offset=i) for i, tx in enumerate(txs)]
    load = zombie.pipeline.sink.load

    def load_then_lose_the_race(*args):
        loaded = load(*args)
        owner.process(owner_batch)
        return loaded

    monkeypatch.setattr(zombie.pipeline.sink, "load", load_then_lose_the_race)
    with pytest.raises(WrittenMeanwhileError):
        zombie.process(batch)
    monkeypatch.undo()
    keys = owner.pipeline.keys
    lost = {slot_of(keys.card(tx.card_id)) for tx in txs[:10]}
    written_by_zombie = [tx for tx in txs[10:] if slot_of(keys.card(tx.card_id)) not in lost]
    assert written_by_zombie, "some of the zombie's slots were its own"
    assert totals(owner).transactions == 10 + len(written_by_zombie)
    assert day_counts(owner, {tx.merchant_id for tx in txs}) == 10 + len(written_by_zombie)

    again = zombie.process(batch)  # the retry: what either wrote is recognised, the rest written
    assert again.new == 20 - 10 - len(written_by_zombie)
    assert len(again.outputs) == 20
    assert totals(owner).transactions == 20
    assert day_counts(owner, {tx.merchant_id for tx in txs}) == 20
    assert len(list(owner.pipeline.redis.xrange(keys.recent))) == 20


def test_a_write_cut_short_by_a_stalled_node_counts_every_payment_once(
    cluster_consumer, redis_cluster, transactions
) -> None:
    """A master stops answering for a second in the middle of batches (its process stopped, the
    commands already sent to it run once it resumes, their replies lost): the consumer retries
    as its loop does, resending what was not acknowledged, and nothing is lost or doubled."""
    consumer = cluster_consumer(redis_socket_timeout_s=0.2)
    client = consumer.pipeline.redis
    port = client.get_primaries()[0].port
    node = redis_cluster.processes[redis_cluster.ports.index(port)]
    txs = transactions(120, cards=60)
    consumer.score(txs[:20])

    def stall() -> None:
        node.send_signal(signal.SIGSTOP)
        time.sleep(1.0)
        node.send_signal(signal.SIGCONT)

    staller = threading.Thread(target=stall)
    began = time.monotonic()
    staller.start()
    for start in range(20, 120, 20):
        batch = [
            consumer.decoded(tx, offset=start + i) for i, tx in enumerate(txs[start : start + 20])
        ]
        while True:
            try:
                consumer.process(batch)
                break
            except redis.RedisError:  # the loop's retry (Retrying): the same batch again
                time.sleep(0.1)
    staller.join()
    assert time.monotonic() - began >= 1.0  # the batches met the stalled node
    redis_cluster.wait_ok()

    assert totals(consumer).transactions == 120
    assert day_counts(consumer, {tx.merchant_id for tx in txs}) == 120
    keys = consumer.pipeline.keys
    assert len(client.xrange(keys.recent)) == 120
    markers = list(client.scan_iter(keys.transaction_pattern(), count=1_000))
    assert sorted(map(keys.transaction_id, markers)) == sorted(tx.transaction_id for tx in txs)
