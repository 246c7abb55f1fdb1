"""The exactly-once producer lingers (``CONSUMER_TRANSACTION_LINGER_MS``) because no reader sees a
copy before its commit; the commit must then send what is still lingering at once, or the
linger would become everyone's wait. On a real broker, with a linger far longer than the wait."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from confluent_kafka import Message

from fraud_consumer.kafka_health import KafkaHealth
from fraud_consumer.outgoing import Outgoing
from fraud_consumer.settings import ConsumerSettings
from fraud_consumer.transactional import TransactionalOutputs
from fraudcore.settings import KafkaSettings
from tests.conftest import TopicFactory
from tests.consumer.test_transactional import FakeInput, FakeSink

pytestmark = pytest.mark.integration
LINGER_MS = 5_000  # the longest the setting allows


def test_a_commit_sends_the_lingering_copies_at_once(
    kafka_settings: KafkaSettings,
    topic_factory: TopicFactory,
    topic_reader: Callable[..., list[Message]],
) -> None:
    topics = topic_factory()
    settings = ConsumerSettings(
        redis_url="redis://127.0.0.1:1",
        kafka_bootstrap_servers=kafka_settings.kafka_bootstrap_servers,
        consumer_instance_id="linger-test",
        consumer_group_id=f"linger-{topics.topic_scored}",
        consumer_transaction_interval_ms=1,
        consumer_transaction_linger_ms=LINGER_MS,
        topic_scored=topics.topic_scored,
    )
    outputs = TransactionalOutputs(settings, KafkaHealth(), FakeInput(), FakeSink())  # type: ignore[arg-type]
    try:
        assert outputs.producer.list_topics(timeout=30)  # the producer and its id are ready
        began = time.monotonic()
        copies = [(topics.topic_scored, b"card", b"record-%d" % i) for i in range(3)]
        outputs.emit(Outgoing({}, copies))
        while outputs.open:  # committed on the committer thread, taken up at a service pass
            time.sleep(0.01)
            outputs.service()
        committed_after = time.monotonic() - began
        visible = topic_reader(topics.topic_scored, expected=3, timeout_s=20)
    finally:
        outputs.close(clean=True)
    assert sorted(m.value() for m in visible) == [b"record-0", b"record-1", b"record-2"]
    # Lingering to its end would take 5 s; the commit's own round trips take well under half.
    assert committed_after < 2.5, f"the commit waited {committed_after:.1f} s for the linger"
