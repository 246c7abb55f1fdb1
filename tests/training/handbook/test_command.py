"""Loading the handbook's published daily pickles."""

from pathlib import Path

import pandas as pd
import pytest

from fraud_training.cli import main
from fraud_training.handbook.command import load, read_published_days


def _day(path: Path, rows: list[tuple[int, str, int, int, float, int]]) -> None:
    columns = ["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT"]
    table = pd.DataFrame(rows, columns=[*columns, "TX_FRAUD"])
    table["TX_DATETIME"] = pd.to_datetime(table["TX_DATETIME"])
    # The published frames carry ids as Python objects.
    table[["CUSTOMER_ID", "TERMINAL_ID"]] = table[["CUSTOMER_ID", "TERMINAL_ID"]].astype(object)
    table.to_pickle(path)


def test_daily_pickles_load_as_one_time_ordered_table(tmp_path: Path) -> None:
    _day(tmp_path / "2018-04-02.pkl", [(2, "2018-04-02 09:00", 7, 70, 5.0, 1)])
    first_day = [(0, "2018-04-01 08:00", 3, 30, 1.0, 0), (1, "2018-04-01 10:00", 7, 31, 2.0, 0)]
    _day(tmp_path / "2018-04-01.pkl", first_day)
    table, source = load(tmp_path, seed=0)
    assert table["TRANSACTION_ID"].tolist() == [0, 1, 2]
    assert table["CUSTOMER_ID"].dtype == "int64"
    assert source["rows"] == 3
    assert source["source"] == str(tmp_path)


def test_a_directory_without_daily_pickles_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"no daily \.pkl files"):
        read_published_days(tmp_path)


def test_fewer_than_two_folds_are_refused_before_any_work(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["benchmark", "handbook", "--folds", "1"])
    assert exited.value.code == 2
    assert "1 fold(s): at least 2 give a standard deviation" in capsys.readouterr().err
