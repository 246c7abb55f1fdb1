"""Live traffic in phases on one world's clock: each phase a ``fraud-producer stream`` whose live
start is the day the previous one stopped at (payment ids are the world's own, so they follow
on), into the one consumer that keeps its state, its registry watcher and its decision log."""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from fraud_devstack.pipeline import LocalPipeline
from fraud_devstack.warm_start import World
from fraudcore.decision_log.contract import DECISIONS, LABELS

_BY_VERSION = sql.SQL(
    "SELECT model_version, challenger_version, count(*) FROM {} "
    "WHERE event_time >= %s AND event_time < %s GROUP BY 1, 2 ORDER BY 1, 2"
).format(sql.Identifier(DECISIONS))
_LABELS = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(LABELS))


@dataclass(frozen=True)
class Phase:
    name: str
    first_day: int  # the world's day index of its first payment
    days: int

    def span(self, world_start: dt.date) -> tuple[dt.datetime, dt.datetime]:
        start = dt.datetime.combine(world_start, dt.time(), dt.UTC)
        return (start + dt.timedelta(days=self.first_day),
                start + dt.timedelta(days=self.first_day + self.days))  # fmt: skip


def stream(pipeline: LocalPipeline, world: World, phase: Phase, *shift: str) -> dict[str, Any]:
    """The phase's days streamed to their end and every payment scored: the producer's report
    and the real seconds it took."""
    began = time.monotonic()
    before = pipeline.scored()
    env = {**world.env(), "PRODUCER_HISTORY_DAYS": str(phase.first_day)}
    producer = pipeline.start_producer(
        "--days", str(phase.days), *shift, name=f"producer-{phase.name}", **env
    )
    code = producer.wait(phase.days * 86_400 / world.speed * 4 + 600)
    if code != 0:
        raise RuntimeError(
            f"the {phase.name} producer exited with {code}:\n{producer.log()[-3000:]}"
        )
    report: dict[str, Any] = json.loads(producer.log().strip().splitlines()[-1])
    streamed = time.monotonic() - began
    pipeline.wait_scored(before + report["transactions"], timeout_s=900)
    return {
        "produced": report["transactions"],
        "scored": pipeline.scored() - before,
        "labels_sent": report.get("labels"),
        "stream_s": round(streamed, 1),
        "drained_s": round(time.monotonic() - began - streamed, 1),
        "scored_before": before,
    }


def logged(conn: psycopg.Connection, span: tuple[dt.datetime, dt.datetime]) -> dict[str, Any]:
    """The log's decisions of the span, by (model version, challenger version)."""
    rows = conn.execute(_BY_VERSION, span).fetchall()
    return {
        "decisions": sum(int(n) for *_, n in rows),
        "by_version": [
            {"model_version": v, "challenger_version": c, "decisions": int(n)} for v, c, n in rows
        ],
    }


def labels_settled(conn: psycopg.Connection, idle_s: float = 20.0, timeout_s: float = 900.0) -> int:
    """Labels joined in the log once none new came for ``idle_s`` (the consumer has joined what
    the producer sent)."""
    deadline = time.monotonic() + timeout_s
    count, changed = -1, time.monotonic()
    while time.monotonic() < deadline:
        row = conn.execute(_LABELS).fetchone()
        now = int(row[0]) if row else 0
        if now != count:
            count, changed = now, time.monotonic()
        elif time.monotonic() - changed > idle_s:
            break
        time.sleep(2)
    return count
