import math

import orjson
import pytest

from fraudcore.features import MerchantState, Payment, key_of
from fraudcore.features.habits import (
    HABIT_FEATURES,
    CardHabits,
    habit_features_and_update,
    merchant_log_stats,
)

DAY, HOUR = 86_400.0, 3_600.0
T0 = 1_000 * DAY  # midnight UTC; at longitude 0 the local solar hour is the UTC hour


def pay(t: float, amount: float = 20.0, *, channel: str = "pos", category: int = 5411,
        merchant: str = "m1") -> Payment:  # fmt: skip
    return Payment(t, amount, channel, category, "FR", 48.0, 0.0, key_of(merchant), -1)


def run(payments: list[Payment], habits: CardHabits | None = None,
        merchants: dict[int, MerchantState] | None = None) -> list[dict[str, float]]:  # fmt: skip
    """Each payment's habit features; the merchant's day bucket as features_and_update adds it."""
    habits = habits if habits is not None else CardHabits()
    merchants = merchants if merchants is not None else {}
    out = []
    for p in payments:
        merchant = merchants.setdefault(p.merchant, MerchantState(track=False))
        values = habit_features_and_update(p, habits, merchant)
        merchant.add(f"d{int(p.t // DAY)}")
        out.append(dict(zip(HABIT_FEATURES, values, strict=True)))
    return out


def usual_month(amount: float = 20.0, hour: float = 12.0) -> list[Payment]:
    """A card's ordinary month: one payment a day at the same shop and hour."""
    return [pay(T0 + day * DAY + hour * HOUR, amount * (1.1 if day % 2 else 0.9))
            for day in range(30)]  # fmt: skip


def test_a_new_card_has_no_habits_yet() -> None:
    first = run([pay(T0)])[0]
    assert all(math.isnan(first[name]) for name in (
        "amount_vs_card_scale", "amount_scale_z", "hour_from_card_usual", "hour_surprise",
        "category_share_30d", "log_since_category", "card_tap_share",
    ))  # fmt: skip
    assert first["high_amounts_7d"] == first["amount_excess_7d"] == 0.0


def test_an_amount_is_read_against_the_merchants_typical_amount_and_the_cards_scale() -> None:
    habits, merchants = CardHabits(), {}
    run(usual_month(), habits, merchants)
    usual, five_times = run([pay(T0 + 30 * DAY + 12 * HOUR, 20.0),
                             pay(T0 + 31 * DAY + 12 * HOUR, 100.0)], habits, merchants)  # fmt: skip
    assert abs(usual["amount_vs_card_scale"]) < 0.15
    assert five_times["amount_vs_card_scale"] == pytest.approx(math.log(5.0), abs=0.2)
    assert five_times["amount_scale_z"] > 2.0


def test_a_run_of_inflated_payments_cannot_make_itself_usual() -> None:
    habits, crowd, merchants = CardHabits(), CardHabits(), {}
    # The shop's other customers: ten ordinary payments a day, so its typical amount is theirs.
    for day in range(60):
        run([pay(T0 + day * DAY + hour * HOUR, 20.0 * (0.8 + 0.04 * hour))
             for hour in range(10)], crowd, merchants)  # fmt: skip
        if day < 30:
            run([pay(T0 + day * DAY + 12 * HOUR, 20.0 * (1.1 if day % 2 else 0.9))], habits,
                merchants)  # fmt: skip
        if day == 29:
            scale_before = habits.scale
        elif day >= 30:  # compromised: three payments a day, one of them inflated four times
            features = run([pay(T0 + day * DAY + (12 + i) * HOUR, 20.0 * (4.0 if i == 0 else 1.0))
                            for i in range(3)], habits, merchants)  # fmt: skip
            if day == 43:
                two_weeks, scale_after = features[0], habits.scale
    # Fourteen inflated payments in two weeks move the scale by under a sixth of log(4).
    assert scale_after - scale_before < math.log(4.0) / 6
    assert two_weeks["amount_vs_card_scale"] > 0.8 * math.log(4.0)
    assert two_weeks["amount_scale_z"] > 2.0
    assert two_weeks["high_amounts_7d"] > 4.0  # the card shows a run of them
    quiet = run([pay(T0 + 80 * DAY, 20.0)], habits, merchants)[0]
    assert quiet["high_amounts_7d"] < 1.0


def test_the_merchant_log_amounts_cover_thirty_days() -> None:
    merchant = MerchantState(track=False)
    run([pay(T0, 10.0), pay(T0 + DAY, 40.0)], merchants={key_of("m1"): merchant})
    mean, sd = merchant_log_stats(merchant, int((T0 + DAY) // DAY))
    assert mean == pytest.approx(math.log(20.0), abs=1e-3)
    assert sd == pytest.approx(math.sqrt(math.log(2.0) ** 2 + 0.2**2), abs=3e-3)
    assert math.isnan(merchant_log_stats(merchant, int(T0 // DAY) + 31)[0])


def test_an_unusual_hour_and_a_new_kind_of_shop_stand_out() -> None:
    habits = CardHabits()
    run(usual_month(hour=12.0), habits)
    noon, night = run(
        [
            pay(T0 + 30 * DAY + 12 * HOUR),
            pay(T0 + 31 * DAY + 23 * HOUR, category=5944, merchant="m2"),
        ],
        habits,
    )
    assert noon["hour_from_card_usual"] < 1.0
    assert night["hour_from_card_usual"] == pytest.approx(11.0, abs=0.5)
    assert night["hour_surprise"] > noon["hour_surprise"]
    assert noon["category_share_30d"] > 0.9
    assert night["category_share_30d"] == 0.0
    assert math.isnan(night["log_since_category"])
    again = run([pay(T0 + 31 * DAY + 23.5 * HOUR, category=5944, merchant="m3")], habits)[0]
    assert again["log_since_category"] == pytest.approx(math.log1p(HOUR / 2))


def test_the_tap_habit_counts_local_payments_contactless_could_pay() -> None:
    habits = CardHabits()
    payments = [pay(T0 + i * HOUR, 20.0, channel="contactless") for i in range(3)]
    payments += [pay(T0 + 3 * HOUR, 20.0), pay(T0 + 4 * HOUR, 500.0), pay(T0 + 5 * HOUR,
                 20.0, channel="online")]  # fmt: skip
    run(payments, habits)
    assert run([pay(T0 + 6 * HOUR)], habits)[0]["card_tap_share"] == pytest.approx(0.75, abs=1e-3)


def test_categories_remembered_are_bounded() -> None:
    habits = CardHabits()
    run([pay(T0 + i * HOUR, category=1000 + i, merchant=f"m{i}") for i in range(40)], habits)
    assert len(habits.categories) == 16
    assert habits.categories[-1][0] == 1039  # the newest stays; the least used went first


def test_habits_survive_serialisation() -> None:
    habits = CardHabits()
    run(usual_month(), habits)
    restored = CardHabits.from_list(orjson.loads(orjson.dumps(habits.to_list())))
    assert restored == habits
    assert CardHabits.from_list(None) == CardHabits()
