"""The Kafka consumer of the input topics: batches of messages, pausing while a dependency is
down (messages fetched meanwhile are carried into the next batch, in order), lag, commits, and
a fresh consumer in place of one whose group membership ended."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, TopicPartition

from fraud_consumer.every import Every
from fraud_consumer.kafka_health import KafkaHealth
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.offsets import Partition
from fraud_consumer.read_progress import ReadProgress, positions_and_ends
from fraud_consumer.rebalance import Rebalance, partition_of
from fraud_consumer.settings import ConsumerSettings
from fraudcore.kafka_client import consumer_config

log = logging.getLogger(__name__)
LAG_EVERY_S = 5.0


def input_config(s: ConsumerSettings, on_error: Callable[[KafkaError], None]) -> dict[str, Any]:
    """librdkafka's settings for the input topics' consumer."""
    membership = {"group.instance.id": s.consumer_instance_id} if s.consumer_instance_id else {}
    return consumer_config(
        s,
        s.consumer_group_id,
        error_cb=on_error,
        # Range keeps partition i of every topic on one consumer: a card's labels are handled
        # where its transactions are.
        **{
            "partition.assignment.strategy": "range",
            "max.poll.interval.ms": 300_000,
            "session.timeout.ms": s.consumer_session_timeout_ms,
            "fetch.min.bytes": s.consumer_fetch_min_bytes,
            "fetch.wait.max.ms": s.consumer_fetch_wait_max_ms,
            **membership,
        },
    )


class KafkaInput:
    def __init__(
        self,
        settings: ConsumerSettings,
        health: KafkaHealth,
        rebalance: Rebalance,
        metrics: ConsumerMetrics,
    ) -> None:
        self.settings, self.health, self.rebalance, self.metrics = (
            settings, health, rebalance, metrics,
        )  # fmt: skip
        self.topics = [settings.topic_transactions, settings.topic_labels]
        self.carry: list[Message] = []
        self.paused = False
        self._paused: list[TopicPartition] = []
        self._restrained: list[TopicPartition] = []  # label partitions held back (``restrain``)
        self.progress = ReadProgress(settings.topic_transactions)
        self._lag_due = Every(LAG_EVERY_S)
        self.consumer = self._new_consumer()
        rebalance.on_release(self._drop_carried)

    def _new_consumer(self) -> Consumer:
        return Consumer(input_config(self.settings, self.health.on_consumer_error))

    def subscribe(self) -> None:
        r = self.rebalance
        self.consumer.subscribe(self.topics, on_assign=r.assign, on_revoke=r.revoke, on_lost=r.lost)
        log.info("consuming %s as group %s", self.topics, self.settings.consumer_group_id)

    def replace(self) -> None:
        """A consumer whose membership ended (fenced) cannot rejoin: close it and join again
        with a new one. Its uncommitted work is read again and recognised by the markers."""
        log.warning("Kafka consumer failed (%s): replacing it", self.health.consumer_broken)
        self.metrics.retries.labels(dependency="kafka").inc()
        self.health.consumer_broken = None
        self.rebalance.release_all()
        try:
            self.consumer.close()
        except (KafkaException, RuntimeError) as error:
            log.info("the failed consumer closed with: %s", error)
        self.consumer, self.paused = self._new_consumer(), False
        self._restrained = []
        self.subscribe()

    def poll_batch(self) -> list[Message]:
        """Whatever is already fetched, else wait for the first message of the next batch."""
        carried, self.carry = self.carry, []
        room = self.settings.batch_max - len(carried)
        messages = self._consume(room) if room > 0 else []
        if not carried and not messages:
            first = self._poll(self.settings.consumer_poll_timeout_ms / 1000)
            if first is None:
                return []
            messages = [first, *(self._consume(room - 1) if room > 1 else [])]
        good = []
        for message in [*carried, *messages]:
            error = message.error()
            if error is None:
                good.append(message)
            else:
                self.health.on_consumer_error(error)
        self.progress.observe(good)
        return good

    def transactions_read_through_ms(self) -> float:
        """The producer time every assigned transactions partition has been read past
        (``ReadProgress``)."""
        return self.progress.through_ms(self.consumer, self.consumer.assignment())

    def restrain_labels(self, restrain: bool) -> None:
        """Hold the label partitions back (or let them go): labels read far ahead of their
        payments wait in memory, so their number is bounded by not reading more of them."""
        if not restrain and not self._restrained:
            return
        target = [
            tp for tp in self.consumer.assignment() if tp.topic == self.settings.topic_labels
        ] if restrain else []  # fmt: skip
        held, wanted = self._held(), {(tp.topic, tp.partition) for tp in target}
        if held == wanted:
            return
        new = [tp for tp in target if (tp.topic, tp.partition) not in held]
        if new:
            self.consumer.pause(new)
        # Those taken away meanwhile too: the flag stays with a partition, which may come back.
        freed = [tp for tp in self._restrained if (tp.topic, tp.partition) not in wanted]
        if freed and not self.paused:
            self.consumer.resume(freed)
        self._restrained = target

    def _held(self) -> set[Partition]:
        return {(tp.topic, tp.partition) for tp in self._restrained}

    def poll_paused(self, timeout_s: float) -> None:
        """Serve the group (heartbeats, rebalances) while paused; anything fetched before the
        pause is kept for the next batch, in order."""
        message = self._poll(timeout_s)
        if message is not None:
            self.carry.append(message)

    def _consume(self, count: int) -> list[Message]:
        try:
            messages: list[Message] = self.consumer.consume(count, timeout=0)
        except KafkaException as failure:
            self.health.on_consumer_error(failure.args[0])
            return []
        return messages

    def _poll(self, timeout_s: float) -> Message | None:
        try:
            message: Message | None = self.consumer.poll(timeout_s)
        except KafkaException as failure:
            self.health.on_consumer_error(failure.args[0])
            return None
        return message

    def pause(self) -> None:
        if not self.paused:
            self._paused = self.consumer.assignment()
            self.consumer.pause(self._paused)
            self.paused = True
            self.metrics.paused.set(1)

    def resume(self) -> bool:
        """Resume if paused; whether it was. What was paused is resumed even if a rebalance
        took it away meanwhile: the flag stays with the partition, and it may come back."""
        if not self.paused:
            return False
        held = self._held()
        every = [*self._paused, *self.consumer.assignment()]
        self.consumer.resume([tp for tp in every if (tp.topic, tp.partition) not in held])
        self.paused = False
        self.metrics.paused.set(0)
        return True

    def commit(self, offsets: list[TopicPartition], *, asynchronous: bool) -> None:
        try:
            if asynchronous:
                self.consumer.commit(offsets=offsets, asynchronous=True)
            else:
                self.consumer.commit(offsets=offsets, asynchronous=False)
        except Exception as error:
            log.warning("commit failed (the batch will be seen again, without effect): %s", error)

    def report_lag(self) -> None:
        if not self._lag_due():
            return
        assignment = self.consumer.assignment()
        if not assignment:
            return
        for position, ends in positions_and_ends(self.consumer, assignment):
            if ends is None:
                continue
            high = ends[1]
            if position.offset >= 0 and high >= 0:
                self.metrics.lag.labels(
                    topic=position.topic, partition=str(position.partition)
                ).set(max(0, high - position.offset))

    def group_metadata(self) -> object:
        """The group generation a transaction's offsets are committed under (KIP-447): the
        coordinator refuses them from a member that lost its partitions."""
        return self.consumer.consumer_group_metadata()

    def close(self) -> None:
        self.consumer.close()

    def _drop_carried(self, gone: set[Partition]) -> None:
        self.carry = [m for m in self.carry if partition_of(m) not in gone]
        self.progress.forget(partition for topic, partition in gone if topic == self.progress.topic)
