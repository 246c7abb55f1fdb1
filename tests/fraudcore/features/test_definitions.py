import math
import struct

import pytest

from fraudcore.features import (
    FEATURE_NAMES,
    CardState,
    MerchantState,
    Payment,
    apply_label,
    features_and_update,
    key_of,
)

DAY = 86_400.0
PARIS = (48.8566, 2.3522)
NEW_YORK = (40.7128, -74.0060)


def pay(
    t: float,
    amount: float = 20.0,
    *,
    where=PARIS,
    channel="pos",
    merchant="m1",
    device: str | None = None,
    country="FR",
    category=5411,
) -> Payment:
    return Payment(
        t,
        amount,
        channel,
        category,
        country,
        where[0],
        where[1],
        key_of(merchant),
        key_of(device) if device else -1,
    )


def as_dict(values: list[float]) -> dict[str, float]:
    assert len(values) == len(FEATURE_NAMES)
    return dict(zip(FEATURE_NAMES, values, strict=True))


def test_first_payment_of_a_card_has_no_history() -> None:
    f = as_dict(features_and_update(pay(1_000 * DAY), CardState(), MerchantState()))
    assert f["card_history_log"] == 0.0
    assert f["card_count_1h"] == f["card_count_30d"] == 0.0
    for name in (
        "card_mean_amount_30d",
        "amount_to_card_mean",
        "amount_zscore",
        "log_seconds_since_last",
        "distance_from_last_km",
        "distance_from_home_km",
    ):
        assert math.isnan(f[name]), name
    assert f["new_merchant"] == f["new_country"] == f["new_category"] == 1.0
    assert f["new_device"] == 0.0  # no device on a card-present payment
    assert f["merchant_risk_30d"] == pytest.approx(0.01)


def test_counts_decay_with_their_time_constants() -> None:
    card, merchant = CardState(), MerchantState()
    t0 = 1_000 * DAY
    features_and_update(pay(t0, 10.0), card, merchant)
    f = as_dict(features_and_update(pay(t0 + 3_600, 30.0), card, merchant))
    assert f["card_count_1h"] == pytest.approx(math.exp(-1))
    assert f["card_count_24h"] == pytest.approx(math.exp(-1 / 24))
    assert f["card_amount_24h"] == pytest.approx(10 * math.exp(-1 / 24))
    assert f["card_mean_amount_30d"] == pytest.approx(10.0)
    assert f["amount_to_card_mean"] == pytest.approx(3.0)
    assert f["log_seconds_since_last"] == pytest.approx(math.log1p(3_600))
    assert f["new_merchant"] == 0.0
    assert f["merchant_tx_24h"] == 1.0


def test_a_jump_across_the_atlantic_in_an_hour_is_impossible_travel() -> None:
    card, merchant = CardState(), MerchantState()
    t0 = 1_000 * DAY
    for day in range(5):
        features_and_update(pay(t0 + day * DAY), card, merchant)
    f = as_dict(
        features_and_update(
            pay(
                t0 + 4 * DAY + 3_600,
                900.0,
                where=NEW_YORK,
                country="US",
                merchant="m9",
                channel="online",
                device="dev-x",
            ),
            card,
            MerchantState(),
        )
    )
    assert f["distance_from_last_km"] == pytest.approx(5_837, rel=0.01)
    assert f["speed_from_last_kmh"] == pytest.approx(5_837, rel=0.01)
    assert f["distance_from_home_km"] == pytest.approx(5_837, rel=0.01)
    assert f["new_country"] == f["new_device"] == f["new_merchant"] == 1.0
    assert f["channel_online"] == 1.0
    assert f["channel_pos"] == 0.0
    assert f["amount_zscore"] > 5


def test_local_time_follows_longitude() -> None:
    # 2026-01-10 (a Saturday) 12:00 UTC is 07:04 in New York by the sun.
    t = 1768046400.0
    f = as_dict(features_and_update(pay(t, where=NEW_YORK), CardState(), MerchantState()))
    assert f["hour_local"] == pytest.approx(12 - 74.006 / 15, abs=1e-6)
    assert f["is_weekend"] == 1.0
    assert f["is_night"] == 0.0


def test_merchant_risk_counts_only_labels_that_have_arrived() -> None:
    merchant = MerchantState()
    t0 = 1_000 * DAY
    for i in range(4):
        apply_label(merchant, t0 - DAY + i, is_fraud=i < 3, card_excess=math.nan)
    f = as_dict(features_and_update(pay(t0), CardState(), merchant))
    assert (f["merchant_fraud_7d"], f["merchant_fraud_30d"], f["merchant_labels_30d"]) == (3, 3, 4)
    assert f["merchant_risk_30d"] == pytest.approx((3 + 0.05) / (4 + 5))
    later = as_dict(features_and_update(pay(t0 + 31 * DAY), CardState(), merchant))
    assert (later["merchant_fraud_30d"], later["merchant_labels_30d"]) == (0, 0)


def _shop(merchant: MerchantState, t: float) -> dict[str, float]:
    f = as_dict(features_and_update(pay(t), CardState(), merchant))
    return {name: f[name] for name in ("shop_frauds_7d", "shop_frauds_30d", "shop_fraud_age_days")}


