"""Every currency the simulated world pays in has a rate in fraudcore's table, so no total of
the world's payments is ever added up unconverted."""

from fraud_simulator.catalog import currency_for, load_places
from fraudcore.currency import PER_EURO


def test_every_currency_of_the_world_has_a_rate() -> None:
    countries = set(load_places().country) | {"ZZ"}  # ZZ: a country the table lacks (USD)
    currencies = {currency_for(country) for country in countries}
    assert len(currencies) > 30
    assert currencies <= set(PER_EURO), sorted(currencies - set(PER_EURO))
