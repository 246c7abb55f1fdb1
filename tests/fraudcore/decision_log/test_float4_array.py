"""The binary real[] encoder writes exactly what PostgreSQL itself sends for the same array."""

import math

import numpy as np
import pytest

from fraudcore.decision_log.float4_array import Float4ArrayDumper, encode, encode_rows


@pytest.mark.integration
def test_it_is_postgresqls_own_binary_real_array(decision_log) -> None:
    values = [0.0, 1.5, -2.25, 3.4028234663852886e38, 1.401298464324817e-45, 12.345678, math.nan]
    with decision_log.cursor(binary=True) as cursor:
        cursor.execute("SELECT %s::real[]", (values,))
        assert cursor.pgresult is not None
        raw = cursor.pgresult.get_value(0, 0)
    assert encode(values) == raw
    assert encode(np.asarray(values, dtype=np.float32)) == raw


def test_a_vector_may_be_empty_and_a_matrix_row_is_a_vector() -> None:
    assert len(encode([])) == 20  # the header alone
    matrix = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert encode(matrix[1]) == encode([3.0, 4.0, 5.0])


def test_a_batch_encodes_to_each_of_its_rows_encoded_alone() -> None:
    matrix = np.array([[0.0, math.nan, -1.5], [3.4e38, 1e-45, 12.345678]], dtype=np.float32)
    assert encode_rows(matrix) == [encode(matrix[0]), encode(matrix[1])]
    assert encode_rows(np.empty((0, 3), dtype=np.float32)) == []
    assert encode_rows(np.empty((2, 0), dtype=np.float32)) == [encode([])] * 2


def test_an_encoded_vector_is_dumped_as_it_is() -> None:
    encoded = encode([1.0, 2.0])
    assert Float4ArrayDumper(list).dump(encoded) == encoded
    assert Float4ArrayDumper(list).dump([1.0, 2.0]) == encoded
