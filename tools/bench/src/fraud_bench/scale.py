"""Scale-out: the sustainable rate of 1, 2 and 4 consumers in one consumer group over a
12-partition input topic (embedded scoring; remote with 1 and 2 consumers and one scorer in a
full run), by the search the modes' own sustainable rate uses (``ModeBench.sustainable``), each
count's consumers restarted together. Every run's payments are checked scored by transaction id
(none missing, none unexpected), and every paced window yields CPU microseconds per payment per
process (the consumers summed), the load average over it and the machine's CPU model. On a
machine with fewer cores than processes the curve flattens: that is the figure, reported as
measured."""

from __future__ import annotations

import logging
import os
import re
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import orjson

from fraud_bench import cpu, listeners
from fraud_bench.pipeline_runs import ModeBench
from fraud_bench.report import machine
from fraud_bench.stats import load_average, measured_on
from fraud_bench.variants import SectionPlan
from fraud_devstack.pipeline import drain_topic
from fraud_devstack.services import ServiceProcess, wait_for
from fraudcore.settings import KafkaSettings

PARTITIONS = 12
COUNTS = {"embedded": (1, 2, 4), "remote": (1, 2)}  # remote in a full run only
QUICK_SHARE = 0.5  # a quick run's one paced window: this share of the drain rate
CONSUMER = "consumer"
# A stopped consumer keeps its partitions this long (static membership): restarted for a drain,
# each takes its own back at once instead of the group rebalancing while the backlog drains.
SESSION_TIMEOUT_MS = 60_000
log = logging.getLogger("fraud-bench")
ASSIGNED = re.compile(r"consuming (\d+) partitions")
SUBSCRIBED = 2 * PARTITIONS  # a consumer reads the transactions and the labels topic alike


class ScaleBench(ModeBench):
    """A ModeBench whose consumers are ``count`` processes of one group, started together."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partitions=PARTITIONS, **kwargs)
        self.consumer_env = {"CONSUMER_SESSION_TIMEOUT_MS": str(SESSION_TIMEOUT_MS),
                             **self.consumer_env}  # fmt: skip
        self.count = 1
        self.consumers: list[ServiceProcess] = []
        self.windows: list[dict[str, Any]] = []  # every paced window, in the order run

    def start_consumers(self, name: str = CONSUMER) -> None:
        """Up to ``count`` consumers, instances c1..cN (a restarted one takes its partitions
        back at once), those running kept. One after the other: a process spawned from a
        thread dies with that thread."""
        self.consumers += [
            self.pipeline.start_consumer(
                self.mode, name=f"{name}-c{k}", instance=f"c{k}", **self.consumer_env
            )
            for k in range(len(self.consumers) + 1, self.count + 1)
        ]
        self.consumer = self.consumers[0]

    def stop_consumers(self) -> None:
        for consumer in self.consumers:
            consumer.stop()
        self.consumers = []

    def assigned(self) -> list[int]:
        """Partitions each running consumer reads now (its /readyz says)."""
        counts = []
        for consumer in self.consumers:
            url = f"http://127.0.0.1:{consumer.metrics_port}/readyz"
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    found = ASSIGNED.search(response.read().decode())
            except OSError:
                found = None
            counts.append(int(found.group(1)) if found else 0)
        return counts

    def scale_to(self, count: int) -> None:
        """``count`` consumers running, the group settled: every partition assigned and each
        consumer reading some (the drain after restarts them as the same static members)."""
        if count < len(self.consumers):
            self.stop_consumers()
        self.count = count
        self.start_consumers()

        def settled() -> bool:
            counts = self.assigned()
            return sum(counts) == SUBSCRIBED and min(counts) > 0

        wait_for(settled, 120, f"{count} consumers sharing {PARTITIONS} partitions", 0.5)

    def processes(self) -> dict[str, int]:
        named = {k: v for k, v in super().processes().items() if k != CONSUMER}
        for k, consumer in enumerate(self.consumers, start=1):
            if consumer.process is not None:
                named[f"{CONSUMER}-c{k}"] = consumer.process.pid
        return named

    def bounded(self, rate: float, seconds: float, run_id: str, on_clock: Any = None) -> bool:
        """``ModeBench.bounded`` with the window's CPU per payment per process and its load."""
        began: dict[str, float] = {}
        load = os.getloadavg()[0]
        held = super().bounded(
            rate, seconds, run_id, lambda: began.update(cpu.sample(self.processes()))
        )
        report = self.reports[run_id]
        spent = summed(
            cpu.per_payment_us(began, cpu.sample(self.processes()), report["transactions"])
        )
        if report["transactions"]:
            spent[cpu.LOAD_GENERATOR] = round(report["cpu_s"] * 1e6 / report["transactions"], 1)
        self.windows.append({
            "consumers": self.count, "run_id": run_id, "rate_tps": round(rate),
            "achieved_tps": report["achieved_tps"], "bounded": held,
            "produced": report["transactions"], "cpu_us_per_payment": spent,
            "load_1m": [round(load, 2), round(os.getloadavg()[0], 2)],
        })  # fmt: skip
        return held


