"""Exactly-once output: every copy a batch sends (scored records, alerts, dead letters) and the
input offsets it covers go into one Kafka transaction, committed together; readers with
``isolation.level=read_committed`` see each batch's copies once or not at all.

One transaction spans the batches of ``consumer_transaction_interval_ms`` (a commit is a few
round trips, too dear per batch). The transactional id is stable per consumer instance, so a
restarted consumer aborts what its predecessor left open at once; the offsets go in with the
group's metadata (KIP-447), so the coordinator refuses a zombie that lost its partitions. An
aborted transaction is redone from the committed offsets: Redis recognises the batches by their
markers and re-emits their recovery copies, so the new transaction carries the same records.
A transaction commits once its batches' decisions are in the decision log: until then it is
sealed, and the batches that come meanwhile wait in memory for the next one (its copies and
offsets must cover the same batches, or a redo would repeat copies already visible).

The commit (offsets, then the commit's round trips: 16-19 ms at the median here) runs on a
thread of its own, sealed the same way, so the loop goes on polling and writing Redis instead of
stopping for it; its outcome is taken up on the loop thread, which alone touches the producer
otherwise. Batches waiting behind a commit are bounded: past MAX_WAITING the loop waits for it.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import orjson
import redis
from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition

from fraud_consumer.bounded_call import CALL_TIMEOUT_S, bounded
from fraud_consumer.kafka_health import FatalError, KafkaHealth, StoppedWaitingError, describe
from fraud_consumer.kafka_input import KafkaInput
from fraud_consumer.offsets import NO_LOG, LogProgress, OffsetTracker, Partition
from fraud_consumer.outgoing import KafkaMessage, Outgoing
from fraud_consumer.settings import ConsumerSettings
from fraud_consumer.sink import RedisSink
from fraudcore.kafka_client import CONFIGURATION_ERRORS, producer_config

log = logging.getLogger(__name__)
RETRY_FOR_S = 30.0  # e.g. a broker restarting: after this the transaction is given up
SLOW_COMMIT_S = 1.0  # worth a line in the log
MAX_WAITING = 1_000  # batches held behind a commit in flight before the loop waits for it
GIVE_UP_S = CALL_TIMEOUT_S + 5  # a transactional call still running this long never returns


@dataclass(frozen=True)
class InFlight:
    """A commit running on the committer: its outcome, its batches' recovery keys, its start."""

    outcome: Future[None]
    batches: list[str]
    began: float


def transactional_id(settings: ConsumerSettings) -> str:
    """Stable per consumer instance (its static member id, else its host name: the pod name)."""
    if settings.consumer_transactional_id:
        return settings.consumer_transactional_id
    instance = settings.consumer_instance_id or socket.gethostname()
    return f"{settings.consumer_group_id}-{instance}"


class TransactionFailedError(Exception):
    """The open transaction was aborted or its producer fenced: redo from committed offsets."""


