"""Live traffic to Kafka: transactions, and their labels when they are due.

Two paces (``StreamPlan.pace``):

- ``world`` (the default, what ``make dev``, compose and the charts run): the simulated world on
  its own clock (clock.py), continuing the history a warm start loaded (world_feed.py). Event
  time is the world's time, each payment is sent when the clock reaches it, and each label when
  the clock reaches its own arrival time: features and label delays have the distributions the
  model was trained on.
- ``steady`` (steady_pace.py): a load generator for benchmarks and fault injection. A constant
  rate, event time = the moment of sending, labels a fixed ``label_delay_s`` later; the features
  it produces are not meant to resemble training.

In both, every message carries its produce timestamp header: end-to-end latency is real time.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Mapping
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from fraud_producer.poison import pick_kind, poison_message
from fraud_producer.settings import ProducerSettings
from fraud_producer.steady_pace import run_steady
from fraud_producer.stream_metrics import stream_metrics
from fraud_producer.stream_plan import (
    CLOCK_STARTED,
    StreamFailedError,
    StreamPlan,
    StreamReport,
)
from fraud_producer.wire import Prepared, stamp, transaction_json
from fraud_producer.world_pace import run_world
from fraudcore.kafka_client import CONFIGURATION_ERRORS, PRODUCED_AT_HEADER, producer_config
from fraudcore.schemas import Label, format_time

log = logging.getLogger(__name__)
TOPICS_WAIT_S = 60.0
Headers = list[tuple[str, str | bytes | None]]


class TransactionStream:
    def __init__(self, settings: ProducerSettings, plan: StreamPlan) -> None:
        self.settings = settings
        self.plan = plan
        run_id = plan.run_id or (str(plan.seed) if plan.pace == "world" else uuid.uuid4().hex[:12])
        self.report = StreamReport(run_id=run_id, pace=plan.pace)
        self.metrics = stream_metrics()
        self.fatal: str | None = None
        self.producer = Producer(producer_config(settings, error_cb=self._on_kafka_error))
        self.random = random.Random(plan.seed)  # poison choices only
        self.scenarios: Counter[str] = Counter()
        self._sent_by_scenario: dict[str, Any] = {}  # metric children, looked up once each
        self._cpu_began: float | None = None

    def _on_kafka_error(self, error: KafkaError) -> None:
        # Wrong credentials or missing rights never heal by retrying: stop instead of buffering.
        if error.fatal() or error.code() in CONFIGURATION_ERRORS:
            self.fatal = f"Kafka {error.name()}: {error.str()}"
        else:
            log.warning("Kafka: %s", error.str())

    def readiness(self) -> tuple[bool, str]:
        """Ready while deliveries succeed; not after errors (Kafka unreachable or refusing)."""
        if self.report.delivery_errors:
            return False, f"{self.report.delivery_errors} delivery errors"
        return True, f"{self.report.transactions} transactions sent"

    def check(self) -> None:
        if self.fatal:
            raise StreamFailedError(self.fatal)

    def _on_delivery(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self.report.delivery_errors += 1
            self.metrics.errors.labels(topic=message.topic()).inc()
            log.error("delivery to %s failed: %s", message.topic(), error)
            return
        latency = message.latency()
        if latency is not None:
            self.metrics.latency.observe(latency)

    def _produce(
        self, topic: str, key: bytes, value: bytes, headers: Headers | None = None
    ) -> None:
        headers = headers or produced_now()
        while True:
            try:
                self.producer.produce(
                    topic, value, key, headers=headers, on_delivery=self._on_delivery
                )
                return
            except BufferError:  # local queue full: let deliveries drain, then retry
                self.producer.poll(0.05)

    def send_transaction(self, fields: dict[str, Any], scenario: str, at: dt.datetime) -> bytes:
        """Sends the payment with event time ``at``; returns its key (the card id)."""
        key = str(fields["card_id"]).encode()
        self._produce(self.settings.topic_transactions, key, transaction_json(fields, at))
        self._count({scenario: 1})
        if self.plan.poison_rate and self.random.random() < self.plan.poison_rate:
            self._poison(key, fields, at)
        return key

    def send_prepared(self, burst: list[Prepared], at: dt.datetime) -> None:
        """Payments encoded ahead, sent as one burst at ``at``: its event time and produce
        time are all of theirs (they leave within microseconds of each other)."""
        event_time, headers = stamp(at), produced_now()
        topic = self.settings.topic_transactions
        for payment in burst:
            self._produce(topic, payment.key, payment.value(event_time), headers)
        self._count(Counter(payment.scenario for payment in burst))
        for payment in burst if self.plan.poison_rate else ():
            if self.random.random() < self.plan.poison_rate:
                self._poison(payment.key, payment.fields(), at)

    def _count(self, sent: Mapping[str, int]) -> None:
        for scenario, n in sent.items():
            self.report.transactions += n
            self.scenarios[scenario] += n
            counter = self._sent_by_scenario.get(scenario)
            if counter is None:
                counter = self.metrics.transactions.labels(scenario)
                self._sent_by_scenario[scenario] = counter
            counter.inc(n)

    def _poison(self, key: bytes, fields: dict[str, Any], at: dt.datetime) -> None:
        """A malformed message after the payment it is derived from."""
        kind = pick_kind(self.random)
        plain = {**fields, "event_time": format_time(at), "channel": str(fields["channel"])}
        self._produce(self.settings.topic_transactions, key, poison_message(kind, plain))
        self.report.poison += 1
        self.metrics.poison.labels(kind=kind).inc()

    def send_label(self, key: bytes, transaction_id: str, scenario: str, at: dt.datetime) -> None:
        is_fraud = scenario != "genuine"
        label = Label.model_construct(
            schema_version=1,
            transaction_id=transaction_id,
            is_fraud=is_fraud,
            scenario=scenario,
            labelled_at=at,
        )
        self._produce(self.settings.topic_labels, key, label.model_dump_json().encode())
        self.report.labels += 1
        self.metrics.labels.labels(is_fraud=str(is_fraud).lower()).inc()

    def limit_reached(self, elapsed_s: float) -> bool:
        plan = self.plan
        if plan.count is not None and self.report.transactions >= plan.count:
            return True
        return plan.duration_s is not None and elapsed_s >= plan.duration_s

    def clock_starts(self) -> None:
        """Start-up (imports, the world, its first day) is over: the CPU the report counts, per
        payment sent, starts here and ends with the final flush."""
        self._cpu_began = time.process_time()
        log.info("%s (run %s)", CLOCK_STARTED, self.report.run_id)

    def wait_for_topics(self, timeout_s: float = TOPICS_WAIT_S) -> None:
        """Topics made just before us (compose's kafka-init, a chart's hook) may not be in the
        broker's metadata yet, and producing then fails on an unknown topic: wait for them. While
        Kafka does not answer at all we wait as before (not ready); once it answers, topics
        still missing after ``timeout_s`` are an error."""
        wanted = {self.settings.topic_transactions}
        if self.plan.send_labels:
            wanted.add(self.settings.topic_labels)
        answered_at: float | None = None
        while True:
            self.producer.poll(0)  # serves the error callback: wrong credentials stop us here
            self.check()
            present = self._topics_with_partitions()
            if present is not None:
                missing = sorted(wanted - present)
                if not missing:
                    return
                answered_at = answered_at or time.monotonic()
                if time.monotonic() - answered_at > timeout_s:
                    raise StreamFailedError(
                        f"topics {missing} do not exist after {timeout_s:.0f} s"
                    )
                log.info("waiting for topics %s to exist", missing)
            time.sleep(1.0)

    def _topics_with_partitions(self) -> set[str] | None:
        """The topics the broker knows with partitions; None when Kafka does not answer."""
        try:  # every topic: asking for one by name may create it where the broker allows that
            metadata = self.producer.list_topics(timeout=5)
        except KafkaException as failure:
            log.warning("Kafka metadata: %s", failure)
            return None
        topics = metadata.topics.items()
        return {name for name, topic in topics if topic.error is None and topic.partitions}

    def run(self, stop: threading.Event | None = None) -> StreamReport:
        stop = stop or threading.Event()
        self.wait_for_topics()
        began = time.monotonic()
        if self.plan.pace == "world":
            run_world(self, stop)
        else:
            run_steady(self, stop)
        self.report.undelivered = self.producer.flush(self.plan.flush_timeout_s)
        if self._cpu_began is not None:
            self.report.cpu_s = round(time.process_time() - self._cpu_began, 3)
        if self.report.undelivered:
            log.error(
                "%d messages still undelivered after %.0f s: they are lost",
                self.report.undelivered,
                self.plan.flush_timeout_s,
            )
        self.report.by_scenario = dict(sorted(self.scenarios.items()))
        log.info("stopped after %.1f s: %s", time.monotonic() - began, self.report.to_json())
        return self.report


def produced_now() -> Headers:
    """The produce-time header end-to-end latency is measured from."""
    return [(PRODUCED_AT_HEADER, str(time.time_ns()).encode())]
