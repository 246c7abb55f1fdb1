"""The live stream against a real Kafka broker."""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from confluent_kafka import Message
from confluent_kafka.admin import AdminClient, NewTopic
from pydantic import ValidationError

from fraud_producer.settings import ProducerSettings
from fraud_producer.stream import TransactionStream
from fraud_producer.stream_plan import StreamFailedError, StreamPlan
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.kafka_client import PRODUCED_AT_HEADER
from fraudcore.schemas import Label, Transaction, format_time

pytestmark = pytest.mark.integration


def settings_for(kafka_bootstrap: str, topics) -> ProducerSettings:
    return ProducerSettings(
        kafka_bootstrap_servers=kafka_bootstrap, metrics_port=0, **topics.model_dump()
    )


def test_ten_thousand_at_2000_tps_arrive_complete_with_labels_after_the_delay(
    kafka_bootstrap, topic_factory, topic_reader
) -> None:
    topics = topic_factory()
    plan = StreamPlan(
        rate_tps=2000, count=10_000, label_delay_s=1.5, customers=3_000, seed=5, pace="steady"
    )
    report = TransactionStream(settings_for(kafka_bootstrap, topics), plan).run()

    assert (report.transactions, report.labels, report.delivery_errors) == (10_000, 10_000, 0)
    assert report.elapsed_s >= 9_999 / 2000  # never faster than asked
    # Its own CPU from the clock's start: at least what encoding and sending 10,000 payments take.
    assert 0.05 < report.cpu_s < report.elapsed_s * os.cpu_count() + 30
    assert sum(report.by_scenario.values()) == 10_000

    # Idle only after all 10,000 (a loaded machine stalls a read for seconds); then 3 s for extras.
    messages = topic_reader(topics.topic_transactions, at_least=10_000, idle_s=3)
    assert len(messages) == 10_000
    transactions: dict[str, tuple[Transaction, Message]] = {}
    for message in messages:
        raw = json.loads(message.value())
        assert set(raw) == set(Transaction.model_fields)  # no label fields, nothing missing
        tx = Transaction.from_json(message.value())
        assert message.key() == tx.card_id.encode()
        assert dict(message.headers())[PRODUCED_AT_HEADER].isdigit()
        transactions[tx.transaction_id] = (tx, message)
    assert len(transactions) == 10_000

    labels = topic_reader(topics.topic_labels, at_least=10_000, idle_s=3)
    assert len(labels) == 10_000
    frauds = 0
    for message in labels:
        label = Label.from_json(message.value())
        tx, _ = transactions[label.transaction_id]
        assert message.key() == tx.card_id.encode()
        assert label.labelled_at - tx.event_time >= dt.timedelta(seconds=1.5)
        assert label.is_fraud == (label.scenario != "genuine")
        frauds += label.is_fraud
    assert frauds == sum(n for name, n in report.by_scenario.items() if name != "genuine")


def test_poison_messages_are_mixed_in_when_asked(
    kafka_bootstrap, topic_factory, topic_reader
) -> None:
    topics = topic_factory()
    plan = StreamPlan(
        rate_tps=5000, count=3000, label_delay_s=0, poison_rate=0.05, customers=500, pace="steady"
    )
    report = TransactionStream(settings_for(kafka_bootstrap, topics), plan).run()
    assert 50 <= report.poison <= 260

    messages = topic_reader(topics.topic_transactions, expected=3000 + report.poison, idle_s=3)
    valid = invalid = 0
    for message in messages:
        try:
            Transaction.from_json(message.value())
            valid += 1
        except (ValidationError, UnicodeDecodeError):
            invalid += 1
    assert (valid, invalid) == (3000, report.poison)


def test_sigterm_stops_the_cli_cleanly_with_everything_sent_flushed(
    kafka_bootstrap, topic_factory, topic_reader
) -> None:
    topics = topic_factory()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "TOPIC_TRANSACTIONS": topics.topic_transactions,
        "TOPIC_LABELS": topics.topic_labels,
        "METRICS_PORT": "0",
        "PRODUCER_CUSTOMERS": "500",
        "PRODUCER_LABEL_DELAY_S": "600",
        "PRODUCER_PACE": "steady",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "fraud_producer.cli", "stream", "--rate", "500"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    first = topic_reader(topics.topic_transactions, expected=1, timeout_s=60)
    assert first, "the producer never started sending"
    time.sleep(1)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()
    report = json.loads(out.decode().strip().splitlines()[-1])
    assert report["transactions"] > 100
    assert report["labels"] == 0
    assert report["labels_dropped"] == report["transactions"]
    assert "labels were not yet due" in err.decode()
    messages = topic_reader(topics.topic_transactions, expected=report["transactions"], idle_s=3)
    assert len(messages) == report["transactions"]


