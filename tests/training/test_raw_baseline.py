"""The design we replace reads only the raw fields: amount, the UTC hour, and merchant category
and country one-hot; without them (the decision log's export) there is no such baseline."""

import numpy as np
import pandas as pd

from fraud_training.raw_baseline import has_raw_fields, raw_features


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "event_time": pd.to_datetime(["2026-03-02 23:30", "2026-03-03 08:00",
                                          "2026-03-03 09:15"], utc=True),
            "amount": [12.5, 300.0, 7.0],
            "merchant_category": ["5411", "4511", "5411"],
            "country": ["DE", "US", "US"],
            "card_id": ["a", "b", "c"],
        }
    )  # fmt: skip


def test_raw_fields_are_amount_hour_and_one_hot_categories() -> None:
    x, names = raw_features(table())
    assert names == ["amount", "hour", "merchant_category=4511", "merchant_category=5411",
                     "country=DE", "country=US"]  # fmt: skip
    assert x.tolist() == [
        [12.5, 23.0, 0.0, 1.0, 1.0, 0.0],
        [300.0, 8.0, 1.0, 0.0, 0.0, 1.0],
        [7.0, 9.0, 0.0, 1.0, 0.0, 1.0],
    ]
    assert x.dtype == np.float64


def test_a_table_without_the_raw_fields_has_no_such_baseline() -> None:
    assert has_raw_fields(table())
    assert not has_raw_fields(table().drop(columns=["country"]))
