"""Exactly-once output's bookkeeping, with a stand-in for the Kafka producer (the real broker's
side is in tests/chaos/test_transactions.py): what goes into a transaction, when it commits,
what an aborted one leaves to redo, and dead letters held behind a waiting label."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import orjson
import pytest
from confluent_kafka import KafkaError, KafkaException

from fraud_consumer import transactional
from fraud_consumer.bounded_call import bounded
from fraud_consumer.kafka_health import KafkaHealth, StoppedWaitingError
from fraud_consumer.outgoing import Outgoing
from fraud_consumer.settings import ConsumerSettings
from fraud_consumer.transactional import TransactionalOutputs, transactional_id

T, L = ("transactions", 0), ("labels", 0)
REQUIRED = {"redis_url": "redis://x", "kafka_bootstrap_servers": "127.0.0.1:1"}


class FakeProducer:
    fail_commit: KafkaError | None = None
    fail_abort: KafkaError | None = None
    commit_hangs_s = 0.0
    fail_init: ClassVar[list[KafkaError]] = []

    def __init__(self, config: dict[str, Any]) -> None:
        self.config, self.calls, self.sent = config, [], []

    def init_transactions(self, _timeout: float) -> None:
        self.calls.append("init")
        if FakeProducer.fail_init:
            raise KafkaException(FakeProducer.fail_init.pop(0))

    def begin_transaction(self) -> None:
        self.calls.append("begin")

    def produce(self, topic: str, value: bytes, key: bytes | None) -> None:
        self.sent.append((topic, key, value))

    def send_offsets_to_transaction(self, offsets: list, _metadata: object, _t: float) -> None:
        self.calls.append(("offsets", {(tp.topic, tp.partition): tp.offset for tp in offsets}))

    def commit_transaction(self, _timeout: float) -> None:
        time.sleep(FakeProducer.commit_hangs_s)
        if FakeProducer.fail_commit is not None:
            raise KafkaException(FakeProducer.fail_commit)
        self.calls.append("commit")

    def abort_transaction(self, _timeout: float) -> None:
        self.calls.append("abort")
        if FakeProducer.fail_abort is not None:
            raise KafkaException(FakeProducer.fail_abort)

    def poll(self, _timeout: float) -> int:
        return 0

    def flush(self, _timeout: float) -> int:
        return 0


class FakeInput:
    def group_metadata(self) -> object:
        return object()


class FakeSink:
    def __init__(self) -> None:
        self.forgotten: list[str] = []

    def forget_batches(self, keys: list[str]) -> None:
        self.forgotten += keys


@pytest.fixture
def outputs(monkeypatch: pytest.MonkeyPatch) -> TransactionalOutputs:
    monkeypatch.setattr(transactional, "Producer", FakeProducer)
    monkeypatch.setattr(FakeProducer, "fail_commit", None)
    monkeypatch.setattr(FakeProducer, "fail_abort", None)
    monkeypatch.setattr(FakeProducer, "commit_hangs_s", 0.0)
    monkeypatch.setattr(FakeProducer, "fail_init", [])
    settings = ConsumerSettings(
        **REQUIRED, consumer_instance_id="pod-1", consumer_transaction_interval_ms=1
    )
    return TransactionalOutputs(settings, KafkaHealth(), FakeInput(), FakeSink())  # type: ignore[arg-type]


def commit_when_due(outputs: TransactionalOutputs) -> None:
    time.sleep(0.005)  # past the 1 ms interval
    outputs.service()
    outputs.settle()  # the commit runs on the committer thread: its outcome taken up here


def letter(partition: tuple[str, int], offset: int) -> tuple[str, bytes, bytes]:
    value = {
        "source_topic": partition[0],
        "source_partition": partition[1],
        "source_offset": offset,
    }
    return ("transactions-dlq", b"k", orjson.dumps(value))


def test_the_id_is_stable_per_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    base = {**REQUIRED, "consumer_group_id": "g"}
    assert transactional_id(ConsumerSettings(**base, consumer_instance_id="pod-7")) == "g-pod-7"
    monkeypatch.setattr(transactional.socket, "gethostname", lambda: "host-3")
    assert transactional_id(ConsumerSettings(**base)) == "g-host-3"
    chosen = ConsumerSettings(**base, consumer_transactional_id="fixed")
    assert transactional_id(chosen) == "fixed"


def test_a_batch_and_its_offsets_commit_together(outputs: TransactionalOutputs) -> None:
    producer: Any = outputs.producer
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r")], ["batch:1"]))
    outputs.emit(Outgoing({T: 20, L: 5}, [("scored", b"c", b"s")], ["batch:2"]))
    commit_when_due(outputs)
    assert producer.calls == ["init", "begin", ("offsets", {T: 20, L: 5}), "commit"]
    assert outputs.sink.forgotten == ["batch:1", "batch:2"]  # type: ignore[attr-defined]
    assert not outputs.open


def test_an_aborted_transaction_is_redone_from_the_committed_offsets(
    outputs: TransactionalOutputs,
) -> None:
    producer: Any = outputs.producer
    FakeProducer.fail_commit = KafkaError(KafkaError.ILLEGAL_GENERATION, txn_requires_abort=True)
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r")], ["batch:1"]))
    commit_when_due(outputs)
    assert producer.calls[-1] == "abort"
    assert outputs.health.consumer_broken  # the consumer rejoins at the committed offsets
    assert outputs.sink.forgotten == []  # type: ignore[attr-defined]  # recovery copies kept


def test_an_abort_that_times_out_is_not_retried_the_producer_is_replaced(
    outputs: TransactionalOutputs,
) -> None:
    """After a broker restart librdkafka's abort can time out call after call ("retry call to
    resume"): seen in CI to hold the consumer a minute. A new producer with the same id aborts
    the transaction as it starts, so one failed abort is enough to move on."""
    producer: Any = outputs.producer
    FakeProducer.fail_commit = KafkaError(KafkaError.ILLEGAL_GENERATION, txn_requires_abort=True)
    timed_out = KafkaError(KafkaError._TIMED_OUT, "retry call to resume", retriable=True)
    FakeProducer.fail_abort = timed_out
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r")], ["batch:1"]))
    began = time.monotonic()
    commit_when_due(outputs)
    assert time.monotonic() - began < 1
    assert producer.calls.count("abort") == 1
    assert outputs.health.producer_broken == "abort failed: Kafka _TIMED_OUT: retry call to resume"
    FakeProducer.fail_commit = FakeProducer.fail_abort = None
    outputs.service()  # the next pass replaces it
    assert outputs.producer is not producer
    assert not outputs.health.producer_broken


TIMED_OUT = KafkaError(KafkaError._TIMED_OUT, "retry call to resume", retriable=True)


def test_a_coordinator_away_past_every_retry_window_is_waited_out(
    outputs: TransactionalOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broker stopped as the first producer starts: the process waits (not ready) instead of
    exiting once the commit's retry window has passed."""
    monkeypatch.setattr(transactional, "RETRY_FOR_S", 0.0)
    FakeProducer.fail_init = [TIMED_OUT] * 3
    seen: list[str | None] = []
    outputs.stopping = lambda: bool(seen.append(outputs.health.waiting))
    producer: Any = outputs.producer
    assert producer.calls.count("init") == 4
    assert len(seen) == 3
    assert all(s and "waiting" in s and "for Kafka: Kafka _TIMED_OUT" in s for s in seen), seen
    assert outputs.health.waiting is None  # ready again


