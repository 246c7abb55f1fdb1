"""Per-key windows stay with their rows when different keys share a timestamp."""

import pandas as pd

from fraud_training.rolling import rolling_by_key


def test_rows_sharing_a_timestamp_keep_their_own_key_s_window() -> None:
    # Keys 7 and 3 pay in the same second; 7 had paid before, 3 had not. Sorting a time-indexed
    # result back by time used to hand 7's count to 3's row.
    times = pd.Series(pd.to_datetime(["2018-04-01 10:00", "2018-04-01 11:00", "2018-04-01 11:00",
                                      "2018-04-01 11:00", "2018-04-03 11:00"]))  # fmt: skip
    keys = pd.Series([7, 3, 7, 5, 7])
    amounts = pd.Series([1.0, 10.0, 2.0, 100.0, 4.0])
    assert rolling_by_key(times, keys, amounts, "1D", "count").tolist() == [1, 1, 2, 1, 1]
    assert rolling_by_key(times, keys, amounts, "1D", "sum").tolist() == [1, 10, 3, 100, 4]
    assert rolling_by_key(times, keys, amounts, "3D", "sum").tolist() == [1, 10, 3, 100, 7]


def test_result_keeps_the_input_index() -> None:
    index = [10, 20]
    times = pd.Series(pd.to_datetime(["2018-04-01", "2018-04-02"]), index=index)
    ones = pd.Series([1.0, 1.0], index=index)
    result = rolling_by_key(times, pd.Series([1, 1], index=index), ones, "7D", "count")
    assert result.index.tolist() == [10, 20]
    assert result.tolist() == [1, 2]