class TransactionalOutputs:
    def __init__(
        self,
        settings: ConsumerSettings,
        health: KafkaHealth,
        kafka: KafkaInput,
        sink: RedisSink,
        log: LogProgress = NO_LOG,
        *,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.settings, self.health, self.kafka, self.sink = settings, health, kafka, sink
        self.stopping = stopping
        self.log = log  # a transaction commits once its batches' decisions are logged
        self.tracker = OffsetTracker()
        self.id = transactional_id(settings)
        self.open = False
        self.sealed = False  # the open transaction waits for the log: no more batches join it
        self.waiting: list[Outgoing] = []  # batches for the next transaction
        self.holds: dict[Partition, int] = {}
        # Dead letters of label partitions held behind a waiting label: a commit stops before
        # the hold, so they would be sent again after a crash; they go out once it passes them.
        self.deferred: dict[Partition, list[tuple[int, KafkaMessage]]] = {}
        self._commit_at = 0.0  # the open transaction is committed at or after this
        self._producer: Producer | None = None
        self._generation = 0  # of the producer: a replaced one's late error reports are ignored
        self._committer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tx-commit")
        self._inflight: InFlight | None = None

    @property
    def producer(self) -> Producer:
        """Made in the loop, not at start-up: the process serves its probes while Kafka is
        away, and the first loop pass (before any batch) aborts what a predecessor left open,
        which the group's committed offsets may be waiting for."""
        if self._producer is None:
            self._producer = self._new_producer()
        return self._producer

    def _new_producer(self) -> Producer:
        s = self.settings
        self._generation += 1
        generation = self._generation

        def on_error(error: KafkaError) -> None:
            if generation == self._generation:
                self.health.on_producer_error(error)

        producer = Producer(
            producer_config(
                s,
                error_cb=on_error,
                **{
                    "transactional.id": self.id,
                    "transaction.timeout.ms": s.consumer_transaction_timeout_ms,
                    # Readers see nothing before the commit: fewer, fuller produce requests
                    # cost the broker less and no one waits for them (the commit flushes).
                    "linger.ms": s.consumer_transaction_linger_ms,
                },
            )
        )

        def init() -> None:
            producer.poll(0)  # serves the error callback: wrong credentials are reported there
            self.health.raise_if_fatal()
            producer.init_transactions(CALL_TIMEOUT_S)

        # Fences an earlier producer with this id and aborts what it left open.
        try:
            self._retry(init, for_s=None)
        except KafkaException as failure:
            if failure.args[0].code() in CONFIGURATION_ERRORS:
                raise FatalError(describe(failure.args[0])) from failure
            raise
        log.info("transactional producer %s ready", self.id)
        return producer

    def emit(self, batch: Outgoing) -> None:
        if self.health.producer_broken:
            self._renew()  # the consumer rejoins: this batch is redone from committed offsets
            return
        if self.sealed:
            self.waiting.append(batch)
            if self._inflight is not None and len(self.waiting) >= MAX_WAITING:
                self.settle()  # a slow broker: stop taking input rather than grow
            return
        if not self.open:
            try:
                self.producer.begin_transaction()
            except KafkaException as failure:
                self.health.producer_broken = describe(failure.args[0])
                return
            self.open = True
            self._commit_at = (
                time.monotonic() + self.settings.consumer_transaction_interval_ms / 1e3
            )
        ticket = self.tracker.open(batch.next_offsets, self.log.handed())
        ticket.on_complete.extend(batch.recovery_keys)
        for message in batch.messages:
            held = self._held_letter(message)
            if held is None:
                self._send(message)
            else:
                self.deferred.setdefault(held[0], []).append((held[1], message))
        self._release_deferred()

    def _held_letter(self, message: KafkaMessage) -> tuple[Partition, int] | None:
        if message[0] != self.settings.topic_dlq or not self.holds:
            return None
        letter = orjson.loads(message[2])
        partition = (letter["source_topic"], letter["source_partition"])
        offset = int(letter["source_offset"])
        hold = self.holds.get(partition)
        return (partition, offset) if hold is not None and offset >= hold else None

    def _release_deferred(self) -> None:
        for partition in list(self.deferred):
            hold = self.holds.get(partition)
            ready = [m for offset, m in self.deferred[partition] if hold is None or offset < hold]
            kept = [(o, m) for o, m in self.deferred[partition] if hold is not None and o >= hold]
            for message in ready:
                self._send(message)
            if kept:
                self.deferred[partition] = kept
            else:
                del self.deferred[partition]

    def _send(self, message: KafkaMessage) -> None:
        topic, key, value = message
        while True:
            try:
                self.producer.produce(topic, value, key)
                return
            except BufferError:
                self.producer.poll(0.05)
            except KafkaException as failure:  # fenced: the commit cannot succeed either
                self.health.producer_broken = describe(failure.args[0])
                return

    def hold(self, holds: dict[Partition, int]) -> None:
        self.holds = dict(holds)
        self.tracker.hold(holds)

    def service(self) -> None:
        if self._inflight is not None:
            if not self._inflight.outcome.done():
                return  # the producer is the committer's until its commit is done
            self.settle()
        if self.health.producer_broken:
            self._renew()
            return
        self.producer.poll(0)
        if self.open and self._inflight is None and time.monotonic() >= self._commit_at:
            self._start_commit(wait=False)

    def settle(self) -> None:
        """Wait for the commit in flight, if any, and take up its outcome (on the loop thread)."""
        try:
            self._settle()
        except TransactionFailedError as failure:
            # Rejoin from the committed offsets; the Redis markers turn the redo into re-emits.
            self.health.consumer_broken = f"transaction aborted, redoing its batches: {failure}"

    def finish(self) -> None:
        """Partitions being revoked: commit while the generation owns them (or abort: redone)."""
        try:
            self._commit(wait=True)
            if not self.sealed:  # the batches that waited for it, in a transaction of their own
                self._commit(wait=True)
        except TransactionFailedError as failure:
            log.warning("transaction aborted at a rebalance: %s", failure)

    def forget(self, partitions: Iterable[Partition]) -> None:
        self.settle()  # a commit in flight for them succeeds or fails whole first
        gone = set(partitions)
        self.tracker.forget(gone)
        for partition in gone:
            self.deferred.pop(partition, None)
        if self.open:  # lost without a revoke: this generation can no longer commit them;
            # the consumer rejoins and starts every partition it gets from the committed offset
            self._abort("partitions lost with a transaction open")

    def close(self, *, clean: bool) -> None:
        self.settle()
        if clean:
            self.finish()
        elif self.open:  # our successor with the same id aborts it, or the broker's timeout
            log.warning("leaving transaction %s open: nothing of it will be visible", self.id)
        if self._producer is not None:
            self._producer.flush(0)
        self._committer.shutdown(wait=False)

    def _commit(self, *, wait: bool = False) -> None:
        """Commit now (a revoke, a clean stop): the one in flight, then the open one."""
        self._settle()
        self._start_commit(wait=wait)
        self._settle()

    def _start_commit(self, *, wait: bool) -> None:
        if not self.open:
            return
        through = self.tracker.log_through
        if self.log.logged(through, wait=wait) < through:
            self.sealed = True  # left open: committed at a later pass, or aborted and redone
            return
        offsets, finished = self.tracker.completed()
        metadata = self.kafka.group_metadata() if offsets else None  # the consumer's, read here
        self.sealed = True  # the batches that come meanwhile wait for the next transaction
        outcome = self._committer.submit(self._send_and_commit, offsets, metadata)
        self._inflight = InFlight(outcome, finished, time.monotonic())

    def _send_and_commit(self, offsets: list[TopicPartition], metadata: object) -> None:
        """On the committer thread: the batches' input offsets, then the commit, each given up
        as fatal if it outlives its own timeout (a commit left hanging would hold every later
        batch's copies back from readers while the loop goes on writing Redis)."""
        producer = self.producer
        if offsets:
            self._retry(
                lambda: bounded(
                    lambda: producer.send_offsets_to_transaction(offsets, metadata, CALL_TIMEOUT_S),
                    GIVE_UP_S,
                )
            )
        self._retry(lambda: bounded(lambda: producer.commit_transaction(CALL_TIMEOUT_S), GIVE_UP_S))

    def _settle(self) -> None:
        inflight, self._inflight = self._inflight, None
        if inflight is None:
            return
        try:
            inflight.outcome.result()
        except KafkaException as failure:
            error: KafkaError = failure.args[0]
            if error.fatal():
                self.health.producer_broken = describe(error)
                self._discard()
            else:
                self._abort(describe(error))
            raise TransactionFailedError(describe(error)) from failure
        self.open = False
        if (took := time.monotonic() - inflight.began) > SLOW_COMMIT_S:
            log.warning("transaction committed after %.1f s (the broker was slow or away)", took)
        if inflight.batches:
            try:  # committed with their offsets: the recovery copies can go
                self.sink.forget_batches(inflight.batches)
            except redis.RedisError as error:
                log.warning("recovery copies left to their TTL: %s", error)
        self.sealed, waiting, self.waiting = False, self.waiting, []
        for batch in waiting:
            self.emit(batch)

    def _abort(self, reason: str) -> None:
        log.warning("aborting transaction %s: %s", self.id, reason)
        self._discard()
        producer = self.producer
        try:  # once: if it fails, a new producer with this id aborts the transaction as it starts
            bounded(lambda: producer.abort_transaction(CALL_TIMEOUT_S), GIVE_UP_S)
        except KafkaException as failure:
            self.health.producer_broken = f"abort failed: {describe(failure.args[0])}"

    def _discard(self) -> None:
        """The open transaction will never commit: its batches are redone from the committed
        offsets (re-emitted from their recovery copies, which stay), held letters read again."""
        self.open = self.sealed = False
        self.tracker = OffsetTracker()
        self.tracker.hold(self.holds)
        self.deferred.clear()
        self.waiting.clear()

    def _renew(self) -> None:
        """A fenced or failed producer cannot go on: a new one (same id), and the consumer
        rejoins from the committed offsets, since the open transaction is gone."""
        self.settle()  # the committer is done with the old producer first
        log.warning("transactional producer failed (%s): replacing it", self.health.producer_broken)
        self.health.producer_broken = None
        self._discard()
        self.health.consumer_broken = self.health.consumer_broken or "producer replaced"
        self._producer = self._new_producer()

    def _retry(self, call: Callable[[], None], *, for_s: float | None = RETRY_FOR_S) -> None:
        """Retriable failures are tried again for ``for_s``, or until a stop with None: the
        producer's start, before which nothing can be sent, so a broker away for long is waited
        out (not ready) rather than given up, since exiting would only restart into the same wait
        (seen in CI: a broker stopped as the first producer started, the process gone 30 s on)."""
        began = time.monotonic()
        while True:
            try:
                call()
                break
            except KafkaException as failure:
                error: KafkaError = failure.args[0]
                if error.fatal() or error.txn_requires_abort() or not error.retriable():
                    raise
                waited = time.monotonic() - began
                if for_s is not None and waited > for_s:
                    raise
                if for_s is None:
                    self.health.waiting = f"waiting {waited:.0f} s for Kafka: {describe(error)}"
                log.warning("transactional call failed, retrying: %s", describe(error))
            if for_s is None and self.stopping():
                raise StoppedWaitingError(self.health.waiting)
            time.sleep(0.1)
        if for_s is None:
            self.health.waiting = None
