"""Failures mid-stream: the pipeline stalls, recovers and catches up, losing nothing and
counting nothing twice."""

import random
import threading
import time
from pathlib import Path

import pytest
from confluent_kafka import Producer

from fraudcore.devstack import RedisServer
from fraudcore.devstack.services import wait_for
from fraudcore.kafka_client import producer_config
from fraudcore.schemas import ScoredTransaction, Transaction

pytestmark = pytest.mark.integration


def stream_in_background(
    pipeline, count: int, rate: float, **plan
) -> tuple[threading.Thread, list]:
    reports: list = []
    thread = threading.Thread(target=lambda: reports.append(pipeline.stream(count, rate, **plan)))
    thread.start()
    return thread, reports


def assert_exactly_once(pipeline, topic_reader, count: int) -> None:
    pipeline.wait_scored(count, timeout_s=120)
    time.sleep(1)  # anything still in flight would show up as over-counting now
    assert pipeline.stats()["transactions"] == count
    keys = sum(1 for _ in pipeline.redis().scan_iter(f"{pipeline.prefix}tx:*", count=5_000))
    assert keys == count
    ids = {ScoredTransaction.from_json(m.value()).transaction.transaction_id
           for m in topic_reader(pipeline.topics.topic_scored, idle_s=5)}  # fmt: skip
    assert len(ids) == count  # every transaction reached the output topic at least once


def test_consumer_killed_three_times_loses_and_double_counts_nothing(
    pipeline_factory, topic_reader
) -> None:
    pipeline = pipeline_factory()
    consumer = pipeline.start_consumer("embedded")
    rng = random.Random(20_000)
    thread, _ = stream_in_background(pipeline, 20_000, rate=2_000, send_labels=False)
    for kill in range(3):
        time.sleep(rng.uniform(1.5, 3.0))
        consumer.kill()  # SIGKILL: no flush, no commit, maybe mid-write
        consumer = pipeline.start_consumer("embedded", name=f"consumer-restart-{kill}")
    thread.join()
    assert_exactly_once(pipeline, topic_reader, 20_000)


def test_scorer_down_for_ten_seconds_stalls_then_catches_up(pipeline_factory, topic_reader) -> None:
    pipeline = pipeline_factory()
    scorer = pipeline.start_scorer()
    consumer = pipeline.start_consumer("remote")
    thread, _ = stream_in_background(pipeline, 10_000, rate=1_000, send_labels=False)
    time.sleep(3)
    scorer.stop()
    stalled_at = pipeline.scored()
    time.sleep(10)
    assert pipeline.scored() - stalled_at < 600  # at most the batches already scored
    scorer = pipeline.start_scorer()
    thread.join()
    assert_exactly_once(pipeline, topic_reader, 10_000)
    assert "paused" in consumer.log()


def test_redis_restart_stalls_then_catches_up(
    pipeline_factory, topic_reader, tmp_path: Path
) -> None:
    server = RedisServer(tmp_path / "redis").start()
    try:
        pipeline = pipeline_factory(redis_url_override=server.url)
        consumer = pipeline.start_consumer("embedded")
        thread, _ = stream_in_background(pipeline, 10_000, rate=1_000, send_labels=False)
        time.sleep(3)
        server.stop()  # SHUTDOWN flushes the append-only file: state survives the restart
        time.sleep(4)
        server.start()
        thread.join()
        assert_exactly_once(pipeline, topic_reader, 10_000)
        assert "paused" in consumer.log()
    finally:
        server.stop()


def test_a_transaction_sent_twice_is_counted_once(pipeline_factory, kafka_settings) -> None:
    pipeline = pipeline_factory()
    pipeline.start_consumer("embedded")
    example = Transaction.model_validate(Transaction.model_json_schema()["examples"][0])
    producer = Producer(producer_config(kafka_settings))
    for _ in range(3):
        producer.produce(
            pipeline.topics.topic_transactions, example.to_json(), example.card_id.encode()
        )
    producer.flush(10)
    wait_for(lambda: pipeline.scored() >= 1, 30, "the transaction scored")
    time.sleep(3)
    assert pipeline.stats()["transactions"] == 1