@pytest.mark.alone
def test_the_world_pace_sends_world_time_on_the_clock_and_labels_when_they_are_due(
    kafka_bootstrap, topic_factory, topic_reader
) -> None:
    topics = topic_factory()
    customers, history_days, speed = 1_500, 9, 3_600.0  # one simulated hour per second
    plan = StreamPlan(
        rate_tps=1, speed=speed, days=3 / 24, customers=customers, history_days=history_days
    )
    report = TransactionStream(settings_for(kafka_bootstrap, topics), plan).run()

    cutoff = dt.datetime(2026, 1, 5, tzinfo=dt.UTC) + dt.timedelta(days=history_days)
    end = cutoff + dt.timedelta(hours=3)
    assert (report.world_from, report.world_to) == (format_time(cutoff), format_time(end))
    assert report.speed == speed
    assert 2.9 <= report.elapsed_s < 4.0
    world = generate(DatasetSpec(days=history_days + 1, customers=customers))
    expected = world[(world["event_time"] >= cutoff) & (world["event_time"] < end)]
    messages = topic_reader(topics.topic_transactions, expected=len(expected), idle_s=3)
    sent = [(Transaction.from_json(m.value()), m) for m in messages]
    assert sorted(tx.transaction_id for tx, _ in sent) == expected["transaction_id"].tolist()
    assert sorted(tx.event_time for tx, _ in sent) == expected["event_time"].tolist()

    # Every label due before the end was sent (the history's first), none later.
    due = world[(world["label_time"] >= cutoff) & (world["label_time"] < end)]
    read = topic_reader(topics.topic_labels, at_least=len(due), idle_s=3)
    labels = [(Label.from_json(m.value()), m) for m in read]
    assert sorted(label.transaction_id for label, _ in labels) == sorted(due["transaction_id"])
    assert report.labels == len(due) > 0
    truth = due.set_index("transaction_id")
    for label, _ in labels:
        assert label.labelled_at == truth.loc[label.transaction_id, "label_time"]
        assert label.is_fraud == truth.loc[label.transaction_id, "is_fraud"]

    # Each message left when the simulated clock reached its time (a quarter second of slack).
    def sent_at(message) -> float:
        return int(dict(message.headers())[PRODUCED_AT_HEADER]) / 1e9

    start = min(sent_at(m) for _, m in sent)
    for moment, message in [(tx.event_time, m) for tx, m in sent] + [
        (label.labelled_at, m) for label, m in labels
    ]:
        expected_s = (moment - cutoff).total_seconds() / speed
        assert abs(sent_at(message) - start - expected_s) < 0.25, moment


def test_the_label_tail_sends_every_owed_label_at_its_own_time_after_the_last_payment(
    kafka_bootstrap, topic_factory, topic_reader
) -> None:
    topics = topic_factory()
    customers, history_days, speed = 1_000, 9, 86_400.0  # a simulated day a second
    plan = StreamPlan(
        rate_tps=1, speed=speed, days=1, customers=customers, history_days=history_days,
        label_tail_speed=30 * 86_400.0,
    )  # fmt: skip
    report = TransactionStream(settings_for(kafka_bootstrap, topics), plan).run()

    cutoff = dt.datetime(2026, 1, 5, tzinfo=dt.UTC) + dt.timedelta(days=history_days)
    end = cutoff + dt.timedelta(days=1)
    assert report.world_to == format_time(end)  # payments stop at the end of the day
    world = generate(DatasetSpec(days=history_days + 1, customers=customers))
    # Every label owed from the live start on: the history's late ones and the day's own.
    owed = world[world["label_time"] >= cutoff]
    after = owed[owed["label_time"] >= end]
    assert report.labels_dropped == 0
    assert (report.labels, report.labels_after_end) == (len(owed), len(after))
    assert report.transactions == int((world["event_time"] >= cutoff).sum())
    labels = [
        Label.from_json(m.value())
        for m in topic_reader(topics.topic_labels, expected=len(owed), idle_s=3)
    ]
    assert sorted(label.transaction_id for label in labels) == sorted(owed["transaction_id"])
    truth = owed.set_index("transaction_id")["label_time"]
    assert all(label.labelled_at == truth[label.transaction_id] for label in labels)


def test_the_stream_waits_for_topics_made_after_it_starts(kafka_bootstrap, topic_factory) -> None:
    topics = topic_factory()
    late = topics.model_copy(update={"topic_transactions": f"late-{topics.topic_transactions}"})
    stream = TransactionStream(
        settings_for(kafka_bootstrap, late),
        StreamPlan(rate_tps=100, count=10, seed=1, pace="steady", send_labels=False),
    )
    with pytest.raises(StreamFailedError, match=r"do not exist after 2 s"):
        stream.wait_for_topics(timeout_s=2)
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
    threading.Timer(
        3, lambda: admin.create_topics([NewTopic(late.topic_transactions, 1, 1)])
    ).start()
    try:
        report = stream.run()  # waits, then sends: the topic came 3 s after the start
        assert (report.transactions, report.delivery_errors) == (10, 0)
    finally:
        admin.delete_topics([late.topic_transactions], operation_timeout=10)
