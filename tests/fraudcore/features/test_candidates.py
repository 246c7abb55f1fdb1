"""The weak scenarios' candidate features: a chip payment surprises a card that taps, a kind of
shop never used surprises a card with a long month more than a new one, and none is a model
input until an ablation and a retrained model say so."""

import math

import pytest

from fraudcore.features import FEATURE_NAMES
from fraudcore.features.candidates import (
    CANDIDATE_FEATURES,
    CANDIDATE_GROUPS,
    TAP_LIMIT,
    CategoryRun,
    TapHabit,
    candidate_features,
    category_run_and_update,
    category_surprise,
    tap_surprise_and_update,
)

DAY = 86_400.0
T0 = 1_000 * DAY


def test_candidates_are_not_model_inputs() -> None:
    assert not set(CANDIDATE_FEATURES) & set(FEATURE_NAMES)


def test_a_chip_payment_surprises_a_card_that_taps() -> None:
    tapper, chip_user = TapHabit(), TapHabit()
    for day in range(20):
        tap_surprise_and_update(tapper, T0 + day * DAY, "contactless", 30.0)
        tap_surprise_and_update(chip_user, T0 + day * DAY, "pos", 30.0)
    at = T0 + 20 * DAY
    from_tapper = tap_surprise_and_update(TapHabit(tapper.t, tapper.could, tapper.tapped), at,
                                          "pos", 60.0)  # fmt: skip
    from_chip_user = tap_surprise_and_update(chip_user, at, "pos", 60.0)
    assert from_tapper > 2.0 > 0.2 > from_chip_user
    # With no history both channels are even odds.
    assert tap_surprise_and_update(TapHabit(), T0, "pos", 10.0) == pytest.approx(math.log(2.0))


def test_payments_that_could_not_tap_are_nan_and_leave_the_habit() -> None:
    habit = TapHabit(T0, 5.0, 4.0)
    for channel, amount in (("pos", TAP_LIMIT + 0.01), ("online", 10.0), ("atm", 40.0)):
        assert math.isnan(tap_surprise_and_update(habit, T0 + DAY, channel, amount))
    assert habit == TapHabit(T0, 5.0, 4.0)


def test_the_tap_habit_forgets_over_a_month() -> None:
    habit = TapHabit(T0, 10.0, 10.0)
    tap_surprise_and_update(habit, T0 + 30 * DAY, "pos", 20.0)
    assert habit.could == pytest.approx(10.0 / math.e + 1.0)
    assert habit.tapped == pytest.approx(10.0 / math.e)
    assert habit.t == T0 + 30 * DAY


def test_a_kind_of_shop_never_used_says_more_for_a_card_with_more_history() -> None:
    assert category_surprise(0.0, 60.0) > category_surprise(0.0, 3.0) > category_surprise(0.5, 3.0)
    assert category_surprise(0.0, 0.0) == pytest.approx(math.log(2.0))
    assert math.isnan(category_surprise(math.nan, 4.0))


def test_each_card_keeps_its_own_tap_habit() -> None:
    rows = candidate_features(
        ["a", "a", "b"], [T0, T0 + 60, T0 + 120], channels=["contactless", "pos", "pos"],
        amounts=[10.0, 10.0, 10.0], categories=[5411, 5411, 5411], shares=[0.0, 0.5, 0.0],
        weights=[0.0, 1.0, 0.0], counts_24h=[0.0, 1.0, 0.0],
    )  # fmt: skip
    assert rows[1][0] == pytest.approx(-math.log(1.0 - 2.0 / 3.0), rel=1e-4)  # after one tap
    assert rows[2][0] == pytest.approx(math.log(2.0))  # card b has no history
    assert rows[1][1] == pytest.approx(-math.log(1.0 / 2.0))
    assert [row[2] for row in rows] == [0.0, 0.5, 0.0]  # the category's count before each


HOUR = 3_600.0
RUN = (*CANDIDATE_GROUPS["category_run"], *CANDIDATE_GROUPS["category_fresh"])


def _run(
    run: CategoryRun, t: float, category: int, share: float, amount: float = 50.0
) -> dict[str, float]:
    return dict(zip(RUN, category_run_and_update(run, t, category, amount, share=share,
                                                 count_24h=4.0), strict=True))  # fmt: skip


def test_a_second_payment_in_a_kind_of_shop_new_to_the_card_shows_the_run() -> None:
    run = CategoryRun()
    first = _run(run, T0, 5944, share=0.0, amount=300.0)  # not remembered: fresh
    assert first == {"fresh_category_1h": 0.0, "fresh_category_24h": 0.0, "fresh_amount_24h": 0.0,
                     "fresh_share_24h": 0.0, "log_since_fresh_category": 0.0}  # fmt: skip
    # Half an hour later the card remembers the kind of shop (share > 0), still fresh today.
    second = _run(run, T0 + HOUR / 2, 5944, share=0.05)
    assert second["fresh_category_1h"] == pytest.approx(math.exp(-0.5))
    assert second["fresh_category_24h"] == pytest.approx(math.exp(-0.5 / 24))
    assert second["fresh_amount_24h"] == pytest.approx(300.0 * math.exp(-0.5 / 24))
    assert second["fresh_share_24h"] == pytest.approx(second["fresh_category_24h"] / 4.0)
    assert second["log_since_fresh_category"] == pytest.approx(math.log1p(HOUR / 2))
    assert run.count_1h == pytest.approx(math.exp(-0.5) + 1.0)


def test_usual_kinds_of_shop_and_a_card_without_history_leave_the_run() -> None:
    run = CategoryRun()
    assert math.isnan(_run(run, T0, 5411, share=math.nan)["log_since_fresh_category"])
    assert math.isnan(_run(run, T0 + 60, 5411, share=0.4)["log_since_fresh_category"])
    assert run == CategoryRun()  # no history: every kind of shop is new, so none is fresh


def test_a_kind_of_shop_stays_fresh_for_a_day_only() -> None:
    run = CategoryRun()
    _run(run, T0, 5944, share=0.0)
    later = _run(run, T0 + 25 * HOUR, 5944, share=0.03)  # a day later it is the card's own
    assert math.isnan(later["log_since_fresh_category"])
    assert run.count_24h == pytest.approx(1.0)
    assert run.fresh == []


def test_the_run_replayed_in_two_halves_through_its_encoding_gives_the_same_bits() -> None:
    payments = [(T0 + i * 700.0, (5411, 5944, 5944, 7995, 5411)[i % 5], (0.3, 0.0, 0.02)[i % 3])
                for i in range(40)]  # fmt: skip
    whole = CategoryRun()
    expected = [category_run_and_update(whole, t, c, 20.0 + t % 7, share=s, count_24h=3.0)
                for t, c, s in payments]  # fmt: skip
    half = CategoryRun()
    got = [category_run_and_update(half, t, c, 20.0 + t % 7, share=s, count_24h=3.0)
           for t, c, s in payments[:20]]  # fmt: skip
    # As a served state would be stored between two batches: plain floats and lists.
    restored = CategoryRun(half.t, half.count_1h, half.count_24h, half.amount_24h,
                           [list(entry) for entry in half.fresh])  # fmt: skip
    got += [category_run_and_update(restored, t, c, 20.0 + t % 7, share=s, count_24h=3.0)
            for t, c, s in payments[20:]]  # fmt: skip
    assert got == expected
