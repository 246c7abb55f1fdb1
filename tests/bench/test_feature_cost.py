"""The feature microbenchmark runs the production feature code over a whole simulated world."""

from fraud_bench import feature_cost
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import CardState, MerchantState, features_and_update


def test_every_payment_is_measured_three_ways() -> None:
    measured = feature_cost.measure(days=1, customers=40, repeats=1)
    assert measured["payments"] == len(generate(DatasetSpec(days=1, customers=40, seed=7)))
    for figure in ("features", "with_card_bytes", "replay"):
        assert measured[f"{figure}_us_per_payment"] > 0


def test_payments_are_converted_as_the_consumer_converts_them() -> None:
    table = generate(DatasetSpec(days=1, customers=40, seed=7))
    payments = feature_cost._payments(table)
    assert [card for card, _, _ in payments] == table["card_id"].tolist()
    card_id, _, payment = payments[0]
    assert features_and_update(payment, CardState(), MerchantState())[0] == table["amount"][0]
    assert card_id == table["card_id"][0]
