"""The input consumer's fetch batching: the embedded pipeline's consumer restarted with the
broker answering its fetches at once (the default) and held until some bytes are there or a few
milliseconds are over, alternated round after round at 1,000 tx/s. Per variant: latency, the
CPU each process spent per payment (median of its rounds) and the drain rate. What it decides:
whether a wait buys back enough of the fixed cost per batch to be worth its latency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fraud_bench import listeners
from fraud_bench.cpu import cpu_medians
from fraud_bench.pipeline_runs import ModeBench
from fraud_bench.stats import load_average, measured_on
from fraud_bench.variants import RATE, SectionPlan, compare_restarts, nothing_lost, paired
from fraudcore.settings import KafkaSettings

DEFAULT = "at-once"
# variant -> (fetch.min.bytes, fetch.wait.max.ms); the first is the consumer's default.
VARIANTS = {
    DEFAULT: (1, 500),
    "1KiB-2ms": (1_024, 2),
    "2KiB-3ms": (2_048, 3),
    "8KiB-5ms": (8_192, 5),
}
# Latency and CPU only: a sustainable-rate search per variant would triple the section, and
# under a backlog every fetch is full whatever its minimum.
FULL = SectionPlan(seconds=10.0, rounds=6, backlog=20_000, verify=False)


def env(min_bytes: int, wait_ms: int) -> dict[str, str]:
    return {"CONSUMER_FETCH_MIN_BYTES": str(min_bytes), "CONSUMER_FETCH_WAIT_MAX_MS": str(wait_ms)}


def bench_fetch_batching(
    settings: KafkaSettings,
    redis_url: str,
    model_dir: Path,
    workdir: Path,
    plan: SectionPlan,
) -> dict[str, Any]:
    """The section's figures (bench.json's ``fetch_batching``)."""
    quick, plan = plan.quick, plan if plan.quick else FULL
    load_before = load_average()
    infrastructure = listeners.infrastructure(settings.kafka_bootstrap_servers, redis_url)
    bench = ModeBench(settings, redis_url, model_dir, workdir / "fetch-batching", "embedded",
                      infrastructure=infrastructure)  # fmt: skip
    try:
        bench.start()
        variants = compare_restarts(
            bench, {name: env(*fetch) for name, fetch in VARIANTS.items()}, plan
        )
    finally:
        bench.stop()
    base = variants[DEFAULT]
    for name, figures in variants.items():
        figures["fetch"] = {"min_bytes": VARIANTS[name][0], "wait_max_ms": VARIANTS[name][1]}
        medians = cpu_medians(figures["rounds"])
        figures["cpu_us_per_payment"] = {name: round(us, 1) for name, us in medians.items()}
        if name != DEFAULT:
            figures["p50_added"] = paired(base, figures, "p50_ms")
            figures["p99_added"] = paired(base, figures)
    return {
        "quick": quick,
        **measured_on(load_before),
        "rate_tps": RATE,
        "rounds": plan.rounds,
        "seconds": plan.seconds,
        "variants": variants,
        "nothing_lost": nothing_lost(variants),
    }
