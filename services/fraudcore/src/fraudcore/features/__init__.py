"""Feature definitions shared by training (offline replay) and serving (state in Redis).

FEATURE_NAMES           the model's input columns, in order
features_and_update()   one payment's features, advancing card and merchant history
apply_label()           a delayed label joins the merchant's history (CARD_EXCESS: what it reads
                        of its payment's features)
replay()                a whole table, offline, in event-time order
replay_state()          the histories offline replay holds at an instant
replay_history()        the histories a history export leaves behind (a warm start)
wording.describe()      a feature in plain words with its values (one entry per feature)

The same histories kept in Redis: fraudcore.feature_store.
"""

from fraudcore.features.definitions import (
    CARD_EXCESS,
    CARD_EXCESS_COLUMN,
    FEATURE_NAMES,
    Payment,
    apply_label,
    features_and_update,
    key_of,
    merchant_features,
)
from fraudcore.features.offline import replay, replay_state
from fraudcore.features.payments import epoch_seconds, payment_of
from fraudcore.features.state import CardState, MerchantState
from fraudcore.features.warm_start import Pending, WarmState, replay_history

__all__ = [
    "CARD_EXCESS",
    "CARD_EXCESS_COLUMN",
    "FEATURE_NAMES",
    "CardState",
    "MerchantState",
    "Payment",
    "Pending",
    "WarmState",
    "apply_label",
    "epoch_seconds",
    "features_and_update",
    "key_of",
    "merchant_features",
    "payment_of",
    "replay",
    "replay_history",
    "replay_state",
]
