"""Static knowledge the simulator draws from: merchant categories, places, currencies, scenarios."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import numpy as np
from faker.providers.geo import Provider as GeoProvider


class Kind(StrEnum):
    LOCAL = "local"  # card present at a shop in a city: pos or contactless
    ONLINE = "online"  # card not present, from the customer's device
    ATM = "atm"


@dataclass(frozen=True)
class Category:
    mcc: str
    label: str
    kind: Kind
    median_amount: float
    sigma: float  # of log(amount)
    popularity: float  # relative share of genuine spending


# ISO 18245 merchant category codes with typical ticket sizes.
CATEGORIES: Final[tuple[Category, ...]] = (
    Category("5411", "Grocery", Kind.LOCAL, 35.0, 0.7, 20.0),
    Category("5812", "Restaurant", Kind.LOCAL, 28.0, 0.6, 12.0),
    Category("5814", "Fast food", Kind.LOCAL, 11.0, 0.5, 10.0),
    Category("5541", "Fuel", Kind.LOCAL, 50.0, 0.4, 7.0),
    Category("5912", "Pharmacy", Kind.LOCAL, 22.0, 0.7, 5.0),
    Category("5311", "Department store", Kind.LOCAL, 70.0, 0.8, 4.0),
    Category("5651", "Clothing", Kind.LOCAL, 65.0, 0.7, 4.0),
    Category("5732", "Electronics", Kind.LOCAL, 180.0, 0.9, 2.0),
    Category("5944", "Jewelry", Kind.LOCAL, 300.0, 0.9, 0.5),
    Category("5947", "Gift shop", Kind.LOCAL, 35.0, 0.7, 1.5),
    Category("5977", "Cosmetics", Kind.LOCAL, 40.0, 0.6, 2.0),
    Category("5942", "Books", Kind.LOCAL, 22.0, 0.5, 1.5),
    Category("4111", "Transit", Kind.LOCAL, 4.0, 0.5, 6.0),
    Category("4121", "Taxi", Kind.LOCAL, 22.0, 0.5, 2.5),
    Category("7011", "Hotel", Kind.LOCAL, 180.0, 0.6, 1.0),
    Category("7832", "Cinema", Kind.LOCAL, 20.0, 0.4, 1.5),
    Category("4511", "Airline", Kind.ONLINE, 420.0, 0.6, 0.8),
    Category("5999", "Marketplace", Kind.ONLINE, 45.0, 0.9, 6.0),
    Category("5815", "Digital media", Kind.ONLINE, 4.0, 0.8, 4.0),
    Category("5816", "Games", Kind.ONLINE, 9.0, 0.9, 2.0),
    Category("4899", "Streaming", Kind.ONLINE, 13.0, 0.3, 2.5),
    Category("7995", "Betting", Kind.ONLINE, 30.0, 1.0, 0.8),
    Category("6051", "Crypto exchange", Kind.ONLINE, 150.0, 1.0, 0.4),
    Category("6011", "ATM", Kind.ATM, 120.0, 0.6, 3.0),
)
CATEGORY_BY_MCC: Final = {category.mcc: category for category in CATEGORIES}

# Names of the fraud scenarios, as they appear in labels and metrics.
GENUINE: Final = "genuine"
CARD_TESTING: Final = "card_testing"
ACCOUNT_TAKEOVER: Final = "account_takeover"
SKIMMING: Final = "compromised_terminal"
INFLATED_AMOUNTS: Final = "inflated_amounts"
CATEGORY_ANOMALY: Final = "category_anomaly"
SCENARIOS: Final = (CARD_TESTING, ACCOUNT_TAKEOVER, SKIMMING, INFLATED_AMOUNTS, CATEGORY_ANOMALY)

_CURRENCY: Final = {
    **dict.fromkeys(
        ("AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU",
         "LV", "MT", "NL", "PT", "SI", "SK", "AD", "MC", "SM", "VA", "ME", "XK"),
        "EUR",
    ),
    "US": "USD", "GB": "GBP", "JP": "JPY", "CN": "CNY", "IN": "INR", "RU": "RUB", "BR": "BRL",
    "CA": "CAD", "AU": "AUD", "MX": "MXN", "CH": "CHF", "SE": "SEK", "NO": "NOK", "DK": "DKK",
    "PL": "PLN", "CZ": "CZK", "HU": "HUF", "RO": "RON", "TR": "TRY", "UA": "UAH", "ZA": "ZAR",
    "NG": "NGN", "EG": "EGP", "KE": "KES", "MA": "MAD", "SA": "SAR", "AE": "AED", "IL": "ILS",
    "KR": "KRW", "ID": "IDR", "PH": "PHP", "TH": "THB", "VN": "VND", "MY": "MYR", "SG": "SGD",
    "PK": "PKR", "BD": "BDT", "AR": "ARS", "CL": "CLP", "CO": "COP", "PE": "PEN", "NZ": "NZD",
}  # fmt: skip


def currency_for(country: str) -> str:
    """The local currency of a country, USD where the table has none."""
    return _CURRENCY.get(country, "USD")


@dataclass(frozen=True)
class Places:
    """Real inhabited places (Faker's GeoNames-derived list): coordinates, names, countries."""

    lat: np.ndarray
    lon: np.ndarray
    city: np.ndarray
    country: np.ndarray

    def __len__(self) -> int:
        return len(self.lat)


def load_places() -> Places:
    rows = GeoProvider.land_coords
    return Places(
        lat=np.array([float(row[0]) for row in rows]),
        lon=np.array([float(row[1]) for row in rows]),
        city=np.array([row[2] for row in rows], dtype=object),
        country=np.array([row[3] for row in rows], dtype=object),
    )
