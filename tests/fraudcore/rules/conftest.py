"""A payment to decide, built field by field (rules read its text fields)."""

import datetime as dt
from collections.abc import Callable

import pytest

from fraudcore.schemas import Channel, Transaction


@pytest.fixture
def payment() -> Callable[..., Transaction]:
    def make(card: str, country: str = "FR", device: str | None = "dev-1") -> Transaction:
        return Transaction(
            transaction_id=f"tx-{card}", event_time=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
            card_id=card, customer_id="cust-1", merchant_id="merch-1", merchant_name="Shop",
            merchant_category="5812", amount=12.5, currency="EUR", channel=Channel.ONLINE,
            country=country, city="Paris", lat=48.85, lon=2.35, device_id=device,
        )  # fmt: skip

    return make
