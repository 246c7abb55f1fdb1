"""Dead letters sent back: the filter's letters to their own input topic, byte for byte with their
key, once per group however often it runs; a dry run sends and remembers nothing; a letter naming
another topic is refused. End to end, a label dead-lettered because its payment came late is
applied once it is sent back."""

import base64
import datetime as dt
import json

import pytest
from confluent_kafka import Producer

from fraud_consumer import redrive_cli
from fraud_consumer.redrive import REDRIVEN_HEADER, LetterFilter, redrive
from fraud_devstack.pipeline import uncommitted
from fraud_devstack.services import wait_for
from fraudcore.kafka_client import producer_config
from fraudcore.schemas import DeadLetter, Label, Transaction

LABEL = Label(transaction_id="tx-late", is_fraud=True, scenario="card_testing",
              labelled_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))  # fmt: skip


def letter(
    error: str, source_topic: str, value: bytes, key: bytes | None = b"card-1"
) -> DeadLetter:
    return DeadLetter(
        original_value_b64=base64.b64encode(value).decode(),
        original_key_b64=None if key is None else base64.b64encode(key).decode(),
        error=error, source_topic=source_topic, source_partition=0, source_offset=7,
        failed_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )  # fmt: skip


def test_a_filter_picks_letters_by_reason_and_source_topic() -> None:
    unmatched = letter("unmatched: no transaction tx-late was read", "transaction-labels", b"{}")
    schema = letter("schema: amount: Input should be greater than 0", "transactions", b"{}")
    assert (LetterFilter().wants(unmatched), LetterFilter().wants(schema)) == (True, True)
    only_unmatched = LetterFilter(frozenset({"unmatched"}))
    assert (only_unmatched.wants(unmatched), only_unmatched.wants(schema)) == (True, False)
    labels_only = LetterFilter(source_topics=frozenset({"transaction-labels"}))
    assert (labels_only.wants(unmatched), labels_only.wants(schema)) == (True, False)
    assert LetterFilter().default_group() == "fraud-redrive-all"
    both = LetterFilter(frozenset({"unmatched", "json"}), frozenset({"transaction-labels"}))
    assert both.default_group() == "fraud-redrive-json-unmatched-transaction-labels"


def test_the_command_refuses_a_topic_that_is_not_an_input(monkeypatch, capsys) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9")
    with pytest.raises(SystemExit) as exit_:
        redrive_cli.redrive_main(["--source-topic", "transactions-scored"])
    assert exit_.value.code == 2
    assert "--source-topic must be an input topic" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        redrive_cli.redrive_main(["--reason", "bogus"])
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def send_letters(kafka_settings, topic: str, letters: list[DeadLetter]) -> None:
    producer = Producer(producer_config(kafka_settings))
    for item in letters:
        producer.produce(topic, item.to_json(), b"k")
    assert producer.flush(30) == 0


@pytest.mark.integration
def test_letters_go_back_once_per_group_and_a_dry_run_changes_nothing(
    kafka_settings, topic_factory, topic_reader
) -> None:
    topics = topic_factory()
    label = LABEL.to_json()
    payment = Transaction.model_json_schema()["examples"][0]
    payment_bytes = json.dumps({**payment, "amount": -1}).encode()
    send_letters(kafka_settings, topics.topic_dlq, [
        letter("unmatched: no transaction tx-late was read", topics.topic_labels, label),
        letter("schema: amount: Input should be greater than 0", topics.topic_transactions,
               payment_bytes, key=None),
        letter("unmatched: no transaction tx-x was read", "somewhere-else", b"{}"),
    ])  # fmt: skip
    only_unmatched = LetterFilter(frozenset({"unmatched"}))

    dry = redrive(kafka_settings, topics, only_unmatched, dry_run=True)
    assert (dry.read, dict(dry.sent_back), dry.passed_over, dry.refused) == (
        3, {topics.topic_labels: 1}, 1, 1,
    )  # fmt: skip
    assert topic_reader(topics.topic_labels, idle_s=2, timeout_s=4) == []

    sent = redrive(kafka_settings, topics, only_unmatched)
    assert dict(sent.sent_back) == {topics.topic_labels: 1}  # the dry run remembered nothing
    [back] = topic_reader(topics.topic_labels, idle_s=2)
    assert (back.value(), back.key()) == (label, b"card-1")
    assert dict(back.headers())[REDRIVEN_HEADER].startswith(f"{topics.topic_dlq}:".encode())
    again = redrive(kafka_settings, topics, only_unmatched)
    assert (again.read, dict(again.sent_back)) == (0, {})  # the group remembers how far

    everything = redrive(kafka_settings, topics, LetterFilter())  # a group of its own
    assert dict(everything.sent_back) == {topics.topic_labels: 1, topics.topic_transactions: 1}
    [payment_back] = topic_reader(topics.topic_transactions, idle_s=2)
    assert (payment_back.value(), payment_back.key()) == (payment_bytes, None)


@pytest.mark.integration
def test_the_command_prints_what_it_sent_back(
    kafka_settings, topic_factory, monkeypatch, capsys
) -> None:
    topics = topic_factory()
    send_letters(kafka_settings, topics.topic_dlq, [
        letter("unmatched: no transaction tx-late was read", topics.topic_labels, LABEL.to_json()),
    ])  # fmt: skip
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", kafka_settings.kafka_bootstrap_servers)
    for name, topic in topics.model_dump().items():
        monkeypatch.setenv(name.upper(), topic)
    assert redrive_cli.redrive_main(["--reason", "unmatched", "--dry-run"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "group": "fraud-redrive-unmatched", "dry_run": True, "read": 1,
        "sent_back": {topics.topic_labels: 1}, "passed_over": 0, "refused": 0, "unreadable": 0,
    }  # fmt: skip


@pytest.mark.integration
def test_a_label_whose_payment_came_late_is_applied_once_sent_back(
    pipeline_factory, topic_reader, kafka_settings, transactions
) -> None:
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded", LABEL_WAIT_S=1)
    [tx] = transactions(1, prefix="late")
    label = LABEL.model_copy(update={"transaction_id": tx.transaction_id})
    producer = Producer(producer_config(kafka_settings))
    producer.produce(pipeline.topics.topic_labels, label.to_json(), tx.card_id.encode())
    producer.flush(30)
    [dead] = topic_reader(pipeline.topics.topic_dlq, expected=1, timeout_s=60)
    assert DeadLetter.from_json(dead.value()).error.startswith("unmatched:")

    producer.produce(pipeline.topics.topic_transactions, tx.to_json(), tx.card_id.encode())
    producer.flush(30)
    pipeline.wait_scored(1)
    assert pipeline.totals().labels == 0
    for run in range(2):  # a second run (another group) sends it again: applied once all the same
        sent = redrive(kafka_settings, pipeline.topics, LetterFilter(frozenset({"unmatched"})),
                       group=f"{pipeline.group}-redrive-{run}")  # fmt: skip
        assert dict(sent.sent_back) == {pipeline.topics.topic_labels: 1}
    wait_for(
        lambda: uncommitted(kafka_settings, pipeline.group, pipeline.topics.topic_labels) == 0,
        30,
        "the label and both copies sent back read and committed",
    )
    totals = pipeline.totals()
    assert (totals.labels, totals.labels_fraud) == (1, 1)