def summed(figures: dict[str, float]) -> dict[str, float]:
    """Per-process figures with the consumers' (``consumer-c1``, ...) added into one."""
    result: dict[str, float] = {}
    for name, value in figures.items():
        key = CONSUMER if name.startswith(f"{CONSUMER}-") else name
        result[key] = round(result.get(key, 0.0) + value, 1)
    return result


def scored_ids(settings: KafkaSettings, topic: str, expected: int) -> dict[str, list[str]]:
    """Every transaction id on the scored topic (read_committed), by run id."""
    by_run: dict[str, list[str]] = defaultdict(list)
    for message in drain_topic(settings, topic, expected=expected, timeout_s=300):
        transaction_id = orjson.loads(message.value() or b"{}")["transaction"]["transaction_id"]
        by_run[transaction_id.split("-")[1]].append(transaction_id)
    return by_run


def check_runs(produced: dict[str, int], scored: dict[str, list[str]]) -> dict[str, dict[str, int]]:
    """Per run: produced, scored (distinct ids), missing and unexpected ids, records repeated.
    The load generator numbers a run's payments tx-<run>-0000000000 onwards."""
    checked = {}
    for run, count in produced.items():
        ids = scored.get(run, [])
        distinct = set(ids)
        wanted = {f"tx-{run}-{n:010d}" for n in range(count)}
        checked[run] = {"produced": count, "scored": len(distinct),
                        "missing": len(wanted - distinct), "unexpected": len(distinct - wanted),
                        "repeated": len(ids) - len(distinct)}  # fmt: skip
    return checked


def at_count(bench: ScaleBench, count: int, plan: SectionPlan) -> dict[str, Any]:
    """One consumer count: its drain rate, then the sustainable search (full) or one paced
    window at QUICK_SHARE of the drain rate (quick); the CPU of the highest bounded window."""
    log.info("scale: %s, %d consumer(s)", bench.mode, count)
    bench.scale_to(count)
    drain = round(bench.capacity(plan.backlog), 1)
    log.info("scale: %s, %d consumer(s) drain %.0f tx/s", bench.mode, count, drain)
    result: dict[str, Any] = {"drain_tps": drain, "max_tps": drain, "max_tps_verified": None,
                              "attempts": []}  # fmt: skip
    if plan.verify:
        sustainable, attempts = bench.sustainable(drain, plan.seconds)
        result.update(max_tps=sustainable, max_tps_verified=sustainable > 0, attempts=attempts)
    else:
        bench.bounded(drain * QUICK_SHARE, plan.seconds, f"q{count}{uuid.uuid4().hex[:6]}")
    windows = [w for w in bench.windows if w["consumers"] == count]
    held = [w for w in windows if w["bounded"]] or windows
    measured = max(held, key=lambda w: w["rate_tps"])
    result.update(windows=windows, cpu_us_per_payment=measured["cpu_us_per_payment"],
                  cpu_at_tps=measured["rate_tps"], load_1m=measured["load_1m"])  # fmt: skip
    return result


def bench_mode_scale(
    bench: ScaleBench, settings: KafkaSettings, counts: tuple[int, ...], plan: SectionPlan
) -> dict[str, Any]:
    """One mode's counts on ``bench`` (stopped after), and every run it made checked."""
    try:
        bench.start()
        # Ascending: a consumer stopped for good would hold its partitions for the session.
        by_count = {str(count): at_count(bench, count, plan) for count in sorted(counts)}
        scored = scored_ids(settings, bench.pipeline.topics.topic_scored, bench.expected)
    finally:
        bench.stop()
    produced = {run: int(report["transactions"]) for run, report in bench.reports.items()}
    runs = check_runs(produced, scored)
    for figures in by_count.values():
        for window in figures["windows"]:
            window.update(
                {k: runs[window["run_id"]][k] for k in ("scored", "missing", "unexpected")}
            )
    return {"consumers": by_count, "runs": runs}


def bench_scale(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    plan: SectionPlan,
    *,
    counts: dict[str, tuple[int, ...]] | None = None,
) -> dict[str, Any]:
    """The section's figures (bench.json's ``scale``): per mode and consumer count, the drain
    and sustainable rate, the paced windows, CPU per payment per process; every run checked."""
    load_before = load_average()
    counts = counts or (COUNTS if plan.verify else {"embedded": COUNTS["embedded"]})
    infrastructure = listeners.infrastructure(settings.kafka_bootstrap_servers, redis_url)
    modes = {}
    for mode, n in counts.items():
        bench = ScaleBench(settings, redis_url, model_dir, workdir / f"scale-{mode}", mode,
                           infrastructure=infrastructure)  # fmt: skip
        modes[mode] = bench_mode_scale(bench, settings, n, plan)
    return {
        "quick": plan.quick,
        **measured_on(load_before),
        "cpu": machine()["cpu"],
        "partitions": PARTITIONS,
        "seconds": plan.seconds,
        "backlog": plan.backlog,
        "modes": modes,
        "nothing_lost": all(
            r["missing"] == r["unexpected"] == 0 and r["produced"] > 0
            for mode in modes.values()
            for r in mode["runs"].values()
        ),
    }
