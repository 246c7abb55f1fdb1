"""Writing decisions: a batch goes by one binary COPY straight into the log, a transaction of its
own (its rows encoded first, in slices if asked: ``copy_rows``); only when that COPY meets
a row logged before (a redelivered batch) does the batch go the idempotent way: COPY into a
session-private staging table, then ``INSERT ... ON CONFLICT DO NOTHING``, in one transaction.

COPY is the fast path into PostgreSQL but cannot skip rows that already exist, so it fails whole
on the first one (the primary key's unique violation), leaving nothing behind. The staging step
then gives the idempotency a redelivered batch needs: rows already logged are left as they are
(the first decision is the one that was acted on) and the rest are added, so writing the same
batch twice, or a batch that overlaps one written before a crash, logs each decision once. A new
batch, nearly every one, costs two round trips (the COPY, its data) instead of five (BEGIN, COPY,
its data, INSERT, COMMIT) and no staging table emptied at each commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import psycopg
from psycopg import errors, sql

from fraudcore.decision_log.contract import (
    DECISION_COLUMNS,
    DECISIONS,
    FEATURE_SETS,
    DecisionRow,
    LogRow,
)
from fraudcore.decision_log.copy_rows import EncodedRow, RowEncoder, copy_data
from fraudcore.decision_log.partitions import ensure_days

STAGING = f"{DECISIONS}_staging"
_COLUMNS = sql.SQL(", ").join(map(sql.Identifier, DECISION_COLUMNS))
_CREATE_STAGING = sql.SQL(
    "CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DELETE ROWS"
).format(sql.Identifier(STAGING), sql.Identifier(DECISIONS))
_COPY_INTO = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)")
_COPY = _COPY_INTO.format(sql.Identifier(DECISIONS), _COLUMNS)
_COPY_STAGING = _COPY_INTO.format(sql.Identifier(STAGING), _COLUMNS)
# Both ways insert in one order (event time, then id: day partitions in turn, as COPY flushes
# them): two sessions writing overlapping batches (a rebalance) wait, never deadlock.
_INSERT = sql.SQL(
    "INSERT INTO {} ({}) SELECT {} FROM {} ORDER BY event_time, transaction_id "
    "ON CONFLICT DO NOTHING"
).format(sql.Identifier(DECISIONS), _COLUMNS, _COLUMNS, sql.Identifier(STAGING))
_REGISTER = sql.SQL("INSERT INTO {} (feature_set, names) VALUES (%s, %s) ON CONFLICT DO NOTHING")


class DecisionLogWriter:
    """Writes batches of decisions on one autocommit connection (not shared between threads)."""

    def __init__(self, conn: psycopg.Connection, *, encoding_pause_s: float = 0.0) -> None:
        """``encoding_pause_s``: pause between slices of a write's rows while encoding them
        (``RowEncoder.encode_all``), for a writer thread beside a latency-bound one."""
        if not conn.autocommit:
            raise ValueError("the decision log writer scopes its own transactions: autocommit")
        if conn.info.encoding != "utf-8":  # encoded rows carry their text as UTF-8
            conn.execute("SET client_encoding TO 'UTF8'")
        self.conn = conn
        self.encoder = RowEncoder()
        self.encoding_pause_s = encoding_pause_s
        # Rendered once: composing 41 quoted column names took ~0.4 ms of every write.
        self._copy_sql, self._copy_staging_sql = (
            _COPY.as_bytes(conn),
            _COPY_STAGING.as_bytes(conn),
        )
        self._days: set[dt.date] = set()
        self._feature_sets: set[str] = set()
        self._staging = False

    def _prepare(self, rows: Sequence[EncodedRow]) -> None:
        days = {encoded.row.day for encoded in rows} - self._days
        if days:
            ensure_days(self.conn, days)
            self._days |= days
        for encoded in rows:
            row = encoded.row
            if row.feature_set not in self._feature_sets:
                self.conn.execute(
                    _REGISTER.format(sql.Identifier(FEATURE_SETS)),
                    (row.feature_set, list(row.feature_names)),
                )
                self._feature_sets.add(row.feature_set)

    def _copy(self, rows: Sequence[EncodedRow]) -> int:
        """All rows or none: autocommit makes the COPY its own transaction, durable once it
        returns (the commit's WAL flushed, as synchronous_commit has it)."""
        with self.conn.cursor() as cursor:
            _copy_rows(cursor, self._copy_sql, rows)
            return cursor.rowcount

    def _copy_and_insert(self, rows: Sequence[EncodedRow]) -> int:
        if not self._staging:
            self.conn.execute(_CREATE_STAGING)
            self._staging = True
        with self.conn.transaction(), self.conn.cursor() as cursor:
            _copy_rows(cursor, self._copy_staging_sql, rows)
            cursor.execute(_INSERT)
            return cursor.rowcount

    def _write(self, rows: Sequence[EncodedRow]) -> int:
        self._prepare(rows)
        try:
            return self._copy(rows)
        except errors.UniqueViolation:  # some were logged before: keep those, add the others
            return self._copy_and_insert(rows)

    def write(self, rows: Sequence[LogRow | DecisionRow]) -> int:
        """Log ``rows``; returns how many were new (the others were logged before)."""
        return self.write_encoded(self.encoder.encode_all(rows, self.encoding_pause_s))

    def write_encoded(self, rows: Sequence[EncodedRow]) -> int:
        """``write`` for rows encoded before (``RowEncoder``, e.g. on another thread)."""
        if not rows:
            return 0
        # A repeat inside the batch: its first decision is the one acted on, as across batches.
        firsts: dict[tuple[dt.datetime, str], EncodedRow] = {}
        for encoded in rows:
            firsts.setdefault((encoded.row.event_time, encoded.row.transaction_id), encoded)
        rows = [firsts[key] for key in sorted(firsts)]
        try:
            return self._write(rows)
        except errors.CheckViolation as error:
            if "no partition" not in str(error):
                raise
            # A day dropped by retention since this writer made it (an old batch replayed):
            # make it again, once.
            self._days.clear()
            return self._write(rows)


def _copy_rows(cursor: psycopg.Cursor, statement: bytes, rows: Sequence[EncodedRow]) -> None:
    with cursor.copy(statement) as copy:
        copy.write(copy_data(rows))
