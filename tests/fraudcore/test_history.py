"""The history export format: what is written reads back; what is wrong is named by line."""

import datetime as dt
from pathlib import Path

import orjson
import pytest

from fraudcore.history import HistoryError, HistoryHeader, encode_row, read_history, write_history

CUTOFF = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def transaction(n: int, at: str = "2026-03-01T10:00:00.000001Z") -> dict[str, object]:
    return {
        "schema_version": 1, "transaction_id": f"tx-{n}", "event_time": at, "card_id": "card-1",
        "customer_id": "cust-1", "merchant_id": "merch-1", "merchant_name": "Market",
        "merchant_category": "5411", "amount": 12.5, "currency": "EUR", "channel": "pos",
        "country": "FR", "city": "Paris", "lat": 48.85, "lon": 2.35, "device_id": None,
    }  # fmt: skip


def label(at: str = "2026-03-01T11:00:00Z", fraud: bool = True) -> dict[str, object]:
    return {"is_fraud": fraud, "labelled_at": at}


def write(path: Path, rows: list[bytes], count: int | None = None) -> Path:
    header = HistoryHeader(cutoff=CUTOFF, rows=len(rows) if count is None else count)
    path.write_bytes(b"\n".join([header.model_dump_json().encode(), *rows]) + b"\n")
    return path


def read_all(path: Path) -> list[object]:
    with read_history(path) as (_, rows):
        return list(rows)


@pytest.mark.parametrize("name", ["h.jsonl", "h.jsonl.gz"])
def test_what_is_written_reads_back(tmp_path: Path, name: str) -> None:
    rows = [encode_row(transaction(1), label()), encode_row(transaction(2), None)]
    write_history(tmp_path / name, HistoryHeader(cutoff=CUTOFF, rows=2, source={"a": 1}), rows)
    with read_history(tmp_path / name) as (header, read):
        assert (header.cutoff, header.rows, header.source) == (CUTOFF, 2, {"a": 1})
        first, second = list(read)
    assert first.label is not None
    assert first.label.is_fraud
    assert second.label is None
    assert second.transaction.transaction_id == "tx-2"
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no partial file left behind


def test_a_writer_given_fewer_rows_than_promised_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="promises 3 rows"):
        write_history(tmp_path / "h.jsonl", HistoryHeader(cutoff=CUTOFF, rows=3), [b"{}"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("rows", "count", "problem"),
    [
        ([encode_row(transaction(1), None)], 2, "promises 2 rows, the file has 1"),
        ([b'{"transaction": {"oops": 1}, "label": null}'], None, "line 2"),
        ([b"not json"], None, "line 2"),
        (
            [
                encode_row(transaction(1, "2026-03-01T10:00:00Z"), None),
                encode_row(transaction(2, "2026-03-01T09:00:00Z"), None),
            ],
            None,
            "line 3: event_time .* before the previous",
        ),
        ([encode_row(transaction(1, "2026-03-02T00:00:00Z"), None)], None, "not before the cut"),
        ([encode_row(transaction(1), label("2026-03-02T01:00:00Z"))], None, "outside"),
        ([encode_row(transaction(1), label("2026-03-01T09:00:00Z"))], None, "outside"),
        ([encode_row({**transaction(1), "is_fraud": True}, None)], None, "is_fraud"),
    ],
)
def test_a_bad_history_is_refused_naming_the_line(
    tmp_path: Path, rows: list[bytes], count: int | None, problem: str
) -> None:
    with pytest.raises(HistoryError, match=problem):
        read_all(write(tmp_path / "h.jsonl", rows, count))


def test_a_file_that_is_no_history_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_bytes(orjson.dumps({"rows": 1}) + b"\n")
    with pytest.raises(HistoryError, match="line 1 is not a history header"):
        read_all(path)
