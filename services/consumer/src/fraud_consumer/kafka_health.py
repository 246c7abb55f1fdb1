"""What Kafka's errors mean for the consumer process: stop (wrong configuration), replace the
producer (its idempotence state is lost), replace the consumer (its group membership ended, e.g.
a static member fenced after a long broker outage), or only log (the client retries itself)."""

from __future__ import annotations

import logging

from confluent_kafka import KafkaError

from fraudcore.kafka_client import CONFIGURATION_ERRORS

log = logging.getLogger(__name__)


class FatalError(RuntimeError):
    """Retrying cannot help (wrong credentials, not authorised): stop with a clear message."""


class StoppedWaitingError(RuntimeError):
    """A stop signal came while Kafka was being waited for: the process ends cleanly."""


def describe(error: KafkaError) -> str:
    return f"Kafka {error.name()}: {error.str()}"


class KafkaHealth:
    """Error reports from the Kafka clients (their callbacks run inside our poll calls), kept
    until the loop acts on them."""

    def __init__(self) -> None:
        self.fatal: str | None = None
        self.producer_broken: str | None = None
        self.consumer_broken: str | None = None
        self.waiting: str | None = None  # for Kafka before anything can be sent: not ready

    def on_consumer_error(self, error: KafkaError) -> None:
        """Error callback and failed polls. librdkafka's only fatal consumer error is the fencing
        of a static member (group.instance.id), reported as _FATAL on a poll or as fatal here."""
        if error.code() in CONFIGURATION_ERRORS:
            self.fatal = describe(error)
        elif error.fatal() or error.code() == KafkaError._FATAL:
            self.consumer_broken = describe(error)
        elif error.code() != KafkaError._PARTITION_EOF:
            log.warning("Kafka consumer: %s", error.str())

    def on_producer_error(self, error: KafkaError) -> None:
        if error.code() in CONFIGURATION_ERRORS:
            self.fatal = describe(error)
        elif error.fatal():  # e.g. idempotence state lost across a broker restart: start afresh
            self.producer_broken = describe(error)
        else:
            log.warning("Kafka producer: %s", error.str())

    def raise_if_fatal(self) -> None:
        if self.fatal:
            raise FatalError(self.fatal)
