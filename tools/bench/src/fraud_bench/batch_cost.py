"""``fraud-bench batch-cost``: the consumer's CPU per batch at small and large batch sizes, in
this process, through the production ``TransactionPipeline`` (embedded model, real Redis with the
real scripts, no decision log) and the processor's per-batch steps that need no broker (decode,
the Kafka outputs' list, the latency histogram's count), with a per-stage breakdown.

The world's payments go in event-time order after a warm-up that fills card and merchant state,
so features read real histories; the garbage collector is then tuned as the consumer's ``main``
does. Between two batches a buffer larger than a core's L2 cache is
read, as the broker, Redis and the producer evict the consumer's caches between its polls at
1,000 tx/s (``--evict-mb 0``: back to back, caches warm). CPU is the process's own
(``time.process_time_ns``), so other processes only ever add to it through shared caches and
frequency; of several repeats the cheapest is kept, and its stages are reported.
"""

from __future__ import annotations

import contextlib
import gc
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from confluent_kafka import Message
from prometheus_client import CollectorRegistry

import fraud_consumer.pipeline as pipeline_module
from fraud_bench.stats import load_average
from fraud_consumer.decoding import Decoded, decode_transaction
from fraud_consumer.latency_histogram import LatencyHistogram
from fraud_consumer.main import tune_gc
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.outgoing import outgoing
from fraud_consumer.pipeline import TransactionPipeline
from fraud_consumer.scorer_choice import make_scorer
from fraud_consumer.settings import ConsumerSettings
from fraud_devstack import RedisServer
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.features import features_and_update
from fraudcore.kafka_client import PRODUCED_AT_HEADER
from fraudcore.redis_client import connect as connect_redis
from fraudcore.schemas import Transaction

SIZES = (1, 4, 16, 64)
PAYMENTS = 600  # per size and repeat (at least MIN_BATCHES batches)
MIN_BATCHES = 30
WARM_PAYMENTS = 3_000  # state filled before measuring, in batches of 64
EVICT_MB = 4  # twice a core's L2 here: what a poll's wait does to the consumer's caches
# The pipeline's parts timed by wrapping them on the instance (attribute path -> stage).
PIPELINE_STAGES = {
    "sink.load": "redis_load",
    "rules.decide": "rules",
    "scorer.score": "model",
    "sink.write": "redis_write",
    "_observe": "metrics",
    "drift.observe": "drift",
}
FEATURES = "features"  # the feature code itself, per payment (fraud_consumer.pipeline's import)
PROCESSOR_STAGES = ("decode", "outgoing", "latency_count")


