"""A transaction history export: past payments with the labels known at a cut-off.

A deployment bootstraps its feature state from an export of its own history; the simulator
writes one for its world (``fraud-producer history``) and the consumer loads it
(``fraud-consumer backfill``). One JSON object per line, gzip-compressed when the file name ends
in ``.gz``:

    {"history": 1, "cutoff": "2026-03-02T00:00:00.000000Z", "rows": 1234, "source": {...}}
    {"transaction": {<Transaction>}, "label": {"is_fraud": false, "labelled_at": "..."}}
    {"transaction": {<Transaction>}, "label": null}       <- not labelled by the cut-off

Rows are in event-time order, every event and every label before the cut-off. The reader checks
all of it and names the line of the first problem; nothing is trusted half-read.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Literal, cast

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fraudcore.schemas import Transaction, UtcTime

FORMAT_VERSION: Literal[1] = 1
_CHUNK_ROWS = 4_096


class HistoryHeader(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    history: Literal[1] = FORMAT_VERSION
    cutoff: UtcTime = Field(description="every event and label in the file is before this")
    rows: int = Field(ge=0)
    source: dict[str, Any] = Field(default_factory=dict, description="how it was made")


class KnownLabel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    is_fraud: bool
    labelled_at: UtcTime


class HistoryRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    transaction: Transaction
    label: KnownLabel | None  # None: the label had not arrived by the cut-off


class HistoryError(ValueError):
    """The file is not a complete, ordered history; the message names the line."""


@contextmanager
def _open(path: Path, mode: Literal["rb", "wb"], *, gz: bool) -> Iterator[IO[bytes]]:
    with path.open(mode) as raw:
        if not gz:
            yield raw
            return
        # Level 1: speed over size. No name or time in the header: the same history gives the
        # same bytes, and caches keyed by its digest find it again.
        with gzip.GzipFile(filename="", mode=mode, compresslevel=1, fileobj=raw, mtime=0) as packed:
            yield cast(IO[bytes], packed)


def encode_row(transaction: dict[str, Any], label: dict[str, Any] | None) -> bytes:
    """One row from plain values (times already ISO 8601 strings), without a model per row."""
    return orjson.dumps({"transaction": transaction, "label": label})


def write_history(path: Path, header: HistoryHeader, rows: Iterable[bytes]) -> None:
    """Written beside ``path`` and renamed into place: a crash never leaves half a history."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    written = 0
    try:
        with _open(partial, "wb", gz=path.suffix == ".gz") as out:
            out.write(header.model_dump_json().encode() + b"\n")
            chunk: list[bytes] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) == _CHUNK_ROWS:  # few large writes: gzip is slow on small ones
                    out.write(b"\n".join(chunk) + b"\n")
                    written, chunk = written + len(chunk), []
            if chunk:
                out.write(b"\n".join(chunk) + b"\n")
                written += len(chunk)
        if written != header.rows:
            raise HistoryError(f"the header promises {header.rows} rows, {written} were given")
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def read_history(path: Path) -> Iterator[tuple[HistoryHeader, Iterator[HistoryRow]]]:
    """The header and a checked iterator over the rows; it raises HistoryError at the first
    malformed, out-of-order or late row, and at the end if rows are missing or extra."""
    with _open(path, "rb", gz=path.suffix == ".gz") as source:
        try:
            header = HistoryHeader.model_validate_json(source.readline())
        except ValidationError as error:
            raise HistoryError(f"{path}: line 1 is not a history header: {error}") from error
        yield header, _rows(path, source, header)


def _rows(path: Path, source: IO[bytes], header: HistoryHeader) -> Iterator[HistoryRow]:
    previous, count = None, 0
    for number, line in enumerate(source, start=2):
        try:
            row = HistoryRow.model_validate_json(line)
        except ValidationError as error:
            raise HistoryError(f"{path}: line {number}: {error}") from error
        moment = row.transaction.event_time
        problem = None
        if previous is not None and moment < previous:
            problem = f"event_time {moment} before the previous row's {previous}"
        elif moment >= header.cutoff:
            problem = f"event_time {moment} is not before the cut-off {header.cutoff}"
        elif row.label is not None and not moment <= row.label.labelled_at < header.cutoff:
            problem = f"labelled_at {row.label.labelled_at} outside [event_time, cut-off)"
        if problem:
            raise HistoryError(f"{path}: line {number}: {problem}")
        previous, count = moment, count + 1
        yield row
    if count != header.rows:
        raise HistoryError(f"{path}: the header promises {header.rows} rows, the file has {count}")
