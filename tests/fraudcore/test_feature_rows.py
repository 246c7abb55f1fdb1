"""Feature rows packed as float32 for the scorer: the same matrix as the JSON body, and a body
that is not whole rows of finite-or-NaN values refused with what is wrong."""

import math

import numpy as np
import orjson
import pytest

from fraudcore.feature_rows import (
    FeatureRowsError,
    feature_set,
    pack_rows,
    unpack_rows,
)
from fraudcore.features import FEATURE_NAMES
from fraudcore.scoring import rows_from_lists

NAMES = ("amount", "log_amount", "hour_local")


def matrix(rows: int, width: int = len(FEATURE_NAMES)) -> np.ndarray:
    values = np.random.default_rng(0).normal(0.0, 1e3, (rows, width)).astype(np.float32)
    values[0, 1] = np.nan
    values[-1, -1] = np.float32(3.4e38)  # the largest float32s stay finite
    return values


def test_packed_rows_are_the_json_bodys_matrix_bit_for_bit() -> None:
    rows = matrix(64)
    json_rows = rows_from_lists(orjson.loads(orjson.dumps(rows, option=orjson.OPT_SERIALIZE_NUMPY)))

    unpacked = unpack_rows(pack_rows(rows), FEATURE_NAMES)

    assert unpacked.dtype == np.float32
    assert unpacked.tobytes() == json_rows.tobytes() == rows.tobytes()


def test_rows_of_another_float_type_are_packed_as_float32() -> None:
    rows = np.array([[1.5, math.nan, 2.0]], dtype=np.float64)
    assert np.array_equal(unpack_rows(pack_rows(rows), NAMES), rows, equal_nan=True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "the body holds no rows"),
        (b"\x00" * 13, "13 bytes are not whole rows: a row is 3 float32 values (12 bytes)"),
        (pack_rows(np.array([[1.0, 2.0, 3.0], [4.0, math.inf, 6.0]])),
         "row 1, feature 'log_amount' is infinite (undefined is NaN)"),
        (pack_rows(np.array([[-math.inf, 2.0, 3.0]])), "row 0, feature 'amount' is infinite"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_whole_finite_rows_says_what_is_wrong(body, message) -> None:
    with pytest.raises(FeatureRowsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        unpack_rows(body, NAMES)


def test_the_feature_set_names_the_order() -> None:
    assert feature_set(NAMES) == feature_set(list(NAMES))
    assert feature_set(NAMES) != feature_set(tuple(reversed(NAMES)))
    assert len(feature_set(FEATURE_NAMES)) == 16
