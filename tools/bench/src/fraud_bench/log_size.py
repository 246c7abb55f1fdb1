"""Bytes per decision and per label in the decision log, for sizing a database: a simulated
world decided by the committed model as the consumer decides, written by the production writer
(COPY, then INSERT ... ON CONFLICT) and label join into a fresh PostgreSQL, then each table's
day partitions measured whole (heap, every index, TOAST) over their rows."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from fraud_bench.decided_world import decide_world
from fraud_devstack import PostgresServer
from fraud_simulator.dataset import DatasetSpec
from fraudcore.decision_log import DecisionLogWriter, apply_labels, connect, migrate
from fraudcore.decision_log.contract import DECISIONS, LABELS
from fraudcore.model import ModelBundle
from fraudcore.settings import DatabaseSettings

REPORT = "decision_log_size.json"
BATCH = 500  # the consumer's largest batch
RATES_TPS = (50, 1_000)  # make dev's pace, and the benchmark's
_T = TypeVar("_T")
_PARTITIONS = """
SELECT count(*), coalesce(sum(pg_total_relation_size(i.inhrelid)), 0)
FROM pg_inherits i WHERE i.inhparent = %s::regclass
"""


def _batches(items: Sequence[_T]) -> list[Sequence[_T]]:
    return [items[i : i + BATCH] for i in range(0, len(items), BATCH)]


def _table(conn: psycopg.Connection, table: str) -> dict[str, int]:
    partitions, size = conn.execute(_PARTITIONS, (table,)).fetchone() or (0, 0)
    (rows,) = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone() or (0,)  # noqa: S608
    return {"rows": int(rows), "partitions": int(partitions), "bytes": int(size)}


def measure(model_dir: Path, spec: DatasetSpec) -> dict[str, Any]:
    world = decide_world(ModelBundle.load(model_dir), spec, dt.datetime.now(dt.UTC))
    with tempfile.TemporaryDirectory(prefix="fraud-log-size-") as tmp:
        server = PostgresServer(Path(tmp) / "postgres").start()
        try:
            with connect(DatabaseSettings(database_url=server.url)) as conn:
                migrate(conn)
                writer = DecisionLogWriter(conn)
                for rows in _batches(world.rows):
                    writer.write(rows)
                for labels in _batches(world.labels):
                    apply_labels(conn, labels)
                conn.execute("VACUUM ANALYZE")  # settled sizes: the visibility maps written
                version = conn.execute("SHOW server_version").fetchone()
                decisions, labels_ = _table(conn, DECISIONS), _table(conn, LABELS)
        finally:
            server.remove()
    per_decision = decisions["bytes"] / decisions["rows"]
    per_label = labels_["bytes"] / labels_["rows"]
    return {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "postgresql": version[0] if version else None,
        "world": {"days": spec.days, "customers": spec.customers, "seed": spec.seed},
        "decisions": decisions,
        "labels": labels_,
        "bytes_per_decision": round(per_decision),
        "bytes_per_label": round(per_label),
        # each payment is decided once and, in time, labelled once
        "gb_per_day": {
            str(rate): round(rate * 86_400 * (per_decision + per_label) / 1e9, 2)
            for rate in RATES_TPS
        },
    }


def write(result: dict[str, Any], out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / REPORT
    path.write_text(json.dumps(result, indent=2) + "\n")
    return path


def sentence(result: dict[str, Any]) -> str:
    """The README's sizing figures, from the report."""
    d, gb = result["decisions"], result["gb_per_day"]
    return (
        f"Measured (`make decision-log-size`, [`reports/{REPORT}`](reports/{REPORT})):\n"
        f"{result['bytes_per_decision']:,} B per decision and {result['bytes_per_label']:,} B "
        "per label, the day partitions' whole size (heap, every\nindex, TOAST) over their rows, "
        f"for {d['rows']:,} decisions of a simulated week written by the production writer:\n"
        f"a day of decisions and their labels at 1,000 tx/s takes about {gb['1000']:.0f} GB, at "
        f"`make dev`'s 50 tx/s\nabout {gb['50']:.1f} GB, and 180 days at 50 tx/s about "
        f"{180 * gb['50']:.0f} GB."
    )
