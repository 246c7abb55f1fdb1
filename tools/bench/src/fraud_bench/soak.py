"""``fraud-bench soak``: the whole pipeline at a steady rate for a long time (10 min at 2,000
tx/s by default): nothing lost, every process's memory flat after warm-up, Redis bounded by its
stream caps and TTLs. Writes reports/soak.json and prints a summary."""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from fraud_devstack import KafkaBroker, RedisServer
from fraud_devstack.pipeline import LocalPipeline, private_topics
from fraudcore.redis_client import RedisClient
from fraudcore.settings import KafkaSettings

log = logging.getLogger("fraud-bench.soak")
SAMPLE_EVERY_S = 10.0


def watch(url: str, stop: threading.Event) -> None:
    """One live dashboard viewer for the whole soak, reading (and dropping) every event."""
    timeout = httpx.Timeout(10.0, read=None)  # an event stream may be quiet for a while
    with httpx.Client(timeout=timeout) as client, client.stream("GET", url) as response:
        for _ in response.iter_lines():
            if stop.is_set():
                return


def key_census(client: RedisClient) -> dict[str, int]:
    """Keys by kind (the first two ``:``-separated parts): what holds Redis's memory."""
    counts: Counter[str] = Counter()
    for key in client.scan_iter(count=10_000):
        counts[":".join(key.decode(errors="replace").split(":")[:2])] += 1
    return dict(counts.most_common())


def rss_mib(pid: int) -> float | None:
    """Resident memory, or None once the process has exited (a zombie has no VmRSS)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def soak(
    model_dir: Path, out: Path, rate: int, minutes: float, warmup_min: float
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="fraud-soak-") as tmp:
        work = Path(tmp)
        broker = KafkaBroker(work / "kafka", log_level="WARN").start()
        redis_server = RedisServer(work / "redis", maxmemory="2gb").start()
        settings = KafkaSettings(kafka_bootstrap_servers=broker.bootstrap_servers)
        pipeline = LocalPipeline(
            broker.bootstrap_servers, redis_server.url, private_topics(settings), work, model_dir
        )
        try:
            pipeline.start_scorer()
            pipeline.start_consumer("remote", RESULT_TTL_S=300)
            dashboard = pipeline.start_dashboard()
            watching = threading.Event()
            viewer = threading.Thread(target=watch, args=(f"{dashboard.url}/api/stream", watching))
            viewer.start()
            seconds = minutes * 60
            producer = pipeline.start_producer(
                "--rate", str(rate), "--duration", str(seconds), "--label-delay", "30"
            )
            pids = {p.name: p.process.pid for p in pipeline.processes if p.process is not None}
            pids |= {"kafka": broker.process.pid, "redis": redis_server.process.pid}  # type: ignore[union-attr]
            samples: list[dict[str, Any]] = []
            began = time.monotonic()
            while producer.running:
                time.sleep(SAMPLE_EVERY_S)
                sample = {
                    "t_s": round(time.monotonic() - began),
                    "scored": pipeline.scored(),
                    "redis_used_mib": round(
                        pipeline.redis().info("memory")["used_memory"] / 2**20, 1
                    ),
                    **{
                        f"rss_mib.{name}": round(rss, 1)
                        for name, pid in pids.items()
                        if (rss := rss_mib(pid)) is not None
                    },
                }
                samples.append(sample)
                log.info("%s", sample)
            report = json.loads(producer.log().strip().splitlines()[-1])
            pipeline.wait_scored(report["transactions"], timeout_s=300)
            scored = pipeline.scored()  # Redis stops with the rest below
            keys = key_census(pipeline.redis())
            watching.set()
            viewer.join(timeout=30)
        finally:
            pipeline.stop_all()
            broker.stop()
            redis_server.stop()
    after_warmup = [s for s in samples if s["t_s"] >= warmup_min * 60]
    first, last = after_warmup[0], after_warmup[-1]
    growth = {
        key.split(".", 1)[1]: round(last[key] / first[key] - 1, 4)
        for key in first
        if key.startswith("rss_mib.") and key in last and first[key]
    }
    result = {
        "rate_tps": rate,
        "minutes": minutes,
        "produced": report["transactions"],
        "scored": scored,
        "achieved_tps": report["achieved_tps"],
        "rss_growth_after_warmup": growth,
        "redis_used_mib_max": max(s["redis_used_mib"] for s in samples),
        "redis_used_mib_last": samples[-1]["redis_used_mib"],
        "redis_keys_by_kind": keys,
        "samples": samples,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "soak.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
