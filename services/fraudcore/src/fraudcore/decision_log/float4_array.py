"""Feature vectors to PostgreSQL's binary ``real[]`` with numpy, for COPY.

psycopg's own list dumper walks a vector value by value in Python, which was most of a batch's
write time; PostgreSQL's binary array layout is simple enough to write in one numpy pass:
a header (dimensions, null flag, element type, length, lower bound), then a length and a
big-endian float4 per value. NaN is a float4 value, so a vector has no nulls.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
from psycopg import adapt, postgres, pq

FLOAT4 = postgres.types["float4"]
_ELEMENT = np.dtype([("size", ">i4"), ("value", ">f4")])


def encode(values: Sequence[float] | np.ndarray) -> bytes:
    vector = np.asarray(values, dtype=np.float32).ravel()
    body = np.empty(len(vector), dtype=_ELEMENT)
    body["size"] = 4
    body["value"] = vector
    header = struct.pack(">iiiii", 1, 0, FLOAT4.oid, len(vector), 1)
    return header + body.tobytes()


class Float4ArrayDumper(adapt.Dumper):
    """Used for ``float4[]`` columns once registered by oid (COPY after ``set_types``)."""

    format = pq.Format.BINARY
    oid = FLOAT4.array_oid

    def dump(self, obj: object) -> bytes:
        return encode(obj)  # type: ignore[arg-type]
