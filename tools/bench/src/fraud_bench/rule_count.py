"""The rules' cost: the embedded pipeline (decision log on: the rules live in its database)
with 0, 10 and 100 active rules, the baseline R01-R05 then rules generated over the served
features and the payment's fields (``fraud_rules.bench``), activated as an analyst does: written
to the rules store in PostgreSQL, which the consumer polls. One consumer, the counts switched
live and alternated round after round at 1,000 tx/s (``fraud_bench.variants``); the drain and
sustainable rate per count; and the engine alone deciding batches of 64 payments of a
simulated world (CPU time of this process: no queueing, no neighbours' wall time). Issue: p99
at 1,000 tx/s grows by at most 1 ms with 100 active rules."""

from __future__ import annotations

import contextlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fraud_bench import listeners
from fraud_bench.consumer_metrics import gauge
from fraud_bench.interleaved import FULL as INTERLEAVE_FULL
from fraud_bench.interleaved import QUICK as INTERLEAVE_QUICK
from fraud_bench.interleaved import InterleavePlan, interleave
from fraud_bench.pipeline_runs import ModeBench
from fraud_bench.stats import load_average, measured_on
from fraud_bench.variants import (
    RATE,
    WARM_S,
    SectionPlan,
    compare,
    database,
    nothing_lost,
    paired_plan,
)
from fraud_devstack.services import wait_for
from fraud_rules.bench import definitions, rule_set, us_per_payment, world
from fraudcore.decision_log import connect, migrate, rule_store
from fraudcore.decision_log.rules_in_force import LOADED
from fraudcore.metrics import RULES_REVISION
from fraudcore.rules import Status
from fraudcore.settings import DatabaseSettings, KafkaSettings

COUNTS = (0, 10, 100)
BATCH = 64  # payments per batch in the engine's own measurement
ACTOR, ROLE = "fraud-bench", "rules-admin"  # who the audit trail names
SEEN_EVERY_S = 0.05  # the consumer's log read this often while a switch is taken up


def variant(count: int) -> str:
    return f"rules{count}"


def activate(conn: Any, count: int) -> int:
    """The first ``count`` of the generated rules active, every other one retired (the
    baseline too when it is not among them); the rules' revision then."""
    rules = definitions(max(COUNTS))  # every count's rules, those not in force retired
    chosen = [
        rule.model_copy(update={"status": Status.ACTIVE if i < count else Status.RETIRED})
        for i, rule in enumerate(rules)
    ]
    rule_store.apply(conn, chosen, actor=ACTOR, role=ROLE)
    return rule_store.revision(conn)


def consumer_revision(port: int) -> float:
    """The rules revision a consumer decides with (its /metrics)."""
    return gauge(port, RULES_REVISION.name)


def engine_cost(counts: tuple[int, ...], quick: bool) -> dict[str, Any]:
    """CPU microseconds the engine takes to decide one batch of BATCH payments with each count
    of active rules (median of passes over a simulated world), and the load it ran under."""
    data = world(days=1 if quick else 2, customers=400)
    before = load_average()
    per_batch = {
        str(count): round(us_per_payment(rule_set(count), data, BATCH, 3 if quick else 7) * BATCH)
        for count in counts
    }
    return {"batch": BATCH, "cpu_us_per_batch": per_batch, "load_before": before,
            "load_after": load_average()}  # fmt: skip


@contextlib.contextmanager
def rules_pipeline(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    database_url: str | None,
) -> Iterator[tuple[ModeBench, Any]]:
    """A started embedded pipeline whose consumer reads its rules from the section's database
    (``database_url``, or a server of its own), and a connection to that database."""
    with (
        database(workdir, database_url) as url,
        connect(DatabaseSettings(database_url=url)) as conn,
    ):
        migrate(conn)
        infrastructure = listeners.infrastructure(settings.kafka_bootstrap_servers, redis_url, url)
        bench = ModeBench(settings, redis_url, model_dir, workdir / "rules", "embedded",
                          consumer_env={"DATABASE_URL": url},
                          infrastructure=infrastructure)  # fmt: skip
        try:
            bench.start()
            yield bench, conn
        finally:
            bench.stop()


def bench_rule_count(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    plan: SectionPlan,
    *,
    database_url: str | None = None,
    counts: tuple[int, ...] = COUNTS,
) -> dict[str, Any]:
    """The section's figures (bench.json's ``rules``): per count, latency rounds and their
    medians, drain and sustainable rate; the engine's cost per batch; when and under what."""
    plan = paired_plan(plan, budget=True)  # a 1 ms budget
    load_before = load_average()
    with rules_pipeline(settings, redis_url, model_dir, workdir, database_url) as (bench, conn):

        def switch(name: str) -> None:
            count = int(name.removeprefix("rules"))
            revision = activate(conn, count)
            assert bench.consumer is not None
            port = bench.consumer.metrics_port

            def taken_up() -> bool:  # a window of traffic: the consumer reads it per batch
                bench.at_rate(RATE, WARM_S, RATE * 10.0, run_id=f"s{uuid.uuid4().hex[:6]}")
                return consumer_revision(port) >= revision

            wait_for(taken_up, 60, f"{count} rules in force")

        variants = compare(bench, [variant(c) for c in counts], switch, plan)
    return {
        "quick": plan.quick,
        **measured_on(load_before),
        "rate_tps": RATE,
        "rounds": plan.rounds,
        "seconds": plan.seconds,
        "counts": list(counts),
        "variants": variants,
        "engine": engine_cost(counts, plan.quick),
        "nothing_lost": nothing_lost(variants),
    }


def bench_rules_interleaved(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    plan: SectionPlan,
    *,
    database_url: str | None = None,
    counts: tuple[int, int] = (COUNTS[0], COUNTS[-1]),
    interleave_plan: InterleavePlan | None = None,
) -> dict[str, Any]:
    """bench.json's ``rules_interleaved``: the fewest and the most active rules switched live
    every few seconds within one window at 1,000 tx/s (``fraud_bench.interleaved``), the
    issue's p99 budget judged on the paired bootstrap's interval."""
    chosen = interleave_plan or (INTERLEAVE_QUICK if plan.quick else INTERLEAVE_FULL)
    load_before = load_average()
    with rules_pipeline(settings, redis_url, model_dir, workdir, database_url) as (bench, conn):
        consumer = bench.consumer
        assert consumer is not None

        def switch(name: str) -> float:
            # Seen in the consumer's log as its poller loads the revision (its next batch
            # decides with it): a scrape of its metrics would take the interpreter lock from
            # the loop being measured, ten times a switch.
            loaded = f"{LOADED} {activate(conn, int(name.removeprefix('rules')))}:"
            wait_for(lambda: loaded in consumer.log(), 60, f"{name} in force",
                     interval_s=SEEN_EVERY_S)  # fmt: skip
            return time.time()

        figures = interleave(bench, [variant(c) for c in counts], switch, chosen, "interleaved")
    return {
        "quick": plan.quick,
        **measured_on(load_before),
        **figures,
        "counts": list(counts),
        "nothing_lost": figures["produced"] == figures["scored"] > 0,
    }
