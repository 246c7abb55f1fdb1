"""The consumer's side of the decision log (PostgreSQL): every decision of a batch written before
the batch's input offsets can be committed, and the database a late label's decision is found in.

One persistent connection for the batches, used by one thread at a time. Rows of successive
batches accumulate in memory (``write_soon``) and go to the log as one COPY on a worker thread
(encoded there in slices, so it never holds the interpreter lock long while the loop runs)
once the buffer is old or big enough (``LogBuffering``), or when the outputs ask (``logged``)
before committing the offsets behind them, so a commit interval costs one PostgreSQL transaction,
not one per batch. ``logged`` never waits in the loop: it starts the write and reports how far the
log is durable, and offsets commit on a later pass. ``settle`` waits until everything handed over
is logged, and runs before anything else uses that connection (a recovery, a thresholds look-up).
One write in flight at most. Labels have a connection of their own (``label_transaction``): a
label for a decision logged before does not queue behind the batches' writes; only one whose
decision is still buffered or on its way settles them first. Any database error is
``DecisionLogUnavailableError``: the processor pauses and retries (as for Redis), the next attempt
opens a new connection, and rows whose write failed are written again, from memory, before
anything else.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from operator import itemgetter

import numpy as np
import psycopg
from psycopg import sql

from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.records import Scored
from fraud_consumer.scorers import Rows, Shadow
from fraud_consumer.settings import ConsumerSettings
from fraudcore.decision_log import ChallengerVerdict, DecisionLogWriter, DecisionRow, connect
from fraudcore.decision_log.contract import DECISIONS, TIMING_COLUMNS, LogRow, served_row
from fraudcore.metrics import LOG_WAIT_STAGE, LOG_WRITE_STAGE
from fraudcore.model_card import Thresholds
from fraudcore.schemas import ScoredTransaction
from fraudcore.settings import DatabaseSettings

log = logging.getLogger(__name__)
Served = Callable[[str], Thresholds | None]  # the scorer's thresholds of a model version
APPLICATION = "fraud-consumer"
# Ids this process logged and settled, remembered so that a batch recovered soon after (a
# redelivery, a retried Kafka send) is not written again; older ones are simply re-written.
RECENTLY_LOGGED = 50_000
# The worker encodes a write's rows in slices, pausing this long between them: the loop, back
# from a Redis or Kafka call, takes the interpreter lock then instead of waiting for a whole
# buffer's encoding (encoded in the loop instead, the rows lengthened every batch).
ENCODING_PAUSE_S = 1e-4
# A version the scorer no longer serves (a model swapped while a batch was being recovered):
# its thresholds are the ones it logged before.
_LOGGED_THRESHOLDS = sql.SQL(
    "SELECT review_threshold, block_threshold FROM {} WHERE model_version = %s LIMIT 1"
).format(sql.Identifier(DECISIONS))


class DecisionLogUnavailableError(RuntimeError):
    """The decision log cannot take the batch now: it waits and is retried, never skipped."""


class LoggedOffsets:
    """What the outputs ask the log before committing offsets (``offsets.LogProgress``): an
    outage is no progress, so the offsets wait (the batches' own writes pause on it)."""

    def __init__(self, sink: DecisionSink) -> None:
        self.sink = sink

    def handed(self) -> int:
        return self.sink.handed

    def logged(self, through: int, *, wait: bool) -> int:
        try:
            return self.sink.logged(through, wait=wait)
        except DecisionLogUnavailableError as error:
            log.warning("offsets wait for the decision log: %s", error)
            return self.sink.durable


def challengers(shadow: Shadow | None, count: int) -> list[ChallengerVerdict | None]:
    """The challenger's verdict per row of a batch, None for each when there is no challenger."""
    if shadow is None:
        return [None] * count
    return [
        ChallengerVerdict(shadow.model_version, v.score, v.decision, v.reasons)
        for v in shadow.verdicts
    ]


def with_challenger(
    rows: list[DecisionRow], shadow: Callable[[Rows], Shadow | None]
) -> list[DecisionRow]:
    """Rows rebuilt from scored records (which do not carry the challenger), scored in shadow
    again from their logged features: a model gives the same verdict for the same features."""
    if not rows:
        return rows
    matrix = np.array([row.features for row in rows], dtype=np.float32)
    verdicts = challengers(shadow(matrix), len(rows))
    return [
        dataclasses.replace(row, challenger=verdict)
        for row, verdict in zip(rows, verdicts, strict=True)
    ]


def with_rule_versions(rows: list[DecisionRow], active: Mapping[str, int]) -> list[DecisionRow]:
    """Rows rebuilt from scored records carry the ids of the rules that fired, not their
    versions: the versions in force now, when each of those rules is active (a recovery follows
    its crash within seconds); else unknown (NULL), as are the shadow rules."""
    return [
        dataclasses.replace(row, rule_versions=[active[rule] for rule in row.rules])
        if row.rule_versions is None and all(rule in active for rule in row.rules)
        else row
        for row in rows
    ]


def decision_row(
    scored: Scored,
    features: bytes,
    thresholds: Thresholds,
    timings: Mapping[str, float],
    decided_at: dt.datetime,
    *,
    challenger: ChallengerVerdict | None = None,
) -> LogRow:
    """The row of a transaction scored in this batch: ``features`` are the float32 values the
    model was given, encoded with the batch's (``float4_array.encode_rows``)."""
    hits = scored.hits
    return served_row(
        scored.tx,
        features,
        scored.verdict,
        model_version=scored.model_version,
        thresholds=thresholds,
        timings=_log_timings(timings),
        source=(scored.partition, scored.offset),
        decided_at=decided_at,
        challenger=challenger,
        rule_versions=hits.versions,
        shadow_rules=hits.shadow,
        shadow_rule_versions=hits.shadow_versions,
    )


_log_timings = itemgetter(*TIMING_COLUMNS)
_FIELDS = ConsumerSettings.model_fields  # the defaults live with the settings


@dataclasses.dataclass(frozen=True)
class LogBuffering:
    """When buffered rows go to the log unasked: the oldest this many seconds old, or this many
    rows (the offsets' commit asks for them anyway, at least every commit interval)."""

    after_s: float = _FIELDS["decision_log_flush_ms"].default / 1e3
    rows: int = _FIELDS["decision_log_flush_rows"].default


class _Session:
    """One persistent connection to the log, opened again after any error dropped it."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self.settings = settings
        self._conn: psycopg.Connection | None = None
        self._writer: DecisionLogWriter | None = None

    @contextmanager
    def unavailable_on_error(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as error:
            self.drop()  # whatever state the session was in, the retry starts a new one
            raise DecisionLogUnavailableError(f"decision log: {error}") from error

    def connection(self) -> tuple[psycopg.Connection, DecisionLogWriter]:
        if self._conn is None or self._writer is None or self._conn.closed or self._conn.broken:
            self.drop()
            self._conn = connect(self.settings, APPLICATION)
            self._writer = DecisionLogWriter(self._conn, encoding_pause_s=ENCODING_PAUSE_S)
        return self._conn, self._writer

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection]:
        with self.unavailable_on_error():
            conn = self.connection()[0]
            with conn.transaction():
                yield conn

    def drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = self._writer = None


class DecisionSink:
    def __init__(
        self,
        settings: DatabaseSettings,
        metrics: ConsumerMetrics | None = None,
        buffering: LogBuffering = LogBuffering(),
    ) -> None:
        self.settings = settings
        self.buffering = buffering
        self._batches = _Session(settings)  # the worker's while a write is in flight
        self._labels = _Session(settings)  # the consume loop's only
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="decision-log")
        self._thresholds: dict[str, Thresholds] = {}  # by model version: a card never changes
        # The write on the worker thread, its rows, and the position it logs through.
        self._in_flight: tuple[Future[tuple[int, float]], list[LogRow], int] | None = None
        self._buffer: list[LogRow] = []  # handed over, not yet written (a failed write first)
        self._buffered_at = 0.0  # when the buffer's oldest row came (monotonic)
        self._failed = False  # the buffer starts with rows whose write failed
        self.handed = 0  # rows handed over since the start: positions in the log's progress
        self.durable = 0  # every row handed over before this position is logged
        self._stage = None if metrics is None else metrics.stage
        self._settled: set[str] = set()  # RECENTLY_LOGGED ids at most, oldest first out:
        self._settled_order: deque[str] = deque()

    def _write(self, rows: Sequence[LogRow]) -> int:
        if not rows:
            return 0
        with self._batches.unavailable_on_error():
            return self._batches.connection()[1].write(rows)

    def write(self, rows: Sequence[DecisionRow]) -> int:
        """Log ``rows`` now, after what is pending (those logged before are kept as they are);
        how many were new, the pending batch's included."""
        logged = [row.log_row() for row in rows]
        new = self.settle() + self._write(logged)
        self._remember(logged)
        return new

    def write_soon(self, rows: Sequence[LogRow]) -> None:
        """Buffer ``rows``: written on the worker thread once the buffer is old or big enough,
        or when the offsets behind them are to be committed (``logged``)."""
        self._collect(wait=False)
        if self._failed:  # written first, waited for: a database still away pauses the batch
            self.settle()
        if not self._buffer:
            self._buffered_at = time.monotonic()
        self._buffer += rows
        self.handed += len(rows)
        aged = time.monotonic() - self._buffered_at >= self.buffering.after_s
        if aged or len(self._buffer) >= self.buffering.rows:
            self._flush()

    def logged(self, through: int, *, wait: bool = False) -> int:
        """How far the log is durable (a position of ``handed``), the write of what is buffered
        before ``through`` started if it is not; ``wait``: until everything is (never in the
        loop: a revoke, a shutdown). A failed write raises here once, as in ``settle``."""
        if wait:
            self.settle()
            return self.durable
        self._collect(wait=False)
        if self.durable < through:
            self._flush()
        return self.durable

    def settle(self) -> int:
        """Wait until every row handed over is logged; how many were new. A failed write raises
        here once, its rows kept and written again at the next call."""
        began = time.perf_counter()
        try:
            new = self._collect(wait=True)
            self._flush()
            return new + self._collect(wait=True)
        finally:
            self._observe(LOG_WAIT_STAGE, time.perf_counter() - began)

    def _flush(self) -> None:
        """The buffer to the log on the worker thread (after the write in flight, if any)."""
        if self._in_flight is not None or not self._buffer:
            return
        rows, self._buffer = self._buffer, []

        def timed() -> tuple[int, float]:
            began = time.perf_counter()
            return self._write(rows), time.perf_counter() - began

        self._in_flight = (self._worker.submit(timed), rows, self.handed)

    def _collect(self, *, wait: bool) -> int:
        """The write in flight, once done (``wait``: waited for); how many rows were new."""
        if self._in_flight is None or not (wait or self._in_flight[0].done()):
            return 0
        pending, rows, through = self._in_flight
        self._in_flight = None
        try:
            new, seconds = pending.result()
        except DecisionLogUnavailableError:
            self._buffer[:0] = rows
            self._failed = True
            raise
        self._observe(LOG_WRITE_STAGE, seconds)
        self.durable, self._failed = through, False
        self._remember(rows)
        return new

    def _remember(self, rows: Sequence[LogRow]) -> None:
        for row in rows:
            if row.transaction_id not in self._settled:
                self._settled.add(row.transaction_id)
                self._settled_order.append(row.transaction_id)
        while len(self._settled_order) > RECENTLY_LOGGED:
            self._settled.discard(self._settled_order.popleft())

    def unsettled(self, transaction_ids: Iterable[str]) -> list[str]:
        """Those of these decisions that this process has not logged for sure: what a recovered
        batch may still have to write (the rest is in the log, committed)."""
        self.settle()
        return [tx_id for tx_id in transaction_ids if tx_id not in self._settled]

    def _observe(self, stage: str, seconds: float) -> None:
        if self._stage is not None:
            self._stage.labels(stage=stage).observe(seconds)

    def pending(self, transaction_ids: Iterable[str]) -> bool:
        """Whether any of these decisions is handed over but maybe not logged yet (buffered, a
        failed write's, or in flight)."""
        rows = list(self._buffer)
        if self._in_flight is not None:
            rows += self._in_flight[1]
        if not rows:
            return False
        ids = set(transaction_ids)
        return any(row.transaction_id in ids for row in rows)

    @contextmanager
    def label_transaction(self, transaction_ids: Iterable[str]) -> Iterator[psycopg.Connection]:
        """A transaction on the labels' own connection, so that labels of decisions logged
        before do not wait for the batches' writes; one of these decisions still buffered or in
        flight is settled first (its label finds it)."""
        if self.pending(transaction_ids):
            self.settle()
        with self._labels.transaction() as conn:
            yield conn

    def logged_thresholds(self, model_version: str) -> Thresholds | None:
        self.settle()
        with self._batches.unavailable_on_error():
            conn = self._batches.connection()[0]
            found = conn.execute(_LOGGED_THRESHOLDS, (model_version,)).fetchone()
        return None if found is None else Thresholds(review=found[0], block=found[1])

    def thresholds(self, version: str, served: Served) -> Thresholds:
        """A model version's thresholds: as the scorer serves them, else as logged before (a
        model swapped meanwhile), else unknown (NaN, with a warning)."""
        if version not in self._thresholds:
            found = served(version) or self.logged_thresholds(version)
            if found is None:
                log.warning("thresholds of %s unknown: logged as NaN", version)
                found = Thresholds.model_construct(review=math.nan, block=math.nan)
            self._thresholds[version] = found
        return self._thresholds[version]

    def rows_of_records(self, records: Sequence[bytes], served: Served) -> list[DecisionRow]:
        """Rows of scored records re-emitted from a batch's recovery copy (written to Redis by a
        consumer that stopped before its log write)."""
        parsed = [ScoredTransaction.from_json(raw) for raw in records]
        return [
            DecisionRow.from_scored(record, self.thresholds(record.model_version, served))
            for record in parsed
        ]

    def close(self) -> None:
        """Stops after the write in flight (what it leaves unlogged is redone from Kafka)."""
        self._worker.shutdown(wait=True)
        self._batches.drop()
        self._labels.drop()
