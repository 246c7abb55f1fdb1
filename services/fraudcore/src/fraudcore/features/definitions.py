"""The features: one pure function from (payment, card history, merchant history) to a vector,
which also advances both histories. Training replays history through it; the consumer runs it
on state loaded from Redis. Same inputs, same floating-point operations, same values.

Undefined values (no card history yet) are NaN: XGBoost and ONNX Runtime route them natively.
"""

from __future__ import annotations

import math
import zlib
from functools import lru_cache
from itertools import repeat
from typing import NamedTuple, TypeVar

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
)
NAN = math.nan
_CHANNELS = ("pos", "online", "atm", "contactless")
_MIN_TRAVEL_S = 60.0  # below a minute apart, "speed" measures clock noise, not travel
_LOG_SD_FLOOR = (
    0.25  # variance floor in log space, so a card with constant amounts is not infinitely surprised
)
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


@lru_cache(maxsize=4096)
def _bucket_names(prefix: str, newest: int, span: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{index}" for index in range(newest - span + 1, newest + 1))


_ZEROS = repeat(0)  # endless defaults for dict.get in map(): the sum runs as a C loop


def _window_total(merchant: MerchantState, prefix: str, newest: int, span: int) -> int:
    return sum(map(merchant.buckets.get, _bucket_names(prefix, newest, span), _ZEROS))


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


def _home(vector: list[float]) -> tuple[float, float] | None:
    x, y, z = vector
    norm = math.sqrt(x * x + y * y + z * z)
    if norm < 1e-9:
        return None
    return math.degrees(math.asin(max(-1.0, min(1.0, z / norm)))), math.degrees(math.atan2(y, x))


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def merchant_features(merchant: MerchantState, t: float, amount: float) -> list[float]:
    hour, day = int(t // HOUR_S), int(t // DAY_S)
    fraud_30d = _window_total(merchant, "f", day, MERCHANT_DAYS)
    labels_30d = _window_total(merchant, "l", day, MERCHANT_DAYS)
    # A shop's prices are tighter than a card's spending across shops: inflated amounts show here.
    cents_30d = _window_total(merchant, "c", day, MERCHANT_DAYS)
    payments_30d = _window_total(merchant, "d", day, MERCHANT_DAYS)
    to_mean = amount * 100 * payments_30d / cents_30d if cents_30d > 0 else NAN
    return [
        float(_window_total(merchant, "h", hour, MERCHANT_HOURS)),
        float(_window_total(merchant, "d", day, 7)),
        float(_window_total(merchant, "f", day, 7)),
        float(fraud_30d),
        float(labels_30d),
        (fraud_30d + _RISK_PRIOR_RATE * _RISK_PRIOR_WEIGHT) / (labels_30d + _RISK_PRIOR_WEIGHT),
        to_mean,
    ]


def features_and_update(p: Payment, card: CardState, merchant: MerchantState) -> list[float]:
    """The payment's features given the histories so far; then the payment joins both."""
    seen = card.n > 0
    dt = max(p.t - card.t, 0.0) if seen else math.inf
    decays = [math.exp(-dt / window) for window in WINDOWS_S] if seen else [0.0] * len(WINDOWS_S)
    counts = [count * decay for count, decay in zip(card.count, decays, strict=True)]
    amounts = [amount * decay for amount, decay in zip(card.amount, decays, strict=True)]
    month = decays[-1]
    log_sum, log_sq = card.log_sum * month, card.log_sq * month
    home_vector = [value * month for value in card.home]
    log_amount = math.log1p(p.amount)

    local = p.t + p.lon * 240.0  # solar time: 4 minutes per degree of longitude
    hour_local = (local % DAY_S) / HOUR_S
    weekday = (int(local // DAY_S) + 3) % 7  # 1970-01-01 was a Thursday (Monday = 0)

    mean_30d, ratio, zscore = NAN, NAN, NAN
    if counts[3] > 1e-9:
        mean_30d = amounts[3] / counts[3]
        ratio = p.amount / mean_30d if mean_30d > 0 else NAN
        mu = log_sum / counts[3]
        variance = max(log_sq / counts[3] - mu * mu, 0.0)
        zscore = (log_amount - mu) / math.sqrt(variance + _LOG_SD_FLOOR**2)
    since_last = dist_last = speed = dist_home = NAN
    if seen:
        since_last = math.log1p(dt)
        dist_last = haversine_km(card.lat, card.lon, p.lat, p.lon)
        speed = dist_last / (max(dt, _MIN_TRAVEL_S) / HOUR_S)
        home = _home(home_vector)
        if home is not None:
            dist_home = haversine_km(home[0], home[1], p.lat, p.lon)

    new_merchant = _remember(card.merchants, p.merchant, MAX_MERCHANTS)
    new_country = _remember(card.countries, p.country, MAX_COUNTRIES)
    new_device = _remember(card.devices, p.device, MAX_DEVICES) if p.device >= 0 else False
    new_category = _remember(card.categories, p.category, MAX_CATEGORIES)

    features = [
        p.amount,
        log_amount,
        hour_local,
        1.0 if hour_local < 6.0 else 0.0,
        1.0 if weekday >= 5 else 0.0,
        *(1.0 if p.channel == channel else 0.0 for channel in _CHANNELS),
        float(p.category),
        1.0 if p.device >= 0 else 0.0,
        math.log1p(card.n),
        *counts,
        amounts[1],
        amounts[3],
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
        *merchant_features(merchant, p.t, p.amount),
    ]

    unit = _unit(p.lat, p.lon)
    card.count = [count + 1.0 for count in counts]
    card.amount = [amount + p.amount for amount in amounts]
    card.log_sum, card.log_sq = log_sum + log_amount, log_sq + log_amount * log_amount
    card.home = [value + u for value, u in zip(home_vector, unit, strict=True)]
    card.lat, card.lon = p.lat, p.lon
    card.t = max(card.t, p.t)
    card.n += 1
    day = int(p.t // DAY_S)
    merchant.add(f"h{int(p.t // HOUR_S)}")
    merchant.add(f"d{day}")
    merchant.add(f"c{day}", round(p.amount * 100))  # cents: Redis adds integers
    return features


def apply_label(merchant: MerchantState, labelled_t: float, is_fraud: bool) -> None:
    """A label for one of the merchant's payments arrived at ``labelled_t`` (epoch seconds)."""
    day = int(labelled_t // DAY_S)
    merchant.add(f"l{day}")
    if is_fraud:
        merchant.add(f"f{day}")
