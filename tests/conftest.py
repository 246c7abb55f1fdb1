"""Session-wide real infrastructure and per-test factories.

A real Kafka broker and a real Redis server start once per test session on free loopback ports
(or, when KAFKA_BOOTSTRAP_SERVERS / REDIS_URL are set, the ones those point at are used). Each
test gets fresh topic names and consumer groups from factory fixtures, so tests never see each
other's messages.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnxmltools
import pytest
import redis
import xgboost as xgb
from confluent_kafka import Consumer, Message
from confluent_kafka.admin import AdminClient
from onnxmltools.convert.common.data_types import FloatTensorType

from fraud_producer.dataset import DatasetSpec, generate
from fraud_producer.settings import ProducerSettings
from fraud_producer.stream import StreamPlan, StreamReport, TransactionStream
from fraudcore.devstack import KafkaBroker, RedisServer, free_port
from fraudcore.devstack.services import ServiceProcess, wait_for
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.kafka_client import client_config, consumer_config, ensure_topics
from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE, ModelCard, Thresholds
from fraudcore.settings import KafkaSettings, RedisSettings, TopicSettings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"), log_level="WARN").start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def kafka_settings(kafka_bootstrap: str) -> KafkaSettings:
    return KafkaSettings(kafka_bootstrap_servers=kafka_bootstrap)


@pytest.fixture
def redis_settings(redis_url: str) -> RedisSettings:
    # A fresh key prefix per test isolates tests sharing one Redis.
    return RedisSettings(redis_url=redis_url, redis_key_prefix=f"test-{uuid.uuid4().hex[:8]}:")


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


TopicFactory = Callable[..., TopicSettings]


@pytest.fixture
def topic_factory(kafka_settings: KafkaSettings) -> Iterator[TopicFactory]:
    """Makes a full set of uniquely named contract topics; deletes them after the test."""
    created: list[str] = []

    def make(partitions: int = 3) -> TopicSettings:
        suffix = uuid.uuid4().hex[:10]
        topics = TopicSettings(
            topic_transactions=f"transactions-{suffix}",
            topic_labels=f"transaction-labels-{suffix}",
            topic_scored=f"transactions-scored-{suffix}",
            topic_alerts=f"fraud-alerts-{suffix}",
            topic_dlq=f"transactions-dlq-{suffix}",
        )
        ensure_topics(kafka_settings, topics.all_topics(), partitions=partitions)
        created.extend(topics.all_topics())
        return topics

    yield make
    if created:
        AdminClient(client_config(kafka_settings)).delete_topics(created, operation_timeout=10)


@pytest.fixture
def group_id() -> str:
    return f"test-group-{uuid.uuid4().hex[:10]}"


def read_topic(
    settings: KafkaSettings,
    topic: str,
    *,
    expected: int | None = None,
    timeout_s: float = 60.0,
    idle_s: float = 3.0,
) -> list[Message]:
    """Every message on ``topic`` from the beginning: stops at ``expected`` messages, or after
    ``idle_s`` without a new one, or at ``timeout_s``."""
    consumer = Consumer(
        consumer_config(
            settings, f"reader-{uuid.uuid4().hex[:10]}", **{"enable.partition.eof": False}
        )
    )
    consumer.subscribe([topic])
    messages: list[Message] = []
    deadline = time.monotonic() + timeout_s
    last_seen = time.monotonic()
    try:
        while time.monotonic() < deadline:
            if expected is not None and len(messages) >= expected:
                break
            if expected is None and messages and time.monotonic() - last_seen > idle_s:
                break
            for message in consumer.consume(1000, timeout=0.2):
                if message.error():
                    raise RuntimeError(message.error())
                messages.append(message)
                last_seen = time.monotonic()
    finally:
        consumer.close()
    return messages


@pytest.fixture
def topic_reader(kafka_settings: KafkaSettings) -> Callable[..., list[Message]]:
    return lambda topic, **kwargs: read_topic(kafka_settings, topic, **kwargs)


def build_model_dir(
    directory: Path,
    *,
    version: str = "test-model-1",
    feature_names: tuple[str, ...] | None = None,
    seed: int = 0,
    trees: int = 40,
) -> Path:
    """A small but real model: XGBoost trained on replayed features of a simulated week,
    exported to ONNX with onnxmltools, with a model card in the serving schema."""
    table = generate(DatasetSpec(days=6, customers=2_000, seed=seed))
    rows = replay(table).astype(np.float32)
    params = {
        "max_depth": 4,
        "eta": 0.3,
        "objective": "binary:logistic",
        "nthread": 1,
        "seed": seed,
    }
    booster = xgb.train(
        params, xgb.DMatrix(rows, table["is_fraud"].to_numpy(), missing=np.nan), trees
    )
    directory.mkdir(parents=True, exist_ok=True)
    onnx_model = onnxmltools.convert_xgboost(
        booster,
        initial_types=[("features", FloatTensorType([None, rows.shape[1]]))],
        target_opset=15,
    )
    (directory / ONNX_FILE).write_bytes(onnx_model.SerializeToString())
    booster.save_model(str(directory / XGBOOST_FILE))
    card = ModelCard(
        model_version=version,
        created_at=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        feature_names=list(feature_names or FEATURE_NAMES),
        thresholds=Thresholds(review=0.2, block=0.8),
    )
    (directory / CARD_FILE).write_text(card.model_dump_json(indent=2))
    return directory


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_dir(tmp_path_factory.mktemp("model"))


@dataclass
class Pipeline:
    """A private pipeline on the shared broker and Redis: its own topics, key prefix, consumer
    group, and real scorer/consumer processes started on demand."""

    kafka: str
    redis_url: str
    topics: TopicSettings
    prefix: str
    group: str
    workdir: Path
    model_dir: Path
    processes: list[ServiceProcess] = field(default_factory=list)
    scorer_port: int = field(default_factory=free_port)

    def env(self, **extra: object) -> dict[str, str]:
        values = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.prefix,
            "CONSUMER_GROUP_ID": self.group,
            "SCORER_URL": f"http://127.0.0.1:{self.scorer_port}",
            "MODEL_DIR": str(self.model_dir),
            "LOG_LEVEL": "INFO",
            **{name.upper(): value for name, value in self.topics.model_dump().items()},
            **extra,
        }
        return {key: str(value) for key, value in values.items()}

    def start_scorer(self, **extra: object) -> ServiceProcess:
        env = self.env(
            SCORER_HOST="127.0.0.1", SCORER_PORT=self.scorer_port, MODEL_WATCH="false", **extra
        )
        health = f"http://127.0.0.1:{self.scorer_port}/readyz"
        scorer = ServiceProcess("scorer", "fraud_scorer.main", env, self.workdir, health_url=health)
        self.processes.append(scorer)
        return scorer.start()

    def start_consumer(
        self, mode: str = "remote", name: str = "consumer", instance: str = "c1", **extra: object
    ) -> ServiceProcess:
        """A consumer process; restarting one with the same ``instance`` takes its place in the
        group at once (static membership), as a restarted pod does."""
        port = free_port()
        env = self.env(
            SCORING_MODE=mode,
            METRICS_PORT=port,
            METRICS_HOST="127.0.0.1",
            CONSUMER_INSTANCE_ID=f"{self.group}-{instance}",
            **extra,
        )
        health = f"http://127.0.0.1:{port}/healthz"
        consumer = ServiceProcess(name, "fraud_consumer.main", env, self.workdir, health_url=health)
        consumer.metrics_port = port  # type: ignore[attr-defined]
        self.processes.append(consumer)
        return consumer.start()

    def start_dashboard(self, **extra: object) -> ServiceProcess:
        port = free_port()
        env = self.env(DASHBOARD_HOST="127.0.0.1", DASHBOARD_PORT=port, **extra)
        health = f"http://127.0.0.1:{port}/readyz"
        dashboard = ServiceProcess(
            "dashboard", "fraud_dashboard.main", env, self.workdir, health_url=health
        )
        dashboard.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
        self.processes.append(dashboard)
        return dashboard.start()

    def stream(self, count: int, rate: float, **plan: object) -> StreamReport:
        settings = ProducerSettings(
            kafka_bootstrap_servers=self.kafka, metrics_port=0, **self.topics.model_dump()
        )
        options = {"customers": 2_000, "label_delay_s": 2.0, "seed": 11, **plan}
        return TransactionStream(settings, StreamPlan(rate_tps=rate, count=count, **options)).run()  # type: ignore[arg-type]

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.redis_url)

    def stats(self) -> dict[str, float]:
        raw = self.redis().hgetall(f"{self.prefix}stats")
        return {key.decode(): float(value) for key, value in raw.items()}

    def scored(self) -> int:
        return int(self.stats().get("transactions", 0))

    def wait_scored(self, expected: int, timeout_s: float = 90) -> None:
        wait_for(
            lambda: self.scored() >= expected, timeout_s, f"{expected} scored (at {self.scored()})"
        )

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()


@pytest.fixture
def pipeline_factory(
    kafka_bootstrap, redis_url, topic_factory, model_dir, tmp_path
) -> Iterator[Callable[..., Pipeline]]:
    made: list[Pipeline] = []

    def make(partitions: int = 3, redis_url_override: str | None = None) -> Pipeline:
        suffix = uuid.uuid4().hex[:8]
        pipeline = Pipeline(
            kafka=kafka_bootstrap,
            redis_url=redis_url_override or redis_url,
            topics=topic_factory(partitions),
            prefix=f"p-{suffix}:",
            group=f"consumer-{suffix}",
            workdir=tmp_path / f"pipeline-{suffix}",
            model_dir=model_dir,
        )
        made.append(pipeline)
        return pipeline

    yield make
    for pipeline in made:
        pipeline.stop_all()
