"""The steady pace's schedule: payments encoded ahead as many as a bounded run sends, each sent
no earlier than its turn (payment k at (k-1)/rate after the clock), in bursts stamped with the
moment they leave, the bytes the schema's encoder writes."""

import datetime as dt
import time
import uuid

import pytest

from fraud_producer.settings import ProducerSettings
from fraud_producer.steady_pace import PREPARED_MAX, planned
from fraud_producer.stream import TransactionStream
from fraud_producer.stream_plan import StreamPlan
from fraud_producer.wire import transaction_json
from fraudcore.kafka_client import PRODUCED_AT_HEADER
from fraudcore.schemas import Transaction


def test_a_bounded_run_is_prepared_whole_and_an_unbounded_one_as_it_goes() -> None:
    assert planned(StreamPlan(rate_tps=100, count=250, pace="steady")) == 250
    assert planned(StreamPlan(rate_tps=5_000, duration_s=2.5, pace="steady")) == 12_501
    assert planned(StreamPlan(rate_tps=100, pace="steady")) == 1
    assert PREPARED_MAX >= 20 * 10_000  # a 20 s window at 10,000 tx/s is encoded ahead


@pytest.mark.integration
def test_no_payment_leaves_before_its_turn_and_each_carries_the_moment_it_left(
    kafka_bootstrap, topic_factory, topic_reader
) -> None:
    topics = topic_factory()
    settings = ProducerSettings(
        kafka_bootstrap_servers=kafka_bootstrap, metrics_port=0, **topics.model_dump()
    )
    rate, run = 4_000, uuid.uuid4().hex[:8]
    plan = StreamPlan(rate_tps=rate, count=4_000, customers=500, seed=3, send_labels=False,
                      pace="steady", run_id=run)  # fmt: skip
    stream = TransactionStream(settings, plan)
    clock_ns: list[int] = []
    starts = stream.clock_starts

    def clock_starts() -> None:  # the wall clock just before the schedule's start
        clock_ns.append(time.time_ns())
        starts()

    stream.clock_starts = clock_starts  # type: ignore[method-assign]
    report = stream.run()
    assert report.transactions == 4_000
    messages = topic_reader(topics.topic_transactions, expected=4_000, idle_s=3)
    sent: dict[int, tuple[int, Transaction, bytes]] = {}
    for message in messages:
        tx = Transaction.from_json(message.value())
        number = int(tx.transaction_id.removeprefix(f"tx-{run}-"))
        produced_ns = int(dict(message.headers())[PRODUCED_AT_HEADER])
        sent[number] = (produced_ns, tx, message.value())
    assert sorted(sent) == list(range(4_000))
    for number, (produced_ns, tx, value) in sent.items():
        # Payment k (from 1) is due (k-1)/rate after the clock started, never before.
        assert produced_ns - clock_ns[0] >= number / rate * 1e9 - 1e5, number
        lag = produced_ns / 1e9 - tx.event_time.timestamp()
        # Event time: the moment of sending (encoded ahead, stamped as it leaves).
        assert -1e-6 <= lag < 0.25, (number, lag)
        fields = tx.model_dump(exclude={"schema_version", "event_time"}, mode="json")
        assert value == transaction_json(fields, tx.event_time.astimezone(dt.UTC))
    assert report.elapsed_s >= 3_999 / rate
