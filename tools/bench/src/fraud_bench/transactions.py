"""Exactly-once output against at-least-once, one embedded pipeline (where the transactions'
cost is least hidden by scoring), its consumer restarted with each delivery guarantee round
after round at 1,000 tx/s, alternated with a bare Kafka produce->consume window in the same
phases (issue: the exactly-once p99 within 2x the Kafka floor p99 of the same run, read per
round and over the pooled windows); the drain and sustainable rate of each; in a full run only,
a window at 5,000 tx/s (above capacity here: its cost) and other commit intervals (how long a
transaction stays open) as variants of the same rounds, windows only; the CPU per payment of
the consumer, the broker and Redis in every window; and when a ``read_committed`` reader of
transactions-scored first sees each payment (what a downstream system waits for)."""

from __future__ import annotations

import statistics
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer

from fraud_bench import listeners
from fraud_bench.floors import kafka_latencies
from fraud_bench.pipeline_runs import ModeBench
from fraud_bench.stats import load_average, measured_on, summary_ms
from fraud_bench.variants import (
    FLOOR,
    RATE,
    SectionPlan,
    compare_restarts,
    nothing_lost,
    paired,
    paired_plan,
    restart,
    run_id,
    window_latency,
)
from fraud_consumer.settings import ConsumerSettings
from fraudcore.kafka_client import consumer_config
from fraudcore.settings import KafkaSettings

DELIVERIES = ("exactly-once", "at-least-once")
HIGH_RATE = 5_000  # the second rate: above this machine's capacity, its cost reported
# How long a transaction stays open, tried at 1,000 tx/s beside the default in the same
# alternated rounds (single windows moved more between phases than the intervals differed).
DEFAULT_INTERVAL_MS: int = ConsumerSettings.model_fields["consumer_transaction_interval_ms"].default
INTERVALS_MS = tuple(i for i in (50, 100, 250, 500) if i != DEFAULT_INTERVAL_MS)


def interval_variant(interval_ms: int) -> str:
    """The rounds' name of exactly-once at another commit interval."""
    return f"exactly-once-{interval_ms}ms"


class VisibilityReader:
    """Reads transactions-scored read_committed while the runs go on. A record's visibility:
    its end-to-end time to Redis plus receipt minus the record's Kafka timestamp (set when the
    consumer produced it, in whole ms: each figure is at most 1 ms high)."""

    def __init__(self, settings: KafkaSettings, topic: str) -> None:
        config = consumer_config(settings, f"visibility-{uuid.uuid4().hex[:8]}")
        self.consumer = Consumer({**config, "isolation.level": "read_committed"})
        self.consumer.subscribe([topic])
        self.by_run: dict[str, list[float]] = defaultdict(list)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)

    def start(self) -> VisibilityReader:
        self._thread.start()
        return self

    def _read(self) -> None:
        while not self._stop.is_set():
            for message in self.consumer.consume(1000, timeout=0.1):
                received_ns = time.time_ns()
                if message.error():
                    continue
                _, produced_ms = message.timestamp()
                record = orjson.loads(message.value() or b"{}")
                run = record["transaction"]["transaction_id"].split("-")[1]
                wait_ms = max(0.0, (received_ns - produced_ms * 1_000_000) / 1e6)
                self.by_run[run].append(record["timings"]["end_to_end_ms"] + wait_ms)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.consumer.close()


def delivery_env(delivery: str, interval_ms: int | None = None) -> dict[str, str]:
    env = {"CONSUMER_DELIVERY": delivery}
    if interval_ms is not None:
        env["CONSUMER_TRANSACTION_INTERVAL_MS"] = str(interval_ms)
    return env


def single_window(
    bench: ModeBench, env: dict[str, str], rate: int, plan: SectionPlan, *, run: str,
    capacity: float,
) -> dict[str, Any]:  # fmt: skip
    """One window at ``rate`` with the consumer restarted on ``env`` (latency added later)."""
    restart(bench, env, warm=not plan.quick)
    return {"run_id": run, **bench.at_rate(rate, plan.seconds, capacity, run_id=run)}


