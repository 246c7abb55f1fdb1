"""How far the transactions partitions are read, and label partitions held back, on a real
broker: a label's wait for its payment starts only once every transactions partition has been
read past it, and too many waiting labels stop more from being read, through a dependency's
pause and resume."""

from __future__ import annotations

import math
import time
import uuid

import pytest
from confluent_kafka import Message, Producer
from prometheus_client import CollectorRegistry

from fraud_consumer.kafka_health import KafkaHealth
from fraud_consumer.kafka_input import KafkaInput
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.rebalance import Rebalance
from fraud_consumer.settings import ConsumerSettings
from fraudcore.kafka_client import client_config
from fraudcore.settings import KafkaSettings
from tests.conftest import TopicFactory

pytestmark = pytest.mark.integration
BATCH = 4


def kafka_input(kafka_settings: KafkaSettings, topic_factory: TopicFactory) -> KafkaInput:
    topics = topic_factory()
    settings = ConsumerSettings(
        redis_url="redis://127.0.0.1:1",
        kafka_bootstrap_servers=kafka_settings.kafka_bootstrap_servers,
        consumer_group_id=f"progress-{uuid.uuid4().hex[:8]}",
        consumer_batch_max=BATCH,
        topic_transactions=topics.topic_transactions,
        topic_labels=topics.topic_labels,
    )
    health, rebalance = KafkaHealth(), Rebalance()
    return KafkaInput(settings, health, rebalance, ConsumerMetrics(CollectorRegistry()))


def produce(kafka_settings: KafkaSettings, topic: str, stamps_ms: list[int]) -> None:
    producer = Producer(client_config(kafka_settings))
    for i, stamp in enumerate(stamps_ms):
        producer.produce(topic, b"m-%d" % i, b"card", partition=0, timestamp=stamp)
    assert producer.flush(30) == 0


def read(source: KafkaInput, seconds: float) -> list[Message]:
    got: list[Message] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got += source.poll_batch()
    return got


def test_labels_are_due_once_every_transactions_partition_is_read_past_them(
    kafka_settings: KafkaSettings, topic_factory: TopicFactory
) -> None:
    source = kafka_input(kafka_settings, topic_factory)
    base = int(time.time() * 1000)
    stamps = [base + i for i in range(3 * BATCH)]
    produce(kafka_settings, source.settings.topic_transactions, stamps)
    source.subscribe()
    try:
        seen: list[tuple[int, float]] = []  # (the last payment read, how far read through)
        read_so_far = 0
        deadline = time.monotonic() + 60
        while read_so_far < len(stamps) and time.monotonic() < deadline:
            batch = source.poll_batch()
            if batch:
                read_so_far += len(batch)
                seen.append((batch[-1].timestamp()[1], source.transactions_read_through_ms()))
        assert read_so_far == len(stamps)
        # Behind: through the last payment read (or nothing known yet), never past it; the
        # other two partitions are empty, read to their end. Read to the end: everything.
        *behind, (_, last) = seen
        assert all(through in {-math.inf, stamp} for stamp, through in behind), seen
        assert any(through == stamp for stamp, through in behind), seen
        assert last == math.inf, seen
    finally:
        source.close()


def test_held_back_label_partitions_stay_held_through_a_pause_and_resume(
    kafka_settings: KafkaSettings, topic_factory: TopicFactory
) -> None:
    source = kafka_input(kafka_settings, topic_factory)
    source.subscribe()
    try:
        read(source, 3)  # joined, partitions assigned
        assert source.consumer.assignment()
        source.restrain_labels(True)
        base = int(time.time() * 1000)
        produce(kafka_settings, source.settings.topic_labels, [base, base + 1])
        produce(kafka_settings, source.settings.topic_transactions, [base + 2])
        source.pause()  # a dependency away, then back
        source.resume()
        got = read(source, 4)
        assert [m.topic() for m in got] == [source.settings.topic_transactions]

        source.restrain_labels(False)
        got = read(source, 4)
        assert [m.topic() for m in got] == [source.settings.topic_labels] * 2
    finally:
        source.close()
