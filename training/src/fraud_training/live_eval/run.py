"""The real pipeline on the world's clock: Kafka and Redis of its own, the warm start as
``make dev`` runs it (the history export, then ``fraud-consumer backfill``: the commands compose
and the charts run too), the scorer, a consumer and the producer in world pace, each its own
process; every scored record read back from Kafka."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fraud_devstack import KafkaBroker, RedisServer
from fraud_devstack.pipeline import LocalPipeline, private_topics
from fraud_devstack.warm_start import World, load_warm_start
from fraud_training.live_eval.reader import Decided, ScoredReader
from fraudcore import live_stats
from fraudcore.clock import DAY_S
from fraudcore.live_stats import LiveTotals
from fraudcore.schemas import Decision
from fraudcore.settings import KafkaSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LivePlan:
    days: float = 14.0  # simulated days of live traffic after the warm start
    speed: float = 1_440.0  # simulated seconds per real second: a simulated day a minute
    history_days: int = 56  # the model card's test week starts here
    seed: int = 42
    customers: int = 10_000
    scoring_mode: str = "remote"

    @property
    def stream_s(self) -> float:
        return self.days * DAY_S / self.speed


@dataclass
class LiveRun:
    records: dict[str, Decided]
    producer: dict[str, Any]
    consumer_totals: LiveTotals
    warm_start: dict[str, Any]
    copies_read: int
    seconds: dict[str, float] = field(default_factory=dict)


def run_live(plan: LivePlan, model_dir: Path, workdir: Path) -> LiveRun:
    broker = KafkaBroker(workdir / "kafka", log_level="WARN").start()
    redis_server = RedisServer(workdir / "redis", maxmemory="4gb").start()
    settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
    pipeline = LocalPipeline(
        broker.bootstrap_servers, redis_server.url, private_topics(settings), workdir / "logs",
        model_dir,
    )  # fmt: skip
    world = World(plan.seed, plan.customers, plan.history_days, plan.speed)
    reader: ScoredReader | None = None
    seconds: dict[str, float] = {}
    try:
        began = time.monotonic()
        warm_start = load_warm_start(world, pipeline.env(), pipeline.workdir)
        seconds["warm_start"] = time.monotonic() - began
        pipeline.start_scorer()
        pipeline.start_consumer(plan.scoring_mode, **world.env())
        reader = ScoredReader(settings, pipeline.topics.topic_scored).start()
        began = time.monotonic()
        producer = pipeline.start_producer("--days", f"{plan.days:g}", **world.env())
        code = producer.wait(plan.stream_s * 2 + 600)
        if code != 0:
            raise RuntimeError(f"the producer exited with {code}:\n{producer.log()[-3000:]}")
        report = json.loads(producer.log().strip().splitlines()[-1])
        seconds["stream"] = time.monotonic() - began
        pipeline.wait_scored(report["transactions"], timeout_s=900)
        reader.wait_for(report["transactions"], timeout_s=300)
        seconds["drain"] = time.monotonic() - began - seconds["stream"]
        return LiveRun(
            dict(reader.records), report, pipeline.totals(), warm_start, reader.copies, seconds
        )
    finally:
        if reader is not None:
            reader.stop()
        pipeline.stop_all()
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
