"""A shifted world: from a given simulated moment, something about the world changes, as drift
before labels has to notice (issue 22). Applied to the simulator's day batches after they are
made, so the unshifted world is the simulator's own output, byte for byte.

- ``spending``: a share of customers (chosen once, from the seed) pay ``factor`` times as much in
  their genuine payments from then on, as after a price rise or a change of habits; a tap over
  the contactless limit becomes a chip-and-PIN payment and ATM withdrawals stay in tens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from fraud_simulator.batch import ATM, CONTACTLESS, POS, TxBatch
from fraud_simulator.simulator import CONTACTLESS_LIMIT
from fraud_simulator.world import World

ShiftKind = Literal["spending"]
SHIFT_KINDS: tuple[ShiftKind, ...] = ("spending",)
_STREAM = 0x5F1F7  # the shift's own random stream: the world's draws are left as they were


@dataclass(frozen=True)
class WorldShift:
    kind: ShiftKind
    start_s: float  # simulated seconds since the world's start: payments from then on change
    seed: int
    share: float = 0.5  # of customers
    factor: float = 3.0  # their amounts are multiplied by this

    def __post_init__(self) -> None:
        if self.kind not in SHIFT_KINDS:
            raise ValueError(f"unknown shift {self.kind!r}: one of {', '.join(SHIFT_KINDS)}")
        if not 0 < self.share <= 1:
            raise ValueError(f"a shift's share of customers is in (0, 1], not {self.share}")
        if self.factor <= 0 or self.factor == 1:
            raise ValueError(f"a spending factor is positive and not 1, not {self.factor}")
        if self.start_s < 0:
            raise ValueError("a shift starts at or after the world's start")

    def customers(self, world: World) -> npt.NDArray[np.bool_]:
        """Which customers the shift changes (the same ones for a given seed and world)."""
        rng = np.random.default_rng([self.seed, _STREAM])
        return rng.random(world.n_customers) < self.share

    def apply(self, batch: TxBatch, world: World) -> TxBatch:
        """The batch as the shifted world has it (the same batch when nothing in it changes)."""
        late = batch.t >= self.start_s
        if not late.any():
            return batch
        who = self.customers(world)[world.card_customer[batch.card]]
        changed = late & who & ~batch.is_fraud  # fraudsters' amounts follow their own scenario
        if not changed.any():
            return batch
        amount = batch.amount.copy()
        scaled = amount[changed] * self.factor
        atm = batch.channel[changed] == ATM
        scaled = np.where(atm, np.maximum(np.round(scaled / 10.0) * 10.0, 20.0), scaled)
        amount[changed] = np.clip(np.round(scaled, 2), 0.5, 25_000.0)
        channel = batch.channel.copy()
        channel[changed & (channel == CONTACTLESS) & (amount > CONTACTLESS_LIMIT)] = POS
        return batch.with_columns(amount=amount, channel=channel)
