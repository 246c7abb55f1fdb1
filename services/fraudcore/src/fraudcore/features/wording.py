"""Each model feature in plain words, with the values behind it: what an analyst reads instead of
``card_count_1h``. One entry per name in FEATURE_NAMES (a test fails when one is missing).

An entry reads the decision's features as served (float32; NaN, None or absent where undefined)
and, where the feature has one, the card's or merchant's baseline from the same vector, so the
sentence needs nothing the log does not keep. Counts and amounts of the card's windows are
exponentially decayed sums over the payments before this one, hence rounded, never exact.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

from fraudcore.features.state import DAY_S, HOUR_S, WINDOW_NAMES, WINDOWS_S

Features = Mapping[str, float | None]
Wording = Callable[[Features], str]

_WINDOW_WORDS = {"1h": "hour", "24h": "24 hours", "7d": "7 days", "30d": "30 days"}
_MONTH_S = WINDOWS_S[-1]
_CHANNEL_WORDS = {
    "pos": ("paid at a card terminal", "not paid at a card terminal"),
    "online": ("paid online", "not paid online"),
    "atm": ("cash from an ATM", "not at an ATM"),
    "contactless": ("paid contactless", "not contactless"),
}


def value_of(features: Features, name: str) -> float | None:
    """The feature's value, None when absent or undefined (NaN)."""
    value = features.get(name)
    if value is None or math.isnan(value):
        return None
    return float(value)


def number(value: float, decimals: int = 0) -> str:
    """Thousands separated, ``decimals`` after the point; never "-0"."""
    text = f"{value:,.{decimals}f}"
    return text.removeprefix("-") if not text.strip("-0.,") else text


def plural(count: float, singular: str, plural_form: str | None = None) -> str:
    """``count`` rounded to a whole number with its noun: "1 payment", "12 payments"."""
    whole = round(count)
    noun = singular if whole == 1 else (plural_form or f"{singular}s")
    return f"{number(whole)} {noun}"


def money(amount: float) -> str:
    return number(amount, 2)


def ratio(value: float) -> str:
    """ "5.2x", "0.3x", "140x": a tenth below a hundred, whole numbers above."""
    return f"{number(value, 1 if value < 100 else 0)}x"


def distance_km(km: float) -> str:
    """Under 10 km to 0.1 km, under 1,000 km to the km, beyond to 10 km ("3,400 km")."""
    if km < 10:
        return f"{number(km, 1)} km"
    if km < 1_000:
        return f"{number(km)} km"
    return f"{number(round(km, -1))} km"


def duration(seconds: float) -> str:
    """The largest unit that reads naturally: seconds, minutes, hours, days."""
    if seconds < 90:
        return plural(seconds, "second")
    if seconds < 90 * 60:
        return plural(seconds / 60, "minute")
    if seconds < 36 * HOUR_S:
        return plural(seconds / HOUR_S, "hour")
    return plural(seconds / DAY_S, "day")


def usual(count: float) -> str:
    """A baseline count: "usually 3", "usually fewer than 1", "usually none"."""
    if count <= 0:
        return "usually none"
    if count < 0.5:
        return "usually fewer than 1"
    return f"usually {number(count)}"


def _flag(name: str, yes: str, no: str) -> Wording:
    def words(features: Features) -> str:
        value = value_of(features, name)
        if value is None:
            return f"unknown whether {yes}"
        return yes if value >= 0.5 else no

    return words


def _one(name: str, undefined: str, words: Callable[[float], str]) -> Wording:
    """A sentence from the feature's own value alone, ``undefined`` without one."""

    def read(features: Features) -> str:
        value = value_of(features, name)
        return undefined if value is None else words(value)

    return read


def _against_usual(
    name: str,
    words: Callable[[float], str],
    baseline: str | None = None,
    scale: float = 1.0,
    usual_words: Callable[[float], str] = usual,
) -> Wording:
    """The feature's value, then the usual for the same window: ``baseline``'s value times
    ``scale`` (the card's 30 days brought to one hour, say)."""

    def read(features: Features) -> str:
        value = value_of(features, name)
        if value is None:
            return f"{words(0.0).split(' ', 1)[1]}: unknown"  # the sentence without its number
        base = None if baseline is None else value_of(features, baseline)
        return words(value) + ("" if base is None else f"; {usual_words(base * scale)}")

    return read


def _card_window(name: str, window_s: float) -> Wording:
    shorter = window_s < _MONTH_S
    return _against_usual(
        f"card_count_{name}",
        lambda v: f"{plural(v, 'earlier payment')} on this card in the last {_WINDOW_WORDS[name]}",
        "card_count_30d" if shorter else None,
        window_s / _MONTH_S,
    )


def _merchant_count(name: str, noun: str, span: str, baseline: str | None = None) -> Wording:
    return _against_usual(
        name, lambda v: f"{plural(v, noun)} at this merchant in the last {span}", baseline, 1 / 7
    )


