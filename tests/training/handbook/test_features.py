"""The handbook's 15 inputs on a tiny hand-made table."""

import numpy as np
import pandas as pd
import pytest

from fraud_training.handbook.features import FEATURE_NAMES, handbook_features


def payments(*rows: tuple[str, int, int, float, int]) -> pd.DataFrame:
    """A handbook table from (time, customer, terminal, amount, fraud) rows."""
    table = pd.DataFrame(
        rows, columns=["TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]
    )
    table["TX_DATETIME"] = pd.to_datetime(table["TX_DATETIME"])
    return table


@pytest.fixture
def tiny() -> pd.DataFrame:
    # Saturday 2018-04-07 is a weekend day; customer 1 pays three times at terminals 10/11.
    return payments(
        ("2018-04-01 05:00:00", 1, 10, 10.0, 1),  # Sunday, night
        ("2018-04-01 12:00:00", 2, 10, 20.0, 0),
        ("2018-04-02 04:00:00", 1, 10, 30.0, 0),  # 23 h after the first: same 1-day window
        ("2018-04-09 04:00:00", 1, 10, 50.0, 0),  # 8 days on: first two of terminal 10 labelled
        ("2018-04-09 13:00:00", 3, 11, 70.0, 0),
    )


def test_columns_are_the_fifteen_inputs_in_order(tiny: pd.DataFrame) -> None:
    features = handbook_features(tiny)
    assert tuple(features.columns) == FEATURE_NAMES
    assert len(FEATURE_NAMES) == 15
    assert features.notna().all().all()


def test_calendar_flags(tiny: pd.DataFrame) -> None:
    features = handbook_features(tiny)
    assert features["TX_DURING_WEEKEND"].tolist() == [1, 1, 0, 0, 0]
    assert features["TX_DURING_NIGHT"].tolist() == [1, 0, 1, 1, 0]


def test_customer_windows_include_the_current_payment(tiny: pd.DataFrame) -> None:
    features = handbook_features(tiny)
    assert features["CUSTOMER_ID_NB_TX_1DAY_WINDOW"].tolist() == [1, 1, 2, 1, 1]
    assert features["CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW"].tolist() == [10, 20, 20, 50, 70]
    assert features["CUSTOMER_ID_NB_TX_7DAY_WINDOW"].tolist() == [1, 1, 2, 1, 1]
    assert features["CUSTOMER_ID_NB_TX_30DAY_WINDOW"].tolist() == [1, 1, 2, 3, 1]
    assert features["CUSTOMER_ID_AVG_AMOUNT_30DAY_WINDOW"].iloc[3] == pytest.approx(30.0)


def test_terminal_risk_counts_only_labels_older_than_the_delay(tiny: pd.DataFrame) -> None:
    features = handbook_features(tiny)
    # Row 3 at 04-09 04:00: the delay window ends at 04-02 04:00, so (03-31 04:00, 04-02 04:00]
    # over 1+... days holds terminal 10's three earlier payments for the 7- and 30-day windows,
    # and for 1 day (04-01 04:00, 04-02 04:00] all three as well; one fraud among them.
    assert features["TERMINAL_ID_NB_TX_1DAY_WINDOW"].tolist() == [0, 0, 0, 3, 0]
    assert features["TERMINAL_ID_RISK_1DAY_WINDOW"].iloc[3] == pytest.approx(1 / 3)
    assert features["TERMINAL_ID_NB_TX_7DAY_WINDOW"].iloc[3] == 3
    assert features["TERMINAL_ID_RISK_30DAY_WINDOW"].iloc[3] == pytest.approx(1 / 3)
    # No labelled payment yet: risk 0 (the handbook's fill), not NaN.
    assert features["TERMINAL_ID_RISK_7DAY_WINDOW"].iloc[0] == 0.0


def test_delay_boundary_a_payment_exactly_delay_old_counts() -> None:
    table = payments(
        ("2018-04-01 10:00:00", 1, 5, 1.0, 1),
        ("2018-04-08 10:00:00", 2, 5, 2.0, 0),
        ("2018-04-08 10:00:01", 3, 5, 3.0, 0),
    )
    features = handbook_features(table)
    assert features["TERMINAL_ID_NB_TX_1DAY_WINDOW"].tolist() == [0, 1, 1]
    assert features["TERMINAL_ID_RISK_1DAY_WINDOW"].tolist() == [0.0, 1.0, 1.0]


def test_unsorted_rows_are_refused(tiny: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="sorted"):
        handbook_features(tiny.iloc[::-1])


def test_result_keeps_the_table_index(tiny: pd.DataFrame) -> None:
    shifted = tiny.set_axis(np.arange(100, 105))
    assert handbook_features(shifted).index.tolist() == list(range(100, 105))


def test_customers_paying_in_the_same_second_keep_their_own_windows() -> None:
    # Customer 7 paid before, 3 never had: same-second rows once swapped their counts.
    table = payments(
        ("2018-04-01 10:00:00", 7, 1, 10.0, 0),
        ("2018-04-01 11:00:00", 3, 2, 30.0, 0),
        ("2018-04-01 11:00:00", 7, 1, 20.0, 0),
    )
    features = handbook_features(table)
    assert features["CUSTOMER_ID_NB_TX_1DAY_WINDOW"].tolist() == [1, 1, 2]
    assert features["CUSTOMER_ID_AVG_AMOUNT_1DAY_WINDOW"].tolist() == [10, 30, 15]
