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
- ``category_run``: a compromised card's run of payments in kinds of shop new to it. A payment
  is "fresh" when the card has history and does not remember its kind of shop, or paid in that
  kind of shop for the first time within the last day; the features are the decayed (1 h, 24 h,
  event time) count and amount of the card's earlier fresh payments, and their share of its
  payments in the day. Someone close buying 1-3 times within hours shows from the second
  payment; a genuine card trying a new kind of shop rarely goes on in it within the hour.
- ``category_fresh``: the payment itself in a kind of shop the card first paid in within the
  last day: log seconds since that first payment (NaN otherwise; 0 for the first one), which
  the share and ``log_since_category`` only approximate (they say "used lately", not "new").

``shop_frauds`` (a shop's confirmed frauds the card's own spending does not explain) was measured
here and is now a model input: ``fraudcore.features.definitions.apply_label``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from fraudcore.features.state import DAY_S

CANDIDATE_GROUPS: dict[str, tuple[str, ...]] = {
    "tap_surprise": ("tap_surprise",),
    "category_surprise": ("category_surprise",),
    "category_count": ("category_count_30d",),
    "category_run": ("fresh_category_1h", "fresh_category_24h", "fresh_amount_24h",
                     "fresh_share_24h"),
    "category_fresh": ("log_since_fresh_category",),
}  # fmt: skip
CANDIDATE_FEATURES: tuple[str, ...] = tuple(n for names in CANDIDATE_GROUPS.values() for n in names)
NAN = math.nan
TAP_LIMIT = 100.0  # the issuers' contactless limit in the world's currency
_TAP_CHANNELS = ("pos", "contactless")  # card present at a shop
_MONTH_S = 30 * DAY_S  # the tap habit's time constant, as the other card habits'
_PRIOR = 1.0  # Laplace: one tapped and one chip payment before any history
_HOUR_S, _FRESH_S = 3_600.0, float(DAY_S)  # the run's time constants; fresh for a day
_MAX_FRESH = 8  # fresh kinds of shop remembered per card; the oldest goes first


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


@dataclass(slots=True)
class CategoryRun:
    """A card's decayed (1 h and 24 h) count and amount of fresh payments, and the kinds of shop
    it first paid in within the last day: [mcc, event time of that first payment]."""

    t: float = 0.0  # event time of the latest fresh payment (epoch seconds)
    count_1h: float = 0.0
    count_24h: float = 0.0
    amount_24h: float = 0.0
    fresh: list[list[float]] = field(default_factory=list)


def category_run_and_update(
    run: CategoryRun, t: float, category: int, amount: float, *, share: float, count_24h: float
) -> list[float]:
    """The run's features before this payment (``CANDIDATE_GROUPS["category_run"]`` order) and
    ``log_since_fresh_category``, given the category's share of the card's month
    (``category_share_30d``: 0 not remembered, NaN no history) and the card's decayed 24 h
    payment count; then a fresh payment joins the run."""
    elapsed = max(t - run.t, 0.0)
    d1, d24 = math.exp(-elapsed / _HOUR_S), math.exp(-elapsed / _FRESH_S)
    c1, c24, a24 = run.count_1h * d1, run.count_24h * d24, run.amount_24h * d24
    run.fresh = [entry for entry in run.fresh if t - entry[1] < _FRESH_S]
    first = next((entry[1] for entry in run.fresh if entry[0] == category), None)
    since = NAN if first is None else math.log1p(max(t - first, 0.0))
    if first is None and share == 0.0:  # NaN (no history yet) is not fresh: all is new
        run.fresh.append([float(category), t])
        del run.fresh[:-_MAX_FRESH]
        since = 0.0
    features = [c1, c24, a24, c24 / count_24h if count_24h > 1e-9 else NAN, since]
    if not math.isnan(since):
        run.count_1h, run.count_24h, run.amount_24h = c1 + 1.0, c24 + 1.0, a24 + amount
        run.t = max(run.t, t)
    return features


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
    categories: Iterable[int],
    shares: Iterable[float],
    weights: Iterable[float],
    counts_24h: Iterable[float],
) -> list[list[float]]:
    """The card's candidates (``CANDIDATE_FEATURES`` order) for payments in event-time order, given
    each one's card, time, channel, amount, kind of shop and what the model's features hold:
    the category habit and the card's decayed 30-day and 24-hour payment counts."""
    habits: dict[str, tuple[TapHabit, CategoryRun]] = {}
    rows = []
    for card, t, channel, amount, category, share, weight, count_24h in zip(
        cards, times, channels, amounts, categories, shares, weights, counts_24h, strict=True
    ):
        state = habits.get(card)
        if state is None:
            state = habits[card] = (TapHabit(), CategoryRun())
        tap, run = state
        rows.append([
            tap_surprise_and_update(tap, t, channel, amount),
            category_surprise(share, weight),
            share * weight,
            *category_run_and_update(run, t, category, amount, share=share, count_24h=count_24h),
        ])  # fmt: skip
    return rows
