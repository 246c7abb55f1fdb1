"""Candidate features, replayed beside the model's inputs: what a feature would add is measured
before it becomes a model input (a served model must get exactly the inputs it was trained on).

The replay runs the candidates' own online function (``fraudcore.features.habits``) payment by
payment in event-time order, with the merchant's day bucket added after each payment as
``features_and_update`` adds it, so the values are those the consumer would serve.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import numpy as np
import numpy.typing as npt

from fraudcore.features.habits import HABIT_FEATURES, CardHabits, habit_features_and_update
from fraudcore.features.offline import _Replay  # its table -> Payment conversion, not its loop
from fraudcore.features.state import DAY_S, MerchantState

CANDIDATES: tuple[str, ...] = HABIT_FEATURES
# What each group is for; the ablation drops one group at a time from "all".
GROUPS: dict[str, tuple[str, ...]] = {
    "amount_scale": ("amount_vs_card_scale", "amount_scale_z"),
    "amount_run": ("high_amounts_7d", "amount_excess_7d"),
    "hour_habit": ("hour_from_card_usual", "hour_surprise"),
    "category_habit": ("category_share_30d", "log_since_category"),
    "tap_habit": ("card_tap_share",),
}
assert sorted(sum(GROUPS.values(), ())) == sorted(CANDIDATES)  # every candidate in one group


def replay_candidates(table: Any) -> tuple[npt.NDArray[np.float32], float]:
    """The candidates for every row of a world table in event-time order (float32, as the model
    reads them) and the CPU seconds the candidate functions took."""
    source = _Replay(table)
    cards: defaultdict[str, CardHabits] = defaultdict(CardHabits)
    merchants: defaultdict[str, MerchantState] = defaultdict(lambda: MerchantState(track=False))
    out = np.empty((len(source.payments), len(CANDIDATES)), dtype=np.float32)
    began = time.process_time()
    for row, (payment, card, shop) in enumerate(
        zip(source.payments, source.card_ids.tolist(), source.merchant_ids.tolist(), strict=True)
    ):
        merchant = merchants[shop]
        out[row] = habit_features_and_update(payment, cards[card], merchant)
        merchant.add(f"d{int(payment.t // DAY_S)}")
    return out, time.process_time() - began
