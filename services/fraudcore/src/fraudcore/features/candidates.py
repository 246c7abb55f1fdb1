"""Candidate features for the weak scenarios, measured by ``fraud-train ablate`` before any of
them becomes a model input (a served model must get exactly the inputs it was trained on).

- ``tap_surprise``: a shop payment the card could have tapped (up to the contactless limit),
  read against how often this card taps: -log of the card's smoothed probability of the channel
  it used. Someone else paying at a shop with the card pays by chip, whatever the holder does;
  a chip payment of 60 is ordinary for a card that never taps and rare for one that always does.
- ``category_surprise``: how unusual the kind of shop is for the card given how much history
  it has: -log of the category's smoothed share of the card's last month, so "never used" says
  more for a card with 60 payments a month than for one with 3. A function of two habits the
  card already keeps (the category's decayed count and the card's), no state of its own.
- ``category_count_30d``: the category's decayed count before the payment, the product of the
  two: a second or third payment within hours in a kind of shop the card had not used shows as
  a count near 1 or 2 with a short ``log_since_category``, which trees cannot form from a share
  and a total.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from fraudcore.features.state import DAY_S

CANDIDATE_GROUPS: dict[str, tuple[str, ...]] = {
    "tap_surprise": ("tap_surprise",),
    "category_surprise": ("category_surprise",),
    "category_count": ("category_count_30d",),
}
CANDIDATE_FEATURES: tuple[str, ...] = tuple(n for names in CANDIDATE_GROUPS.values() for n in names)
NAN = math.nan
TAP_LIMIT = 100.0  # the issuers' contactless limit in the world's currency
_TAP_CHANNELS = ("pos", "contactless")  # card present at a shop
_MONTH_S = 30 * DAY_S  # the tap habit's time constant, as the other card habits'
_PRIOR = 1.0  # Laplace: one tapped and one chip payment before any history


@dataclass(slots=True)
class TapHabit:
    """A card's decayed (30 d) count of shop payments it could have tapped, and of those tapped."""

    t: float = 0.0  # event time of the latest such payment (epoch seconds)
    could: float = 0.0
    tapped: float = 0.0


def tap_surprise_and_update(h: TapHabit, t: float, channel: str, amount: float) -> float:
    """-log P(this channel | the card's tap habit) for a shop payment up to the contactless
    limit (NaN for any other payment, which leaves the habit as it was); then it joins."""
    if channel not in _TAP_CHANNELS or amount > TAP_LIMIT:
        return NAN
    decay = math.exp(-max(t - h.t, 0.0) / _MONTH_S) if h.t > 0 else 1.0
    could, tapped = h.could * decay, h.tapped * decay
    p_tap = (tapped + _PRIOR) / (could + 2.0 * _PRIOR)
    tap = channel == "contactless"
    surprise = -math.log(p_tap if tap else 1.0 - p_tap)
    h.could, h.tapped, h.t = could + 1.0, tapped + (1.0 if tap else 0.0), max(h.t, t)
    return surprise


def category_surprise(share: float, weight: float) -> float:
    """-log of the category's share of the card's month, smoothed by half a payment, from the
    share (``category_share_30d``) and the card's decayed 30-day payment count before it."""
    if math.isnan(share) or math.isnan(weight):
        return NAN
    return -math.log((share * weight + 0.5) / (weight + 1.0))


def candidate_features(
    cards: Iterable[str],
    times: Iterable[float],
    *,
    channels: Iterable[str],
    amounts: Iterable[float],
    shares: Iterable[float],
    weights: Iterable[float],
) -> list[list[float]]:
    """The candidates (``CANDIDATE_FEATURES`` order) for payments in event-time order, given
    each one's card, time, channel, amount and the category habit the model's features hold."""
    habits: dict[str, TapHabit] = {}
    rows = []
    for card, t, channel, amount, share, weight in zip(
        cards, times, channels, amounts, shares, weights, strict=True
    ):
        h = habits.get(card)
        if h is None:
            h = habits[card] = TapHabit()
        rows.append([
            tap_surprise_and_update(h, t, channel, amount),
            category_surprise(share, weight),
            share * weight,
        ])  # fmt: skip
    return rows
