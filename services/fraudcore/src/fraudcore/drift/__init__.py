"""Drift before labels: how far live scores and features have moved from the training reference.

- ``psi``: histograms on the reference's quantiles and the population stability index.
- ``reference``: the score's and every feature's reference histogram, kept in the model card.
- ``window``: PSI over a sliding window of the latest payments.
"""

from fraudcore.drift.psi import Histogram, psi
from fraudcore.drift.reference import CARD_KEY, DriftReference
from fraudcore.drift.window import Drift, DriftWindow

# A window of the latest 10,000 payments spans hours, not the reference's week: these features
# always differ from it by the clock alone, so they are measured and shown but not alerted on.
CALENDAR_FEATURES: tuple[str, ...] = ("hour_local", "is_night", "is_weekend")

__all__ = [
    "CALENDAR_FEATURES",
    "CARD_KEY",
    "Drift",
    "DriftReference",
    "DriftWindow",
    "Histogram",
    "psi",
]
