"""Session-wide real infrastructure and per-test factories.

A real Kafka broker and a real Redis server start once per test session on free loopback ports
(or, when KAFKA_BOOTSTRAP_SERVERS / REDIS_URL are set, the ones those point at are used). Each
test gets fresh topic names and consumer groups from factory fixtures, so tests never see each
other's messages.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxmltools
import pytest
import redis
import xgboost as xgb
from confluent_kafka import Message
from confluent_kafka.admin import AdminClient
from onnxmltools.convert.common.data_types import FloatTensorType

from fraud_producer.dataset import DatasetSpec, generate
from fraud_producer.settings import ProducerSettings
from fraud_producer.stream import StreamPlan, StreamReport, TransactionStream
from fraudcore.devstack import KafkaBroker, RedisServer
from fraudcore.devstack.pipeline import LocalPipeline, drain_topic, private_topics
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.kafka_client import client_config
from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE, ModelCard, Thresholds
from fraudcore.settings import KafkaSettings, RedisSettings, TopicSettings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka"), log_level="WARN")
    try:  # started inside: whatever a failed start left, stop() ends it
        yield broker.start().bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("REDIS_URL")
    if external:
        yield external
        return
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    try:
        yield server.start().url
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
        topics = private_topics(kafka_settings, partitions)
        created.extend(topics.all_topics())
        return topics

    yield make
    if created:
        AdminClient(client_config(kafka_settings)).delete_topics(created, operation_timeout=10)


HttpGet = Callable[[int, str], tuple[int, str]]


@pytest.fixture
def http_get() -> HttpGet:
    """http_get(port, path) on loopback: (status, body); (0, "") while nothing answers."""

    def get(port: int, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError:
            return 0, ""

    return get


@pytest.fixture
def group_id() -> str:
    return f"test-group-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def topic_reader(kafka_settings: KafkaSettings) -> Callable[..., list[Message]]:
    return lambda topic, **kwargs: drain_topic(kafka_settings, topic, **kwargs)


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
        threshold_rules={"review_alert_rate": 0.01},  # as training writes it (the live guard)
    )
    (directory / CARD_FILE).write_text(card.model_dump_json(indent=2))
    return directory


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_dir(tmp_path_factory.mktemp("model"))


@dataclass
class Pipeline(LocalPipeline):
    """LocalPipeline plus an in-process producer, convenient for tests."""

    def stream(self, count: int, rate: float, **plan: object) -> StreamReport:
        settings = ProducerSettings(
            kafka_bootstrap_servers=self.kafka, metrics_port=0, **self.topics.model_dump()
        )
        options: dict[str, Any] = {
            "customers": 2_000,
            "label_delay_s": 2.0,
            "seed": 11,
            "pace": "steady",
            **plan,
        }
        return TransactionStream(settings, StreamPlan(rate_tps=rate, count=count, **options)).run()


@pytest.fixture
def pipeline_factory(
    kafka_bootstrap, redis_url, topic_factory, model_dir, tmp_path
) -> Iterator[Callable[..., Pipeline]]:
    made: list[Pipeline] = []

    def make(partitions: int = 3, redis_url_override: str | None = None) -> Pipeline:
        pipeline = Pipeline(
            kafka=kafka_bootstrap,
            redis_url=redis_url_override or redis_url,
            topics=topic_factory(partitions),
            workdir=tmp_path / f"pipeline-{uuid.uuid4().hex[:8]}",
            model_dir=model_dir,
        )
        made.append(pipeline)
        return pipeline

    yield make
    for pipeline in made:
        pipeline.stop_all()