def _since_last(features: Features) -> float | None:
    log_seconds = value_of(features, "log_seconds_since_last")
    return None if log_seconds is None else math.expm1(log_seconds)


def _amount(features: Features) -> str:
    amount = value_of(features, "amount")
    if amount is None:
        return "amount unknown"
    mean = value_of(features, "card_mean_amount_30d")
    usual_text = "" if mean is None else f" (this card usually {money(mean)})"
    return f"amount {money(amount)}{usual_text}"


def _hour_local(features: Features) -> str:
    hour = value_of(features, "hour_local")
    if hour is None:
        return "local time unknown"
    minutes = round(hour * 60) % (24 * 60)
    return f"at {minutes // 60:02d}:{minutes % 60:02d} local solar time"


def _card_history(features: Features) -> str:
    log_n = value_of(features, "card_history_log")
    if log_n is None:
        return "payments seen on this card: unknown"
    seen = math.expm1(log_n)
    if round(seen) == 0:
        return "first payment seen on this card"
    return f"{plural(seen, 'earlier payment')} seen on this card"


def _to_card_mean(features: Features) -> str:
    value = value_of(features, "amount_to_card_mean")
    if value is None:
        return "no usual amount on this card to compare with"
    mean = value_of(features, "card_mean_amount_30d")
    return f"{ratio(value)} this card's usual amount" + (
        "" if mean is None else f" ({money(mean)})"
    )


def _above_or_below(name: str, undefined: str, words: Callable[[str, str], str]) -> Wording:
    """A signed distance in words: ``words(size to a tenth, "above" or "below")``."""
    return _one(name, undefined, lambda v: words(number(abs(v), 1), "above" if v >= 0 else "below"))


def _distance_from_last(features: Features) -> str:
    km = value_of(features, "distance_from_last_km")
    if km is None:
        return "no earlier payment on this card to compare places with"
    seconds = _since_last(features)
    when = "" if seconds is None else f" {duration(seconds)} earlier"
    return f"{distance_km(km)} from this card's previous payment{when}"


def _ordinary_frauds(count: float, span: str) -> str:
    frauds = plural(count, "confirmed fraud")
    return (
        f"{frauds} at this merchant in the last {span} on payments ordinary for their cards "
        "(the merchant's doing, not a card compromised elsewhere)"
    )


def _merchant_risk(features: Features) -> str:
    risk = value_of(features, "merchant_risk_30d")
    if risk is None:
        return "this merchant's fraud rate: unknown"
    labelled = value_of(features, "merchant_labels_30d")
    of = "" if labelled is None else f" ({plural(labelled, 'labelled payment')})"
    return f"this merchant's fraud rate over 30 days is {number(risk * 100, 1)}%{of}"


