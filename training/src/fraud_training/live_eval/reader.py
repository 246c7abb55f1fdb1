"""Every scored record the pipeline writes to Kafka, read while it runs: kept small (transaction
id, score, decision, end-to-end time), so two simulated weeks fit in memory."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

import orjson
from confluent_kafka import Consumer

from fraudcore.kafka_client import consumer_config
from fraudcore.settings import KafkaSettings


@dataclass(frozen=True)
class Decided:
    score: float
    decision: str
    end_to_end_ms: float


class ScoredReader:
    def __init__(self, settings: KafkaSettings, topic: str) -> None:
        self.records: dict[str, Decided] = {}
        self.copies = 0  # messages read, redelivered copies included
        self._consumer = Consumer(consumer_config(settings, f"live-eval-{uuid.uuid4().hex[:8]}"))
        self._consumer.subscribe([topic])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="scored-reader", daemon=True)
        self.error: str | None = None

    def start(self) -> ScoredReader:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                for message in self._consumer.consume(2_000, timeout=0.2):
                    if message.error():
                        raise RuntimeError(str(message.error()))
                    record = orjson.loads(message.value() or b"{}")
                    self.copies += 1
                    self.records[record["transaction"]["transaction_id"]] = Decided(
                        record["score"], record["decision"], record["timings"]["end_to_end_ms"]
                    )
        except Exception as error:
            self.error = repr(error)
        finally:
            self._consumer.close()

    def wait_for(self, count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while len(self.records) < count and time.monotonic() < deadline and self.error is None:
            time.sleep(0.2)
        if self.error is not None:
            raise RuntimeError(f"reading the scored topic failed: {self.error}")
        if len(self.records) < count:
            raise TimeoutError(f"{len(self.records)} of {count} scored records read")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
