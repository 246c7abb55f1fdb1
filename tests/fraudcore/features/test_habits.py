"""The card's habits as model inputs: served by ``features_and_update`` from the card's state
and the merchant's log-amount buckets, kept with the card, and a card stored before the habits
existed loads with none."""

import math

import orjson
import pytest

from fraudcore.features import FEATURE_NAMES, CardState, MerchantState, Payment, key_of
from fraudcore.features.definitions import features_and_update
from fraudcore.features.habits import HABIT_FEATURES, merchant_log_stats
from fraudcore.features.state import CardHabits

DAY, HOUR = 86_400.0, 3_600.0
T0 = 1_000 * DAY  # midnight UTC; at longitude 0 the local solar hour is the UTC hour


def pay(t: float, amount: float = 20.0, *, channel: str = "pos", category: int = 5411,
        merchant: str = "m1") -> Payment:  # fmt: skip
    return Payment(t, amount, channel, category, "FR", 48.0, 0.0, key_of(merchant), -1)


def run(payments: list[Payment], card: CardState | None = None,
        merchants: dict[int, MerchantState] | None = None) -> list[dict[str, float]]:  # fmt: skip
    """Each payment's habit features, as the model reads them."""
    card = card if card is not None else CardState()
    merchants = merchants if merchants is not None else {}
    out = []
    for p in payments:
        merchant = merchants.setdefault(p.merchant, MerchantState(track=False))
        values = dict(zip(FEATURE_NAMES, features_and_update(p, card, merchant), strict=True))
        out.append({name: values[name] for name in HABIT_FEATURES})
    return out


def test_the_habits_are_model_inputs() -> None:
    assert FEATURE_NAMES[-len(HABIT_FEATURES) :] == HABIT_FEATURES
    assert "card_tap_share" not in FEATURE_NAMES  # measured: it cost recall


def usual_month(amount: float = 20.0, hour: float = 12.0) -> list[Payment]:
    """A card's ordinary month: one payment a day at the same shop and hour."""
    return [pay(T0 + day * DAY + hour * HOUR, amount * (1.1 if day % 2 else 0.9))
            for day in range(30)]  # fmt: skip


def test_a_new_card_has_no_habits_yet() -> None:
    first = run([pay(T0)])[0]
    assert all(math.isnan(first[name]) for name in (
        "amount_vs_card_scale", "amount_scale_z", "hour_from_card_usual", "hour_surprise",
        "category_share_30d", "log_since_category",
    ))  # fmt: skip
    assert first["high_amounts_7d"] == first["amount_excess_7d"] == 0.0


def test_an_amount_is_read_against_the_merchants_typical_amount_and_the_cards_scale() -> None:
    card, merchants = CardState(), {}
    run(usual_month(), card, merchants)
    usual, five_times = run([pay(T0 + 30 * DAY + 12 * HOUR, 20.0),
                             pay(T0 + 31 * DAY + 12 * HOUR, 100.0)], card, merchants)  # fmt: skip
    assert abs(usual["amount_vs_card_scale"]) < 0.15
    assert five_times["amount_vs_card_scale"] == pytest.approx(math.log(5.0), abs=0.2)
    assert five_times["amount_scale_z"] > 2.0


def test_a_run_of_inflated_payments_cannot_make_itself_usual() -> None:
    card, crowd, merchants = CardState(), CardState(), {}
    habits = card.habits
    # The shop's other customers: ten ordinary payments a day, so its typical amount is theirs.
    for day in range(60):
        run([pay(T0 + day * DAY + hour * HOUR, 20.0 * (0.8 + 0.04 * hour))
             for hour in range(10)], crowd, merchants)  # fmt: skip
        if day < 30:
            run([pay(T0 + day * DAY + 12 * HOUR, 20.0 * (1.1 if day % 2 else 0.9))], card,
                merchants)  # fmt: skip
        if day == 29:
            scale_before = habits.scale
        elif day >= 30:  # compromised: three payments a day, one of them inflated four times
            features = run([pay(T0 + day * DAY + (12 + i) * HOUR, 20.0 * (4.0 if i == 0 else 1.0))
                            for i in range(3)], card, merchants)  # fmt: skip
            if day == 43:
                two_weeks, scale_after = features[0], habits.scale
    # Fourteen inflated payments in two weeks move the scale by under a sixth of log(4).
    assert scale_after - scale_before < math.log(4.0) / 6
    assert two_weeks["amount_vs_card_scale"] > 0.8 * math.log(4.0)
    assert two_weeks["amount_scale_z"] > 2.0
    assert two_weeks["high_amounts_7d"] > 4.0  # the card shows a run of them
    quiet = run([pay(T0 + 80 * DAY, 20.0)], card, merchants)[0]
    assert quiet["high_amounts_7d"] < 1.0


