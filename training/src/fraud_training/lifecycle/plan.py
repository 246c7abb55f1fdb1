"""What ``make lifecycle`` runs: a far smaller world than the committed model's (2,000 customers,
so that the loop, two trainings with the full search included, takes about 15 minutes on a
2-core machine), its history, then live traffic in three phases on the world's clock."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class LifecyclePlan:
    seed: int = 42
    customers: int = 2_000  # 5,200 payments a day: 480 frauds in the gate's week, its margin's need
    history_days: int = 56  # the champion's data, and the decision log's past
    # Live traffic with the shift: long enough that the retrain, which leaves out the log's last
    # 8 days (labels to come), then keeps a test week and 8 days of gap, still trains on shifted
    # payments (its training ends about 22 days before the live end), and the gate's window is
    # after the champion's data.
    live_days: int = 28
    shift_after_h: float = 48.0  # two live days as they were: the unshifted drift figure
    shift_factor: float = 3.0
    shift_share: float = 0.7  # amount PSI about 0.32 at factor 3: above the alert line for good
    shadow_days: int = 2  # the candidate as challenger
    promoted_days: int = 1  # the candidate as champion
    speed: float = 8_640.0  # simulated seconds per second: a simulated day in 10 s
    drift_window: int = 2_000  # payments: under a simulated day, each decile holds 200
    gate_days: int = 7
    label_wait_days: int = 8

    @property
    def total_days(self) -> int:
        return self.history_days + self.live_days + self.shadow_days + self.promoted_days

    def as_json(self) -> dict[str, Any]:
        return asdict(self)
