"""The real pipeline on the world's clock: Kafka, Redis and PostgreSQL of its own (the decision
log, migrated by the production migrator), the warm start as ``make dev`` runs it (the history
export, then ``fraud-consumer backfill``: the commands compose and the charts run too), the
scorer, a consumer writing the decision log and the producer in world pace, each its own
process; every scored record read back from Kafka.

After the last payment the producer's clock runs on, faster, with labels only, until every label
owed has been sent at its own simulated time (``--label-tail-speed``): the last days' genuine
labels come 7-8 simulated days after their payments, so without the tail the log would know
only a week of them. The consumer joins them all; the log is read before its database stops."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraud_devstack import KafkaBroker, PostgresServer, RedisServer
from fraud_devstack.pipeline import LocalPipeline, private_topics
from fraud_devstack.warm_start import World, load_warm_start
from fraud_training.live_eval.logged import LoggedRun, read_logged, wait_for_labels
from fraud_training.live_eval.plan import LivePlan
from fraud_training.live_eval.reader import Decided, ScoredReader
from fraudcore import live_stats
from fraudcore.decision_log import connect, migrate
from fraudcore.live_stats import LiveTotals
from fraudcore.schemas import Decision
from fraudcore.settings import DatabaseSettings, KafkaSettings

log = logging.getLogger(__name__)
# A label waits this long for its payment: the consumer runs minutes behind the clock here.
LABEL_WAIT_S = 600
EXPIRED = re.compile(r"(\d+) labels matched no transaction")


@dataclass
class LiveRun:
    records: dict[str, Decided]
    producer: dict[str, Any]
    consumer_totals: LiveTotals
    warm_start: dict[str, Any]
    copies_read: int
    logged: LoggedRun
    labels_expired: int  # labels the consumer gave up waiting for (its log's warnings)
    seconds: dict[str, float] = field(default_factory=dict)


def run_live(plan: LivePlan, model_dir: Path, workdir: Path) -> LiveRun:
    broker = KafkaBroker(workdir / "kafka", log_level="WARN").start()
    redis_server = RedisServer(workdir / "redis", maxmemory="4gb").start()
    postgres = PostgresServer(workdir / "postgres")  # started in the try: removed in any case
    settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
    pipeline = LocalPipeline(
        broker.bootstrap_servers, redis_server.url, private_topics(settings), workdir / "logs",
        model_dir,
    )  # fmt: skip
    world = World(plan.seed, plan.customers, plan.history_days, plan.speed)
    reader: ScoredReader | None = None
    seconds: dict[str, float] = {}
    try:
        postgres.start()
        with connect(DatabaseSettings(database_url=postgres.url)) as conn:
            migrate(conn)
        began = time.monotonic()
        warm_start = load_warm_start(world, pipeline.env(), pipeline.workdir)
        seconds["warm_start"] = time.monotonic() - began
        pipeline.start_scorer()
        consumer = pipeline.start_consumer(
            plan.scoring_mode, DATABASE_URL=postgres.url, LABEL_WAIT_S=LABEL_WAIT_S,
            **world.env(decision_log=True),
        )  # fmt: skip
        reader = ScoredReader(settings, pipeline.topics.topic_scored).start()
        began = time.monotonic()
        producer = pipeline.start_producer(
            "--days", f"{plan.days:g}", "--label-tail-speed", f"{plan.label_tail_speed:g}",
            **world.env(),
        )  # fmt: skip
        code = producer.wait(plan.stream_s * 2 + plan.tail_s * 2 + 600)
        if code != 0:
            raise RuntimeError(f"the producer exited with {code}:\n{producer.log()[-3000:]}")
        report = json.loads(producer.log().strip().splitlines()[-1])
        seconds["stream"] = report["elapsed_s"]  # the payments, on the world's clock
        seconds["label_tail"] = time.monotonic() - began - report["elapsed_s"]
        began = time.monotonic()
        # On a busy shared machine the consumer ends minutes behind: as long again as the stream.
        pipeline.wait_scored(report["transactions"], timeout_s=plan.stream_s * 2 + 900)
        reader.wait_for(report["transactions"], timeout_s=600)
        # Each payment of the window has one label; every one owed was sent by the tail.
        wait_for_labels(postgres.url, report["transactions"], 900, idle_s=LABEL_WAIT_S + 60)
        seconds["drain"] = time.monotonic() - began
        first = dt.datetime.fromisoformat(report["world_from"]).astimezone(dt.UTC).date()
        last = first + dt.timedelta(days=math.ceil(plan.days) - 1)
        logged = read_logged(postgres.url, first, last)
        expired = sum(int(n) for n in EXPIRED.findall(consumer.log()))
        return LiveRun(
            dict(reader.records), report, pipeline.totals(), warm_start, reader.copies, logged,
            expired, seconds,
        )  # fmt: skip
    finally:
        if reader is not None:
            reader.stop()
        pipeline.stop_all()
        postgres.remove()
        redis_server.stop()
        broker.stop()


def run_before(model_dir: Path, workdir: Path, seconds: float) -> dict[str, Any]:
    """The same model on live traffic as it ran before the world had its own clock: a steady
    rate with event time = the wall clock, every card cold (no warm start), labels after a fixed
    delay; decisions and label outcomes as the consumer counts them."""
    rate, label_delay = 50.0, 30.0  # what make dev ran
    broker = KafkaBroker(workdir / "kafka-before", log_level="WARN").start()
    redis_server = RedisServer(workdir / "redis-before").start()
    settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
    pipeline = LocalPipeline(
        broker.bootstrap_servers, redis_server.url, private_topics(settings),
        workdir / "logs-before", model_dir,
    )  # fmt: skip
    try:
        pipeline.start_scorer()
        pipeline.start_consumer("remote")
        producer = pipeline.start_producer(
            "--rate", f"{rate:g}", "--duration", f"{seconds:g}", "--label-delay", f"{label_delay:g}"
        )  # fmt: skip
        if producer.wait(seconds + label_delay + 300) != 0:
            raise RuntimeError(f"the producer failed:\n{producer.log()[-3000:]}")
        report = json.loads(producer.log().strip().splitlines()[-1])
        pipeline.wait_scored(report["transactions"], timeout_s=300)
        time.sleep(5)  # the last labels, sent as the producer finished
        totals = pipeline.totals()
    finally:
        pipeline.stop_all()
        redis_server.stop()
        broker.stop()
    total, outcomes = totals.transactions, totals.outcomes
    return {
        "rate_tps": rate,
        "seconds": seconds,
        "label_delay_s": label_delay,
        "rows": total,
        "frauds": outcomes["tp"] + outcomes["fn"],
        "labels": totals.labels,
        "review_rate": totals.decisions[Decision.REVIEW] / total,
        "block_rate": totals.decisions[Decision.BLOCK] / total,
        "precision": live_stats.precision(outcomes),
    }
