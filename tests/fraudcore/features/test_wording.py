"""Every model feature in plain words: coverage, the values behind each sentence, units, plurals,
rounding, and undefined values."""

import math

import numpy as np
import pytest

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.features.wording import (
    WORDING,
    describe,
    distance_km,
    duration,
    explain,
    money,
    number,
    plural,
    ratio,
    usual,
)


def test_every_model_feature_has_wording_and_nothing_else_does():
    assert set(FEATURE_NAMES) - set(WORDING) == set(), "features without plain words"
    assert set(WORDING) - set(FEATURE_NAMES) == set(), "wording for features the model lacks"


@pytest.mark.parametrize("name", FEATURE_NAMES)
def test_every_feature_reads_undefined_and_missing_values_without_failing(name):
    nan = describe(name, {other: math.nan for other in FEATURE_NAMES})
    assert nan == describe(name, {})
    assert nan == describe(name, dict.fromkeys(FEATURE_NAMES))
    assert "nan" not in nan.lower()
    assert nan


def test_served_vectors_of_a_simulated_world_read_without_nan_or_raw_names():
    table = generate(DatasetSpec(days=1, customers=40, seed=5))
    vectors = replay(table).astype(np.float32)
    for vector in vectors[:: max(1, len(vectors) // 50)]:
        served = {name: float(value) for name, value in zip(FEATURE_NAMES, vector, strict=True)}
        for name in FEATURE_NAMES:
            text = describe(name, served)
            assert "nan" not in text.lower(), (name, text)
            assert "inf" not in text.lower(), (name, text)
            assert "_" not in text, text  # no raw feature name


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(3400.0, 0, "3,400"), (1234567.891, 2, "1,234,567.89"), (-0.001, 1, "0.0"), (-2.0, 0, "-2"),
     (0.0, 0, "0")],
)  # fmt: skip
def test_numbers_are_thousands_separated_and_never_negative_zero(value, decimals, text):
    assert number(value, decimals) == text


def test_plurals_follow_the_rounded_count():
    assert plural(1.0, "payment") == "1 payment"
    assert plural(1.2, "payment") == "1 payment"
    assert plural(0.2, "payment") == "0 payments"
    assert plural(12.0, "payment") == "12 payments"
    assert plural(2, "confirmed fraud") == "2 confirmed frauds"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1 second"), (45, "45 seconds"), (89, "89 seconds"), (1200, "20 minutes"),
     (60 * 60, "60 minutes"), (3 * 3600, "3 hours"), (36 * 3600, "2 days"), (86_400 * 9, "9 days")],
)  # fmt: skip
def test_durations_take_the_unit_that_reads_naturally(seconds, text):
    assert duration(seconds) == text


@pytest.mark.parametrize(
    ("km", "text"),
    [(0.04, "0.0 km"), (4.25, "4.2 km"), (12.6, "13 km"), (999.4, "999 km"), (3412.0, "3,410 km"),
     (12_345.0, "12,340 km")],
)  # fmt: skip
def test_distances_round_to_what_matters(km, text):
    assert distance_km(km) == text


def test_ratios_money_and_baselines():
    assert ratio(5.23) == "5.2x"
    assert ratio(0.3) == "0.3x"
    assert ratio(140.4) == "140x"
    assert money(1234.5) == "1,234.50"
    assert usual(0.0) == "usually none"
    assert usual(0.03) == "usually fewer than 1"
    assert usual(2.6) == "usually 3"


def test_card_velocity_reads_with_the_cards_usual_rate_for_the_same_window():
    features = {"card_count_1h": 12.2, "card_count_24h": 14.0, "card_count_30d": 720.0}
    assert describe("card_count_1h", features) == (
        "12 earlier payments on this card in the last hour; usually 1"
    )
    assert describe("card_count_24h", features) == (
        "14 earlier payments on this card in the last 24 hours; usually 24"
    )
    assert (
        describe("card_count_30d", features)
        == "720 earlier payments on this card in the last 30 days"
    )
    no_month = {"card_count_1h": 1.0}
    assert describe("card_count_1h", no_month) == "1 earlier payment on this card in the last hour"


def test_distance_from_the_last_payment_says_how_long_before():
    features = {"distance_from_last_km": 3412.0, "log_seconds_since_last": math.log1p(1200.0)}
    assert describe("distance_from_last_km", features) == (
        "3,410 km from this card's previous payment 20 minutes earlier"
    )
    assert describe("log_seconds_since_last", features) == (
        "20 minutes since this card's previous payment"
    )
    assert describe("distance_from_last_km", {"distance_from_last_km": 2.0}) == (
        "2.0 km from this card's previous payment"
    )
    assert describe("log_seconds_since_last", {}) == "no earlier payment on this card"


def test_amounts_read_against_the_cards_and_the_merchants_usual():
    features = {"amount": 950.0, "amount_to_card_mean": 5.21, "card_mean_amount_30d": 182.4,
                "amount_to_merchant_mean": 3.0, "amount_zscore": -1.26}  # fmt: skip
    assert describe("amount_to_card_mean", features) == "5.2x this card's usual amount (182.40)"
    assert describe("amount", features) == "amount 950.00 (this card usually 182.40)"
    assert describe("log_amount", {"log_amount": math.log1p(950.0)}) == "amount 950.00"
    assert describe("amount_to_merchant_mean", features) == "3.0x this merchant's usual amount"
    assert describe("amount_zscore", features) == (
        "amount 1.3 standard deviations below this card's usual amounts"
    )
    assert describe("amount_to_card_mean", {}) == "no usual amount on this card to compare with"


def test_time_flags_and_merchant_history():
    assert describe("hour_local", {"hour_local": 3.2}) == "at 03:12 local solar time"
    assert describe("hour_local", {"hour_local": 23.9999}) == "at 00:00 local solar time"
    assert describe("is_night", {"is_night": 1.0}) == "at night (before 06:00 local time)"
    assert describe("is_night", {"is_night": 0.0}) == "not at night"
    assert describe("is_night", {}) == "unknown whether at night (before 06:00 local time)"
    assert describe("channel_online", {"channel_online": 1.0}) == "paid online"
    assert describe("merchant_category", {"merchant_category": 742.0}) == "merchant category 0742"
    assert describe("card_history_log", {"card_history_log": 0.0}) == (
        "first payment seen on this card"
    )
    assert describe("card_history_log", {"card_history_log": math.log1p(37)}) == (
        "37 earlier payments seen on this card"
    )
    merchant = {"merchant_tx_24h": 300.0, "merchant_tx_7d": 700.0, "merchant_risk_30d": 0.0423,
                "merchant_labels_30d": 1.0, "merchant_fraud_7d": 1.0}  # fmt: skip
    assert describe("merchant_tx_24h", merchant) == (
        "300 payments at this merchant in the last 24 hours; usually 100"
    )
    assert describe("merchant_fraud_7d", merchant) == (
        "1 confirmed fraud at this merchant in the last 7 days"
    )
    assert describe("merchant_risk_30d", merchant) == (
        "this merchant's fraud rate over 30 days is 4.2% (1 labelled payment)"
    )


def test_explain_keeps_the_order_and_a_name_it_cannot_word():
    features = {"card_count_1h": 3.0, "new_country": 1.0}
    assert explain(["new_country", "card_count_1h", "from_a_newer_model"], features) == [
        {"feature": "new_country", "text": "first payment in this country"},
        {"feature": "card_count_1h", "text": "3 earlier payments on this card in the last hour"},
        {"feature": "from_a_newer_model", "text": "from_a_newer_model"},
    ]
    with pytest.raises(KeyError):
        describe("from_a_newer_model", features)