def test_the_merchant_log_amounts_cover_thirty_days() -> None:
    merchant = MerchantState(track=False)
    run([pay(T0, 10.0), pay(T0 + DAY, 40.0)], merchants={key_of("m1"): merchant})
    day = int(T0 // DAY)
    sums = [sum(merchant.buckets[f"{kind}{d}"] for d in (day, day + 1)) for kind in "dgq"]
    mean, sd = merchant_log_stats(*sums)
    assert mean == pytest.approx(math.log(20.0), abs=1e-3)
    assert sd == pytest.approx(math.sqrt(math.log(2.0) ** 2 + 0.2**2), abs=3e-3)
    assert math.isnan(merchant_log_stats(0, 0, 0)[0])
    run([pay(T0 + 31 * DAY)], merchants={key_of("m1"): merchant})  # the first day drops out
    assert not {f"g{day}", f"q{day}"} & merchant.buckets.keys()


def test_an_unusual_hour_and_a_new_kind_of_shop_stand_out() -> None:
    card = CardState()
    run(usual_month(hour=12.0), card)
    noon, night = run(
        [
            pay(T0 + 30 * DAY + 12 * HOUR),
            pay(T0 + 31 * DAY + 23 * HOUR, category=5944, merchant="m2"),
        ],
        card,
    )
    assert noon["hour_from_card_usual"] < 1.0
    assert night["hour_from_card_usual"] == pytest.approx(11.0, abs=0.5)
    assert night["hour_surprise"] > noon["hour_surprise"]
    assert noon["category_share_30d"] > 0.9
    assert night["category_share_30d"] == 0.0
    assert math.isnan(night["log_since_category"])
    again = run([pay(T0 + 31 * DAY + 23.5 * HOUR, category=5944, merchant="m3")], card)[0]
    assert again["log_since_category"] == pytest.approx(math.log1p(HOUR / 2))


def test_categories_remembered_are_bounded() -> None:
    card = CardState()
    run([pay(T0 + i * HOUR, category=1000 + i, merchant=f"m{i}") for i in range(40)], card)
    assert len(card.habits.categories) == 16
    assert card.habits.categories[-1][0] == 1039  # the newest stays; the least used went first


def test_habits_survive_serialisation_with_the_card() -> None:
    card = CardState()
    run(usual_month(), card)
    assert card.habits.n > 0
    assert card.habits.categories
    assert CardState.from_bytes(card.to_bytes()) == card
    restored = CardHabits.from_list(orjson.loads(orjson.dumps(card.habits.to_list())))
    assert restored == card.habits
    assert CardHabits.from_list(None) == CardHabits()


def test_a_card_stored_before_the_habits_loads_with_none_and_learns_them() -> None:
    card, merchants = CardState(), {}
    run(usual_month(), card, merchants)
    older = orjson.loads(card.to_bytes())[:-1]  # the encoding before the habits joined
    loaded = CardState.from_bytes(orjson.dumps(older))
    assert loaded.habits == CardHabits()
    assert (loaded.n, loaded.count, loaded.categories) == (card.n, card.count, card.categories)
    first = run([pay(T0 + 30 * DAY + 12 * HOUR)], loaded, merchants)[0]
    assert math.isnan(first["amount_vs_card_scale"])  # no scale yet: three payments needed
    assert loaded.habits.n == 1
