"""What a live evaluation runs: how many simulated days, how fast, on which world (apart from
the run itself, which starts local servers: the command's arguments need only this)."""

from __future__ import annotations

from dataclasses import dataclass

from fraudcore.clock import DAY_S

LONGEST_LABEL_DAYS = 40.0  # chargebacks come after weeks at most: the label tail's time budget


@dataclass(frozen=True)
class LivePlan:
    days: float = 14.0  # simulated days of live traffic after the warm start
    speed: float = 1_440.0  # simulated seconds per real second: a simulated day a minute
    history_days: int = 56  # the model card's test week starts here
    seed: int = 42
    customers: int = 10_000
    scoring_mode: str = "remote"
    label_tail_speed: float = 14_400.0  # after the last payment: a simulated day in 6 s

    @property
    def stream_s(self) -> float:
        return self.days * DAY_S / self.speed

    @property
    def tail_s(self) -> float:
        return LONGEST_LABEL_DAYS * DAY_S / self.label_tail_speed
