"""Live traffic: simulated transactions sent to Kafka at a steady rate, labels after a delay.

Event time is the moment of sending. The simulated world keeps its own order of events (bursts
stay bursts), but live time runs as fast as the requested rate demands: at rates far above the
world's natural pace, a card's payments come closer together than they would in reality.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError, Message, Producer
from prometheus_client import Gauge, Histogram

from fraud_producer.poison import POISON_KINDS, pick_kind, poison_message
from fraud_producer.settings import ProducerSettings
from fraud_simulator.catalog import GENUINE, SCENARIOS
from fraud_simulator.records import iter_events, start_of_day
from fraud_simulator.simulator import Simulator
from fraud_simulator.world import WorldSize, build_world
from fraudcore import metrics
from fraudcore.kafka_client import CONFIGURATION_ERRORS, PRODUCED_AT_HEADER, producer_config
from fraudcore.schemas import Channel, Label, Transaction, utcnow

log = logging.getLogger(__name__)


class StreamFailedError(RuntimeError):
    """Kafka refused us for good (credentials, rights): nothing more can be sent."""


@dataclass(frozen=True)
class StreamPlan:
    rate_tps: float
    count: int | None = None
    duration_s: float | None = None
    seed: int = 42
    customers: int = 10_000
    label_delay_s: float = 30.0
    poison_rate: float = 0.0
    send_labels: bool = True
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


@dataclass
class StreamReport:
    run_id: str
    transactions: int = 0
    poison: int = 0
    labels: int = 0
    labels_dropped: int = 0
    delivery_errors: int = 0
    elapsed_s: float = 0.0
    by_scenario: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_tps(self) -> float:
        return self.transactions / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_json(self) -> str:
        return json.dumps({**dataclasses.asdict(self), "achieved_tps": round(self.achieved_tps, 1)})


@dataclass(frozen=True)
class _PendingLabel:
    due: float
    key: bytes
    transaction_id: str
    scenario: str


class _Metrics:
    def __init__(self) -> None:
        self.transactions: Any = metrics.PRODUCER_TRANSACTIONS.create()
        self.labels: Any = metrics.PRODUCER_LABELS.create()
        self.poison: Any = metrics.PRODUCER_POISON.create()
        self.errors: Any = metrics.PRODUCER_DELIVERY_ERRORS.create()
        self.latency: Histogram = metrics.PRODUCER_DELIVERY_LATENCY.create()  # type: ignore[assignment]
        self.rate: Gauge = metrics.PRODUCER_TARGET_RATE.create()  # type: ignore[assignment]
        # Every known label value at zero from the start: rate() then reads 0, not nothing.
        for scenario in (GENUINE, *SCENARIOS):
            self.transactions.labels(scenario=scenario)
        for kind in POISON_KINDS:
            self.poison.labels(kind=kind)
        for is_fraud in ("true", "false"):
            self.labels.labels(is_fraud=is_fraud)


_METRICS: _Metrics | None = None


def _metrics() -> _Metrics:
    global _METRICS  # noqa: PLW0603 - one set of collectors per process (prometheus registry)
    if _METRICS is None:
        _METRICS = _Metrics()
    return _METRICS


class TransactionStream:
    def __init__(self, settings: ProducerSettings, plan: StreamPlan) -> None:
        self.settings = settings
        self.plan = plan
        self.report = StreamReport(run_id=plan.run_id)
        self.metrics = _metrics()
        self.fatal: str | None = None
        self.producer = Producer(producer_config(settings, error_cb=self._on_kafka_error))
        self.pending: deque[_PendingLabel] = deque()
        self.random = random.Random(plan.seed)  # poison choices only
        self.scenarios: Counter[str] = Counter()

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

    def _events(self) -> Iterator[tuple[dict[str, Any], str]]:
        """The world is built here, at the call, so callers can start their clocks after it."""
        world = build_world(self.plan.seed, WorldSize(customers=self.plan.customers))
        sim = Simulator(world, self.plan.seed, start_of_day(utcnow().date()))
        return self._simulate(sim)

    def _simulate(self, sim: Simulator) -> Iterator[tuple[dict[str, Any], str]]:
        first = 0
        for batch in sim.days():
            for fields, scenario, _ in iter_events(sim, batch, f"tx-{self.plan.run_id}", first):
                yield fields, scenario
            first += len(batch)

    def _on_delivery(self, error: KafkaError | None, message: Message) -> None:
        if error is not None:
            self.report.delivery_errors += 1
            self.metrics.errors.labels(topic=message.topic()).inc()
            log.error("delivery to %s failed: %s", message.topic(), error)
            return
        latency = message.latency()
        if latency is not None:
            self.metrics.latency.observe(latency)

    def _produce(self, topic: str, key: bytes, value: bytes) -> None:
        headers: list[tuple[str, str | bytes | None]] = [
            (PRODUCED_AT_HEADER, str(time.time_ns()).encode())
        ]
        while True:
            try:
                self.producer.produce(
                    topic, value, key, headers=headers, on_delivery=self._on_delivery
                )
                return
            except BufferError:  # local queue full: let deliveries drain, then retry
                self.producer.poll(0.05)

    def _send_transaction(self, fields: dict[str, Any], scenario: str) -> None:
        fields["channel"] = Channel(fields["channel"])
        tx = Transaction.model_construct(schema_version=1, event_time=utcnow(), **fields)
        key = str(fields["card_id"]).encode()
        self._produce(self.settings.topic_transactions, key, tx.model_dump_json().encode())
        self.report.transactions += 1
        self.scenarios[scenario] += 1
        self.metrics.transactions.labels(scenario=scenario).inc()
        if self.plan.send_labels:
            self.pending.append(
                _PendingLabel(
                    time.monotonic() + self.plan.label_delay_s,
                    key,
                    str(fields["transaction_id"]),
                    scenario,
                )
            )
        if self.plan.poison_rate and self.random.random() < self.plan.poison_rate:
            kind = pick_kind(self.random)
            plain = {
                **fields,
                "event_time": tx.event_time.isoformat(),
                "channel": str(fields["channel"]),
            }
            self._produce(self.settings.topic_transactions, key, poison_message(kind, plain))
            self.report.poison += 1
            self.metrics.poison.labels(kind=kind).inc()

    def _send_due_labels(self, now: float) -> None:
        while self.pending and self.pending[0].due <= now:
            item = self.pending.popleft()
            is_fraud = item.scenario != "genuine"
            label = Label.model_construct(
                schema_version=1,
                transaction_id=item.transaction_id,
                is_fraud=is_fraud,
                scenario=item.scenario,
                labelled_at=utcnow(),
            )
            self._produce(self.settings.topic_labels, item.key, label.model_dump_json().encode())
            self.report.labels += 1
            self.metrics.labels.labels(is_fraud=str(is_fraud).lower()).inc()

    def run(self, stop: threading.Event | None = None) -> StreamReport:
        stop = stop or threading.Event()
        plan, rate = self.plan, self.plan.rate_tps
        self.metrics.rate.set(rate)
        events = self._events()  # before the clock: building the world takes seconds
        start = time.monotonic()
        log.info("streaming at %.0f tx/s (run %s)", rate, plan.run_id)
        while not stop.is_set():
            if self.fatal:
                raise StreamFailedError(self.fatal)
            now = time.monotonic()
            elapsed = now - start
            if plan.count is not None and self.report.transactions >= plan.count:
                break
            if plan.duration_s is not None and elapsed >= plan.duration_s:
                break
            due = int(elapsed * rate) + 1
            if plan.count is not None:
                due = min(due, plan.count)
            while self.report.transactions < due:
                fields, scenario = next(events)
                self._send_transaction(fields, scenario)
            self._send_due_labels(now)
            self.producer.poll(0)
            wake = start + self.report.transactions / rate
            stop.wait(min(max(0.0, wake - time.monotonic()), 0.1))
        self.report.elapsed_s = time.monotonic() - start
        self._drain_labels(stop)
        self.producer.flush(30)
        self.report.by_scenario = dict(sorted(self.scenarios.items()))
        return self.report

    def _drain_labels(self, stop: threading.Event) -> None:
        """Labels still owed are sent when due; on shutdown the undelivered ones are counted."""
        while self.pending and not stop.is_set():
            stop.wait(max(0.0, min(self.pending[0].due - time.monotonic(), 0.5)))
            self._send_due_labels(time.monotonic())
            self.producer.poll(0)
        self.report.labels_dropped = len(self.pending)
        if self.pending:
            log.warning(
                "%d labels were not yet due at shutdown and were not sent", len(self.pending)
            )
