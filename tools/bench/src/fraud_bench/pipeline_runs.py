"""The pipeline under load, per scoring mode: capacity from a backlog, then end-to-end latency
at each requested rate, with produced and scored counted for every run."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from fraud_bench import cpu, rate_search
from fraud_bench.floors import WARM_WINDOW_S, until_compiler_quiet
from fraud_bench.stats import summary_ms
from fraud_devstack.pipeline import LocalPipeline, drain_topic, private_topics
from fraud_devstack.services import ServiceProcess, wait_for
from fraud_producer.stream_plan import CLOCK_STARTED
from fraudcore.settings import KafkaSettings

log = logging.getLogger(__name__)
WARM_RATE = 1_000  # the pipeline's warm-up, or half the drain rate where that is less

CUSTOMERS = "20000"
LAG_SLACK_S = 2.0
KEPT = ("timings", "model_version", "scored_at", "decision")  # of each scored record read back


@dataclass
class ModeResult:
    mode: str
    drain_tps: float = 0.0  # processing rate with a backlog and nothing else running
    max_tps: float = 0.0  # sustainable: lag bounded with the load generator alongside
    max_tps_verified: bool | None = None  # None: quick mode, the drain rate stands in
    attempts: list[dict[str, Any]] = field(default_factory=list)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    produced: int = 0  # every payment the load generator sent, warm-up and searches included
    cpu_us_per_payment: dict[str, float] = field(default_factory=dict)  # at the highest rate


def drain_rate(
    count: Callable[[], int], before: int, expected: int, timeout_s: float, every_s: float = 0.005
) -> float:
    """Payments per second from the first one scored to the last, counted by polling ``count``
    every few milliseconds: the clock starts at the first poll past ``before`` (the consumer's
    start-up is not processing) and the payments already scored by then are not counted. A
    backlog drained between two polls is timed from the last poll that saw none of it."""
    deadline = time.monotonic() + timeout_s
    idle_at = time.monotonic()
    while (now := count()) <= before:
        idle_at = time.monotonic()
        if idle_at > deadline:
            raise TimeoutError(f"draining did not start within {timeout_s:.0f} s")
        time.sleep(every_s)
    began, first = time.monotonic(), now
    while now < expected:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expected} scored not reached within {timeout_s:.0f} s (at {now})")
        time.sleep(every_s)
        now = count()
    ended = time.monotonic()
    if first < expected:
        return (expected - first) / (ended - began)
    return (expected - before) / (ended - idle_at)


class ModeBench:
    def __init__(
        self,
        settings: KafkaSettings,
        redis_url: str,
        model_dir: Path,
        workdir: Path,
        mode: str,
        *,
        consumer_env: dict[str, str] | None = None,
        infrastructure: dict[str, int] | None = None,
        partitions: int = 3,
    ) -> None:
        self.settings = settings
        self.mode = mode
        self.consumer_env = consumer_env or {}
        self.infrastructure = infrastructure or {}  # process name -> pid (broker, Redis, ...)
        self.pipeline = LocalPipeline(
            settings.kafka_bootstrap_servers,
            redis_url,
            private_topics(settings, partitions),
            workdir / f"{mode}-{uuid.uuid4().hex[:6]}",
            model_dir,
        )
        self.expected = 0
        self.reports: dict[str, dict[str, Any]] = {}  # the load generator's report, by run id
        self.consumer: ServiceProcess | None = None
        self.scorer: ServiceProcess | None = None

    def _start_producer(self, run_id: str, *args: str) -> ServiceProcess:
        return self.pipeline.start_producer(
            *args,
            "--no-labels",
            "--customers",
            CUSTOMERS,
            "--run-id",
            run_id,
            name=f"producer-{run_id}",
        )

    def _finish(self, producer: ServiceProcess) -> dict[str, Any]:
        producer.wait(timeout_s=900)
        report: dict[str, Any] = json.loads(producer.log().strip().splitlines()[-1])
        self.expected += int(report["transactions"])
        self.reports[report["run_id"]] = report
        return report

    def _produce(self, run_id: str, *args: str) -> dict[str, Any]:
        return self._finish(self._start_producer(run_id, *args))

    def _clocked(
        self, run_id: str, *args: str, on_clock: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """A load generator's run; ``on_clock`` is called as its first payment leaves (its
        start-up, imports and world, is no part of a measured window)."""
        producer = self._start_producer(run_id, *args)
        wait_for(
            lambda: CLOCK_STARTED in producer.log() or not producer.running,
            300,
            "the load generator's clock",
            interval_s=0.02,
        )
        if on_clock is not None:
            on_clock()
        return self._finish(producer)

    def _drain(self, timeout_s: float) -> None:
        self.pipeline.wait_scored(self.expected, timeout_s=timeout_s)

    def start_consumers(self, name: str = "consumer") -> None:
        self.consumer = self.pipeline.start_consumer(self.mode, name=name, **self.consumer_env)

    def stop_consumers(self) -> None:
        if self.consumer is not None:
            self.consumer.stop()

    def start(self) -> None:
        if self.mode != "embedded":
            self.scorer = self.pipeline.start_scorer()
        self.start_consumers()
        self._produce(f"warm{uuid.uuid4().hex[:6]}", "--rate", "200", "--count", "300")
        self._drain(120)

    def capacity(self, backlog: int) -> float:
        """Processing rate while draining a backlog produced with the consumers stopped."""
        self.stop_consumers()
        # Run ids are never reused: a payment id seen before is a redelivery, not scored again.
        self._produce(f"cap{uuid.uuid4().hex[:6]}", "--rate", "100000", "--count", str(backlog))
        before = self.pipeline.scored()
        self.start_consumers(name="consumer-capacity")
        return drain_rate(self.pipeline.scored, before, self.expected, timeout_s=600)

    def at_rate(
        self,
        rate: int,
        seconds: float,
        capacity: float,
        run_id: str | None = None,
        on_clock: Callable[[], None] | None = None,
    ) -> dict[str, Any]:
        """One window at ``rate`` under ``run_id`` (default ``r<rate>``), drained after;
        ``on_clock`` is called as the load generator's first payment leaves (a profiler)."""
        # Above capacity the backlog grows without bound: a shorter window keeps the drain finite.
        saturated = rate > capacity
        window = max(1.0, seconds * capacity / rate * 0.8) if saturated else seconds
        before = self.pipeline.scored()
        began: dict[str, float] = {}
        waited: dict[str, float] = {}

        def clock() -> None:  # CPU from the first payment to the last one scored
            began.update(cpu.sample(self.processes()))
            waited.update(cpu.waits(self.processes()))
            if on_clock is not None:
                on_clock()

        args = ("--rate", str(rate), "--duration", f"{window:.2f}")
        report = self._clocked(run_id or f"r{rate}", *args, on_clock=clock)
        self._drain(max(60.0, report["transactions"] / max(capacity, 1.0) * 2 + 30))
        spent = cpu.per_payment_us(began, cpu.sample(self.processes()), report["transactions"])
        wait = cpu.per_payment_us(waited, cpu.waits(self.processes()), report["transactions"])
        if report["transactions"]:
            spent[cpu.LOAD_GENERATOR] = round(report["cpu_s"] * 1e6 / report["transactions"], 1)
        return {
            "produced": report["transactions"],
            "scored": self.pipeline.scored() - before,
            "achieved_tps": report["achieved_tps"],
            "seconds": round(window, 2),
            "saturated": saturated,
            "cpu_us_per_payment": spent,
            "cpu_wait_us_per_payment": wait,  # runnable, waiting for a core
        }

    def processes(self) -> dict[str, int]:
        """The processes whose CPU a run counts, by name (the load generator is counted apart)."""
        named = dict(self.infrastructure)
        for name, service in (("consumer", self.consumer), ("scorer", self.scorer)):
            if service is not None and service.process is not None:
                named[name] = service.process.pid
        return named

    def bounded(
        self, rate: float, seconds: float, run_id: str, on_clock: Callable[[], None] | None = None
    ) -> bool:
        """Lag stays bounded at ``rate``: all produced over ``seconds`` is scored within
        LAG_SLACK_S of the end (a consumer 10% too slow is 2 s behind after 20 s)."""
        before = self.expected
        args = ("--rate", f"{rate:.0f}", "--duration", str(seconds))
        self._clocked(run_id, *args, on_clock=on_clock)
        try:
            wait_for(lambda: self.pipeline.scored() >= self.expected, LAG_SLACK_S, "bounded lag")
        except TimeoutError:
            self._drain(600)
            return False
        return self.expected > before

    def sustainable(self, drain_tps: float, seconds: float) -> tuple[float, list[dict[str, Any]]]:
        """The sustainable rate (``rate_search``) and every attempt made to find it."""
        attempts: list[dict[str, Any]] = []

        def holds(rate: float) -> bool:
            held = self.bounded(rate, seconds, f"v{len(attempts)}{uuid.uuid4().hex[:6]}")
            attempts.append({"rate_tps": round(rate), "bounded": held})
            return held

        return round(rate_search.highest_bounded(holds, drain_tps)), attempts

    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Every scored record (its timings, model version, time scored and decision), by run
        id (the transaction id's middle part), in the order read."""
        messages = drain_topic(
            self.settings, self.pipeline.topics.topic_scored, expected=self.expected, timeout_s=120
        )
        by_run: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for message in messages:
            record = orjson.loads(message.value() or b"{}")
            run = record["transaction"]["transaction_id"].split("-")[1]
            by_run[run].append({k: record[k] for k in KEPT})
        return by_run

    def timings(self) -> dict[str, dict[str, list[float]]]:
        """Every scored record's timings (end to end and per stage, ms), by run id."""
        return {run: stage_values(records) for run, records in self.records().items()}

    def stop(self) -> None:
        self.pipeline.stop_all()


def warm_compiler(bench: ModeBench, rate: int) -> list[float]:
    """Windows of ``bench``'s pipeline at ``rate``, not measured, until the broker's JIT compiler
    spent under JIT_QUIET of a core over two in a row (none without the broker's pid); the
    compiler's share of a core per window. The broker's own warm-up is bare produce and consume:
    the pipeline's paths (transactions, offsets sent to them, ``read_committed`` fetches) were
    still compiled during the first windows measured after a drain (12% of a core at 100 tx/s
    after 40,000 payments drained, 17-21% at 1,000 tx/s in a section's first, 2-4% once
    warm; 2026-12-08). One quiet window was followed by a busy one, hence two."""
    pid = bench.infrastructure.get("broker")
    if pid is None:
        return []
    warmed = until_compiler_quiet(
        pid,
        lambda: bench.at_rate(rate, WARM_WINDOW_S, rate * 10.0, run_id=f"s{uuid.uuid4().hex[:6]}"),
        in_a_row=2,
    )
    shares: list[float] = warmed["jit_core_share"]
    log.info("pipeline warm-up of %s s, JIT share per window: %s", warmed["seconds"], shares)
    return shares


@dataclass(frozen=True)
class Plan:
    rates: list[int]
    seconds: float  # measurement window per rate
    backlog: int  # messages drained to measure capacity
    verify: bool  # search for the highest rate with bounded lag (else the drain rate stands)


def bench_mode(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    *,
    mode: str,
    plan: Plan,
    consumer_env: dict[str, str] | None = None,
    before_start: Callable[[ModeBench], None] | None = None,
    infrastructure: dict[str, int] | None = None,
) -> ModeResult:
    bench = ModeBench(
        settings, redis_url, model_dir, workdir, mode,
        consumer_env=consumer_env, infrastructure=infrastructure,
    )  # fmt: skip
    result = ModeResult(mode)
    try:
        if before_start is not None:
            before_start(bench)
        bench.start()
        result.drain_tps = result.max_tps = round(bench.capacity(plan.backlog), 1)
        if plan.verify:  # a full run measures on a broker done compiling this pipeline's paths
            warm_compiler(bench, max(1, min(WARM_RATE, int(result.drain_tps / 2))))
        runs = {rate: bench.at_rate(rate, plan.seconds, result.drain_tps) for rate in plan.rates}
        if plan.verify:
            result.max_tps, result.attempts = bench.sustainable(result.drain_tps, plan.seconds)
            result.max_tps_verified = result.max_tps > 0
        timings = bench.timings()
        for rate, run in runs.items():
            measured = timings.get(f"r{rate}", {})
            stages = {
                stage.removesuffix("_ms"): {
                    k: v for k, v in summary_ms(values).items() if k != "p95_ms"
                }
                for stage, values in measured.items()
                if stage != "end_to_end_ms"
            }
            e2e = summary_ms(measured.get("end_to_end_ms", []))
            result.runs[str(rate)] = {**e2e, **run, "stages_ms": stages}
    finally:
        bench.stop()
    result.produced = bench.expected
    result.cpu_us_per_payment = cpu_at_highest_rate(result.runs)
    return result


def stage_values(records: list[dict[str, Any]]) -> dict[str, list[float]]:
    """The records' timings as one list of values per stage (end to end included)."""
    by_stage: dict[str, list[float]] = defaultdict(list)
    for record in records:
        for stage, value in record["timings"].items():
            by_stage[stage].append(value)
    return by_stage


def cpu_at_highest_rate(runs: dict[str, dict[str, Any]]) -> dict[str, float]:
    """The CPU figures of the highest rate the consumer kept up with (or the lowest rate when it
    kept up with none): a saturated run's window is cut short and its backlog drained after."""
    if not runs:
        return {}
    rates = sorted(runs, key=int)
    held = [rate for rate in rates if not runs[rate].get("saturated")]
    figures: dict[str, float] = runs[(held or rates[:1])[-1]].get("cpu_us_per_payment", {})
    return figures