def floor_ratios(variants: dict[str, Any], delivery: str) -> dict[str, Any]:
    """Per round the delivery's p99 over the floor's p99 of that round, their median, and the
    pooled windows' ratio."""
    floor = {r["round"]: r["p99_ms"] for r in variants[FLOOR]["rounds"]}
    ratios = [
        round(r["p99_ms"] / floor[r["round"]], 3)
        for r in variants[delivery]["rounds"]
        if floor.get(r["round"], 0) > 0
    ]
    pooled = variants[delivery]["pooled"]["p99_ms"] / variants[FLOOR]["pooled"]["p99_ms"]
    return {"per_round": ratios, "median": round(statistics.median(ratios), 3),
            "pooled": round(pooled, 3)}  # fmt: skip


def bench_transactions(
    settings: KafkaSettings, redis_url: str, model_dir: Path, workdir: Path, plan: SectionPlan
) -> dict[str, Any]:
    """The section's figures (bench.json's ``transactions``)."""
    plan = paired_plan(plan)
    load_before = load_average()
    infrastructure = listeners.infrastructure(settings.kafka_bootstrap_servers, redis_url)
    bench = ModeBench(settings, redis_url, model_dir, workdir / "transactions", "embedded",
                      infrastructure=infrastructure)  # fmt: skip
    reader = VisibilityReader(settings, bench.pipeline.topics.topic_scored).start()
    singles: dict[str, dict[str, Any]] = {}
    intervals = INTERVALS_MS if plan.verify else ()  # a quick run: the deliveries only
    others = {interval_variant(i): delivery_env("exactly-once", i) for i in intervals}
    try:
        bench.start()
        variants = compare_restarts(
            bench, {**{d: delivery_env(d) for d in DELIVERIES}, **others}, plan,
            floor=lambda seconds: kafka_latencies(settings, RATE, seconds), rounds_only=others,
        )  # fmt: skip
        for delivery in DELIVERIES if plan.verify else ():  # a quick run: the rounds only
            singles[f"{delivery}@{HIGH_RATE}"] = single_window(
                bench, delivery_env(delivery), HIGH_RATE, plan,
                run=f"h{delivery.replace('-', '')}", capacity=variants[delivery]["drain_tps"],
            )  # fmt: skip
        records = bench.records()
    finally:
        bench.stop()
        reader.stop()
    for delivery in [*DELIVERIES, *others]:
        for window in variants[delivery]["rounds"]:
            window["visible"] = summary_ms(reader.by_run.get(run_id(delivery, window["round"]), []))
    for window in singles.values():
        window.update(window_latency(records.get(window["run_id"], [])))
        window["visible"] = summary_ms(reader.by_run.get(window["run_id"], []))
    lost_nothing = nothing_lost(variants)  # the intervals' windows too
    measured_intervals = {}
    for interval in intervals:  # apart from the deliveries, each with its ratio to the floor
        ratio = floor_ratios(variants, interval_variant(interval))
        measured_intervals[str(interval)] = {
            **variants.pop(interval_variant(interval)),
            "floor_ratio": ratio,
        }
    return {
        "quick": plan.quick,
        **measured_on(load_before),
        "rate_tps": RATE,
        "rounds": plan.rounds,
        "seconds": plan.seconds,
        "variants": variants,
        "floor_ratio": floor_ratios(variants, "exactly-once"),
        "p99_added": paired(variants["at-least-once"], variants["exactly-once"]),
        "high_rate": {
            d: singles[f"{d}@{HIGH_RATE}"] for d in DELIVERIES if f"{d}@{HIGH_RATE}" in singles
        },
        "default_interval_ms": DEFAULT_INTERVAL_MS,
        "intervals": measured_intervals,
        "nothing_lost": lost_nothing
        and all(w["produced"] == w["scored"] > 0 for w in singles.values()),
    }
