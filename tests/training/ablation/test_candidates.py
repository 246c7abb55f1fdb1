"""The candidate features replayed over a world: the habits' online function, payment by
payment in event-time order, each card reading only its earlier payments."""

import math

import numpy as np
import pandas as pd

from fraud_simulator.dataset import DatasetSpec, generate
from fraud_training.ablation.candidates import CANDIDATES, GROUPS, replay_candidates


def test_every_candidate_is_in_one_group() -> None:
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(CANDIDATES)
    assert len(set(grouped)) == len(grouped)


def test_candidates_read_only_each_cards_earlier_payments() -> None:
    table = generate(DatasetSpec(days=6, seed=7, customers=300))
    table = table.sort_values("event_time", kind="stable", ignore_index=True)
    values, cpu_s = replay_candidates(table)
    assert values.shape == (len(table), len(CANDIDATES))
    assert cpu_s > 0
    scale = values[:, CANDIDATES.index("amount_vs_card_scale")]
    # Defined exactly when the shop has earlier payments (its typical amount) and the card has
    # three earlier payments at such shops (its scale): nothing later leaks in.
    shop_known = (table.groupby("merchant_id").cumcount() > 0).to_numpy()
    baseline = pd.Series(shop_known, dtype=int).groupby(table["card_id"].to_numpy()).cumsum()
    earlier_baseline = baseline.to_numpy() - shop_known
    assert (np.isfinite(scale) == (shop_known & (earlier_baseline >= 3))).all()
    assert not math.isnan(float(np.nanmean(values[:, CANDIDATES.index("hour_surprise")])))
