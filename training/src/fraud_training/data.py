"""Reading datasets (Parquet or CSV, by extension) and fingerprinting them for model cards."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

import pandas as pd


def read_table(path: Path, time_columns: Iterable[str] = ()) -> pd.DataFrame:
    """A table from ``.parquet``/``.pq`` or ``.csv``; ``time_columns`` are parsed as UTC-aware
    or naive datetimes as written (CSV only: Parquet keeps its types)."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if suffix == ".csv":
        table = pd.read_csv(path)
        for column in time_columns:
            if column in table:
                table[column] = pd.to_datetime(table[column], format="ISO8601")
        return table
    raise ValueError(f"cannot tell the format of {path}: use .parquet or .csv")


def read_world(path: Path) -> pd.DataFrame:
    """A world dataset (``fraud-producer dataset``) in event-time order, is_fraud as bool."""
    table = read_table(path, time_columns=("event_time", "label_time"))
    if not table["event_time"].is_monotonic_increasing:
        table = table.sort_values("event_time", kind="stable", ignore_index=True)
    table["is_fraud"] = table["is_fraud"].astype(bool)
    return table


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of the table's content (values, column names and order), not of its file: the
    same data read from Parquet or CSV hashes alike when the types agree."""
    digest = hashlib.sha256(",".join(map(str, table.columns)).encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()
