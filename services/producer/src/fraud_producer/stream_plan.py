"""What a stream is asked for (``StreamPlan``), what it reports (``StreamReport``) and how it fails
for good (``StreamFailedError``): shared by the stream, its world pace and the CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Literal

from fraud_producer.world_feed import DEFAULT_HISTORY_DAYS, WorldSpec
from fraud_simulator.dataset import DEFAULT_START
from fraud_simulator.shift import ShiftKind, WorldShift
from fraud_simulator.simulator import DAY_S

Pace = Literal["world", "steady"]
# Logged when start-up is over and the clock starts: a benchmark reads every other process's
# CPU from this line on, over the window the stream's own ``cpu_s`` covers.
CLOCK_STARTED = "clock started"


class StreamFailedError(RuntimeError):
    """Kafka refused us for good (credentials, rights): nothing more can be sent."""


@dataclass(frozen=True)
class StreamPlan:
    rate_tps: float  # steady: the rate; world: the average rate the speed is derived from
    count: int | None = None
    duration_s: float | None = None
    seed: int = 42
    customers: int = 10_000
    label_delay_s: float | None = None  # steady only (default 30 s); world: the world's own
    poison_rate: float = 0.0
    send_labels: bool = True
    run_id: str | None = None  # ids "tx-<run_id>-<n>"; default: random (steady), seed (world)
    pace: Pace = "world"
    speed: float | None = None  # world: simulated s per real s; default rate / natural pace
    history_days: int = DEFAULT_HISTORY_DAYS  # world: live traffic begins on this day
    world_start: dt.date = DEFAULT_START
    days: float | None = None  # world: stop after this many simulated days
    # world, with days: after the last payment, labels only at this speed until none is owed
    label_tail_speed: float | None = None
    flush_timeout_s: float = 30.0  # at the end, wait this long for the last deliveries
    # world: from this many simulated hours after the live start, the world changes (drift)
    shift: ShiftKind | None = None
    shift_after_h: float = 0.0
    shift_share: float = 0.5
    shift_factor: float = 3.0

    def __post_init__(self) -> None:
        if self.pace == "world" and self.label_delay_s is not None:
            raise ValueError(
                "a label delay is for the steady pace: the world sends each label after its own "
                "delay on the simulated clock"
            )
        if self.pace == "steady" and (self.speed is not None or self.days is not None):
            raise ValueError("speed and days belong to the world pace, not the steady one")
        if self.shift is not None and self.pace != "world":
            raise ValueError("a shift of the world belongs to the world pace, not the steady one")
        if self.shift_after_h < 0:
            raise ValueError("a shift starts at or after the live start (--shift-after-hours >= 0)")
        self.world_shift  # noqa: B018 -- a bad share or factor fails here, before streaming
        if self.label_tail_speed is not None and (self.days is None or self.label_tail_speed <= 0):
            raise ValueError(
                "a label tail follows the last of --days simulated days, at a positive speed"
            )

    @property
    def world_shift(self) -> WorldShift | None:
        if self.shift is None:
            return None
        start_s = self.history_days * DAY_S + self.shift_after_h * 3600.0
        return WorldShift(self.shift, start_s, self.seed, self.shift_share, self.shift_factor)

    @property
    def world(self) -> WorldSpec:
        return WorldSpec(
            self.seed, self.customers, self.world_start, self.history_days, self.run_id
        )


@dataclass
class StreamReport:
    run_id: str
    pace: str = "world"
    transactions: int = 0
    poison: int = 0
    labels: int = 0
    labels_dropped: int = 0
    labels_after_end: int = 0  # sent by the label tail, after the last payment
    delivery_errors: int = 0
    undelivered: int = 0  # still queued when the final flush gave up: never sent
    elapsed_s: float = 0.0
    cpu_s: float = 0.0  # CPU (every thread) from the clock's start to the final flush
    speed: float = 0.0
    world_from: str | None = None  # simulated time span streamed (world pace)
    world_to: str | None = None
    by_scenario: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_tps(self) -> float:
        return self.transactions / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def to_json(self) -> str:
        return json.dumps({**dataclasses.asdict(self), "achieved_tps": round(self.achieved_tps, 1)})
