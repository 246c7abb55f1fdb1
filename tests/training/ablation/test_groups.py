"""What the ablation varies: every added feature in exactly one group, and the baseline is the
model's inputs without any of them (the inputs of the model before them)."""

from fraud_training.ablation.groups import ADDED, BEFORE, GROUPS
from fraudcore.features import FEATURE_NAMES


def test_every_added_feature_is_in_one_group_and_the_baseline_has_none() -> None:
    grouped = [name for names in GROUPS.values() for name in names]
    assert sorted(grouped) == sorted(ADDED)
    assert len(set(grouped)) == len(grouped)
    assert set(ADDED) <= set(FEATURE_NAMES)
    assert sorted([*BEFORE, *ADDED]) == sorted(FEATURE_NAMES)
    assert len(BEFORE) == 36  # the inputs of xgb-20260302-d843d988
