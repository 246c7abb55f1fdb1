"""The world's own clock for live traffic: simulated time runs at a speed factor (simulated
seconds per real second), so a card's payments keep the spacing they have in the training data
and labels arrive after their own delays, scaled by the same factor.

The speed follows from the rate asked for: the world makes a known number of payments per
simulated second (its natural pace, about 0.29 for the default 10,000 customers), so 50 payments a
second means a speed of about 175. A bigger world at speed 1 would change what the model sees
per merchant and would need a history far too long to replay, so the world stays the one the
model was trained on and its clock runs faster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from fraud_simulator.simulator import DAY_S, TRAVEL_FACTOR, TRIP_DAYS, WEEKDAY_FACTOR
from fraud_simulator.world import World

MEAN_TRIP_DAYS = (TRIP_DAYS[0] + TRIP_DAYS[1] - 1) / 2


def natural_pace(world: World) -> float:
    """Expected payments per simulated second: each customer's daily rate, averaged over the
    week and raised while travelling (the share of time away in the steady state)."""
    started = world.travel_rate * MEAN_TRIP_DAYS
    away = started / (1.0 + started)
    per_day = world.daily_rate * (1.0 + (TRAVEL_FACTOR - 1.0) * away)
    return float(per_day.sum() * np.mean(WEEKDAY_FACTOR) / DAY_S)


@dataclass
class SimClock:
    """Simulated microseconds since the simulation's start, advancing ``speed`` times faster
    than the monotonic clock from the moment it is created."""

    begin_us: int
    speed: float
    started: float = field(default_factory=time.monotonic)

    def now_us(self) -> float:
        return self.begin_us + (time.monotonic() - self.started) * self.speed * 1e6

    def seconds_until(self, moment_us: float) -> float:
        """Real seconds until the simulated clock reaches ``moment_us`` (0 if it has)."""
        return max(0.0, (moment_us - self.now_us()) / (self.speed * 1e6))

    def elapsed_days(self) -> float:
        return (self.now_us() - self.begin_us) / 1e6 / DAY_S
