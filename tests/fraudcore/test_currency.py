"""The world's rate table: amounts in several currencies add up in one reporting currency."""

import pytest

from fraudcore.currency import (
    PER_EURO,
    REPORTING_CURRENCY,
    UnknownCurrencyError,
    to_reporting,
    total_in_reporting,
)


def test_conversion_into_the_reporting_currency() -> None:
    assert REPORTING_CURRENCY == "EUR"
    assert to_reporting(117.0, "USD") == pytest.approx(100.0)
    assert to_reporting(1_700.0, "JPY") == pytest.approx(10.0)
    assert to_reporting(12.34, "EUR") == 12.34
    assert all(rate > 0 for rate in PER_EURO.values())
    with pytest.raises(UnknownCurrencyError, match="XAU"):
        to_reporting(1.0, "XAU")


def test_a_total_keeps_what_it_cannot_convert_apart() -> None:
    assert total_in_reporting({"EUR": 10.0, "USD": 11.7, "XAU": 2.0}) == (20.0, {"XAU": 2.0})
    assert total_in_reporting({}) == (0.0, {})