WORDING: dict[str, Wording] = {
    "amount": _amount,
    "log_amount": _one("log_amount", "amount unknown", lambda v: f"amount {money(math.expm1(v))}"),
    "hour_local": _hour_local,
    "is_night": _flag("is_night", "at night (before 06:00 local time)", "not at night"),
    "is_weekend": _flag("is_weekend", "on a weekend", "on a weekday"),
    **{
        f"channel_{channel}": _flag(f"channel_{channel}", yes, no)
        for channel, (yes, no) in _CHANNEL_WORDS.items()
    },
    "merchant_category": _one(
        "merchant_category",
        "merchant category unknown",
        lambda v: f"merchant category {round(v):04d}",
    ),
    "has_device": _flag("has_device", "from an identified device", "no device identified"),
    "card_history_log": _card_history,
    **{
        f"card_count_{name}": _card_window(name, window_s)
        for name, window_s in zip(WINDOW_NAMES, WINDOWS_S, strict=True)
    },
    "card_amount_24h": _against_usual(
        "card_amount_24h",
        lambda v: f"{money(v)} spent on this card in the last 24 hours",
        "card_amount_30d",
        DAY_S / _MONTH_S,
        lambda usual_amount: f"usually {money(usual_amount)}",
    ),
    "card_amount_30d": _against_usual(
        "card_amount_30d", lambda v: f"{money(v)} spent on this card in the last 30 days"
    ),
    "card_mean_amount_30d": _one(
        "card_mean_amount_30d",
        "no usual amount yet: no payment on this card in the last 30 days",
        lambda v: f"this card's usual amount is {money(v)}",
    ),
    "amount_to_card_mean": _to_card_mean,
    "amount_zscore": _above_or_below(
        "amount_zscore",
        "no usual amount on this card to compare with",
        lambda size, side: f"amount {size} standard deviations {side} this card's usual amounts",
    ),
    "log_seconds_since_last": _one(
        "log_seconds_since_last",
        "no earlier payment on this card",
        lambda v: f"{duration(math.expm1(v))} since this card's previous payment",
    ),
    "distance_from_last_km": _distance_from_last,
    "speed_from_last_kmh": _one(
        "speed_from_last_kmh",
        "no earlier payment on this card to compare places with",
        lambda v: f"travel at {number(v)} km/h needed since this card's previous payment",
    ),
    "distance_from_home_km": _one(
        "distance_from_home_km",
        "no usual area for this card yet",
        lambda v: f"{distance_km(v)} from where this card is usually used",
    ),
    "new_merchant": _flag("new_merchant", "first payment at this merchant", "a known merchant"),
    "new_country": _flag("new_country", "first payment in this country", "a known country"),
    "new_device": _flag("new_device", "first payment from this device", "a known device"),
    "new_category": _flag("new_category", "first payment in this kind of shop", "a known kind"),
    "merchant_tx_24h": _merchant_count("merchant_tx_24h", "payment", "24 hours", "merchant_tx_7d"),
    "merchant_tx_7d": _merchant_count("merchant_tx_7d", "payment", "7 days"),
    "merchant_fraud_7d": _merchant_count("merchant_fraud_7d", "confirmed fraud", "7 days"),
    "merchant_fraud_30d": _merchant_count("merchant_fraud_30d", "confirmed fraud", "30 days"),
    "merchant_labels_30d": _merchant_count("merchant_labels_30d", "labelled payment", "30 days"),
    "merchant_risk_30d": _merchant_risk,
    "amount_to_merchant_mean": _one(
        "amount_to_merchant_mean",
        "no usual amount at this merchant to compare with",
        lambda v: f"{ratio(v)} this merchant's usual amount",
    ),
    "merchant_fraud_share_7d": _one(
        "merchant_fraud_share_7d",
        "this merchant's confirmed frauds against its payments: unknown",
        lambda v: (
            f"frauds confirmed at this merchant in the last 7 days: {number(v * 100, 1)}% "
            "of its payments in those days"
        ),
    ),
    "shop_frauds_7d": _one("shop_frauds_7d", "unknown", lambda v: _ordinary_frauds(v, "7 days")),
    "shop_frauds_30d": _one("shop_frauds_30d", "unknown", lambda v: _ordinary_frauds(v, "30 days")),
    "shop_fraud_age_days": _one(
        "shop_fraud_age_days",
        "no fraud on an ordinary payment confirmed at this merchant in the last 30 days",
        lambda v: (
            "the oldest fraud on an ordinary payment at this merchant in the last 30 days was "
            + ("confirmed today" if v < 0.5 else f"confirmed {plural(v, 'day')} ago")
        ),
    ),
    "amount_vs_card_scale": _one(
        "amount_vs_card_scale",
        "no spending scale for this card at shops with a usual amount yet",
        lambda v: f"{ratio(math.exp(v))} what this card usually pays relative to a shop's usual",
    ),
    "amount_scale_z": _above_or_below(
        "amount_scale_z",
        "no spending scale for this card at shops with a usual amount yet",
        lambda size, side: (
            f"{size} of this shop's price spreads {side} what this card usually pays"
        ),
    ),
    "high_amounts_7d": _one(
        "high_amounts_7d",
        "earlier payments far above this card's usual amounts: unknown",
        lambda v: (
            f"{plural(v, 'earlier payment')} far above this card's usual amounts "
            "in about the last 7 days"
        ),
    ),
    "amount_excess_7d": _one(
        "amount_excess_7d",
        "amounts above this card's usual in the last 7 days: unknown",
        lambda v: (
            f"earlier payments in about the last 7 days added up to {number(v, 1)} "
            "shop price spreads above this card's usual amounts"
        ),
    ),
    "hour_from_card_usual": _one(
        "hour_from_card_usual",
        "no usual hour for this card yet",
        lambda v: f"{number(v, 1)} hours from this card's usual local hour",
    ),
    "hour_surprise": _one(
        "hour_surprise",
        "no usual hour for this card yet",
        lambda v: f"{number(v, 1)} times this card's usual spread of hours from its usual hour",
    ),
    "category_share_30d": _one(
        "category_share_30d",
        "no recent payments on this card to compare kinds of shop with",
        lambda v: (
            f"{number(v * 100)}% of this card's payments in about the last 30 days "
            "were in this kind of shop"
        ),
    ),
    "log_since_category": _one(
        "log_since_category",
        "this kind of shop not among the ones this card recently used",
        lambda v: f"{duration(math.expm1(v))} since this card last paid in this kind of shop",
    ),
}


def describe(name: str, features: Features) -> str:
    """``name`` in plain words with its value (and baseline) from ``features``; KeyError for a
    name without wording (a test keeps every model feature covered)."""
    return WORDING[name](features)


def explain(reasons: list[str], features: Features) -> list[dict[str, str]]:
    """A decision's reasons (feature names, strongest first) as ``{"feature", "text"}``; a name
    this code has no wording for (a newer model's) keeps its raw name as text."""
    return [
        {"feature": name, "text": describe(name, features) if name in WORDING else name}
        for name in reasons
    ]
