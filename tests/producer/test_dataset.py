import hashlib
from pathlib import Path

import pandas as pd
import pytest

from fraud_producer.cli import main
from fraud_simulator.dataset import DatasetSpec, generate, write
from fraud_simulator.records import LABEL_COLUMNS, TRANSACTION_COLUMNS
from fraudcore.schemas import Transaction


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_same_seed_gives_byte_identical_files(tmp_path: Path, suffix: str) -> None:
    for run in ("a", "b"):
        assert main(["dataset", "--days", "3", "--customers", "500", "--seed", "7",
                     "--out", str(tmp_path / f"{run}{suffix}")]) == 0  # fmt: skip
    assert digest(tmp_path / f"a{suffix}") == digest(tmp_path / f"b{suffix}")


def test_another_seed_gives_another_world(tmp_path: Path) -> None:
    one = generate(DatasetSpec(days=2, seed=1, customers=300))
    two = generate(DatasetSpec(days=2, seed=2, customers=300))
    assert not one["card_id"].isin(two["card_id"]).any()


def test_rows_are_valid_transactions_in_event_time_order() -> None:
    table = generate(DatasetSpec(days=3, customers=500))
    assert list(table.columns) == TRANSACTION_COLUMNS + LABEL_COLUMNS
    assert table["event_time"].is_monotonic_increasing
    assert table["transaction_id"].is_unique
    assert (table["label_time"] > table["event_time"]).all()
    for row in table.sample(300, random_state=0).to_dict("records"):
        fields = {key: row[key] for key in TRANSACTION_COLUMNS}
        fields["device_id"] = None if pd.isna(fields["device_id"]) else fields["device_id"]
        Transaction.model_validate(fields)


def test_parquet_and_csv_hold_the_same_data(tmp_path: Path) -> None:
    table = generate(DatasetSpec(days=2, customers=300))
    write(table, tmp_path / "d.parquet")
    write(table, tmp_path / "d.csv")
    from_parquet = pd.read_parquet(tmp_path / "d.parquet")
    from_csv = pd.read_csv(tmp_path / "d.csv", parse_dates=["event_time", "label_time"])
    assert len(from_parquet) == len(from_csv) == len(table)
    assert (from_parquet["amount"] == from_csv["amount"]).all()
    assert (from_parquet["event_time"] == from_csv["event_time"]).all()


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.parquet or \.csv"):
        write(generate(DatasetSpec(days=1, customers=50)), tmp_path / "d.xlsx")
