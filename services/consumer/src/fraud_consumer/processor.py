"""The consume loop: batches in, results out, offsets committed only behind finished work.

Order per batch: decode (bad input to the dead-letter topic), transactions to Redis in one
atomic write, labels, then the Kafka copies; offsets are committed once Redis holds the results
and Kafka acknowledged every copy. Redis or scorer trouble pauses consumption and retries the
same batch with backoff; nothing is skipped and nothing counted twice (records are keyed by
transaction id, so a retried or redelivered batch is recognised).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import defaultdict
from typing import Any

import redis
from confluent_kafka import Consumer, KafkaError, Message, Producer, TopicPartition

from fraud_consumer.decoding import Decoded, Rejected, decode_label, decode_transaction
from fraud_consumer.labels import LabelApplier, Waiting
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.offsets import OffsetTracker, Partition, Ticket
from fraud_consumer.pipeline import BatchResult, TransactionPipeline
from fraud_consumer.scorers import Scorer, ScorerUnavailableError
from fraud_consumer.settings import ConsumerSettings
from fraudcore import live_stats
from fraudcore.kafka_client import consumer_config, producer_config
from fraudcore.schemas import Decision, Transaction

log = logging.getLogger(__name__)
LAG_EVERY_S = 5.0
# Offsets and the dashboard's latency histogram go out at most this often, not once per batch:
# each is a round trip that small batches would otherwise pay every few milliseconds. A crash
# between commits only redelivers what the markers in Redis already recognise.
COMMIT_EVERY_S = 0.2
LATENCY_FLUSH_EVERY_S = 1.0


class _AbandonedError(Exception):
    """The batch was given up (shutdown or rebalance) before it was written: not committed."""


class FatalError(RuntimeError):
    """Retrying cannot help (wrong credentials, not authorised): stop with a clear message."""


# Errors that mean the configuration is wrong, not that a dependency is briefly away.
_FATAL_KAFKA = {
    KafkaError._AUTHENTICATION,
    KafkaError.SASL_AUTHENTICATION_FAILED,
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED,
}


class Processor:
    def __init__(
        self,
        settings: ConsumerSettings,
        client: redis.Redis[bytes],
        scorer: Scorer,
        metrics: ConsumerMetrics,
    ) -> None:
        self.settings = settings
        self.redis = client
        self.scorer = scorer
        self.metrics = metrics
        self.pipeline = TransactionPipeline(settings, client, scorer, metrics)
        self.labels = LabelApplier(self.pipeline.store, metrics, settings.result_ttl_s)
        membership = (
            {"group.instance.id": settings.consumer_instance_id}
            if settings.consumer_instance_id
            else {}
        )
        self.fatal: str | None = None
        self.consumer = Consumer(
            consumer_config(
                settings,
                settings.consumer_group_id,
                error_cb=self._on_kafka_error,
                # Range keeps partition i of every topic on one consumer: a card's labels are
                # handled where its transactions are.
                **{
                    "partition.assignment.strategy": "range",
                    "max.poll.interval.ms": 300_000,
                    "session.timeout.ms": settings.consumer_session_timeout_ms,
                    **membership,
                },
            )
        )
        self.producer = self._new_producer()
        self.producer_broken: str | None = None
        self.tracker = OffsetTracker()
        self.waiting: list[Waiting] = []
        self.carry: list[Message] = []
        self.assigned: set[Partition] = set()
        self.revoked = False
        self.paused = False
        self.stop = threading.Event()
        self._lag_due = Every(LAG_EVERY_S)
        self._commit_due = Every(COMMIT_EVERY_S)
        self._latency_flush_due = Every(LATENCY_FLUSH_EVERY_S)
        self._latency_counts: dict[tuple[int, str], int] = defaultdict(int)

    # --- readiness --------------------------------------------------------------------------
    def readiness(self) -> tuple[bool, str]:
        if self.paused:
            return False, "paused: a dependency is unavailable"
        return True, f"consuming {len(self.assigned)} partitions"

    def _new_producer(self) -> Producer:
        return Producer(producer_config(self.settings, error_cb=self._on_producer_error))

    def _on_kafka_error(self, error: KafkaError) -> None:
        if error.fatal() or error.code() in _FATAL_KAFKA:
            self.fatal = f"Kafka {error.name()}: {error.str()}"
        else:
            log.warning("Kafka: %s", error.str())

    def _on_producer_error(self, error: KafkaError) -> None:
        if error.code() in _FATAL_KAFKA:
            self.fatal = f"Kafka {error.name()}: {error.str()}"
        elif error.fatal():  # e.g. idempotence state lost across a broker restart: start afresh
            self.producer_broken = f"{error.name()}: {error.str()}"
        else:
            log.warning("Kafka: %s", error.str())

    def _renew_producer(self) -> None:
        """A fatal producer error ends that producer, not our work: a new one sends every copy
        not yet acknowledged again (at least once; the records carry their transaction id)."""
        log.warning(
            "producer failed (%s): replacing it and sending unacknowledged copies again",
            self.producer_broken,
        )
        self.producer_broken = None
        self.producer = self._new_producer()
        for ticket in self.tracker.pending_tickets():
            ticket.pending = 0
            for topic, key, value in ticket.messages:
                self._deliver(ticket, topic, key, value)

    # --- rebalances -------------------------------------------------------------------------
    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self.assigned |= {(tp.topic, tp.partition) for tp in partitions}
        log.info("assigned %s", sorted(self.assigned))

    def _on_revoke(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        # Finish what can be finished (deliveries, commits), then let the next owner take over.
        self.producer.flush(10)
        self._commit(asynchronous=False)
        self._release([(tp.topic, tp.partition) for tp in partitions])

    def _on_lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._release([(tp.topic, tp.partition) for tp in partitions])

    def _release(self, partitions: list[Partition]) -> None:
        gone = set(partitions)
        self.assigned -= gone
        self.tracker.forget(gone)
        self.waiting = [w for w in self.waiting if _partition(w.item.message) not in gone]
        self.carry = [m for m in self.carry if _partition(m) not in gone]
        self.revoked = True
        log.info("released %s", sorted(gone))

    # --- the loop ---------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        self.stop = stop
        topics = [self.settings.topic_transactions, self.settings.topic_labels]
        self.consumer.subscribe(
            topics, on_assign=self._on_assign, on_revoke=self._on_revoke, on_lost=self._on_lost
        )
        log.info("consuming %s as group %s", topics, self.settings.consumer_group_id)
        try:
            while not stop.is_set():
                if self.fatal:
                    raise FatalError(self.fatal)
                if self.producer_broken:
                    self._renew_producer()
                messages = self._poll()
                if messages or self.waiting:
                    with contextlib.suppress(_AbandonedError):  # not committed: seen again later
                        self._handle(messages)
                self.producer.poll(0)
                if self._commit_due():
                    self._commit(asynchronous=True)
                self._flush_latencies()
                self._report_lag()
        finally:
            self._shutdown()

    def _poll(self) -> list[Message]:
        """Whatever is already fetched, else wait for the first message of the next batch."""
        carried, self.carry = self.carry, []
        room = self.settings.batch_max - len(carried)
        messages = self.consumer.consume(room, timeout=0) if room > 0 else []
        if not carried and not messages:
            first = self.consumer.poll(self.settings.consumer_poll_timeout_ms / 1000)
            if first is None:
                return []
            rest = self.consumer.consume(room - 1, timeout=0) if room > 1 else []
            messages = [first, *rest]
        good = []
        for message in [*carried, *messages]:
            error = message.error()
            if error is None:
                good.append(message)
            elif error.code() != KafkaError._PARTITION_EOF:
                log.warning("consume error: %s", error)
        return good

    def _handle(self, messages: list[Message]) -> None:
        polled_ns = time.time_ns()
        self.revoked = False
        began = time.perf_counter_ns()
        txs: list[Decoded[Transaction]] = []
        rejected: list[Rejected] = []
        for message in messages:
            decoded: Decoded[Any] | Rejected
            if message.topic() == self.settings.topic_transactions:
                decoded = decode_transaction(message)
            else:
                decoded = decode_label(message)
            if isinstance(decoded, Rejected):
                rejected.append(decoded)
            elif isinstance(decoded.event, Transaction):
                txs.append(decoded)
            else:
                self.waiting.append(Waiting(decoded))
        decode_ms = (time.perf_counter_ns() - began) / 1e6
        if messages:
            self.metrics.batch_size.observe(len(messages))

        result, self.waiting = self._with_retries(lambda: self._process(txs, polled_ns, decode_ms))
        self._expire_waiting_labels()
        self._emit(messages, result, rejected)

    def _process(
        self, txs: list[Decoded[Transaction]], polled_ns: int, decode_ms: float
    ) -> tuple[BatchResult, list[Waiting]]:
        result = self.pipeline.process(txs, polled_ns, decode_ms) if txs else BatchResult()
        return result, self.labels.apply(self.waiting)

    def _with_retries(self, work: Any) -> Any:
        attempt = 0
        while True:
            try:
                outcome = work()
            except redis.AuthenticationError as error:
                raise FatalError(f"Redis authentication failed: {error}") from error
            except (redis.RedisError, ScorerUnavailableError) as error:
                dependency = "scorer" if isinstance(error, ScorerUnavailableError) else "redis"
                self.metrics.retries.labels(dependency=dependency).inc()
                self._wait(attempt, f"{dependency}: {error}")
                attempt += 1
                continue
            if self.paused:
                self.consumer.resume(self.consumer.assignment())
                self.paused = False
                self.metrics.paused.set(0)
                log.info("dependencies back after %d retries: resumed", attempt)
            return outcome

    def _wait(self, attempt: int, problem: str) -> None:
        """Pause fetching, back off, keep the group membership alive; give the batch up only
        for shutdown or a rebalance (it is not committed, so it will be processed again)."""
        if not self.paused:
            self.consumer.pause(self.consumer.assignment())
            self.paused = True
            self.metrics.paused.set(1)
        delay = min(self.settings.retry_backoff_max_s, 0.1 * 2**attempt)
        log.warning("paused, retry %d in %.1f s: %s", attempt + 1, delay, problem)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            if self.stop.is_set() or self.revoked:
                raise _AbandonedError
            if self.fatal:
                raise FatalError(self.fatal)
            message = self.consumer.poll(min(0.1, max(0.0, deadline - time.monotonic())))
            if message is not None:
                self.carry.append(message)  # fetched before the pause: next batch, in order
            if self.revoked:
                raise _AbandonedError

    def _expire_waiting_labels(self) -> None:
        now = time.monotonic()
        expired = [w for w in self.waiting if now - w.since > self.settings.label_wait_s]
        if expired:
            log.warning(
                "%d labels matched no transaction within %.0f s",
                len(expired),
                self.settings.label_wait_s,
            )
            self.waiting = [w for w in self.waiting if now - w.since <= self.settings.label_wait_s]
        holds: dict[Partition, int] = {}
        for entry in self.waiting:
            partition, offset = _partition(entry.item.message), entry.item.message.offset() or 0
            holds[partition] = min(holds.get(partition, offset), offset)
        self.tracker.hold(holds)

    # --- outputs and offsets ----------------------------------------------------------------
    def _emit(self, messages: list[Message], result: BatchResult, rejected: list[Rejected]) -> None:
        next_offsets: dict[Partition, int] = defaultdict(int)
        for message in messages:
            partition = _partition(message)
            next_offsets[partition] = max(next_offsets[partition], (message.offset() or 0) + 1)
        ticket = self.tracker.open(dict(next_offsets))
        s = self.settings
        for output in result.outputs:
            self._produce(ticket, s.topic_scored, output.key, output.value)
            if output.decision is not Decision.APPROVE:
                self._produce(ticket, s.topic_alerts, output.key, output.value)
        if result.batch_key:
            ticket.on_complete.append(result.batch_key)
        for bad in rejected:
            self._produce(ticket, s.topic_dlq, bad.message.key(), bad.letter.to_json())
            self.metrics.dlq.labels(reason=bad.reason).inc()
            log.info("dead-lettered %s", bad.letter.error[:200])
        if result.duplicates:
            self.metrics.duplicates.inc(result.duplicates)
        self._count_latencies(result.latencies_ms)

    def _produce(self, ticket: Ticket, topic: str, key: bytes | None, value: bytes) -> None:
        ticket.messages.append((topic, key, value))  # kept until the ticket completes
        self._deliver(ticket, topic, key, value)

    def _deliver(self, ticket: Ticket, topic: str, key: bytes | None, value: bytes) -> None:
        ticket.pending += 1
        producer = self.producer

        def delivered(error: KafkaError | None, message: Message) -> None:
            if producer is not self.producer:
                return  # a replaced producer's report: the copy was sent again by the new one
            if error is None:
                ticket.pending -= 1
                return
            log.error("delivery to %s failed (%s): producing again", topic, error)
            self._send(topic, key, value, delivered)

        self._send(topic, key, value, delivered)

    def _send(self, topic: str, key: bytes | None, value: bytes, callback: Any) -> None:
        while True:
            try:
                self.producer.produce(topic, value, key, on_delivery=callback)
                return
            except BufferError:
                self.producer.poll(0.05)

    def _commit(self, *, asynchronous: bool) -> None:
        offsets, finished = self.tracker.completed()
        if finished:
            try:  # their Kafka copies are acknowledged: the recovery copies can go
                self.pipeline.sink.forget_batches(finished)
            except redis.RedisError as error:
                log.warning("recovery copies left to their TTL: %s", error)
        if offsets:
            try:
                if asynchronous:
                    self.consumer.commit(offsets=offsets, asynchronous=True)
                else:
                    self.consumer.commit(offsets=offsets, asynchronous=False)
            except Exception as error:
                log.warning(
                    "commit failed (the batch will be seen again, without effect): %s", error
                )

    def _count_latencies(self, latencies_ms: list[float]) -> None:
        """Per-minute end-to-end latency histogram for the dashboard, counted here and written
        by ``_flush_latencies``."""
        minute = live_stats.latency_minute(time.time())
        for value in latencies_ms:
            self._latency_counts[minute, live_stats.latency_bucket(value)] += 1

    def _flush_latencies(self, *, now: bool = False) -> None:
        if not self._latency_counts or not (self._latency_flush_due() or now):
            return
        counts, self._latency_counts = self._latency_counts, defaultdict(int)
        pipe = self.redis.pipeline(transaction=False)
        for (minute, bucket), count in counts.items():
            key = self.pipeline.keys.latency(minute)
            pipe.hincrby(key, bucket, count)
            pipe.expire(key, live_stats.LATENCY_TTL_S)
        try:
            pipe.execute()
        except redis.RedisError as error:
            log.warning("latency aggregate not written: %s", error)

    def _report_lag(self) -> None:
        if not self._lag_due():
            return
        assignment = self.consumer.assignment()
        if not assignment:
            return
        for position in self.consumer.position(assignment):
            try:
                _, high = self.consumer.get_watermark_offsets(position, cached=True)
            except Exception:  # noqa: S112 - no fetch yet for this partition
                continue
            if position.offset >= 0 and high >= 0:
                self.metrics.lag.labels(
                    topic=position.topic, partition=str(position.partition)
                ).set(max(0, high - position.offset))

    def _shutdown(self) -> None:
        log.info("stopping: flushing deliveries and committing finished work")
        self.producer.flush(0 if self.fatal else 15)
        if not self.fatal:
            self._commit(asynchronous=False)
            self._flush_latencies(now=True)
        self.consumer.close()
        self.scorer.close()


class Every:
    """A gate that opens at most once per ``seconds`` (monotonic clock)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._next = 0.0

    def __call__(self) -> bool:
        now = time.monotonic()
        if now < self._next:
            return False
        self._next = now + self.seconds
        return True


def _partition(message: Message) -> Partition:
    return (message.topic() or "", message.partition() or 0)
