"""The decision log's cost: the same embedded pipeline run without and then with DATABASE_URL
against one PostgreSQL, same rates, same run, so the latency and capacity it costs are read side
by side (issue: at 1,000 tx/s at most +2 ms p99, at most -10% sustainable rate)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from fraud_bench.pipeline_runs import Plan, bench_mode
from fraud_devstack import PostgresServer
from fraudcore.decision_log import connect, migrate
from fraudcore.decision_log.contract import DECISIONS
from fraudcore.settings import DatabaseSettings, KafkaSettings

VARIANTS = ("without", "with")


def bench_decision_log(
    settings: KafkaSettings, redis_url: str, model_dir: Path, workdir: Path, plan: Plan
) -> dict[str, Any]:
    """Per variant: drain and sustainable rate, latency per rate; then the rows the log holds
    (every payment of the "with" variant, once)."""
    server = PostgresServer(workdir / "postgres").start()
    try:
        database = DatabaseSettings(database_url=server.url)
        with connect(database) as conn:
            migrate(conn)
        result: dict[str, Any] = {}
        for variant in VARIANTS:
            env = {"DATABASE_URL": server.url} if variant == "with" else {}
            outcome = bench_mode(
                settings,
                redis_url,
                model_dir,
                workdir / variant,
                mode="embedded",
                plan=plan,
                consumer_env=env,
            )
            result[variant] = {
                "drain_tps": outcome.drain_tps,
                "max_tps": outcome.max_tps,
                "max_tps_verified": outcome.max_tps_verified,
                "runs": outcome.runs,
                "produced": outcome.produced,
            }
        with connect(database) as conn:
            result["logged"] = _logged(conn)
        return result
    finally:
        server.stop()
        server.remove()


def _logged(conn: psycopg.Connection) -> dict[str, int]:
    total, distinct = conn.execute(
        f'SELECT count(*), count(DISTINCT transaction_id) FROM "{DECISIONS}"'  # noqa: S608
    ).fetchone() or (0, 0)
    return {"rows": int(total), "distinct_ids": int(distinct)}


def cost(result: dict[str, Any], rate: str = "1000") -> dict[str, float]:
    """What the log adds at ``rate``: p99 difference (ms) and sustainable-rate ratio."""
    without, with_ = result["without"], result["with"]
    return {
        "p99_ms_added": with_["runs"][rate]["p99_ms"] - without["runs"][rate]["p99_ms"],
        "p50_ms_added": with_["runs"][rate]["p50_ms"] - without["runs"][rate]["p50_ms"],
        "max_tps_ratio": with_["max_tps"] / max(without["max_tps"], 1.0),
    }
