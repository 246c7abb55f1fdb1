"""The pipeline under load, per scoring mode: capacity from a backlog, then end-to-end latency
at each requested rate, with produced and scored counted for every run."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from fraud_bench.stats import summary_ms
from fraudcore.devstack.pipeline import LocalPipeline, drain_topic, private_topics
from fraudcore.devstack.services import ServiceProcess, wait_for
from fraudcore.settings import KafkaSettings

CUSTOMERS = "20000"


@dataclass
class ModeResult:
    mode: str
    max_tps: float = 0.0
    max_tps_verified: bool | None = None
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)


class ModeBench:
    def __init__(
        self, settings: KafkaSettings, redis_url: str, model_dir: Path, workdir: Path, mode: str
    ) -> None:
        self.settings = settings
        self.mode = mode
        self.pipeline = LocalPipeline(
            settings.kafka_bootstrap_servers,
            redis_url,
            private_topics(settings),
            workdir / mode,
            model_dir,
        )
        self.expected = 0
        self.consumer: ServiceProcess | None = None

    def _produce(self, run_id: str, *args: str) -> dict[str, Any]:
        producer = self.pipeline.start_producer(
            *args,
            "--no-labels",
            "--customers",
            CUSTOMERS,
            "--run-id",
            run_id,
            name=f"producer-{run_id}",
        )
        producer.wait(timeout_s=900)
        report: dict[str, Any] = json.loads(producer.log().strip().splitlines()[-1])
        self.expected += int(report["transactions"])
        return report

    def _drain(self, timeout_s: float) -> None:
        self.pipeline.wait_scored(self.expected, timeout_s=timeout_s)

    def start(self) -> None:
        if self.mode != "embedded":
            self.pipeline.start_scorer()
        self.consumer = self.pipeline.start_consumer(self.mode)
        self._produce(f"warm{uuid.uuid4().hex[:6]}", "--rate", "200", "--count", "300")
        self._drain(120)

    def capacity(self, backlog: int) -> float:
        """Processing rate while draining a backlog produced with the consumer stopped."""
        assert self.consumer is not None
        self.consumer.stop()
        self._produce("cap", "--rate", "100000", "--count", str(backlog))
        before = self.pipeline.scored()
        self.consumer = self.pipeline.start_consumer(self.mode, name="consumer-capacity")
        wait_for(lambda: self.pipeline.scored() > before, 120, "draining starts")
        began, start_count = time.monotonic(), self.pipeline.scored()
        self._drain(600)
        elapsed = time.monotonic() - began
        return (self.expected - start_count) / elapsed if elapsed > 0 else 0.0

    def at_rate(self, rate: int, seconds: float, capacity: float) -> dict[str, Any]:
        # Above capacity the backlog grows without bound: a shorter window keeps the drain finite.
        saturated = rate > capacity
        window = max(1.0, seconds * capacity / rate * 0.8) if saturated else seconds
        before = self.pipeline.scored()
        report = self._produce(f"r{rate}", "--rate", str(rate), "--duration", f"{window:.2f}")
        self._drain(max(60.0, report["transactions"] / max(capacity, 1.0) * 2 + 30))
        return {
            "produced": report["transactions"],
            "scored": self.pipeline.scored() - before,
            "achieved_tps": report["achieved_tps"],
            "seconds": round(window, 2),
            "saturated": saturated,
        }

    def verify(self, rate: float, seconds: float) -> bool:
        """Lag stays bounded: everything produced at ``rate`` is scored within 5 s of the end."""
        before = self.expected
        self._produce("verify", "--rate", f"{rate:.0f}", "--duration", str(seconds))
        try:
            wait_for(lambda: self.pipeline.scored() >= self.expected, 5, "bounded lag")
        except TimeoutError:
            self._drain(600)
            return False
        return self.expected > before

    def latencies(self) -> dict[str, list[float]]:
        """End-to-end ms of every scored record, by run id (the transaction id's middle part)."""
        messages = drain_topic(
            self.settings, self.pipeline.topics.topic_scored, expected=self.expected, timeout_s=120
        )
        by_run: dict[str, list[float]] = defaultdict(list)
        for message in messages:
            record = orjson.loads(message.value() or b"{}")
            run = record["transaction"]["transaction_id"].split("-")[1]
            by_run[run].append(record["timings"]["end_to_end_ms"])
        return by_run

    def stop(self) -> None:
        self.pipeline.stop_all()


@dataclass(frozen=True)
class Plan:
    rates: list[int]
    seconds: float  # measurement window per rate
    backlog: int  # messages drained to measure capacity
    verify: bool  # run at 90% of capacity to show the lag stays bounded


def bench_mode(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    *,
    mode: str,
    plan: Plan,
) -> ModeResult:
    bench = ModeBench(settings, redis_url, model_dir, workdir, mode)
    result = ModeResult(mode)
    try:
        bench.start()
        result.max_tps = round(bench.capacity(plan.backlog), 1)
        runs = {rate: bench.at_rate(rate, plan.seconds, result.max_tps) for rate in plan.rates}
        if plan.verify:
            result.max_tps_verified = bench.verify(result.max_tps * 0.9, plan.seconds)
        latencies = bench.latencies()
        for rate, run in runs.items():
            result.runs[str(rate)] = {**summary_ms(latencies.get(f"r{rate}", [])), **run}
    finally:
        bench.stop()
    return result
