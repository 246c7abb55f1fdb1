"""The weak scenarios' candidate features: a chip payment surprises a card that taps, a kind of
shop never used surprises a card with a long month more than a new one, and neither is a model
input until an ablation and a retrained model say so."""

import math

import pytest

from fraudcore.features import FEATURE_NAMES
from fraudcore.features.candidates import (
    CANDIDATE_FEATURES,
    TAP_LIMIT,
    TapHabit,
    candidate_features,
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
        amounts=[10.0, 10.0, 10.0], shares=[0.0, 0.5, 0.0], weights=[0.0, 1.0, 0.0],
    )  # fmt: skip
    assert rows[1][0] == pytest.approx(-math.log(1.0 - 2.0 / 3.0), rel=1e-4)  # after one tap
    assert rows[2][0] == pytest.approx(math.log(2.0))  # card b has no history
    assert rows[1][1] == pytest.approx(-math.log(1.0 / 2.0))
    assert [row[2] for row in rows] == [0.0, 0.5, 0.0]  # the category's count before each
