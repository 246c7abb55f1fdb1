"""Faults aimed at the output transactions: the consumer killed with one open, the broker
restarted while a commit waits on it, and a zombie consumer waking after its partitions moved.
Each case ends with every valid payment once in Redis and once on each output topic a
``read_committed`` reader sees (the accountant); what the faults left behind uncommitted is
visible only to ``read_uncommitted`` readers, which these cases use to prove the fault landed."""

import re
import signal
import time

import pytest

from fraud_devstack.pipeline import drain_topic
from fraud_devstack.services import wait_for
from fraudcore.settings import KafkaSettings
from tests.chaos.diagnosis import clean

# The accountant waits at most 280 s (conftest), after cases of up to a minute.
pytestmark = [pytest.mark.integration, pytest.mark.chaos, pytest.mark.timeout(420)]
READY = re.compile(r"transactional producer \S+ ready")  # it can begin transactions
ENDED = re.compile(r"aborting transaction|transactional producer failed")  # a zombie's, fenced


def records(settings: KafkaSettings, topic: str, isolation: str) -> int:
    """Every record on ``topic`` a reader with this isolation level is given."""
    return len(drain_topic(settings, topic, at_least=0, idle_s=3, isolation=isolation))


def test_consumer_sigkilled_with_a_transaction_open(
    pipeline_factory, accountant, background, kafka_settings
) -> None:
    # Transactions of 3 s: at 1,000 tx/s a kill lands in one holding thousands of copies.
    pipeline = pipeline_factory()
    slow = {"CONSUMER_TRANSACTION_INTERVAL_MS": 3_000}
    consumer = pipeline.start_consumer("embedded", **slow)
    began = time.monotonic()
    stream = background(lambda: pipeline.stream(10_000, rate=1_000, send_labels=False))
    for kill in range(2):
        # Killed once its transactional producer is ready and 1,000 more payments are scored:
        # their copies are then in its open 3 s transaction (fixed sleeps missed it under load,
        # and Redis is written before the first transaction can even begin).
        wait_for(lambda c=consumer: bool(READY.search(c.log())), 120, "its producer ready")
        before = pipeline.scored()
        wait_for(lambda b=before: pipeline.scored() >= b + 1_000, 120, "the consumer scoring")
        time.sleep(0.5)  # the copies leave for the broker (inside the 3 s transaction)
        consumer.kill()  # SIGKILL between produce and commit: no flush, no abort
        consumer = pipeline.start_consumer("embedded", name=f"consumer-again-{kill}", **slow)
    stream.join()
    outcome = accountant("consumer SIGKILLed with a transaction open (twice)", pipeline, began)
    clean(outcome, pipeline)
    topic = pipeline.topics.topic_scored
    aborted = records(kafka_settings, topic, "read_uncommitted") - outcome.topics.scored_records
    assert aborted > 0, "no kill landed inside a transaction"


def test_broker_restarted_during_a_commit(accountant, background, own_broker) -> None:
    broker, settings, pipeline = own_broker
    consumer = pipeline.start_consumer("embedded")
    began = time.monotonic()
    stream = background(lambda: pipeline.stream(8_000, rate=800, send_labels=False))
    # Scoring, so a transaction is open every commit interval (a fixed sleep missed it when the
    # consumer was slow to start on a loaded machine).
    wait_for(lambda: pipeline.scored() >= 1_000, 120, "the consumer scoring")
    assert broker.process is not None
    # Frozen, the broker answers nothing: within one commit interval the consumer is waiting in
    # a commit; the broker is then killed and started again under it.
    broker.process.send_signal(signal.SIGSTOP)
    time.sleep(1.5)
    broker.kill()
    broker.start()
    stream.join()
    case = "Kafka broker killed and restarted during a commit"
    clean(accountant(case, pipeline, began, settings), pipeline)
    assert consumer.running, consumer.log()
    # The outage caught a commit: it waited for the broker, or was aborted (or its producer
    # replaced, when the call hung) and redone.
    caught = ("committed after", "aborting", "transactional producer failed")
    assert any(line in consumer.log() for line in caught), consumer.log()


def test_zombie_consumer_is_fenced(
    pipeline_factory, accountant, background, kafka_settings
) -> None:
    pipeline = pipeline_factory()
    # Transactions of 2 s: the freeze lands in an open one that holds copies.
    zombie = pipeline.start_consumer(
        "embedded", name="consumer-zombie", instance="a", CONSUMER_TRANSACTION_INTERVAL_MS=2_000
    )
    other = pipeline.start_consumer("embedded", name="consumer-b", instance="b")
    began = time.monotonic()
    stream = background(lambda: pipeline.stream(15_000, rate=1_000, send_labels=False))
    # Both members of the group hold partitions and score (not a fixed sleep: under load one of
    # them may still be starting), so the zombie's 2 s transaction holds copies when it freezes.
    wait_for(lambda: "assigned" in zombie.log() and "assigned" in other.log(), 120, "both joined")
    before = pipeline.scored()
    wait_for(lambda: pipeline.scored() >= before + 1_000, 120, "the group scoring")
    assert zombie.process is not None
    zombie.process.send_signal(signal.SIGSTOP)  # frozen mid-stream, a transaction open
    time.sleep(16)  # past the 10 s session: its partitions move to consumer-b
    zombie.process.send_signal(signal.SIGCONT)  # it wakes and tries to finish what it had
    # Fenced either way: the group refuses its offsets (generation passed) and it aborts, or the
    # broker already aborted the transaction (its timeout) and fenced its producer; a call the
    # fenced producer keeps failing is retried for up to 30 s first (RETRY_FOR_S).
    wait_for(lambda: ENDED.search(zombie.log()) is not None, 120, "the zombie's transaction ended")
    stream.join()
    outcome = accountant("zombie consumer (frozen past its session) fenced", pipeline, began)
    clean(outcome, pipeline)
    assert zombie.running, zombie.log()
    topic = pipeline.topics.topic_scored
    aborted = records(kafka_settings, topic, "read_uncommitted") - outcome.topics.scored_records
    assert aborted > 0, "the zombie had nothing in flight"
    reasons = [line for line in zombie.log().splitlines() if ENDED.search(line)]
    print("the zombie's transaction ended:", *reasons, sep="\n")


def test_labels_and_dead_letters_through_kills(pipeline_factory, accountant, background) -> None:
    # Labels (2 s after their payment) and 1% poison in the same transactions as the payments.
    pipeline = pipeline_factory()
    slow = {"CONSUMER_TRANSACTION_INTERVAL_MS": 1_000}
    consumer = pipeline.start_consumer("embedded", **slow)
    began = time.monotonic()
    reports = []
    stream = background(
        lambda: reports.append(pipeline.stream(10_000, rate=1_000, poison_rate=0.01))
    )
    for kill in range(2):
        time.sleep(4)
        consumer.kill()
        consumer = pipeline.start_consumer("embedded", name=f"consumer-again-{kill}", **slow)
    stream.join()
    (report,) = reports
    outcome = accountant("consumer SIGKILLed twice, labels and poison flowing", pipeline, began)
    clean(outcome, pipeline)
    assert outcome.dead_lettered == report.poison > 50
    wait_for(lambda: pipeline.totals().labels >= report.labels, 60, "every label applied")
    time.sleep(2)  # a label applied twice would show up now
    assert pipeline.totals().labels == report.labels == 10_000
