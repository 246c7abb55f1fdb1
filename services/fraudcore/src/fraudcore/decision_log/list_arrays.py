"""Lists to PostgreSQL's binary ``text[]`` and ``int4[]``, for COPY: one dimension, the only
shape the log's list columns have.

psycopg's generic list dumper finds each list's dimensions and a dumper per element in Python;
every decision row has five such lists, most of them empty, so they were half of a row's
encoding. The layout: a header (dimensions, null flag, element type; then length and lower
bound of the one dimension), then a length (-1: NULL) and the bytes of each element.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from psycopg import adapt, postgres, pq

TEXT = postgres.types["text"]
INT4 = postgres.types["int4"]
_EMPTY_TEXT = struct.pack(">iiI", 0, 0, TEXT.oid)
_EMPTY_INT4 = struct.pack(">iiI", 0, 0, INT4.oid)
_NULL = struct.pack(">i", -1)
_INT4_ELEMENT = struct.Struct(">ii")


def _header(values: Sequence[object], oid: int) -> bytes:
    return struct.pack(">iiIii", 1, None in values, oid, len(values), 1)


def encode_text(values: Sequence[str | None]) -> bytes:
    if not values:
        return _EMPTY_TEXT
    parts = [_header(values, TEXT.oid)]
    for value in values:
        if value is None:
            parts.append(_NULL)
        else:
            data = value.encode()
            parts += (struct.pack(">i", len(data)), data)
    return b"".join(parts)


def encode_int4(values: Sequence[int | None]) -> bytes:
    if not values:
        return _EMPTY_INT4
    return _header(values, INT4.oid) + b"".join(
        _NULL if value is None else _INT4_ELEMENT.pack(4, value) for value in values
    )


class TextArrayDumper(adapt.Dumper):
    """Used for ``text[]`` columns once registered by oid (COPY after ``set_types``)."""

    format = pq.Format.BINARY
    oid = TEXT.array_oid

    def dump(self, obj: object) -> bytes:
        return encode_text(obj)  # type: ignore[arg-type]


class Int4ArrayDumper(adapt.Dumper):
    """Used for ``int4[]`` columns once registered by oid (COPY after ``set_types``)."""

    format = pq.Format.BINARY
    oid = INT4.array_oid

    def dump(self, obj: object) -> bytes:
        return encode_int4(obj)  # type: ignore[arg-type]
