"""The world pace: payments and labels sent when the simulated clock reaches them."""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import math
import threading
import time
from dataclasses import replace
from typing import Any, Protocol

from confluent_kafka import Producer

from fraud_producer.clock import SimClock
from fraud_producer.stream_metrics import StreamMetrics
from fraud_producer.stream_plan import StreamPlan, StreamReport
from fraud_producer.world_feed import WorldFeed
from fraud_simulator.simulator import DAY_S
from fraudcore.schemas import format_time

log = logging.getLogger(__name__)
MAX_SLEEP_S = 0.1  # stop requests and Kafka callbacks are served at least this often
# A label owed, by arrival time: (when, sequence, key, transaction id, scenario).
Owed = tuple[int, int, bytes, str, str]


class PacedStream(Protocol):
    """What the world pace drives of a stream (``fraud_producer.stream.TransactionStream``)."""

    plan: StreamPlan
    report: StreamReport
    metrics: StreamMetrics
    producer: Producer

    def check(self) -> None: ...

    def clock_starts(self) -> None: ...

    def limit_reached(self, elapsed_s: float) -> bool: ...

    def send_transaction(self, fields: dict[str, Any], scenario: str, at: dt.datetime) -> bytes: ...

    def send_label(
        self, key: bytes, transaction_id: str, scenario: str, at: dt.datetime
    ) -> None: ...


def run_world(stream: PacedStream, stop: threading.Event) -> None:
    plan, report, metrics = stream.plan, stream.report, stream.metrics
    # Built before the clock starts: simulating the history again takes seconds.
    feed = WorldFeed(replace(plan.world, run_id=report.run_id), plan.world_shift)
    speed = plan.speed if plan.speed is not None else plan.rate_tps / feed.pace
    report.speed = speed
    metrics.speed.set(speed)
    metrics.rate.set(speed * feed.pace)
    labels: list[Owed] = [
        (owed.label_us, n, owed.card_id.encode(), owed.transaction_id, owed.scenario)
        for n, owed in enumerate(feed.owed)
    ]
    heapq.heapify(labels)
    sequence = len(labels)
    end_us = feed.begin_us + plan.days * DAY_S * 1e6 if plan.days is not None else math.inf
    events = feed.events()
    upcoming = next(events)
    stream.clock_starts()
    clock = SimClock(feed.begin_us, speed)
    report.world_from = format_time(feed.moment(feed.begin_us))
    log.info(
        "world from %s at %.0fx (about %.0f tx/s), %d labels of the history still owed (run %s)",
        report.world_from, speed, speed * feed.pace, len(labels), report.run_id,
    )  # fmt: skip
    now_us = float(feed.begin_us)
    while not stop.is_set():
        stream.check()
        now_us = min(clock.now_us(), end_us)
        while (
            upcoming.event_us <= now_us
            and upcoming.event_us < end_us
            and not stream.limit_reached(time.monotonic() - clock.started)
        ):
            key = stream.send_transaction(
                upcoming.fields, upcoming.scenario, feed.moment(upcoming.event_us)
            )
            if plan.send_labels:
                tx_id = str(upcoming.fields["transaction_id"])
                heapq.heappush(labels, (upcoming.label_us, sequence, key, tx_id, upcoming.scenario))
                sequence += 1
            upcoming = next(events)
        _send_due(stream, feed, labels, now_us)
        stream.producer.poll(0)
        metrics.world_time.set(feed.moment(now_us).timestamp())
        if now_us >= end_us or stream.limit_reached(time.monotonic() - clock.started):
            break
        wake = min(upcoming.event_us, labels[0][0] if labels else math.inf)
        stop.wait(min(clock.seconds_until(wake), MAX_SLEEP_S))
    report.elapsed_s = time.monotonic() - clock.started
    report.world_to = format_time(feed.moment(now_us))
    if plan.label_tail_speed is not None and now_us >= end_us:
        _label_tail(stream, feed, labels, plan.label_tail_speed, stop)
    report.labels_dropped = len(labels)  # still owed when the stream stopped: never sent


def _send_due(stream: PacedStream, feed: WorldFeed, labels: list[Owed], now_us: float) -> int:
    sent = 0
    while labels and labels[0][0] <= now_us:
        label_us, _, key, tx_id, scenario = heapq.heappop(labels)
        stream.send_label(key, tx_id, scenario, feed.moment(label_us))
        sent += 1
    return sent


def _label_tail(
    stream: PacedStream, feed: WorldFeed, labels: list[Owed], speed: float, stop: threading.Event
) -> None:
    """After the last payment the clock runs on at the tail's speed, with labels only, until
    every label owed has been sent at its own simulated time: no payment is decided any more, so
    nothing reads what they change before they have all arrived."""
    end_us = round(feed.begin_us + (stream.plan.days or 0.0) * DAY_S * 1e6)
    clock = SimClock(end_us, speed)
    log.info("payments done; %d labels still owed, sent at %.0fx", len(labels), speed)
    while labels and not stop.is_set():
        stream.check()
        now_us = clock.now_us()
        stream.report.labels_after_end += _send_due(stream, feed, labels, now_us)
        stream.producer.poll(0)
        stream.metrics.world_time.set(feed.moment(now_us).timestamp())
        if labels:
            stop.wait(min(clock.seconds_until(labels[0][0]), MAX_SLEEP_S))