def test_a_stop_while_waiting_for_the_coordinator_ends_the_wait(
    outputs: TransactionalOutputs,
) -> None:
    FakeProducer.fail_init = [TIMED_OUT] * 5
    outputs.stopping = lambda: True
    with pytest.raises(StoppedWaitingError, match="waiting 0 s for Kafka: Kafka _TIMED_OUT"):
        outputs.producer  # noqa: B018 - the property starts the producer
    assert len(FakeProducer.fail_init) == 4  # one attempt, then the stop is heard


def test_a_coordinator_that_refuses_is_not_waited_for(outputs: TransactionalOutputs) -> None:
    FakeProducer.fail_init = [KafkaError(KafkaError._FENCED, fatal=True)]
    outputs.stopping = lambda: pytest.fail("a fatal error is not waited out")
    with pytest.raises(KafkaException, match="_FENCED"):
        outputs.producer  # noqa: B018 - the property starts the producer


def test_a_fenced_producer_is_replaced(outputs: TransactionalOutputs) -> None:
    FakeProducer.fail_commit = KafkaError(KafkaError._FENCED, fatal=True)
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r")], []))
    commit_when_due(outputs)
    assert outputs.health.producer_broken
    FakeProducer.fail_commit = None
    commit_when_due(outputs)
    assert outputs.producer.calls == ["init"]  # type: ignore[attr-defined]  # a new one
    assert outputs.health.consumer_broken
    assert not outputs.health.producer_broken


