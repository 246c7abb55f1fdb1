"""Flags are what a rule may use as a condition: each is only ever 0, 1 or NaN when a world is
replayed (and takes both values, so the check sees real columns)."""

import numpy as np

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.features.kinds import FLAG_FEATURES


def test_flags_are_zero_one_or_undefined() -> None:
    rows = replay(generate(DatasetSpec(days=2, customers=300, seed=5))).astype(np.float32)
    for name in sorted(FLAG_FEATURES):
        column = rows[:, FEATURE_NAMES.index(name)]
        assert set(np.unique(column[~np.isnan(column)]).tolist()) == {0.0, 1.0}, name
