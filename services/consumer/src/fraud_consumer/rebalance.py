"""The partitions this consumer owns, and what happens when some are taken away: finish what
can be finished (deliveries, commits), then drop every piece of uncommitted work on them, which
is the next owner's to redo (the Redis markers make redoing it harmless)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka import Message, TopicPartition

from fraud_consumer.offsets import Partition

log = logging.getLogger(__name__)


def partition_of(message: Message) -> Partition:
    return (message.topic() or "", message.partition() or 0)


class Rebalance:
    def __init__(self) -> None:
        self.assigned: set[Partition] = set()
        self.revoked = False  # set on every release; a batch being retried is then given up
        self._finishers: list[Callable[[], None]] = []
        self._releasers: list[Callable[[set[Partition]], None]] = []
        self._takers: list[Callable[[], None]] = []

    def before_revoke(self, finish: Callable[[], None]) -> None:
        self._finishers.append(finish)

    def on_release(self, release: Callable[[set[Partition]], None]) -> None:
        self._releasers.append(release)

    def on_assign(self, take: Callable[[], None]) -> None:
        self._takers.append(take)

    # librdkafka's callbacks (they run inside poll and close)
    def assign(self, _consumer: Any, partitions: list[TopicPartition]) -> None:
        self.assigned |= {(tp.topic, tp.partition) for tp in partitions}
        log.info("assigned %s", sorted(self.assigned))
        if partitions:
            for take in self._takers:
                take()

    def revoke(self, _consumer: Any, partitions: list[TopicPartition]) -> None:
        for finish in self._finishers:
            finish()
        self.release((tp.topic, tp.partition) for tp in partitions)

    def lost(self, _consumer: Any, partitions: list[TopicPartition]) -> None:
        self.release((tp.topic, tp.partition) for tp in partitions)

    def release(self, partitions: Iterable[Partition]) -> None:
        gone = set(partitions)
        self.assigned -= gone
        self.revoked = True
        for release in self._releasers:
            release(gone)
        if gone:
            log.info("released %s", sorted(gone))

    def release_all(self) -> None:
        """The group membership itself ended: everything is the next owner's."""
        self.release(set(self.assigned))
