"""Decision rows as binary COPY data, encoded where the row is made rather than where it is sent.

The consumer's log writes run on a worker thread beside the consume loop; encoding a commit
interval's rows there (about 20 us a row, in one burst) held the interpreter lock for
milliseconds at a time, and the loop waited for it. Encoded one batch at a time in the loop, the
same work is spread evenly, and the writer only sends bytes. The encoding is psycopg's own binary
row format, with the types of ``DECISION_TYPES``; text goes as UTF-8, which the writer's
sessions declare as their client encoding.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import psycopg
from psycopg import adapt, pq
from psycopg._copy_base import format_row_binary

from fraudcore.decision_log.contract import DECISION_TYPES, DecisionRow
from fraudcore.decision_log.float4_array import Float4ArrayDumper

# PostgreSQL's binary COPY framing: signature, flags, header extension length; a -1 field count.
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"


@dataclass(frozen=True, slots=True)
class EncodedRow:
    """A decision row as COPY data, with what the writer needs to know about it unencoded."""

    transaction_id: str
    event_time: dt.datetime
    day: dt.date  # of the event, in UTC: the partition the row goes to
    feature_set: str
    feature_names: tuple[str, ...]
    data: bytes


class _Context:
    """What a transformer needs without a connection: the adapters, with real[] by numpy."""

    connection = None

    def __init__(self) -> None:
        self.adapters = adapt.AdaptersMap(psycopg.adapters)
        self.adapters.register_dumper(None, Float4ArrayDumper)


class RowEncoder:
    """Encodes rows one at a time; one per thread (a transformer caches its dumpers)."""

    def __init__(self) -> None:
        context = _Context()
        self._transformer = adapt.Transformer(context)
        types = context.adapters.types
        self._transformer.set_dumper_types(
            [types.get_oid(name) for name in DECISION_TYPES], pq.Format.BINARY
        )

    def encode(self, row: DecisionRow) -> EncodedRow:
        data = bytearray()
        format_row_binary(row.values(), self._transformer, data)
        return EncodedRow(
            row.transaction_id,
            row.event_time,
            row.day,
            row.feature_set,
            row.feature_names,
            bytes(data),
        )


def copy_data(rows: Iterable[EncodedRow]) -> bytes:
    """One COPY's whole binary payload."""
    return b"".join([SIGNATURE, *(row.data for row in rows), TRAILER])
