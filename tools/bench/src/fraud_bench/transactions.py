"""Exactly-once output against at-least-once, same run, same scoring mode (embedded, where the
transactions' cost is least hidden by scoring): capacity and latency at each rate, and when a
``read_committed`` reader of transactions-scored first sees each payment (what a downstream
system waits for: the end of the transaction that carries it)."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer

from fraud_bench.pipeline_runs import ModeBench, Plan, bench_mode
from fraud_bench.stats import summary_ms
from fraudcore.kafka_client import consumer_config
from fraudcore.settings import KafkaSettings

DELIVERIES = ("exactly-once", "at-least-once")
INTERVALS_MS = (20, 50, 100, 250)  # how long a transaction stays open, tried at 1,000 tx/s


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


def bench_transactions(
    settings: KafkaSettings, redis_url: str, model_dir: Path, workdir: Path, plan: Plan
) -> dict[str, Any]:
    """Per delivery guarantee: drain and sustainable rate, and per rate end-to-end (to Redis)
    and visible (to a read_committed reader) latency."""
    return {
        delivery: _bench_env(
            settings,
            redis_url,
            model_dir,
            workdir / delivery,
            plan,
            {"CONSUMER_DELIVERY": delivery},
        )
        for delivery in DELIVERIES
    }


def interval_sweep(
    settings: KafkaSettings, redis_url: str, model_dir: Path, workdir: Path, seconds: float
) -> dict[str, Any]:
    """Exactly-once at 1,000 tx/s with transactions held open for each of INTERVALS_MS: what a
    longer transaction saves in commits it costs in visibility."""
    plan = Plan([1_000], seconds, backlog=2_000, verify=False)
    sweep = {}
    for interval in INTERVALS_MS:
        env = {
            "CONSUMER_DELIVERY": "exactly-once",
            "CONSUMER_TRANSACTION_INTERVAL_MS": str(interval),
        }
        outcome = _bench_env(settings, redis_url, model_dir, workdir / f"i{interval}", plan, env)
        sweep[str(interval)] = outcome["runs"]["1000"]
    return sweep


def _bench_env(  # noqa: PLR0917 - private, in the order of bench_mode's
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    plan: Plan,
    env: dict[str, str],
) -> dict[str, Any]:
    readers: list[VisibilityReader] = []

    def read(bench: ModeBench) -> None:
        readers.append(VisibilityReader(settings, bench.pipeline.topics.topic_scored).start())

    try:
        outcome = bench_mode(
            settings,
            redis_url,
            model_dir,
            workdir,
            mode="embedded",
            plan=plan,
            consumer_env=env,
            before_start=read,
        )
    finally:
        for reader in readers:
            reader.stop()
    runs = {}
    for rate, run in outcome.runs.items():
        runs[rate] = {
            "end_to_end": {k: run[k] for k in ("p50_ms", "p95_ms", "p99_ms")},
            "visible": summary_ms(readers[0].by_run.get(f"r{rate}", [])),
            "produced": run["produced"],
            "scored": run["scored"],
            "achieved_tps": run["achieved_tps"],
            "saturated": run["saturated"],
        }
    return {
        "drain_tps": outcome.drain_tps,
        "max_tps": outcome.max_tps,
        "max_tps_verified": outcome.max_tps_verified,
        "runs": runs,
    }
