"""Derived EDA columns: solar local hour and card velocity."""

import pandas as pd
import pytest

from fraud_training.eda.derive import card_velocity, local_hour


def test_local_hour_adds_an_hour_per_fifteen_degrees_and_wraps() -> None:
    times = pd.Series(pd.to_datetime(["2026-01-05 23:30", "2026-01-05 02:00"], utc=True))
    hours = local_hour(times, pd.Series([30.0, -45.0]))
    assert hours.tolist() == pytest.approx([1.5, 23.0])


def test_velocity_counts_the_cards_payments_in_the_last_hour_including_this_one() -> None:
    table = pd.DataFrame(
        {
            "card_id": ["a", "b", "a", "a", "a"],
            "event_time": pd.to_datetime(["2026-01-05 10:00", "2026-01-05 10:10",
                                          "2026-01-05 10:30", "2026-01-05 10:59",
                                          "2026-01-05 11:45"], utc=True),
        }
    )  # fmt: skip
    assert card_velocity(table).tolist() == [1, 1, 2, 3, 2]  # 10:59 is within 11:45 - 1 h
