"""The world from a given day on, in simulated time: live traffic continues the same world (same
seed, same start date, same transaction ids) that a history export or a training dataset holds.

Days before the live start are simulated again, silently (the simulator's state, trips and
ongoing incidents, carries from day to day), and the labels of those days' payments that arrive
after the live start are kept: they come due on the live clock like every other label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from fraud_producer.clock import natural_pace
from fraud_simulator.dataset import DEFAULT_START
from fraud_simulator.records import (
    SCENARIO_NAMES,
    event_micros,
    iter_events,
    label_micros,
    start_of_day,
)
from fraud_simulator.shift import WorldShift
from fraud_simulator.simulator import DAY_S, Simulator
from fraud_simulator.world import WorldSize, build_world

DEFAULT_HISTORY_DAYS = 56  # the model card's test week starts after 56 days of history


@dataclass(frozen=True)
class WorldSpec:
    seed: int = 42
    customers: int = WorldSize().customers
    start: dt.date = DEFAULT_START
    history_days: int = DEFAULT_HISTORY_DAYS  # live traffic begins on this day of the world
    run_id: str | None = None  # transaction ids "tx-<run_id>-<n>"; default: the seed's, as datasets

    @property
    def id_prefix(self) -> str:
        return f"tx-{self.seed if self.run_id is None else self.run_id}"

    @property
    def cutoff(self) -> dt.datetime:
        return start_of_day(self.start) + dt.timedelta(days=self.history_days)


@dataclass(frozen=True)
class LiveEvent:
    event_us: int  # simulated microseconds since the world's start
    label_us: int  # when its label arrives, on the same clock
    fields: dict[str, Any]  # the transaction without its event_time
    scenario: str


@dataclass(frozen=True)
class OwedLabel:
    """A label of a history payment that arrives after the live start."""

    label_us: int
    transaction_id: str
    card_id: str
    scenario: str


class WorldFeed:
    def __init__(self, spec: WorldSpec, shift: WorldShift | None = None) -> None:
        self.spec = spec
        self.shift = shift  # changes live payments only: the history stays the one exported
        world = build_world(spec.seed, WorldSize(customers=spec.customers))
        self.sim = Simulator(world, spec.seed, start_of_day(spec.start))
        self.pace = natural_pace(world)
        self.begin_us = round(spec.history_days * DAY_S * 1e6)
        self.owed: list[OwedLabel] = []
        self.first = 0  # index of the first live transaction
        for _ in range(spec.history_days):
            self._skip_day()

    def _skip_day(self) -> None:
        batch = self.sim.next_day()
        arrive = label_micros(batch)
        late = np.flatnonzero(arrive >= self.begin_us)
        cards = self.sim.world.card_id[batch.card[late]]
        for row, card, scenario in zip(
            late.tolist(), cards, SCENARIO_NAMES[batch.scenario[late]], strict=True
        ):
            tx_id = f"{self.spec.id_prefix}-{self.first + row:010d}"
            self.owed.append(OwedLabel(int(arrive[row]), tx_id, str(card), str(scenario)))
        self.first += len(batch)

    def moment(self, micros: float) -> dt.datetime:
        """The world's date and time at ``micros`` simulated microseconds since its start."""
        return self.sim.start + dt.timedelta(microseconds=int(micros))

    def events(self) -> Iterator[LiveEvent]:
        """Every payment from the live start on, in event-time order, for ever."""
        first = self.first
        for day in self.sim.days():
            batch = day if self.shift is None else self.shift.apply(day, self.sim.world)
            events, labels = event_micros(batch).tolist(), label_micros(batch).tolist()
            rows = iter_events(self.sim, batch, self.spec.id_prefix, first)
            for (fields, scenario, _), event_us, label_us in zip(rows, events, labels, strict=True):
                yield LiveEvent(event_us, label_us, fields, scenario)
            first += len(batch)
