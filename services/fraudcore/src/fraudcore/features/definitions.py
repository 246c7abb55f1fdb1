"""The features: one pure function from (payment, card history, merchant history) to a vector,
which also advances both histories. Training replays history through it; the consumer runs it
on state loaded from Redis. Same inputs, same floating-point operations, same values.

Undefined values (no card history yet) are NaN: XGBoost and ONNX Runtime route them natively.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple, TypeVar

from fraudcore.features.habits import (
    HABIT_FEATURES,
    habit_features_and_update,
    merchant_log_increments,
    merchant_log_stats,
)
from fraudcore.features.state import (
    DAY_S,
    HOUR_S,
    MAX_CATEGORIES,
    MAX_COUNTRIES,
    MAX_DEVICES,
    MAX_MERCHANTS,
    MERCHANT_DAYS,
    MERCHANT_HOURS,
    WINDOW_NAMES,
    WINDOWS_S,
    CardState,
    MerchantState,
)
from fraudcore.geo import haversine_km

# A shop's confirmed frauds that the card's own spending does not explain (``apply_label``).
SHOP_FRAUD_FEATURES: tuple[str, ...] = ("shop_frauds_7d", "shop_frauds_30d", "shop_fraud_age_days")
FEATURE_NAMES: tuple[str, ...] = (
    "amount",
    "log_amount",
    "hour_local",
    "is_night",
    "is_weekend",
    "channel_pos",
    "channel_online",
    "channel_atm",
    "channel_contactless",
    "merchant_category",
    "has_device",
    "card_history_log",
    *(f"card_count_{name}" for name in WINDOW_NAMES),
    "card_amount_24h",
    "card_amount_30d",
    "card_mean_amount_30d",
    "amount_to_card_mean",
    "amount_zscore",
    "log_seconds_since_last",
    "distance_from_last_km",
    "speed_from_last_kmh",
    "distance_from_home_km",
    "new_merchant",
    "new_country",
    "new_device",
    "new_category",
    "merchant_tx_24h",
    "merchant_tx_7d",
    "merchant_fraud_7d",
    "merchant_fraud_30d",
    "merchant_labels_30d",
    "merchant_risk_30d",
    "amount_to_merchant_mean",
    "merchant_fraud_share_7d",
    *SHOP_FRAUD_FEATURES,
    *HABIT_FEATURES,
)
NAN = math.nan
_CHANNELS = ("pos", "online", "atm", "contactless")
# What a label reads of its payment's features: whether the card's spending explains a fraud.
CARD_EXCESS = "amount_vs_card_scale"
CARD_EXCESS_COLUMN = FEATURE_NAMES.index(CARD_EXCESS)
_MIN_TRAVEL_S = 60.0  # below a minute apart, "speed" measures clock noise, not travel
_LOG_SD_FLOOR = (
    0.25  # variance floor in log space, so a card with constant amounts is not infinitely surprised
)
# A fraud at over twice what the card usually pays relative to a shop's usual is the card's doing
# (``amount_vs_card_scale``); compared in float32, the precision the decision log keeps it in.
CARD_EXPLAINS = math.log(2.0)
_RISK_PRIOR_RATE, _RISK_PRIOR_WEIGHT = (
    0.01,
    5.0,
)  # merchant risk shrinks towards 1% with 5 labels' weight


class Payment(NamedTuple):
    """The fields of a transaction that features read, in plain Python types."""

    t: float  # event time, epoch seconds (exactly micro-seconds / 1e6)
    amount: float
    channel: str
    category: int  # merchant category code as an integer
    country: str
    lat: float
    lon: float
    merchant: int  # crc32 of merchant_id
    device: int  # crc32 of device_id, -1 without one


def key_of(identifier: str) -> int:
    """A stable 32-bit key for remembering ids compactly (crc32: same in every process)."""
    return zlib.crc32(identifier.encode())


class _Names(NamedTuple):
    """The bucket names one payment's merchant windows read, oldest first."""

    hours: tuple[str, ...]  # h: the last MERCHANT_HOURS hours
    days: tuple[str, ...]  # d: the last MERCHANT_DAYS days (the 7-day window is its tail)
    cents: tuple[str, ...]
    logs: tuple[str, ...]  # g: log amounts, q: their squares (thousandths)
    squares: tuple[str, ...]
    frauds: tuple[str, ...]
    labels: tuple[str, ...]
    unexplained: tuple[str, ...]  # u: fraud labels the card's spending does not explain
    hour: str  # the buckets this payment adds to
    day: str
    cent: str
    log: str
    square: str


@lru_cache(maxsize=4096)
def _names(hour: int, day: int) -> _Names:
    days = range(day - MERCHANT_DAYS + 1, day + 1)

    def daily(prefix: str) -> tuple[str, ...]:
        return tuple(f"{prefix}{index}" for index in days)

    hours = tuple(f"h{index}" for index in range(hour - MERCHANT_HOURS + 1, hour + 1))
    return _Names(
        hours, daily("d"), daily("c"), daily("g"), daily("q"), daily("f"), daily("l"),
        daily("u"), f"h{hour}", f"d{day}", f"c{day}", f"g{day}", f"q{day}",
    )  # fmt: skip


