import datetime as dt

import numpy as np
import pandas as pd
import pytest

from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import FEATURE_NAMES, CardState, MerchantState, features_and_update, replay
from fraudcore.features.definitions import SHOP_FRAUD_FEATURES
from fraudcore.features.payments import epoch_seconds, payment_of
from fraudcore.schemas import Transaction


@pytest.fixture(scope="module")
def week() -> pd.DataFrame:
    return generate(DatasetSpec(days=7, customers=800))


def test_replay_shape_and_determinism(week: pd.DataFrame) -> None:
    first, second = replay(week), replay(week)
    assert first.shape == (len(week), len(FEATURE_NAMES))
    np.testing.assert_array_equal(first, second)


def test_labels_change_merchant_features_only_after_they_arrive(week: pd.DataFrame) -> None:
    with_labels = replay(week)
    without = replay(week.drop(columns=["label_time", "is_fraud"]))
    merchant_cols = [
        i
        for i, name in enumerate(FEATURE_NAMES)
        if (
            name.startswith("merchant_") and ("fraud" in name or "labels" in name or "risk" in name)
        )
        or name in SHOP_FRAUD_FEATURES
    ]
    other = [i for i in range(len(FEATURE_NAMES)) if i not in merchant_cols]
    np.testing.assert_array_equal(with_labels[:, other], without[:, other])
    first_label = week["label_time"].min()
    before = (week["event_time"] < first_label).to_numpy()
    np.testing.assert_array_equal(
        with_labels[before][:, merchant_cols], without[before][:, merchant_cols]
    )
    assert (with_labels[~before][:, merchant_cols] != without[~before][:, merchant_cols]).any()


def test_replay_equals_the_online_function_on_transactions(week: pd.DataFrame) -> None:
    rows = week.head(2_000).drop(columns=["label_time", "is_fraud"])
    expected = replay(rows)
    cards: dict[str, CardState] = {}
    merchants: dict[str, MerchantState] = {}
    for i, row in enumerate(rows.to_dict("records")):
        fields = {k: row[k] for k in Transaction.model_fields}
        fields["device_id"] = None if pd.isna(fields["device_id"]) else fields["device_id"]
        tx = Transaction.model_validate(fields)
        got = features_and_update(
            payment_of(tx),
            cards.setdefault(tx.card_id, CardState()),
            merchants.setdefault(tx.merchant_id, MerchantState()),
        )
        np.testing.assert_array_equal(np.array(got), expected[i])


def test_epoch_seconds_is_microseconds_over_a_million() -> None:
    moment = dt.datetime(2026, 1, 5, 0, 0, 20, 27298, tzinfo=dt.UTC)
    assert epoch_seconds(moment) == 1767571220027298 / 1e6


def test_unsorted_input_is_refused(week: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="sorted by event_time"):
        replay(week.iloc[::-1])


def test_missing_columns_are_named(week: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="lat"):
        replay(week.drop(columns=["lat"]))