class Stopwatch:
    """CPU nanoseconds per stage, summed over the calls made since ``reset``; nested stages
    are charged to the innermost one only."""

    def __init__(self) -> None:
        self.spent: dict[str, int] = defaultdict(int)
        self._open: list[tuple[str, int, int]] = []  # (stage, began, nested CPU so far)

    def reset(self) -> None:
        self.spent.clear()

    def start(self, stage: str) -> None:
        self._open.append((stage, time.process_time_ns(), 0))

    def stop(self) -> None:
        stage, began, nested = self._open.pop()
        spent = time.process_time_ns() - began
        self.spent[stage] += spent - nested
        if self._open:
            outer, outer_began, outer_nested = self._open[-1]
            self._open[-1] = (outer, outer_began, outer_nested + spent)

    @contextlib.contextmanager
    def stage(self, stage: str) -> Iterator[None]:
        self.start(stage)
        try:
            yield
        finally:
            self.stop()

    def wrap(self, stage: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self.start(stage)
            try:
                return call(*args, **kwargs)
            finally:
                self.stop()

        return timed


def instrument(pipeline: TransactionPipeline, watch: Stopwatch) -> Callable[[], None]:
    """Wrap the pipeline's parts (on this instance) and the feature code; returns the undo."""
    undo: list[Callable[[], None]] = []
    for path, stage in PIPELINE_STAGES.items():
        *parents, name = path.split(".")
        owner: Any = pipeline
        for parent in parents:
            owner = getattr(owner, parent)
        setattr(owner, name, watch.wrap(stage, getattr(owner, name)))
        undo.append(partial(delattr, owner, name))  # the class's method shows through again
    original = features_and_update
    setattr(pipeline_module, "features_and_update", watch.wrap(FEATURES, original))  # noqa: B010
    undo.append(partial(setattr, pipeline_module, "features_and_update", original))

    def restore() -> None:
        for step in undo:
            step()

    return restore


def world_messages(days: int, customers: int, topic: str) -> list[Message]:
    """The simulated world's payments as Kafka messages of one partition, in event-time order."""
    table = generate(DatasetSpec(days=days, customers=customers, seed=7))
    rows = table[list(Transaction.model_fields)].astype(object).where(table.notna(), None)
    messages = []
    for offset, row in enumerate(rows.to_dict("records")):
        tx = Transaction.model_validate(row)
        message = Message(
            topic=topic, partition=0, offset=offset, key=tx.card_id.encode(), value=tx.to_json()
        )
        messages.append(_stamped(message))
    return messages


def _stamped(message: Message) -> Message:
    """The message as just produced (its end-to-end latency then reads as the batch's own)."""
    message.set_headers([(PRODUCED_AT_HEADER, str(time.time_ns()).encode())])
    return message


class Evictor:
    """Reads a buffer larger than the caches the consumer's working set lives in."""

    def __init__(self, megabytes: float) -> None:
        self.buffer = np.ones(int(megabytes * 2**20) // 8) if megabytes > 0 else None

    def __call__(self) -> None:
        if self.buffer is not None:
            self.buffer.sum()


class Consumer:
    """The consumer's batch work in this process: a pipeline on a Redis under its own prefix."""

    def __init__(self, settings: ConsumerSettings, watch: Stopwatch) -> None:
        self.settings, self.watch = settings, watch
        self.client = connect_redis(settings)
        self.scorer = make_scorer(settings)
        self.pipeline = TransactionPipeline(
            settings, self.client, self.scorer, ConsumerMetrics(CollectorRegistry())
        )
        self.latencies = LatencyHistogram(self.client, self.pipeline.keys)
        self.restore = instrument(self.pipeline, watch)

    def batch(self, messages: list[Message]) -> None:
        """One batch as the processor handles it, without the broker's side."""
        watch = self.watch
        polled_ns = time.time_ns()
        with watch.stage("decode"):
            decoded = [decode_transaction(message) for message in messages]
        txs = [item for item in decoded if isinstance(item, Decoded)]
        result = self.pipeline.process(txs, polled_ns, 0.0)
        with watch.stage("outgoing"):
            outgoing(self.settings, messages, result, [])
        with watch.stage("latency_count"):
            self.latencies.count(result.latencies_ms)

    def close(self) -> None:
        self.restore()
        self.pipeline.close()
        self.scorer.close()
        self.client.close()


def _run(consumer: Consumer, messages: list[Message], size: int, evict: Evictor) -> dict[str, Any]:
    """CPU and wall time per batch over these messages in batches of ``size``, by stage."""
    watch, total_ns, wall_ns, count = consumer.watch, 0, 0, 0
    stages: dict[str, int] = defaultdict(int)
    for start in range(0, len(messages) - size + 1, size):
        batch = [_stamped(m) for m in messages[start : start + size]]
        evict()
        watch.reset()
        wall, cpu = time.perf_counter_ns(), time.process_time_ns()
        consumer.batch(batch)
        total_ns += time.process_time_ns() - cpu
        wall_ns += time.perf_counter_ns() - wall
        count += 1
        for stage, spent in watch.spent.items():
            stages[stage] += spent
    by_stage = {stage: spent / count / 1e3 for stage, spent in sorted(stages.items())}
    by_stage["other"] = (total_ns - sum(stages.values())) / count / 1e3
    return {
        "cpu_us_per_batch": total_ns / count / 1e3,
        "wall_us_per_batch": wall_ns / count / 1e3,
        "batches": count,
        "stages_cpu_us": by_stage,
    }


def measure(
    model_dir: Path,
    *,
    sizes: tuple[int, ...] = SIZES,
    repeats: int = 5,
    payments: int = PAYMENTS,
    evict_mb: float = EVICT_MB,
    warm: int = WARM_PAYMENTS,
) -> dict[str, Any]:
    per_repeat = sum(max(payments, size * MIN_BATCHES) for size in sizes)
    days = 1 + (warm + repeats * per_repeat) // 4_000  # about 4,800 payments a day
    before, thresholds = load_average(), gc.get_threshold()
    with tempfile.TemporaryDirectory(prefix="fraud-batch-cost-") as tmp:
        redis_server = RedisServer(Path(tmp) / "redis").start()
        watch = Stopwatch()
        try:
            settings = ConsumerSettings(
                kafka_bootstrap_servers="127.0.0.1:9",  # never contacted: no Kafka client is made
                model_dir=model_dir, scoring_mode="embedded", redis_url=redis_server.url,
                database_url=None, model_store_dir=None,
            )  # fmt: skip
            messages = world_messages(days, 2_000, settings.topic_transactions)
            consumer = Consumer(settings, watch)
            try:
                evict = Evictor(evict_mb)
                _run(consumer, messages[:warm], 64, Evictor(0))
                tune_gc()  # as the consumer's main does once started
                best: dict[int, dict[str, Any]] = {}
                at = warm
                for _ in range(repeats):
                    for size in sizes:
                        take = max(payments, size * MIN_BATCHES)
                        figures = _run(consumer, messages[at : at + take], size, evict)
                        at += take
                        cheapest = best.get(size, figures)["cpu_us_per_batch"]
                        if size not in best or figures["cpu_us_per_batch"] < cheapest:
                            best[size] = figures
            finally:
                gc.unfreeze()
                gc.set_threshold(*thresholds)
                consumer.close()
        finally:
            redis_server.stop()
    return {
        "repeats": repeats,
        "evict_mb": evict_mb,
        "warm_payments": warm,
        "sizes": {
            str(size): {
                **figures,
                "cpu_us_per_payment": figures["cpu_us_per_batch"] / size,
            }
            for size, figures in best.items()
        },
        "load_before": before,
        "load_after": load_average(),
    }


def table(result: dict[str, Any]) -> str:
    sizes = result["sizes"]
    stages = sorted({stage for figures in sizes.values() for stage in figures["stages_cpu_us"]})
    header = ["batch size", "CPU us/batch", "CPU us/payment", "wall us/batch", *stages]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for size, figures in sizes.items():
        cells = [size, f"{figures['cpu_us_per_batch']:.0f}", f"{figures['cpu_us_per_payment']:.0f}",
                 f"{figures['wall_us_per_batch']:.0f}"]  # fmt: skip
        cells += [f"{figures['stages_cpu_us'].get(stage, 0.0):.0f}" for stage in stages]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(
        f"\nThe cheapest of {result['repeats']} repeats per size (CPU of this process; stages in "
        f"CPU us per batch), {result['evict_mb']} MB read between batches; load average "
        f"{result['load_before']} before, {result['load_after']} after."
    )
    return "\n".join(lines)