_ZEROS = repeat(0)  # endless defaults for dict.get in map(): the sums run as C loops
_WEEK = MERCHANT_DAYS - 7  # where the 7-day window starts in the 30 daily buckets


Item = TypeVar("Item", int, str)


def _remember(items: list[Item], item: Item, cap: int) -> bool:
    """Move ``item`` to the front (inserting it if new, dropping the oldest past ``cap``);
    returns whether it was new."""
    new = item not in items
    if not new:
        items.remove(item)
    items.insert(0, item)
    del items[cap:]
    return new


def _home(x: float, y: float, z: float) -> tuple[float, float] | None:
    norm = math.sqrt(x * x + y * y + z * z)
    if norm < 1e-9:
        return None
    return math.degrees(math.asin(max(-1.0, min(1.0, z / norm)))), math.degrees(math.atan2(y, x))


def merchant_features(merchant: MerchantState, t: float, amount: float) -> list[float]:
    names = _names(int(t // HOUR_S), int(t // DAY_S))
    return _merchant_features(merchant.buckets.get, names, amount)[0]


def _merchant_features(
    get: Callable[..., int], names: _Names, amount: float
) -> tuple[list[float], tuple[float, float]]:
    """The merchant's features, and the (mean, sd) of its log amounts the habits read."""
    # Integer sums: exact in any order, so the 7-day windows are tails of the 30-day ones.
    days = list(map(get, names.days, _ZEROS))
    frauds = list(map(get, names.frauds, _ZEROS))
    fraud_30d, payments_30d = sum(frauds), sum(days)
    labels_30d = sum(map(get, names.labels, _ZEROS))
    # A shop's prices are tighter than a card's spending across shops: inflated amounts show here.
    cents_30d = sum(map(get, names.cents, _ZEROS))
    to_mean = amount * 100 * payments_30d / cents_30d if cents_30d > 0 else NAN
    logs = merchant_log_stats(
        payments_30d, sum(map(get, names.logs, _ZEROS)), sum(map(get, names.squares, _ZEROS))
    )
    payments_7d, fraud_7d = sum(days[_WEEK:]), sum(frauds[_WEEK:])
    unexplained = list(map(get, names.unexplained, _ZEROS))
    # Days since the oldest in the month: a compromise confirmed for weeks was likely dealt with.
    first = next((i for i, count in enumerate(unexplained) if count), None)
    return [
        float(sum(map(get, names.hours, _ZEROS))),
        float(payments_7d),
        float(fraud_7d),
        float(fraud_30d),
        float(labels_30d),
        (fraud_30d + _RISK_PRIOR_RATE * _RISK_PRIOR_WEIGHT) / (labels_30d + _RISK_PRIOR_WEIGHT),
        to_mean,
        # A skimmed terminal's frauds against its traffic: the count alone says neither.
        fraud_7d / max(payments_7d, 1),
        float(sum(unexplained[_WEEK:])),
        float(sum(unexplained)),
        NAN if first is None else float(MERCHANT_DAYS - 1 - first),
    ], logs  # fmt: skip


_NO_DECAY = _NO_CHANNEL = (0.0, 0.0, 0.0, 0.0)
_W1, _W24, _W7, _W30 = WINDOWS_S
_CHANNEL_FLAGS = {
    channel: tuple(1.0 if channel == other else 0.0 for other in _CHANNELS) for channel in _CHANNELS
}


def _join(
    card: CardState,
    p: Payment,
    *,
    counts: tuple[float, float, float, float],
    amounts: tuple[float, float, float, float],
    logs: tuple[float, float, float],
    home: tuple[float, float, float],
) -> None:
    """The payment joins the card's history (its aggregates already decayed to ``p.t``)."""
    c1, c24, c7, c30 = counts
    a1, a24, a7, a30 = amounts
    log_sum, log_sq, log_amount = logs
    hx, hy, hz = home
    amount = p.amount
    phi, lam = math.radians(p.lat), math.radians(p.lon)  # the unit vector towards the payment
    cos_phi = math.cos(phi)
    card.count = [c1 + 1.0, c24 + 1.0, c7 + 1.0, c30 + 1.0]
    card.amount = [a1 + amount, a24 + amount, a7 + amount, a30 + amount]
    card.log_sum, card.log_sq = log_sum + log_amount, log_sq + log_amount * log_amount
    card.home = [hx + cos_phi * math.cos(lam), hy + cos_phi * math.sin(lam), hz + math.sin(phi)]
    card.lat, card.lon = p.lat, p.lon
    card.t = max(card.t, p.t)
    card.n += 1


def features_and_update(p: Payment, card: CardState, merchant: MerchantState) -> list[float]:
    """The payment's features given the histories so far; then the payment joins both.

    Written out window by window, without comprehensions, as it runs once per payment online
    and offline; every float operation is the definition's, in its order, so both sides (and
    any earlier version of this function) give the same bits."""
    t, amount, lat, lon = p.t, p.amount, p.lat, p.lon
    exp = math.exp
    n = card.n
    seen = n > 0
    dt = math.inf
    if seen:
        dt = max(t - card.t, 0.0)
        d1, d24, d7, month = exp(-dt / _W1), exp(-dt / _W24), exp(-dt / _W7), exp(-dt / _W30)
    else:
        d1, d24, d7, month = _NO_DECAY
    c1, c24, c7, c30 = card.count
    c1, c24, c7, c30 = c1 * d1, c24 * d24, c7 * d7, c30 * month
    a1, a24, a7, a30 = card.amount
    a1, a24, a7, a30 = a1 * d1, a24 * d24, a7 * d7, a30 * month
    log_sum, log_sq = card.log_sum * month, card.log_sq * month
    hx, hy, hz = card.home
    hx, hy, hz = hx * month, hy * month, hz * month
    log_amount = math.log1p(amount)

    local = t + lon * 240.0  # solar time: 4 minutes per degree of longitude
    hour_local = (local % DAY_S) / HOUR_S
    weekday = (int(local // DAY_S) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)

    mean_30d = ratio = zscore = NAN
    if c30 > 1e-9:
        mean_30d = a30 / c30
        ratio = amount / mean_30d if mean_30d > 0 else NAN
        mu = log_sum / c30
        variance = max(log_sq / c30 - mu * mu, 0.0)
        zscore = (log_amount - mu) / math.sqrt(variance + _LOG_SD_FLOOR**2)
    since_last = dist_last = speed = dist_home = NAN
    if seen:
        since_last = math.log1p(dt)
        dist_last = haversine_km(card.lat, card.lon, lat, lon)
        speed = dist_last / (max(dt, _MIN_TRAVEL_S) / HOUR_S)
        home = _home(hx, hy, hz)
        if home is not None:
            dist_home = haversine_km(home[0], home[1], lat, lon)

    device = p.device
    new_merchant = _remember(card.merchants, p.merchant, MAX_MERCHANTS)
    new_country = _remember(card.countries, p.country, MAX_COUNTRIES)
    new_device = _remember(card.devices, device, MAX_DEVICES) if device >= 0 else False
    new_category = _remember(card.categories, p.category, MAX_CATEGORIES)
    names = _names(int(t // HOUR_S), int(t // DAY_S))
    shop, shop_logs = _merchant_features(merchant.buckets.get, names, amount)
    log_habit, log_bucket, square_bucket = merchant_log_increments(amount)

    features = [
        amount,
        log_amount,
        hour_local,
        1.0 if hour_local < 6.0 else 0.0,
        1.0 if weekday >= 5 else 0.0,
        *_CHANNEL_FLAGS.get(p.channel, _NO_CHANNEL),
        float(p.category),
        1.0 if device >= 0 else 0.0,
        math.log1p(n),
        c1, c24, c7, c30,
        a24,
        a30,
        mean_30d,
        ratio,
        zscore,
        since_last,
        dist_last,
        speed,
        dist_home,
        1.0 if new_merchant else 0.0,
        1.0 if new_country else 0.0,
        1.0 if new_device else 0.0,
        1.0 if new_category else 0.0,
        *shop,
        *habit_features_and_update(
            t, p.category, card.habits,
            hour_local=hour_local, log_amount=log_habit, merchant_log=shop_logs,
        ),
    ]  # fmt: skip

    _join(
        card, p, counts=(c1, c24, c7, c30), amounts=(a1, a24, a7, a30),
        logs=(log_sum, log_sq, log_amount), home=(hx, hy, hz),
    )  # fmt: skip
    _count_at(merchant, names, round(amount * 100), log_bucket, square_bucket)
    return features


def _count_at(merchant: MerchantState, names: _Names, cents: int, log: int, square: int) -> None:
    """The payment joins the merchant's buckets (in integers: Redis increments integers)."""
    merchant.add(names.hour)
    merchant.add(names.day)
    merchant.add(names.cent, cents)
    merchant.add(names.log, log)
    merchant.add(names.square, square)


def _float32(value: float) -> float:
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:  # beyond float32's range: its infinity, as numpy rounds it
        return math.copysign(math.inf, value)


_CARD_EXPLAINS_F32 = _float32(CARD_EXPLAINS)


def apply_label(
    merchant: MerchantState, labelled_t: float, is_fraud: bool, card_excess: float
) -> None:
    """A label for one of the merchant's payments arrived at ``labelled_t`` (epoch seconds);
    ``card_excess`` is the payment's ``amount_vs_card_scale`` as served (NaN: none, or unknown).

    A fraud says "this shop is compromised" only when the payment looked ordinary for its card:
    a card compromised elsewhere leaves labels at every shop it passes, which the shop's fraud
    counts alone cannot tell from a skimmed terminal's first ones."""
    day = int(labelled_t // DAY_S)
    merchant.add(f"l{day}")
    if is_fraud:
        merchant.add(f"f{day}")
        if not _float32(card_excess) > _CARD_EXPLAINS_F32:
            merchant.add(f"u{day}")
