"""The simulated world's exchange rates: every currency its payments are made in, against the one
currency figures are reported in. Totals over payments in several currencies are converted here
(one place; the dashboard and any report import it) and never added up raw.

The world has no foreign-exchange market: these are fixed rates, round figures close to market
rates of mid-2025, so a total is comparable from one run to the next. A currency missing here
cannot be converted; readers show such amounts apart rather than guess a rate.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

REPORTING_CURRENCY: Final = "EUR"

# Units of each currency for one euro.
PER_EURO: Final[Mapping[str, float]] = {
    "EUR": 1.0, "USD": 1.17, "GBP": 0.86, "CHF": 0.935, "JPY": 170.0, "CNY": 8.4,
    "INR": 100.0, "RUB": 92.0, "BRL": 6.4, "CAD": 1.6, "AUD": 1.78, "NZD": 1.95, "MXN": 21.9,
    "SEK": 11.1, "NOK": 11.8, "DKK": 7.46, "PLN": 4.26, "CZK": 24.6, "HUF": 397.0, "RON": 5.08,
    "TRY": 46.5, "UAH": 48.5, "ZAR": 20.6, "NGN": 1_790.0, "EGP": 57.5, "KES": 151.0,
    "MAD": 10.6, "SAR": 4.39, "AED": 4.3, "ILS": 3.95, "KRW": 1_610.0, "IDR": 19_000.0,
    "PHP": 66.0, "THB": 37.8, "VND": 30_500.0, "MYR": 4.95, "SGD": 1.5, "PKR": 331.0,
    "BDT": 143.0, "ARS": 1_400.0, "CLP": 1_100.0, "COP": 4_700.0, "PEN": 4.15,
}  # fmt: skip


class UnknownCurrencyError(KeyError):
    def __init__(self, currency: str) -> None:
        super().__init__(f"no rate for {currency!r} in the world's rate table")
        self.currency = currency


def convertible(currency: str) -> bool:
    return currency in PER_EURO


def to_reporting(amount: float, currency: str) -> float:
    """``amount`` of ``currency`` in the reporting currency (not rounded)."""
    try:
        rate = PER_EURO[currency]
    except KeyError:
        raise UnknownCurrencyError(currency) from None
    return amount / rate * PER_EURO[REPORTING_CURRENCY]


def total_in_reporting(amounts: Mapping[str, float]) -> tuple[float, dict[str, float]]:
    """Per-currency amounts added up in the reporting currency (rounded to cents), and those in
    currencies without a rate, left as they are."""
    total, unconverted = 0.0, {}
    for currency, amount in amounts.items():
        if convertible(currency):
            total += to_reporting(amount, currency)
        else:
            unconverted[currency] = amount
    return round(total, 2), unconverted
