"""The devstack pipeline's topic helpers on the real broker."""

import time

import pytest
from confluent_kafka import Producer

from fraud_devstack.pipeline import drain_topic, topic_size
from fraudcore.kafka_client import producer_config

pytestmark = pytest.mark.integration


def test_topic_size_counts_every_partitions_messages_so_a_drain_ends_at_the_last(
    kafka_settings, topic_factory
) -> None:
    topic = topic_factory(partitions=3).topic_transactions
    assert topic_size(kafka_settings, topic) == 0
    producer = Producer(producer_config(kafka_settings))
    for i in range(25):
        producer.produce(topic, f"m-{i}".encode(), f"card-{i}".encode())
    assert producer.flush(30) == 0
    assert topic_size(kafka_settings, topic) == 25

    began = time.monotonic()
    drained = drain_topic(kafka_settings, topic, expected=25, idle_s=30)
    assert sorted(m.value() for m in drained) == sorted(f"m-{i}".encode() for i in range(25))
    assert time.monotonic() - began < 30  # ended at the count, not after an idle wait
