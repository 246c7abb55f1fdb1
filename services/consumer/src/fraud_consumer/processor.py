"""The consume loop: batches in, results out, offsets committed only behind finished work.

Order per batch: decode (bad input to the dead-letter topic), transactions to Redis in one
atomic write, labels, then the Kafka copies (``outputs``), whose acknowledgement lets the input
offsets be committed. Redis or scorer trouble pauses and retries the same batch (``retries``);
records are keyed by transaction id, so a retried or redelivered batch is recognised. A failed
producer or a consumer whose group membership ended is replaced in process (``kafka_health``).
With DATABASE_URL set, each batch's decisions also go to the decision log, buffered while the
loop goes on (a commit interval's batches in one write) and logged before their offsets are
committed, and labels go there before their outputs (``decision_sink``); a database outage
pauses and retries like a Redis outage. A label that never finds its payment (or its decision's
log row) is dead-lettered with the reason, like a message that cannot be read.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from confluent_kafka import Message

from fraud_consumer.decision_sink import DecisionSink, LogBuffering, LoggedOffsets
from fraud_consumer.decoding import Decoded, Rejected, decode_label, decode_transaction, reject
from fraud_consumer.kafka_health import KafkaHealth, StoppedWaitingError
from fraud_consumer.kafka_input import KafkaInput
from fraud_consumer.labels import LabelApplier, Recheck, Waiting
from fraud_consumer.latency_histogram import LatencyHistogram
from fraud_consumer.loop_trace import LoopTrace
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.offsets import NO_LOG, Partition
from fraud_consumer.outgoing import outgoing
from fraud_consumer.outputs import Outputs, make_outputs
from fraud_consumer.pipeline import BATCH_TTL_S, BatchResult, TransactionPipeline
from fraud_consumer.rebalance import Rebalance, partition_of
from fraud_consumer.retries import AbandonedError, Retrying
from fraud_consumer.scorers import Scorer
from fraud_consumer.settings import ConsumerSettings
from fraudcore.redis_client import RedisClient
from fraudcore.schemas import Transaction

log = logging.getLogger(__name__)


class Processor:
    def __init__(
        self,
        settings: ConsumerSettings,
        client: RedisClient,
        scorer: Scorer,
        metrics: ConsumerMetrics,
    ) -> None:
        self.settings, self.scorer, self.metrics = settings, scorer, metrics
        database = settings.database()
        buffering = LogBuffering(
            settings.decision_log_flush_ms / 1e3, settings.decision_log_flush_rows
        )
        self.decisions = None if database is None else DecisionSink(database, metrics, buffering)
        self.pipeline = TransactionPipeline(settings, client, scorer, metrics, self.decisions)
        self.labels = LabelApplier(
            self.pipeline.store,
            metrics,
            settings.result_ttl_s,
            self.decisions,
            log_wait_s=settings.label_wait_s / 2,
            logged_wait_s=max(settings.label_wait_s, min(BATCH_TTL_S, settings.result_ttl_s)),
        )
        self.latencies = LatencyHistogram(client, self.pipeline.keys)
        self.health = KafkaHealth()
        self.rebalance = Rebalance()
        self.kafka = KafkaInput(settings, self.health, self.rebalance, metrics)
        self.outputs: Outputs = make_outputs(
            settings,
            self.health,
            self.kafka,
            self.pipeline.sink,
            NO_LOG if self.decisions is None else LoggedOffsets(self.decisions),
            stopping=lambda: self.stop.is_set(),  # noqa: PLW0108 - run() replaces self.stop
        )
        self.retrying = Retrying(
            settings.retry_backoff_max_s, self.kafka, self.health, metrics, self._interrupted
        )
        self.trace = LoopTrace(settings.consumer_loop_trace_ms)
        self.waiting: list[Waiting] = []
        self._labels_restrained = False
        self.recheck = Recheck()
        self.stop = threading.Event()
        self.rebalance.before_revoke(self.outputs.finish)
        self.rebalance.on_release(self._release)
        # Partitions taken over are decided by the registry's models as of now, never by a
        # version their previous owner had already replaced (the switch is per consumer).
        self.rebalance.on_assign(scorer.refresh)

    def readiness(self) -> tuple[bool, str]:
        if self.kafka.paused:
            return False, "paused: a dependency is unavailable"
        if self.health.waiting:
            return False, self.health.waiting
        return True, f"consuming {len(self.rebalance.assigned)} partitions"

    def run(self, stop: threading.Event) -> None:
        self.stop = stop
        self.kafka.subscribe()
        try:
            while not stop.is_set():
                self.health.raise_if_fatal()
                if self.health.consumer_broken:
                    self.kafka.replace()
                trace = self.trace
                trace.begin()
                with trace.phase("poll"):
                    messages = self.kafka.poll_batch()
                trace.messages = len(messages)
                if messages or self.waiting:
                    with contextlib.suppress(AbandonedError):  # not committed: seen again later
                        self._handle(messages)
                with trace.phase("service"):
                    self.outputs.service()
                with trace.phase("latency_flush"):
                    self.latencies.flush()
                with trace.phase("lag"):
                    self.kafka.report_lag()
                trace.end()
        except StoppedWaitingError as waiting:
            log.info("stopped while %s", waiting)
        finally:
            self._shutdown()

    def _interrupted(self) -> bool:
        """Give the batch being retried up: shutdown, a rebalance, or the membership is gone."""
        return self.stop.is_set() or self.rebalance.revoked or bool(self.health.consumer_broken)

    def _handle(self, messages: list[Message]) -> None:
        polled_ns = time.time_ns()
        self.rebalance.revoked = False
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

        with self.trace.phase("process"):
            result, self.waiting = self.retrying.run(
                lambda: self._process(txs, polled_ns, decode_ms)
            )
        rejected += self._expire_waiting_labels()
        with self.trace.phase("emit"):
            self.outputs.emit(outgoing(self.settings, messages, result, rejected))
        for bad in rejected:
            self.metrics.dlq.labels(reason=bad.reason).inc()
            log.info("dead-lettered %s", bad.letter.error[:200])
        if result.duplicates:
            self.metrics.duplicates.inc(result.duplicates)
        self.latencies.count(result.latencies_ms)

    def _process(
        self, txs: list[Decoded[Transaction]], polled_ns: int, decode_ms: float
    ) -> tuple[BatchResult, list[Waiting]]:
        result = self.pipeline.process(txs, polled_ns, decode_ms) if txs else BatchResult()
        due, rest, full = self.recheck.split(self.waiting, {tx.event.transaction_id for tx in txs})
        began = time.monotonic()
        still = self.labels.apply(due)
        if full:
            self.recheck.full_pass_took(time.monotonic() - began)
        for entry in still:
            entry.looked_up = True
        return result, rest + still

    def _expire_waiting_labels(self, now: float | None = None) -> list[Rejected]:
        """Labels that waited long enough leave the wait as dead letters (the batch emitted next
        carries them, and their offsets are let go once it is out: ``OffsetTracker.hold``)."""
        now, wait_s = time.monotonic() if now is None else now, self.settings.label_wait_s
        if any(w.due_since is None for w in self.waiting):
            through = self.kafka.transactions_read_through_ms()
            for w in self.waiting:
                if w.due_since is None and w.produced_ms <= through:
                    w.due_since = now

        def why(w: Waiting) -> str | None:
            # A label that found its payment waits for the decision's log row from the log's
            # first answer (an outage of the log may have outlasted LABEL_WAIT_S before it).
            if w.log_since is not None:
                if now - w.log_since > w.log_patience_s + wait_s:
                    return (
                        f"the decision of transaction {w.item.event.transaction_id} was not in "
                        f"the decision log within {w.log_patience_s + wait_s:.0f} s"
                    )
                return None
            if w.due_since is not None and now - w.due_since > wait_s:
                return (
                    f"no transaction {w.item.event.transaction_id} was read within {wait_s:.0f} s "
                    "after the transactions were read past the label's time"
                )
            return None

        kept, gone = [], []
        for w in self.waiting:
            reason = why(w)
            if reason is None:
                kept.append(w)
            else:
                gone.append(reject(w.item.message, "unmatched", reason))
        if gone:
            log.warning("%d labels matched no transaction within %.0f s", len(gone), wait_s)
            self.waiting = kept
        self._restrain_labels()
        holds: dict[Partition, int] = {}
        for entry in self.waiting:
            partition, offset = partition_of(entry.item.message), entry.item.message.offset() or 0
            holds[partition] = min(holds.get(partition, offset), offset)
        self.outputs.hold(holds)
        return gone

    def _restrain_labels(self) -> None:
        """Read no more labels while too many wait for their payments (a backlog of payments
        being caught up), until half of them found theirs."""
        waiting, most = len(self.waiting), self.settings.label_max_waiting
        restrain = waiting > most or (self._labels_restrained and waiting > most // 2)
        if restrain != self._labels_restrained:
            log.warning(
                "%d labels wait for their payments: %s", waiting,
                "reading no more labels" if restrain else "reading labels again",
            )  # fmt: skip
            self._labels_restrained = restrain
        self.kafka.restrain_labels(restrain)

    def _release(self, gone: set[Partition]) -> None:
        """Partitions taken away: their uncommitted work is the next owner's."""
        self.outputs.forget(gone)
        self.waiting = [w for w in self.waiting if partition_of(w.item.message) not in gone]

    def _shutdown(self) -> None:
        log.info("stopping: flushing deliveries and committing finished work")
        clean = not self.health.fatal
        self.outputs.close(clean=clean)
        if clean:
            self.latencies.flush(now=True)
        self.kafka.close()
        self.trace.close()
        self.scorer.close()
        self.pipeline.close()
        if self.decisions is not None:
            self.decisions.close()