def test_a_shop_fraud_counts_from_its_label_s_arrival_in_its_arrival_day() -> None:
    merchant, t0 = MerchantState(), 1_000 * DAY  # a midnight: whole days between buckets
    assert math.isnan(_shop(merchant, t0)["shop_fraud_age_days"])
    apply_label(merchant, t0 + 3_600, is_fraud=True, card_excess=0.1)  # ordinary for its card
    assert _shop(merchant, t0 + 3_600) == {
        "shop_frauds_7d": 1.0, "shop_frauds_30d": 1.0, "shop_fraud_age_days": 0.0,
    }  # fmt: skip
    assert _shop(merchant, t0 + 6 * DAY)["shop_frauds_7d"] == 1.0  # arrival day + 6: the week
    week_later = _shop(merchant, t0 + 7 * DAY)
    assert (week_later["shop_frauds_7d"], week_later["shop_frauds_30d"]) == (0.0, 1.0)
    assert _shop(merchant, t0 + 29 * DAY)["shop_fraud_age_days"] == 29.0
    expired = _shop(merchant, t0 + 30 * DAY)  # as the ``d`` and ``f`` buckets
    assert expired["shop_frauds_30d"] == 0.0
    assert math.isnan(expired["shop_fraud_age_days"])


def test_frauds_the_card_explains_and_genuine_labels_count_only_as_merchant_frauds() -> None:
    merchant, t0 = MerchantState(), 1_000 * DAY
    apply_label(merchant, t0, is_fraud=True, card_excess=1.5)  # over twice the card's usual
    apply_label(merchant, t0, is_fraud=False, card_excess=0.0)
    f = as_dict(features_and_update(pay(t0 + 60), CardState(), merchant))
    assert (f["merchant_fraud_30d"], f["shop_frauds_30d"]) == (1.0, 0.0)
    apply_label(merchant, t0 + 120, is_fraud=True, card_excess=math.nan)  # no scale yet
    apply_label(merchant, t0 + DAY + 120, is_fraud=True, card_excess=-2.0)  # below usual
    f = as_dict(features_and_update(pay(t0 + DAY + 180), CardState(), merchant))
    assert (f["merchant_fraud_30d"], f["shop_frauds_30d"], f["shop_fraud_age_days"]) == (3, 2, 1)


def test_the_card_s_excess_is_compared_at_the_precision_the_decision_log_keeps() -> None:
    # A served value just above log 2 is log 2 once stored as float32: a live label reading it
    # back from the log and the offline replay reading the float64 must agree.
    above = math.nextafter(math.log(2.0), math.inf)
    stored = struct.unpack("f", struct.pack("f", above))[0]
    counted = []
    for excess in (above, stored, 0.7, 1e300):
        merchant = MerchantState()
        apply_label(merchant, 1_000 * DAY, is_fraud=True, card_excess=excess)
        counted.append(any(name.startswith("u") for name in merchant.buckets))
    assert counted == [True, True, False, False]


def test_merchant_buckets_out_of_every_window_are_dropped_and_remembered() -> None:
    merchant = MerchantState()
    t0 = 1_000 * DAY
    features_and_update(pay(t0), CardState(), merchant)
    merchant.written()
    features_and_update(pay(t0 + 40 * DAY), CardState(), merchant)
    assert merchant.expired == {"h24000", "d1000", "c1000", "g1000", "q1000"}
    assert set(merchant.buckets) == {"h24960", "d1040", "c1040", "g1040", "q1040"}
    logs = {"g1040": round(math.log(20.0) * 1000), "q1040": round(math.log(20.0) ** 2 * 1000)}
    assert merchant.increments == {"h24960": 1, "d1040": 1, "c1040": 2000, **logs}


def test_amount_to_merchant_mean_compares_with_the_shop_s_last_month() -> None:
    merchant = MerchantState()
    t0 = 1_000 * DAY
    first = as_dict(features_and_update(pay(t0, amount=10.0), CardState(), merchant))
    assert math.isnan(first["amount_to_merchant_mean"])  # no payment at the shop yet
    features_and_update(pay(t0 + 1, amount=30.0), CardState(), merchant)
    f = as_dict(features_and_update(pay(t0 + 2, amount=80.0), CardState(), merchant))
    assert f["amount_to_merchant_mean"] == pytest.approx(80.0 / 20.0)
    stale = as_dict(features_and_update(pay(t0 + 31 * DAY, amount=5.0), CardState(), merchant))
    assert math.isnan(stale["amount_to_merchant_mean"])  # the month has passed


def test_remembered_sets_are_capped_most_recent_first() -> None:
    card, merchant = CardState(), MerchantState()
    for i in range(40):
        features_and_update(pay(1_000 * DAY + i, merchant=f"m{i}"), card, merchant)
    assert len(card.merchants) == 32
    assert card.merchants[0] == key_of("m39")
    assert key_of("m0") not in card.merchants


def test_out_of_order_event_does_not_rewind_the_card() -> None:
    card = CardState()
    features_and_update(pay(2_000.0), card, MerchantState())
    f = as_dict(features_and_update(pay(1_000.0), card, MerchantState()))
    assert f["log_seconds_since_last"] == 0.0
    assert card.t == 2_000.0


def test_card_state_round_trips_exactly() -> None:
    card = CardState()
    for i in range(5):
        features_and_update(
            pay(1_000 * DAY + i * 977.123, 12.34 + i, device=f"d{i}"), card, MerchantState()
        )
    assert CardState.from_bytes(card.to_bytes()) == card
    assert CardState.from_bytes(None) == CardState()
