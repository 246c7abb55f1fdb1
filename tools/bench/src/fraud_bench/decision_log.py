"""The decision log's cost: one embedded pipeline against one PostgreSQL, its consumer restarted
without and with DATABASE_URL round after round at 1,000 tx/s, alternated (forward, then
backward) so the machine's phases fall on both alike; the drain and sustainable rate of each.
Issue: at 1,000 tx/s at most +2 ms p99 and at most -10% sustainable rate, read on figures that
survive a noisy machine: the median of the per-round p99 differences, and each side's windows
pooled. Also the log's own cost from the consumer's stage histograms: batches' rows are
buffered and written on a worker thread beside Redis (one COPY per commit interval or so), so
the sinks stage grows only by what the log takes from the loop."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from fraud_bench import listeners
from fraud_bench.consumer_metrics import stage_histogram
from fraud_bench.pipeline_runs import ModeBench
from fraud_bench.stats import load_average, measured_on
from fraud_bench.variants import (
    RATE,
    SectionPlan,
    compare_restarts,
    database,
    nothing_lost,
    paired,
    paired_plan,
    run_id,
)
from fraudcore.decision_log import connect, migrate
from fraudcore.decision_log.contract import DECISIONS
from fraudcore.metrics import LOG_WAIT_STAGE, LOG_WRITE_STAGE
from fraudcore.settings import DatabaseSettings, KafkaSettings

VARIANTS = ("without", "with")
# Per batch: the sinks (Redis); per write: the log's COPY on its own thread; and what the loop
# waited for the log (a label, a recovery).
STAGES = ("sinks", LOG_WRITE_STAGE, LOG_WAIT_STAGE)


def run_counts(conn: psycopg.Connection, run: str, counted: str) -> tuple[int, int]:
    """A run's rows in the log: how many, and the ``counted`` aggregate over them (an
    expression of ours, never input)."""
    row = conn.execute(
        f'SELECT count(*), {counted} FROM "{DECISIONS}" '  # noqa: S608
        "WHERE transaction_id LIKE %s",
        (f"tx-{run}-%",),
    ).fetchone()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def stage_costs(port: int) -> Callable[[], dict[str, Any]]:
    """Before a window: the consumer's stage histograms now; after it, the window's batches."""
    before = {stage: stage_histogram(port, stage) for stage in STAGES}

    def after() -> dict[str, Any]:
        return {
            f"{stage}_batches": (stage_histogram(port, stage) - before[stage]).figures()
            for stage in STAGES
        }

    return after


def bench_decision_log(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    plan: SectionPlan,
    *,
    database_url: str | None = None,
) -> dict[str, Any]:
    """The section's figures (bench.json's ``decision_log``): per variant the latency rounds,
    their medians and pooled percentiles, drain and sustainable rate; the paired differences;
    the rows each "with" window left in the log."""
    plan = paired_plan(plan, budget=True)  # a 2 ms budget
    load_before = load_average()
    with database(workdir, database_url) as url:
        # Migrated once, before either variant: the consumer with the log never waits on it.
        with connect(DatabaseSettings(database_url=url)) as conn:
            migrate(conn)
        env = {"without": {}, "with": {"DATABASE_URL": url}}
        # Each window's CPU per payment of the broker, Redis and PostgreSQL beside the consumer's.
        infrastructure = listeners.infrastructure(settings.kafka_bootstrap_servers, redis_url, url)
        bench = ModeBench(settings, redis_url, model_dir, workdir / "decision-log", "embedded",
                          infrastructure=infrastructure)  # fmt: skip

        def observe(_: str) -> Callable[[], dict[str, Any]]:
            assert bench.consumer is not None
            return stage_costs(bench.consumer.metrics_port)

        try:
            bench.start()
            variants = compare_restarts(bench, env, plan, observe=observe)
        finally:
            bench.stop()
        with connect(DatabaseSettings(database_url=url)) as conn:
            for name, figures in variants.items():
                for window in figures["rounds"]:
                    rows, distinct = run_counts(
                        conn, run_id(name, window["round"]), "count(DISTINCT transaction_id)"
                    )
                    window.update(logged_rows=rows, logged_ids=distinct)
    return {
        "quick": plan.quick,
        **measured_on(load_before),
        "rate_tps": RATE,
        "rounds": plan.rounds,
        "seconds": plan.seconds,
        "variants": variants,
        "p99_added": paired(variants["without"], variants["with"]),
        "p50_added": paired(variants["without"], variants["with"], "p50_ms"),
        "nothing_lost": nothing_lost(variants),
    }


def every_payment_once(section: dict[str, Any]) -> bool:
    """Each "with" window left one row per payment, each "without" window none."""
    return all(
        w["logged_rows"] == w["logged_ids"] == (w["produced"] if name == "with" else 0)
        for name, v in section["variants"].items()
        for w in v["rounds"]
    )
