"""Decision rows encoded as binary COPY data ahead of their write: framed as PostgreSQL reads
it, one field per logged column, and carrying what the writer needs unencoded."""

import datetime as dt
import struct

from fraudcore.decision_log import copy_rows
from fraudcore.decision_log.contract import DECISION_COLUMNS
from fraudcore.decision_log.copy_rows import SIGNATURE, SLICE_ROWS, TRAILER, RowEncoder, copy_data


def test_a_row_is_one_field_per_logged_column(make_row) -> None:
    encoded = RowEncoder().encode(make_row())
    (fields,) = struct.unpack_from(">h", encoded.data)
    assert fields == len(DECISION_COLUMNS)


def test_a_copy_is_the_signature_the_rows_in_order_and_the_trailer(make_row) -> None:
    encoder = RowEncoder()
    rows = [encoder.encode(make_row(source_offset=i)) for i in range(3)]
    assert copy_data(rows) == SIGNATURE + b"".join(row.data for row in rows) + TRAILER
    assert copy_data([]) == SIGNATURE + TRAILER


def test_an_encoded_row_keeps_its_id_and_its_utc_day(make_row) -> None:
    late_evening = dt.datetime(2026, 11, 2, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    row = make_row(event_time=late_evening)
    encoded = RowEncoder().encode(row).row
    assert (encoded.transaction_id, encoded.event_time) == (row.transaction_id, late_evening)
    assert encoded.day == dt.date(2026, 11, 3)
    assert (encoded.feature_set, encoded.feature_names) == (row.feature_set, row.feature_names)


def test_the_same_row_encodes_to_the_same_bytes_by_any_encoder(make_row) -> None:
    row = make_row(rules=["R01"], reasons=["amount", "new_device"], merchant_name="Café")
    assert RowEncoder().encode(row).data == RowEncoder().encode(row).data


def test_encoding_many_rows_pauses_between_slices_only_when_asked(make_row, monkeypatch) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(copy_rows.time, "sleep", pauses.append)
    encoder = RowEncoder()
    rows = [make_row(source_offset=i) for i in range(2 * SLICE_ROWS + 1)]
    expected = [encoder.encode(row).data for row in rows]
    assert [e.data for e in encoder.encode_all(rows)] == expected
    assert pauses == []
    assert [e.data for e in encoder.encode_all(rows, pause_s=1e-4)] == expected
    assert pauses == [1e-4, 1e-4]  # three slices, no pause after the last
    assert encoder.encode_all(rows[:SLICE_ROWS], pause_s=1e-4) != []
    assert pauses == [1e-4, 1e-4]  # one slice: no pause
