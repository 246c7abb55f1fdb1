"""The card's habits, in constant space: how much it spends relative to the shops it pays at,
at what hour of its day and in which kinds of shop. Fraud that reuses the
card's own shops, device and place (a compromised card's inflated payments, someone close buying
in categories the card never uses) shows only against these habits.

Amounts are read against the merchant's typical amount (its 30-day mean of log amounts, from
bucket counters every consumer may increment), so every payment, whatever its kind of shop,
updates one card-level "spending scale"; a card x category baseline would need weeks per
category. The scale is a clipped running mean: an incident's inflated payments move it by at
most ``_CLIP / _BASELINE_N`` each, so two weeks of them cannot make themselves look usual.

``habit_features_and_update`` reads the histories, returns ``HABIT_FEATURES`` and advances them;
``definitions.features_and_update`` calls it, so they are model inputs served online as offline.
(A tap habit, the card's contactless share, was measured and left out: it cost recall.)
"""

from __future__ import annotations

import math

from fraudcore.features.state import DAY_S, CardHabits

HABIT_FEATURES: tuple[str, ...] = (
    "amount_vs_card_scale",
    "amount_scale_z",
    "high_amounts_7d",
    "amount_excess_7d",
    "hour_from_card_usual",
    "hour_surprise",
    "category_share_30d",
    "log_since_category",
)
NAN = math.nan
_BASELINE_N = 50  # the scale's memory in payments: about a month of an ordinary card
_CLIP = 0.6  # largest step (log units) one payment may pull the scale: robust to incidents
_MIN_BASELINE = 3  # payments with a merchant baseline before the card's scale is trusted
_SD_FLOOR = 0.2  # log units: a merchant with one price does not make every cent a surprise
_HIGH_Z = 2.0  # "far above the card's habit": two merchant spreads over its scale
_EXCESS_FROM = 1.0  # the excess sum counts z above this
_RUN_S = 7 * DAY_S  # time constant of the recent run of high payments
_MONTH_S = 30 * DAY_S  # time constant of hour, category and tap habits
_MAX_CATEGORIES = 16  # categories remembered; the least used goes first
_TWO_PI = 2.0 * math.pi
_MILLI = 1000.0  # merchant log-amount sums are kept in thousandths (Redis increments integers)


def merchant_log_stats(count: int, total: int, squares: int) -> tuple[float, float]:
    """The merchant's mean and standard deviation of log amounts from its 30-day sums: payments,
    log amounts and their squares in thousandths (NaN without payments)."""
    if count == 0:
        return NAN, NAN
    mean = total / _MILLI / count
    variance = max(squares / _MILLI / count - mean * mean, 0.0)
    return mean, math.sqrt(variance + _SD_FLOOR * _SD_FLOOR)


def merchant_log_increments(amount: float) -> tuple[float, int, int]:
    """log(amount) and what it adds to the merchant's day buckets of log amounts and squares."""
    log_amount = math.log(max(amount, 0.01))
    return log_amount, round(log_amount * _MILLI), round(log_amount * log_amount * _MILLI)


def _hour_habit(h: CardHabits, hour_local: float) -> tuple[float, float]:
    """Hours between this payment's local hour and the card's usual one, and that distance in
    units of the card's circular spread."""
    length = math.hypot(h.hour_x, h.hour_y)
    if h.weight < 1e-9 or length < 1e-9:
        return NAN, NAN
    usual = math.atan2(h.hour_y, h.hour_x) * 24.0 / _TWO_PI
    apart = abs((hour_local - usual + 12.0) % 24.0 - 12.0)
    resultant = min(length / h.weight, 1.0 - 1e-9)
    spread_h = math.sqrt(-2.0 * math.log(resultant)) * 24.0 / _TWO_PI
    return apart, apart / max(spread_h, 0.5)


def _category_habit(
    h: CardHabits, category: int, t: float
) -> tuple[float, float, list[float] | None, float]:
    """The category's share of the card's recent payments, log seconds since it was last used
    (NaN: never, as far as the card remembers), its entry and its decayed count as of now."""
    for entry in h.categories:
        if entry[0] == category:
            count = entry[1] * math.exp(-max(t - entry[2], 0.0) / _MONTH_S)
            share = count / h.weight if h.weight > 1e-9 else NAN
            return share, math.log1p(max(t - entry[2], 0.0)), entry, count
    return (0.0 if h.weight > 1e-9 else NAN), NAN, None, 0.0


def _remember_category(
    h: CardHabits, entry: list[float] | None, count: float, category: int, t: float
) -> None:
    if entry is None:
        if len(h.categories) >= _MAX_CATEGORIES:  # forget the least used, as of now
            h.categories.remove(
                min(h.categories, key=lambda e: e[1] * math.exp(-max(t - e[2], 0.0) / _MONTH_S))
            )
        h.categories.append([float(category), 1.0, t])
        return
    entry[1] = count + 1.0
    entry[2] = max(entry[2], t)


def habit_features_and_update(
    t: float,
    category: int,
    h: CardHabits,
    *,
    hour_local: float,
    log_amount: float,
    merchant_log: tuple[float, float],
) -> list[float]:
    """The habit features of a payment at ``t`` in ``category`` (``HABIT_FEATURES`` order), given
    its local solar hour, log(amount) and the merchant's (mean, sd) of log amounts before it;
    then the payment joins the card's habits (the merchant's sums are the caller's)."""
    elapsed = max(t - h.t, 0.0) if h.t > 0 else 0.0
    run, month = math.exp(-elapsed / _RUN_S), math.exp(-elapsed / _MONTH_S)
    high, excess = h.high * run, h.excess * run
    h.weight *= month
    h.hour_x, h.hour_y = h.hour_x * month, h.hour_y * month

    merchant_mean, merchant_sd = merchant_log
    residual = log_amount - merchant_mean  # NaN where the merchant has no history
    vs_scale = z = NAN
    if h.n >= _MIN_BASELINE and not math.isnan(residual):
        vs_scale = residual - h.scale
        z = vs_scale / merchant_sd
    apart, surprise = _hour_habit(h, hour_local)
    share, since, entry, count = _category_habit(h, category, t)
    features = [vs_scale, z, high, excess, apart, surprise, share, since]

    if not math.isnan(residual):
        if h.n == 0:
            h.scale = residual
        else:
            step = max(-_CLIP, min(_CLIP, residual - h.scale))
            h.scale += step / min(h.n + 1, _BASELINE_N)
        h.n += 1
    if not math.isnan(z):
        high += 1.0 if z > _HIGH_Z else 0.0
        excess += max(z - _EXCESS_FROM, 0.0)
    h.high, h.excess = high, excess
    angle = hour_local * _TWO_PI / 24.0
    h.hour_x += math.cos(angle)
    h.hour_y += math.sin(angle)
    h.weight += 1.0
    _remember_category(h, entry, count, category, t)
    h.t = max(h.t, t)
    return features
