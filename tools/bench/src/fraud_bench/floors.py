"""The floors every pipeline figure is compared with, measured with the pipeline's own client
settings: a bare Kafka produce->consume round trip, a pipelined Redis round trip, one ONNX
inference (1 and 256 rows), one native XGBoost prediction, and event encoding."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import redis
from confluent_kafka import Consumer, Producer

from fraud_bench import cpu
from fraud_bench.stats import percentile, summary_ms, time_calls_us
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import replay
from fraudcore.kafka_client import consumer_config, ensure_topics, producer_config
from fraudcore.model import ModelBundle
from fraudcore.schemas import Transaction
from fraudcore.settings import KafkaSettings

JIT_THREADS = "CompilerThre"  # the JVM's C1 and C2 compiler threads (thread names cut at 15)
JIT_QUIET = 0.05  # of one core, over a warm-up window: the compiler has little left to do
WARM_WINDOW_S = 5.0
WARM_MAX_S = 150.0


def compiler_cpu_s(pid: int, proc: Path = cpu.PROC) -> float:
    """CPU seconds the JVM's JIT compiler threads of process ``pid`` have spent."""
    total = 0.0
    for task in cpu.threads(pid, proc):
        try:
            if JIT_THREADS in (task / "comm").read_text():
                total += cpu.parse_stat((task / "stat").read_text()).own_s
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended while we looked
    return total


def until_compiler_quiet(
    pid: int | None,
    window: Callable[[], object],
    *,
    min_s: float = 0.0,
    max_s: float = WARM_MAX_S,
    in_a_row: int = 1,
) -> dict[str, Any]:
    """``window()`` again and again, thrown away: for at least ``min_s`` and, given a JVM's pid,
    until its JIT compiler spent under JIT_QUIET of a core over ``in_a_row`` windows in a row
    (at most ``max_s``); how long, the compiler's share of a core per window, and whether it
    got quiet."""
    began = time.monotonic()
    shares: list[float] = []
    quiet = pid is None
    while True:
        compiled, at = (compiler_cpu_s(pid) if pid is not None else 0.0), time.monotonic()
        window()
        if pid is not None:
            shares.append((compiler_cpu_s(pid) - compiled) / (time.monotonic() - at))
            quiet = len(shares) >= in_a_row and max(shares[-in_a_row:]) < JIT_QUIET
        elapsed = time.monotonic() - began
        if (elapsed >= min_s and quiet) or elapsed >= max_s:
            rounded = [round(share, 3) for share in shares]
            return {"seconds": round(elapsed, 1), "jit_core_share": rounded, "jit_quiet": quiet}


def warm_broker(
    settings: KafkaSettings,
    broker_pid: int | None = None,
    seconds: float = 15.0,
    *,
    max_s: float = WARM_MAX_S,
) -> dict[str, Any]:
    """Traffic at 3,000 tx/s, thrown away, in windows: for at least ``seconds`` and, given the
    broker's pid, until its JIT compiler spent under JIT_QUIET of a core over a window (at
    most ``max_s``). A broker seconds old interprets its produce and fetch paths and then
    compiles them for half a minute or more at up to half a core: a floor measured meanwhile
    is slower than the warm broker the pipeline runs meet later, and shares the cores with it."""
    return until_compiler_quiet(
        broker_pid, lambda: kafka_latencies(settings, 3_000, WARM_WINDOW_S),
        min_s=seconds, max_s=max_s,
    )  # fmt: skip


def warm_for_run(settings: KafkaSettings, broker_pid: int | None, quick: bool) -> dict[str, Any]:
    """A run's warm-up: quick, one short window (the compiler left busy); full, until it is
    quiet."""
    if quick:
        return warm_broker(settings, broker_pid, 2.0, max_s=2.0)
    return warm_broker(settings, broker_pid)


def kafka_rtt(settings: KafkaSettings, rate: float, seconds: float) -> dict[str, float]:
    """Small messages at ``rate`` for ``seconds``; ms from produce() to the consumer's poll."""
    latencies = kafka_latencies(settings, rate, seconds)
    return {**summary_ms(latencies), "messages": len(latencies), "rate_tps": rate}


def kafka_latencies(settings: KafkaSettings, rate: float, seconds: float) -> list[float]:
    """Each message's ms from produce() to the consumer's poll, at ``rate`` for ``seconds``
    (a fresh topic and group, warmed up first)."""
    topic = f"bench-floor-{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, [topic], partitions=3)
    consumer = Consumer(consumer_config(settings, f"floor-{uuid.uuid4().hex[:8]}"))
    consumer.subscribe([topic])
    producer = Producer(producer_config(settings))
    # Steady state, as in the pipeline runs (which warm up first): joined, fetching, connected.
    warm: set[int] = set()
    warm_until = time.monotonic() + 30
    while len(warm) < 3 and time.monotonic() < warm_until:
        for partition in range(3):
            producer.produce(topic, b"warm-up", partition=partition)
        producer.flush(5)
        while (message := consumer.poll(0.2)) is not None:
            warm.add(message.partition() or 0)
    total = int(rate * seconds)
    latencies: list[float] = []

    def consume() -> None:
        while len(latencies) < total:
            message = consumer.poll(0.5)
            if message is not None and not message.error():
                latencies.append((time.time_ns() - int(message.value() or b"0")) / 1e6)

    reader = threading.Thread(target=consume, daemon=True)
    reader.start()
    began = time.monotonic()
    for sent in range(total):
        pause = began + sent / rate - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        producer.produce(topic, str(time.time_ns()).encode(), str(sent).encode())
        producer.poll(0)
    producer.flush(30)
    reader.join(timeout=60)
    consumer.close()
    return latencies


def redis_rtt(url: str, repeat: int = 3_000) -> dict[str, float]:
    """One pipelined round trip of the consumer's read shape: a GET and an HGETALL."""
    client = redis.Redis.from_url(url)
    client.set("bench:card", b"x" * 300)
    client.hset("bench:merchant", mapping={f"h{i}": i for i in range(40)})

    def round_trip() -> None:
        pipe = client.pipeline(transaction=False)
        pipe.get("bench:card")
        pipe.hgetall("bench:merchant")
        pipe.execute()

    samples = [us / 1000 for us in time_calls_us(round_trip, repeat)]
    return summary_ms(samples)


def model_floors(model_dir: Path, repeat: int = 2_000) -> dict[str, Any]:
    model = ModelBundle.load(model_dir)
    rows = replay(generate(DatasetSpec(days=2, customers=500, seed=5))).astype(np.float32)
    one, batch = rows[:1], rows[:256]
    single = time_calls_us(lambda: model.predict(one), repeat)
    many = time_calls_us(lambda: model.predict(batch), max(50, repeat // 20))
    native = time_calls_us(lambda: model.predict_xgboost(one), max(200, repeat // 4))
    return {
        "onnx_single_us": round(percentile(single, 50), 2),
        "onnx_single_p99_us": round(percentile(single, 99), 2),
        "onnx_256_us": round(percentile(many, 50), 2),
        "onnx_256_per_row_us": round(percentile(many, 50) / 256, 3),
        "xgboost_single_us": round(percentile(native, 50), 2),
    }


def codec_floors(repeat: int = 20_000) -> dict[str, float]:
    tx = Transaction.model_validate(Transaction.model_json_schema()["examples"][0])
    raw = tx.to_json()
    return {
        "decode_us": round(
            percentile(time_calls_us(lambda: Transaction.from_json(raw), repeat), 50), 3
        ),
        "encode_us": round(percentile(time_calls_us(tx.to_json, repeat), 50), 3),
    }
