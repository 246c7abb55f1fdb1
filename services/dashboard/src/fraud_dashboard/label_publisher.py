"""Analysts' verdicts out to ``transaction-labels``, keyed by card like every label, each send
waited for: a verdict is recorded only once the broker has its label (acks=all, idempotent)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from fraudcore.kafka_client import producer_config
from fraudcore.schemas import Label
from fraudcore.settings import KafkaSettings

SEND_TIMEOUT_S = 10.0


class LabelNotSentError(RuntimeError):
    def __init__(self, why: str) -> None:
        super().__init__(f"label not sent to Kafka ({why}); nothing was recorded, retry later")


@dataclass
class LabelPublisher:
    settings: KafkaSettings
    topic: str
    _producer: Producer | None = field(default=None, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def _client(self) -> Producer:
        with self._lock:  # made on first use: a dashboard without verdicts opens no connection
            if self._producer is None:
                conf = producer_config(
                    self.settings,
                    **{"linger.ms": 0, "message.timeout.ms": int(SEND_TIMEOUT_S * 1000)},
                )
                self._producer = Producer(conf)
            return self._producer

    def send(self, card_id: str, label: Label) -> None:
        """Blocks until the broker acknowledged the label; raises LabelNotSentError otherwise."""
        producer = self._client()
        outcome: list[KafkaError | None] = []

        def delivered(error: KafkaError | None, _: Message) -> None:
            outcome.append(error)

        try:
            producer.produce(self.topic, label.to_json(), card_id.encode(), on_delivery=delivered)
        except (BufferError, KafkaException) as error:
            raise LabelNotSentError(type(error).__name__) from error
        producer.flush(SEND_TIMEOUT_S + 1)
        if not outcome:
            raise LabelNotSentError("no acknowledgement in time")
        if outcome[0] is not None:
            raise LabelNotSentError(outcome[0].name())

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(SEND_TIMEOUT_S)
