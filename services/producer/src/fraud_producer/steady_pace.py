"""The steady pace: the load generator of benchmarks and fault injection. A constant rate, event
time = the moment of sending, labels a fixed delay later.

What it costs per payment is what the benchmark's driver takes from the platform it measures, so
its work is done before the clock where it can be: the payments a bounded run will send are
simulated and encoded ahead (``wire.prepare``), and the loop wakes at most every TICK_S to send
every payment then due, stamped with that moment (one event time and produce time per burst)."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from fraud_producer.stream_plan import StreamPlan
from fraud_producer.wire import Prepared, prepare
from fraud_producer.world_pace import PacedStream
from fraud_simulator.records import iter_events, start_of_day
from fraud_simulator.simulator import Simulator
from fraud_simulator.world import WorldSize, build_world
from fraudcore.schemas import utcnow

log = logging.getLogger(__name__)
STEADY_LABEL_DELAY_S = 30.0
# A wake per payment cost more than the payment (at 5,000 tx/s one every 200 us): a payment
# leaves at most this late, never early, in bursts of rate x TICK_S.
TICK_S = 0.001
PREPARED_MAX = 200_000  # payments encoded before the clock, at most (about 100 MB)


@dataclass(frozen=True)
class PendingLabel:
    due: float
    key: bytes
    transaction_id: str
    scenario: str


class SteadyStream(PacedStream, Protocol):
    """What the steady pace drives of a stream (``fraud_producer.stream.TransactionStream``)."""

    def send_prepared(self, burst: list[Prepared], at: dt.datetime) -> None: ...


def planned(plan: StreamPlan) -> int:
    """Payments a bounded run will send (one when unbounded: the rest are prepared as sent)."""
    if plan.count is not None:
        return plan.count
    if plan.duration_s is not None:
        return int(plan.duration_s * plan.rate_tps) + 1
    return 1


def payments(plan: StreamPlan, run_id: str) -> Iterator[Prepared]:
    """The simulated world's payments, day after day, encoded, ids tx-<run_id>-<n>."""
    world = build_world(plan.seed, WorldSize(customers=plan.customers))
    sim = Simulator(world, plan.seed, start_of_day(utcnow().date()))
    first = 0
    for batch in sim.days():
        for fields, scenario, _ in iter_events(sim, batch, f"tx-{run_id}", first):
            yield prepare(fields, scenario)
        first += len(batch)


def run_steady(stream: SteadyStream, stop: threading.Event) -> None:
    plan, rate, report = stream.plan, stream.plan.rate_tps, stream.report
    delay = STEADY_LABEL_DELAY_S if plan.label_delay_s is None else plan.label_delay_s
    stream.metrics.rate.set(rate)
    source = payments(plan, report.run_id)
    ahead = deque(itertools.islice(source, min(planned(plan), PREPARED_MAX)))  # before the clock
    pending: deque[PendingLabel] = deque()
    stream.clock_starts()
    start = time.monotonic()
    while not stop.is_set():
        stream.check()
        now = time.monotonic()
        if stream.limit_reached(now - start):
            break
        due = int((now - start) * rate) + 1
        if plan.count is not None:
            due = min(due, plan.count)
        if (owed := due - report.transactions) > 0:
            burst = [ahead.popleft() if ahead else next(source) for _ in range(owed)]
            stream.send_prepared(burst, utcnow())
            if plan.send_labels:
                at = time.monotonic() + delay
                pending += (PendingLabel(at, p.key, p.transaction_id, p.scenario) for p in burst)
        send_due(stream, pending, now)
        stream.producer.poll(0)
        wake = start + report.transactions / rate
        stop.wait(min(max(TICK_S, wake - time.monotonic()), 0.1))
    report.elapsed_s = time.monotonic() - start
    # Labels still owed are sent when due; on shutdown the undelivered ones are counted.
    while pending and not stop.is_set():
        stop.wait(max(0.0, min(pending[0].due - time.monotonic(), 0.5)))
        send_due(stream, pending, time.monotonic())
        stream.producer.poll(0)
    report.labels_dropped = len(pending)
    if pending:
        log.warning("%d labels were not yet due at shutdown and were not sent", len(pending))


def send_due(stream: SteadyStream, pending: deque[PendingLabel], now: float) -> None:
    while pending and pending[0].due <= now:
        item = pending.popleft()
        stream.send_label(item.key, item.transaction_id, item.scenario, utcnow())
