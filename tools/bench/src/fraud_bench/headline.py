"""The benchmark's headline: the floors, each scoring mode at 100, 1,000 and 5,000 tx/s with
its sustainable rate and CPU per payment, the scorer API alone, and the ratios to the floors.
``fraud-bench pipeline [--quick]`` measures it alone and writes it into the existing report
with its sections as they were (as ``fraud-bench sections`` does the other way round), so that
the headline can follow the code without the sections' hour."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from fraud_bench import floors, report, scorer_api
from fraud_bench.pipeline_runs import Plan, bench_mode
from fraud_bench.servers import servers
from fraud_devstack import KafkaBroker, RedisServer
from fraud_devstack.pipeline import LocalPipeline, private_topics
from fraudcore.settings import KafkaSettings

RATES = [100, 1_000, 5_000]
MODES = ["embedded", "remote", "naive"]
log = logging.getLogger("fraud-bench")


def measure(
    quick: bool, model_dir: Path, work: Path, broker: KafkaBroker, redis_server: RedisServer
) -> dict[str, Any]:
    """The headline's keys of bench.json, measured on this broker and Redis."""
    seconds, backlog = (2.5, 5_000) if quick else (20.0, 40_000)
    settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
    log.info("floors")
    pid = broker.process.pid if broker.process is not None else None
    warmup = floors.warm_for_run(settings, pid, quick)
    kafka = {str(rate): floors.kafka_rtt(settings, rate, min(seconds, 5.0)) for rate in RATES}
    result: dict[str, Any] = {
        "quick": quick,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": report.machine(),
        "floors": {
            "kafka_rtt_ms": {"p50": kafka["1000"]["p50_ms"], "p99": kafka["1000"]["p99_ms"]},
            "kafka_rtt_by_rate": kafka,
            "redis_rtt_ms": {"p50": floors.redis_rtt(redis_server.url)["p50_ms"]},
            "broker_warmup": warmup,
            **floors.model_floors(model_dir),
            **floors.codec_floors(),
        },
        "pipeline": {},
        "max_tps": {},
        "max_tps_verified": {},
        "drain_tps": {},
        "max_tps_attempts": {},
        "cpu_us_per_payment": {},
    }
    infrastructure = {
        name: server.process.pid
        for name, server in (("broker", broker), ("redis", redis_server))
        if server.process is not None
    }
    for mode in MODES:
        log.info("pipeline: %s", mode)
        plan = Plan(RATES, seconds, backlog // 10 if mode == "naive" else backlog, not quick)
        outcome = bench_mode(
            settings, redis_server.url, model_dir, work, mode=mode, plan=plan,
            infrastructure=infrastructure,
        )  # fmt: skip
        result["pipeline"][mode] = outcome.runs
        result["max_tps"][mode] = outcome.max_tps
        result["max_tps_verified"][mode] = outcome.max_tps_verified
        result["drain_tps"][mode] = outcome.drain_tps
        result["max_tps_attempts"][mode] = outcome.attempts
        result["cpu_us_per_payment"][mode] = outcome.cpu_us_per_payment
    log.info("scorer API")
    api = LocalPipeline(
        broker.bootstrap_servers, redis_server.url, private_topics(settings), work / "api",
        model_dir,
    )  # fmt: skip
    api.start_scorer()
    try:
        url = f"http://127.0.0.1:{api.scorer_port}"
        result["scorer_api"] = {
            "single": scorer_api.single_requests(url, 100 if quick else 1_000),
            "batch": scorer_api.batch_throughput(url, 4, 256, 2 if quick else 10),
        }
    finally:
        api.stop_all()
    result["ratios"] = ratios(result)
    return result


def ratios(result: dict[str, Any]) -> dict[str, float]:
    """Each mode's p50 over the Kafka floor's at the same rate; remote over naive capacity."""
    pipeline, floor = result["pipeline"], result["floors"]
    return {
        f"{mode} p50 / Kafka floor p50 at {rate} tx/s": pipeline[mode][str(rate)]["p50_ms"]
        / floor["kafka_rtt_by_rate"][str(rate)]["p50_ms"]
        for mode in MODES
        for rate in RATES
    } | {
        "remote max_tps / naive max_tps": result["max_tps"]["remote"]
        / max(result["max_tps"]["naive"], 1.0)
    }


def run(quick: bool, model_dir: Path, out: Path) -> dict[str, Any]:
    """The headline measured again, written into ``out``'s report; its sections kept."""
    existing = report.existing(out)
    with servers("fraud-bench-pipeline-") as (work, broker, redis_server):
        measured = measure(quick, model_dir, work, broker, redis_server)
    result = report.merged(existing, measured)
    report.write(result, out)
    return result
