"""The Kafka producer of the output topics and the acknowledgement of every copy it sends: a
batch's ticket completes when all its messages are acknowledged. A failed delivery is produced
again; a producer that failed for good is replaced and every unacknowledged copy sent again."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import KafkaError, Message, Producer

from fraud_consumer.kafka_health import KafkaHealth
from fraud_consumer.offsets import OffsetTracker, Ticket
from fraudcore.kafka_client import producer_config
from fraudcore.settings import KafkaSettings

log = logging.getLogger(__name__)


class Deliveries:
    def __init__(
        self, settings: KafkaSettings, health: KafkaHealth, tracker: OffsetTracker
    ) -> None:
        self.settings, self.health, self.tracker = settings, health, tracker
        self.producer = self._new_producer()

    def _new_producer(self) -> Producer:
        return Producer(producer_config(self.settings, error_cb=self.health.on_producer_error))

    def renew_if_broken(self) -> None:
        """A fatal producer error ends that producer, not our work: a new one sends every copy
        not yet acknowledged again (at least once; the records carry their transaction id)."""
        if not self.health.producer_broken:
            return
        log.warning(
            "producer failed (%s): replacing it and sending unacknowledged copies again",
            self.health.producer_broken,
        )
        self.health.producer_broken = None
        self.producer = self._new_producer()
        for ticket in self.tracker.pending_tickets():
            ticket.pending = 0
            for topic, key, value in ticket.messages:
                self._deliver(ticket, topic, key, value)

    def produce(self, ticket: Ticket, topic: str, key: bytes | None, value: bytes) -> None:
        ticket.messages.append((topic, key, value))  # kept until the ticket completes
        self._deliver(ticket, topic, key, value)

    def _deliver(self, ticket: Ticket, topic: str, key: bytes | None, value: bytes) -> None:
        ticket.pending += 1
        producer = self.producer

        def delivered(error: KafkaError | None, _message: Message) -> None:
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

    def poll(self) -> None:
        self.producer.poll(0)

    def flush(self, timeout_s: float) -> None:
        self.producer.flush(timeout_s)
