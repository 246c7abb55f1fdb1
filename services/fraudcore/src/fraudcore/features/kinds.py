"""Which features are flags (0 or 1, NaN where undefined): rules may use them as conditions,
``new_merchant and amount > 500``; every other feature is a number. A test replays a world and
checks every flag only ever takes 0, 1 or NaN."""

from __future__ import annotations

from fraudcore.features.definitions import FEATURE_NAMES

FLAG_FEATURES: frozenset[str] = frozenset(
    {
        "is_night",
        "is_weekend",
        "channel_pos",
        "channel_online",
        "channel_atm",
        "channel_contactless",
        "has_device",
        "new_merchant",
        "new_country",
        "new_device",
        "new_category",
    }
)
assert set(FEATURE_NAMES) >= FLAG_FEATURES  # a renamed feature fails at import, not in a rule
