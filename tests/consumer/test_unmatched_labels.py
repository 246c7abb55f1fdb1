"""A label whose payment never comes is bad input: after LABEL_WAIT_S it goes to the dead-letter
topic once, naming its transaction, and its offset is committed, so it neither blocks the label
partition nor disappears; every label with a payment is still applied."""

import datetime as dt

import pytest
from confluent_kafka import Producer

from fraud_devstack.pipeline import uncommitted
from fraud_devstack.services import wait_for
from fraudcore.kafka_client import producer_config
from fraudcore.schemas import DeadLetter, Label

pytestmark = pytest.mark.integration

STRAYS = 6


def send_strays(kafka_settings, topic: str) -> list[str]:
    """Labels naming payments that were never sent, keyed like real ones (by a card)."""
    producer = Producer(producer_config(kafka_settings))
    ids = [f"never-sent-{i}" for i in range(STRAYS)]
    for i, tx_id in enumerate(ids):
        label = Label(
            transaction_id=tx_id, is_fraud=i % 2 == 0, scenario="card_testing",
            labelled_at=dt.datetime.now(dt.UTC),
        )  # fmt: skip
        producer.produce(topic, label.to_json(), f"card-{i}".encode())
    assert producer.flush(30) == 0
    return ids


@pytest.mark.parametrize("delivery", ["exactly-once", "at-least-once"])
def test_a_label_whose_payment_never_comes_is_dead_lettered_once_and_committed(
    pipeline_factory, topic_reader, kafka_settings, delivery
) -> None:
    pipeline = pipeline_factory()
    consumer = pipeline.start_consumer("embedded", LABEL_WAIT_S=2, CONSUMER_DELIVERY=delivery)
    strays = send_strays(kafka_settings, pipeline.topics.topic_labels)
    pipeline.stream(2_000, rate=1_000)  # each payment's label 2 s after it
    pipeline.wait_scored(2_000)
    wait_for(lambda: pipeline.totals().labels >= 2_000, 60, "every real label applied")

    letters = [
        DeadLetter.from_json(m.value())
        for m in topic_reader(pipeline.topics.topic_dlq, at_least=STRAYS, idle_s=4)  # repeats too
    ]
    assert sorted(letter.error.split(" ")[3] for letter in letters) == sorted(strays)
    for letter in letters:
        assert letter.source_topic == pipeline.topics.topic_labels
        assert letter.error.startswith("unmatched: no transaction never-sent-")
        assert letter.original_value_b64
    assert pipeline.totals().labels == 2_000  # the strays counted nowhere
    labels_topic = pipeline.topics.topic_labels
    wait_for(
        lambda: uncommitted(kafka_settings, pipeline.group, labels_topic) == 0,
        30,
        "every label's offset committed, the strays' too",
    )
    assert "labels matched no transaction within 2 s" in consumer.log()