def test_a_commit_that_never_returns_is_given_up_and_the_producer_replaced(
    outputs: TransactionalOutputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """librdkafka can outlive its own timeout when the coordinator went away mid-call: the
    transaction is then treated as fenced, its batches redone by a new producer."""
    monkeypatch.setattr(transactional, "GIVE_UP_S", 0.05)
    FakeProducer.commit_hangs_s = 1.0
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r")], ["batch:1"]))
    commit_when_due(outputs)
    assert "still waiting" in (outputs.health.producer_broken or "")
    assert outputs.sink.forgotten == []  # type: ignore[attr-defined]  # recovery copies kept
    FakeProducer.commit_hangs_s = 0.0
    commit_when_due(outputs)
    assert outputs.producer.calls == ["init"]  # type: ignore[attr-defined]  # a new one
    assert outputs.health.consumer_broken


def test_dead_letters_behind_a_waiting_label_wait_for_it(outputs: TransactionalOutputs) -> None:
    producer: Any = outputs.producer
    outputs.hold({L: 3})
    outputs.emit(Outgoing({L: 6}, [letter(L, 2), letter(L, 4), letter(T, 9)], []))
    assert [orjson.loads(v)["source_offset"] for _, _, v in producer.sent] == [2, 9]
    commit_when_due(outputs)
    assert ("offsets", {L: 3}) in producer.calls  # committed only up to the waiting label
    outputs.hold({})
    outputs.emit(Outgoing({L: 7}, [], []))
    assert [orjson.loads(v)["source_offset"] for _, _, v in producer.sent] == [2, 9, 4]


def test_a_call_that_never_returns_is_given_up_as_fatal() -> None:
    with pytest.raises(KafkaException) as given_up:
        bounded(lambda: time.sleep(2), timeout_s=0.1)
    assert given_up.value.args[0].fatal()
    retriable = KafkaError(KafkaError._TRANSPORT, retriable=True)

    def failing() -> None:
        raise KafkaException(retriable)

    with pytest.raises(KafkaException) as failed:
        bounded(failing, timeout_s=1)
    assert failed.value.args[0].retriable()


def test_a_failed_producer_leaves_its_batches_to_be_redone(outputs: TransactionalOutputs) -> None:
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r")], ["batch:1"]))
    outputs.health.producer_broken = "Kafka _FATAL: sequence desynchronization"
    outputs.service()  # replaced; the consumer rejoins at the committed offsets
    outputs.forget([T])
    outputs.emit(Outgoing({T: 5}, [("scored", b"c", b"q")], ["batch:0"]))  # the redo begins
    commit_when_due(outputs)
    assert ("offsets", {T: 5}) in outputs.producer.calls  # type: ignore[attr-defined]
    # batch:1's records never reached Kafka: its redo re-emits them from that copy
    assert outputs.sink.forgotten == ["batch:0"]  # type: ignore[attr-defined]


def test_an_abort_drops_the_letters_it_held_back(outputs: TransactionalOutputs) -> None:
    producer: Any = outputs.producer
    outputs.hold({L: 3})
    outputs.emit(Outgoing({L: 6}, [letter(L, 4)], []))
    FakeProducer.fail_commit = KafkaError(KafkaError.ILLEGAL_GENERATION, txn_requires_abort=True)
    commit_when_due(outputs)
    FakeProducer.fail_commit = None
    outputs.hold({})  # the label is read again after rejoining, and its letter with it
    outputs.emit(Outgoing({L: 7}, [], []))
    assert producer.sent == []


class FakeLog:
    """The decision log's progress as the outputs see it: rows handed over, and how far durable;
    asking for a position it has not reached counts as starting its write."""

    def __init__(self) -> None:
        self.position, self.durable, self.asked, self.waited = 0, 0, [], 0
        self.available = True  # a wait gets everything handed over durable

    def handed(self) -> int:
        return self.position

    def logged(self, through: int, *, wait: bool) -> int:
        self.asked.append(through)
        self.waited += wait
        if wait and self.available:
            self.durable = self.position
        return self.durable


def test_nothing_commits_before_the_batches_decisions_are_logged(
    outputs: TransactionalOutputs,
) -> None:
    producer: Any = outputs.producer
    outputs.log = log = FakeLog()
    log.position = 3
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r")], ["batch:1"]))
    commit_when_due(outputs)
    assert log.asked == [3]  # the commit asked for the batch's rows: their write starts
    log.available = False
    outputs.finish()  # a revoke does not commit around it either (it waits, here in vain)
    assert log.waited
    assert producer.calls == ["init", "begin"]
    assert outputs.open  # left open: committed once logged, else aborted and redone
    assert outputs.sink.forgotten == []  # type: ignore[attr-defined]  # recovery copies kept
    log.durable = 3
    commit_when_due(outputs)
    assert producer.calls == ["init", "begin", ("offsets", {T: 10}), "commit"]
    assert outputs.sink.forgotten == ["batch:1"]  # type: ignore[attr-defined]


def one_batch_not_logged_yet(outputs: TransactionalOutputs) -> tuple[Any, FakeLog]:
    """batch:1 (r1) emitted and due, its 3 rows not yet durable: the transaction is sealed."""
    producer: Any = outputs.producer
    outputs.log = log = FakeLog()
    log.position = 3
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r1")], ["batch:1"]))
    commit_when_due(outputs)
    assert outputs.sealed
    return producer, log


def test_batches_wait_outside_a_transaction_sealed_for_the_log(
    outputs: TransactionalOutputs,
) -> None:
    producer, log = one_batch_not_logged_yet(outputs)
    log.position = 5
    outputs.emit(Outgoing({T: 20}, [("scored", b"c", b"r2")], ["batch:2"]))
    assert [value for _, _, value in producer.sent] == [b"r1"]  # r2 is not in the sealed one
    log.durable = 3  # batch:1 logged, batch:2 not: the transaction holds exactly batch:1
    commit_when_due(outputs)
    assert producer.calls == ["init", "begin", ("offsets", {T: 10}), "commit", "begin"]
    assert [value for _, _, value in producer.sent] == [b"r1", b"r2"]
    assert outputs.sink.forgotten == ["batch:1"]  # type: ignore[attr-defined]
    log.durable = 5
    commit_when_due(outputs)
    assert producer.calls[-2:] == [("offsets", {T: 20}), "commit"]
    assert outputs.sink.forgotten == ["batch:1", "batch:2"]  # type: ignore[attr-defined]


def test_an_abort_drops_the_batches_waiting_for_the_next_transaction(
    outputs: TransactionalOutputs,
) -> None:
    producer, log = one_batch_not_logged_yet(outputs)
    outputs.emit(Outgoing({T: 20}, [("scored", b"c", b"r2")], ["batch:2"]))
    outputs.forget([T])  # lost: both batches are redone from the committed offsets
    log.durable = 3
    commit_when_due(outputs)
    assert [value for _, _, value in producer.sent] == [b"r1"]
    assert "commit" not in producer.calls


def test_a_revoke_waits_for_the_log_and_commits_the_waiting_batches_too(
    outputs: TransactionalOutputs,
) -> None:
    producer, log = one_batch_not_logged_yet(outputs)
    log.position = 5
    outputs.emit(Outgoing({T: 20}, [("scored", b"c", b"r2")], ["batch:2"]))
    outputs.finish()
    assert producer.calls[2:] == [
        ("offsets", {T: 10}), "commit", "begin", ("offsets", {T: 20}), "commit"
    ]  # fmt: skip
    assert not outputs.open


class SlowCommitProducer(FakeProducer):
    """A commit that returns only when the test lets it (the broker's round trips)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.release = threading.Event()

    def commit_transaction(self, timeout: float) -> None:
        assert self.release.wait(5), "the commit was never let through"
        super().commit_transaction(timeout)


@pytest.fixture
def slow(monkeypatch: pytest.MonkeyPatch, outputs: TransactionalOutputs) -> Any:
    monkeypatch.setattr(transactional, "Producer", SlowCommitProducer)
    return outputs.producer


def test_the_loop_goes_on_while_a_commit_is_in_flight(
    outputs: TransactionalOutputs, slow: Any
) -> None:
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r1")], ["batch:1"]))
    time.sleep(0.005)
    outputs.service()  # the commit starts on the committer and the loop is back at once
    outputs.emit(Outgoing({T: 20}, [("scored", b"c", b"r2")], ["batch:2"]))
    outputs.service()  # still in flight: nothing touches the producer meanwhile
    assert [value for _, _, value in slow.sent] == [b"r1"]  # r2 waits for the next one
    assert outputs.open
    slow.release.set()
    outputs.settle()
    assert slow.calls == ["init", "begin", ("offsets", {T: 10}), "commit", "begin"]
    assert [value for _, _, value in slow.sent] == [b"r1", b"r2"]
    assert outputs.sink.forgotten == ["batch:1"]  # type: ignore[attr-defined]
    commit_when_due(outputs)
    assert slow.calls[-2:] == [("offsets", {T: 20}), "commit"]


def test_a_commit_that_fails_in_flight_is_redone_from_the_committed_offsets(
    outputs: TransactionalOutputs, slow: Any
) -> None:
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r1")], ["batch:1"]))
    time.sleep(0.005)
    outputs.service()
    outputs.emit(Outgoing({T: 20}, [("scored", b"c", b"r2")], ["batch:2"]))
    FakeProducer.fail_commit = KafkaError(KafkaError.ILLEGAL_GENERATION, txn_requires_abort=True)
    slow.release.set()
    outputs.settle()
    assert slow.calls[-1] == "abort"
    assert outputs.health.consumer_broken  # both batches are redone, the waiting one too
    assert not outputs.waiting
    assert outputs.sink.forgotten == []  # type: ignore[attr-defined]


def test_batches_waiting_behind_a_slow_commit_are_bounded(
    outputs: TransactionalOutputs, slow: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transactional, "MAX_WAITING", 3)
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r0")], ["batch:0"]))
    time.sleep(0.005)
    outputs.service()
    threading.Timer(0.2, slow.release.set).start()
    began = time.monotonic()
    for n in range(1, 4):
        outputs.emit(Outgoing({T: 10 + n}, [("scored", b"c", b"r%d" % n)], [f"batch:{n}"]))
    assert time.monotonic() - began >= 0.15  # the third waiting batch waited for the commit
    assert [value for _, _, value in slow.sent] == [b"r0", b"r1", b"r2", b"r3"]
    assert outputs.open
    assert not outputs.sealed


def test_a_revoke_waits_for_the_commit_in_flight(outputs: TransactionalOutputs, slow: Any) -> None:
    outputs.emit(Outgoing({T: 10}, [("scored", b"c", b"r1")], ["batch:1"]))
    time.sleep(0.005)
    outputs.service()
    outputs.emit(Outgoing({T: 20}, [("scored", b"c", b"r2")], ["batch:2"]))
    threading.Timer(0.05, slow.release.set).start()
    outputs.finish()
    assert slow.calls[1:] == [
        "begin", ("offsets", {T: 10}), "commit", "begin", ("offsets", {T: 20}), "commit"
    ]  # fmt: skip
    assert not outputs.open
