"""How a batch's output reaches Kafka and when its input counts as done.

``Outputs`` is the seam: the processor hands over each batch's ``Outgoing`` and never commits
itself. ``AtLeastOnceOutputs`` produces every copy idempotently, waits for the acknowledgements,
then commits the input offsets in order behind them; a crash in between re-delivers input that
the Redis markers recognise (the copies may repeat, with the same transaction ids).
``TransactionalOutputs`` (the default) puts the copies and the offsets in one Kafka transaction.
Both commit only offsets whose batches' decisions ``log`` says are durable in the decision log
too; asking starts the log's write of them, and the commit follows on a later pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Protocol

import redis

from fraud_consumer.deliveries import Deliveries
from fraud_consumer.every import Every
from fraud_consumer.kafka_health import KafkaHealth
from fraud_consumer.kafka_input import KafkaInput
from fraud_consumer.offsets import NO_LOG, LogProgress, OffsetTracker, Partition
from fraud_consumer.outgoing import Outgoing
from fraud_consumer.settings import ConsumerSettings, Delivery
from fraud_consumer.sink import RedisSink
from fraud_consumer.transactional import TransactionalOutputs
from fraudcore.settings import KafkaSettings

log = logging.getLogger(__name__)
# Offsets go out at most this often, not once per batch: each commit is a round trip that small
# batches would otherwise pay every few milliseconds. A crash between commits only redelivers
# what the markers in Redis already recognise.
COMMIT_EVERY_S = 0.2


class Outputs(Protocol):
    def emit(self, batch: Outgoing) -> None: ...

    def hold(self, holds: dict[Partition, int]) -> None:
        """Input offsets at or after these stay uncommitted (labels waiting)."""

    def service(self) -> None:
        """Delivery reports, a failed producer replaced, commits when due."""

    def finish(self) -> None:
        """Before partitions are taken away: everything out and committed."""

    def forget(self, partitions: Iterable[Partition]) -> None: ...

    def close(self, *, clean: bool) -> None: ...


class AtLeastOnceOutputs:
    def __init__(
        self,
        settings: KafkaSettings,
        health: KafkaHealth,
        kafka: KafkaInput,
        sink: RedisSink,
        log: LogProgress = NO_LOG,
    ) -> None:
        self.kafka, self.sink, self.log = kafka, sink, log
        self.tracker = OffsetTracker()
        self.deliveries = Deliveries(settings, health, self.tracker)
        self._commit_due = Every(COMMIT_EVERY_S)
        self._log_target: int | None = None  # a commit waits for the log this far: retried

    def emit(self, batch: Outgoing) -> None:
        ticket = self.tracker.open(batch.next_offsets, self.log.handed())
        for topic, key, value in batch.messages:
            self.deliveries.produce(ticket, topic, key, value)
        ticket.on_complete.extend(batch.recovery_keys)

    def hold(self, holds: dict[Partition, int]) -> None:
        self.tracker.hold(holds)

    def service(self) -> None:
        self.deliveries.renew_if_broken()
        self.deliveries.poll()
        if self._commit_due() or self._log_target is not None:
            self._commit(asynchronous=True)

    def finish(self) -> None:
        self.deliveries.flush(10)
        self._commit(asynchronous=False)

    def forget(self, partitions: Iterable[Partition]) -> None:
        self.tracker.forget(partitions)

    def close(self, *, clean: bool) -> None:
        self.deliveries.flush(15 if clean else 0)
        if clean:
            self._commit(asynchronous=False)

    def _commit(self, *, asynchronous: bool) -> None:
        target = self._log_target or self.tracker.log_through
        # Batches not yet logged stay, and their recovery copies: a redelivery re-logs from them.
        logged = self.log.logged(target, wait=not asynchronous)
        self._log_target = target if logged < target else None
        offsets, finished = self.tracker.completed(logged)
        if finished:
            try:  # their Kafka copies are acknowledged: the recovery copies can go
                self.sink.forget_batches(finished)
            except redis.RedisError as error:
                log.warning("recovery copies left to their TTL: %s", error)
        if offsets:
            self.kafka.commit(offsets, asynchronous=asynchronous)


def make_outputs(
    settings: ConsumerSettings,
    health: KafkaHealth,
    kafka: KafkaInput,
    sink: RedisSink,
    log: LogProgress = NO_LOG,
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> Outputs:
    """CONSUMER_DELIVERY: exactly-once (the default) or at-least-once (cheaper, copies may
    repeat after a crash)."""
    if settings.consumer_delivery is Delivery.EXACTLY_ONCE:
        return TransactionalOutputs(settings, health, kafka, sink, log, stopping=stopping)
    return AtLeastOnceOutputs(settings, health, kafka, sink, log)
