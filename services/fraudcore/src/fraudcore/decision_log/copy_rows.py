"""Decision rows as binary COPY data: psycopg's own binary row format with the types of
``DECISION_TYPES``, text as UTF-8 (which the writer's sessions declare as their client encoding).

Encoding is the Python part of a write (about 4 us a row from a ``LogRow``, 12 from a
``DecisionRow``). The consumer's log writes run on a worker thread beside the consume loop, and
a commit interval's rows encoded in one go held the interpreter lock for milliseconds, which the
loop, back from each Redis or Kafka call, waited for. ``encode_all`` can pause between slices of
rows, releasing the lock to a waiting thread.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import psycopg
from psycopg import adapt, pq
from psycopg._copy_base import format_row_binary

from fraudcore.decision_log.contract import DECISION_TYPES, DecisionRow, LogRow
from fraudcore.decision_log.float4_array import Float4ArrayDumper
from fraudcore.decision_log.list_arrays import Int4ArrayDumper, TextArrayDumper

# PostgreSQL's binary COPY framing: signature, flags, header extension length; a -1 field count.
SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
TRAILER = b"\xff\xff"
SLICE_ROWS = 16  # rows encoded between two pauses (``encode_all``)


class EncodedRow(NamedTuple):  # a tuple: built once per payment, cheaply
    """A decision row as COPY data, beside the row it encodes (what the writer reads of it)."""

    row: LogRow
    data: bytes


class _Context:
    """What a transformer needs without a connection: the adapters, with the log's arrays by
    its own dumpers."""

    connection = None

    def __init__(self) -> None:
        self.adapters = adapt.AdaptersMap(psycopg.adapters)
        for dumper in (Float4ArrayDumper, TextArrayDumper, Int4ArrayDumper):
            self.adapters.register_dumper(None, dumper)


class RowEncoder:
    """Encodes rows one at a time; one per thread (a transformer caches its dumpers)."""

    def __init__(self) -> None:
        context = _Context()
        self._transformer = adapt.Transformer(context)
        types = context.adapters.types
        self._transformer.set_dumper_types(
            [types.get_oid(name) for name in DECISION_TYPES], pq.Format.BINARY
        )

    def encode(self, row: LogRow | DecisionRow) -> EncodedRow:
        if isinstance(row, DecisionRow):
            row = row.log_row()
        data = bytearray()
        format_row_binary(row.values, self._transformer, data)
        return EncodedRow(row, bytes(data))

    def encode_all(
        self, rows: Sequence[LogRow | DecisionRow], pause_s: float = 0.0
    ) -> list[EncodedRow]:
        """``rows`` encoded; with ``pause_s``, a pause that long after each slice of
        SLICE_ROWS rows but the last, so that no other thread waits long for the lock."""
        encoded: list[EncodedRow] = []
        for start in range(0, len(rows), SLICE_ROWS):
            if start and pause_s:
                time.sleep(pause_s)
            encoded += [self.encode(row) for row in rows[start : start + SLICE_ROWS]]
        return encoded


def copy_data(rows: Iterable[EncodedRow]) -> bytes:
    """One COPY's whole binary payload."""
    return b"".join([SIGNATURE, *(row.data for row in rows), TRAILER])
