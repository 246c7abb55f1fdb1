"""The binary text[] and int4[] encoders write exactly what PostgreSQL itself sends for the same
arrays, and the log's COPY uses them."""

import pytest

from fraudcore.decision_log.copy_rows import RowEncoder
from fraudcore.decision_log.list_arrays import encode_int4, encode_text

TEXTS = [[], ["card_count_1h"], ["é€ unicode", "", None, "speed_from_last_kmh"]]
INTS = [[], [7], [1, -2, None, 2_147_483_647, -2_147_483_648]]


def postgres_sends(conn, value: object, cast: str) -> bytes:
    with conn.cursor(binary=True) as cursor:
        cursor.execute(f"SELECT %s::{cast}", (value,))
        assert cursor.pgresult is not None
        raw = cursor.pgresult.get_value(0, 0)
    assert raw is not None
    return raw


@pytest.mark.integration
@pytest.mark.parametrize("values", TEXTS)
def test_text_arrays_are_postgresqls_own(decision_log, values) -> None:
    assert encode_text(values) == postgres_sends(decision_log, values, "text[]")


@pytest.mark.integration
@pytest.mark.parametrize("values", INTS)
def test_int4_arrays_are_postgresqls_own(decision_log, values) -> None:
    assert encode_int4(values) == postgres_sends(decision_log, values, "int4[]")


def test_the_row_encoder_writes_lists_with_them(make_row) -> None:
    row = make_row(rules=["R01"], reasons=["amount_ratio"], rule_versions=[3])
    data = RowEncoder().encode(row).data
    assert encode_text(["R01"]) in data
    assert encode_text(["amount_ratio"]) in data
    assert encode_int4([3]) in data


def test_an_int_beyond_int4_is_refused() -> None:
    with pytest.raises(Exception, match="format requires"):
        encode_int4([2**31])
