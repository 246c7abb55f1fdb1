"""What the ablation varies: the features this model added to the inputs before it, by group,
each group dropped in turn from the model's inputs to see what it carries."""

from __future__ import annotations

from fraudcore.features import FEATURE_NAMES
from fraudcore.features.definitions import SHOP_FRAUD_FEATURES
from fraudcore.features.habits import HABIT_FEATURES

# The added features by what each is for.
GROUPS: dict[str, tuple[str, ...]] = {
    "amount_scale": ("amount_vs_card_scale", "amount_scale_z"),
    "amount_run": ("high_amounts_7d", "amount_excess_7d"),
    "hour_habit": ("hour_from_card_usual", "hour_surprise"),
    "category_habit": ("category_share_30d", "log_since_category"),
    "terminal_share": ("merchant_fraud_share_7d",),
    "shop_frauds": SHOP_FRAUD_FEATURES,
}
ADDED: tuple[str, ...] = (*HABIT_FEATURES, "merchant_fraud_share_7d", *SHOP_FRAUD_FEATURES)
assert sorted(sum(GROUPS.values(), ())) == sorted(ADDED)  # every added feature in one group
# The inputs of the model before these (xgb-20260302-d843d988): the ablation's baseline.
BEFORE: tuple[str, ...] = tuple(name for name in FEATURE_NAMES if name not in ADDED)
