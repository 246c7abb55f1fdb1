"""Session-wide real infrastructure and per-test factories.

A real Kafka broker, a real Redis server and a real PostgreSQL server start once per test session
(each only when a test asks for it) on free loopback ports (or, when KAFKA_BOOTSTRAP_SERVERS /
REDIS_URL / DATABASE_URL are set, the ones those point at are used). Each test gets fresh topic
names, consumer groups, key prefixes and databases from factory fixtures, so tests never see each
other's data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from time import time_ns
from typing import Any

import numpy as np
import onnxmltools
import psycopg
import pytest
import redis
import xgboost as xgb
from confluent_kafka import Message
from confluent_kafka.admin import AdminClient
from onnxmltools.convert.common.data_types import FloatTensorType
from prometheus_client import CollectorRegistry
from xdist.scheduler import LoadScopeScheduling

from fraud_bench.decided_world import DecidedWorld, decide_world
from fraud_consumer.decision_sink import DecisionSink
from fraud_consumer.decoding import Decoded, decode_label, decode_transaction
from fraud_consumer.labels import LabelApplier, Waiting
from fraud_consumer.metrics import ConsumerMetrics
from fraud_consumer.pipeline import BatchResult, TransactionPipeline
from fraud_consumer.scorer_choice import make_scorer
from fraud_consumer.scorers import Scorer
from fraud_consumer.settings import ConsumerSettings
from fraud_devstack import KafkaBroker, PostgresServer, RedisServer
from fraud_devstack.pipeline import LocalPipeline, drain_topic, private_topics
from fraud_devstack.redis_cluster import RedisClusterServer
from fraud_producer.settings import ProducerSettings
from fraud_producer.stream import TransactionStream
from fraud_producer.stream_plan import StreamPlan, StreamReport
from fraud_simulator.dataset import DatasetSpec, generate
from fraudcore.decision_log import connect, migrate
from fraudcore.drift import DriftReference
from fraudcore.features import FEATURE_NAMES, replay
from fraudcore.kafka_client import PRODUCED_AT_HEADER, client_config
from fraudcore.model import ModelBundle
from fraudcore.model_card import CARD_FILE, ONNX_FILE, XGBOOST_FILE, ModelCard, Thresholds
from fraudcore.model_registry import Event, ModelStore, Status, promote, register, rollback
from fraudcore.model_registry import migrate as migrate_registry
from fraudcore.redis_client import RedisClient
from fraudcore.redis_client import connect as connect_redis
from fraudcore.schemas import Label, Transaction
from fraudcore.settings import DatabaseSettings, KafkaSettings, RedisSettings, TopicSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
COMMITTED_MODEL_DIR = REPO_ROOT / "training" / "artifacts"


class ChaosTogether(LoadScopeScheduling):
    """``--dist loadgroup`` with the chaos cases as one group: one worker runs them in turn, since
    each starts and kills its own servers at full rate and two at once starve each other. By path,
    since pytest 9 ignores the nodeid suffix that xdist_group markers rely on (xdist 3.8)."""

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.startswith("tests/chaos/"):
            return "tests/chaos"
        return nodeid.rsplit("@", 1)[-1] if "@" in nodeid else nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> ChaosTogether | None:
    return ChaosTogether(config, log) if config.getvalue("dist") == "loadgroup" else None


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


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServer]:
    """A Redis Cluster of six local nodes (three masters with a replica each)."""
    cluster = RedisClusterServer(tmp_path_factory.mktemp("redis-cluster"))
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture
def redis_cluster_url(redis_cluster: RedisClusterServer) -> str:
    """Any node's URL, for settings with REDIS_CLUSTER=true."""
    return redis_cluster.url


@pytest.fixture
def redis_cluster_settings(redis_cluster_url: str) -> RedisSettings:
    return RedisSettings(
        redis_url=redis_cluster_url,
        redis_cluster=True,
        redis_key_prefix=f"test-{uuid.uuid4().hex[:8]}:",
    )


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


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server's URL whose user may create databases."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    server = PostgresServer(tmp_path_factory.mktemp("postgres"))
    try:  # started inside: whatever a failed start left, remove() ends and deletes it
        yield server.start().url
    finally:
        server.remove()


DatabaseFactory = Callable[[], DatabaseSettings]


@pytest.fixture
def database_factory(postgres_url: str) -> Iterator[DatabaseFactory]:
    """make() -> settings of a new, empty database; every one made is dropped after the test."""
    made: list[str] = []

    def make() -> DatabaseSettings:
        name = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        url = urllib.parse.urlsplit(postgres_url)._replace(path=f"/{name}").geturl()
        return DatabaseSettings(database_url=url)

    yield make
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        for name in made:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def decision_log_factory(database_factory: DatabaseFactory) -> DatabaseFactory:
    """make() -> settings of a new database with the decision log's schema migrated."""

    def make() -> DatabaseSettings:
        settings = database_factory()
        with connect(settings) as conn:
            migrate(conn)
        return settings

    return make


@pytest.fixture(scope="session")
def decided_world() -> DecidedWorld:
    """Two simulated days decided by the committed model as the consumer does (features as
    float32, embedded scoring), as decision log rows, with each payment's ground truth."""
    model = ModelBundle.load(COMMITTED_MODEL_DIR)
    spec = DatasetSpec(days=2, customers=300, seed=4)
    world = decide_world(model, spec, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
    # The log's figures need alerts that are frauds and alerts that are not.
    alerted = [label.is_fraud for row, label in zip(world.rows, world.labels, strict=True)
               if row.score >= row.thresholds.review]  # fmt: skip
    assert len(set(alerted)) == 2, "pick a seed whose alerts are mixed"
    return world


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
    # The training rows as drift reference (make drift-reference uses the test week instead).
    reference = DriftReference.of(
        rows, booster.predict(xgb.DMatrix(rows, missing=np.nan)), FEATURE_NAMES,
        model_version=version, window="the training rows", data_sha256="0" * 64,
        code_sha256="0" * 64,
    )  # fmt: skip
    card = ModelCard(
        model_version=version,
        created_at=dt.datetime(2026, 11, 28, tzinfo=dt.UTC),
        feature_names=list(feature_names or FEATURE_NAMES),
        thresholds=Thresholds(review=0.2, block=0.8),
        threshold_rules={"review_alert_rate": 0.01},  # as training writes it (the live guard)
        drift_reference=reference.model_dump(mode="json"),
    )
    (directory / CARD_FILE).write_text(card.model_dump_json(indent=2))
    return directory


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_model_dir(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="session")
def challenger_dir(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second model, test-model-2: the first 12 of model_dir's 40 trees, so other scores."""
    return derived_model_dir(model_dir, tmp_path_factory.mktemp("challenger"), "test-model-2", 12)


@pytest.fixture(scope="session")
def weak_committed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed model cut to its first tree (xgb-weak): servable, far worse than it."""
    directory = tmp_path_factory.mktemp("weak")
    return derived_model_dir(COMMITTED_MODEL_DIR, directory, "xgb-weak", 1)


def derived_model_dir(source: Path, directory: Path, version: str, trees: int) -> Path:
    """Another real model in a second: the first ``trees`` trees of ``source``'s booster (other
    scores), exported to ONNX, its card (and drift reference) naming ``version`` and a training
    data digest."""
    booster = xgb.Booster()
    booster.load_model(str(source / XGBOOST_FILE))
    booster = booster[:trees]
    directory.mkdir(parents=True, exist_ok=True)
    onnx_model = onnxmltools.convert_xgboost(
        booster,
        initial_types=[("features", FloatTensorType([None, len(FEATURE_NAMES)]))],
        target_opset=15,
    )
    (directory / ONNX_FILE).write_bytes(onnx_model.SerializeToString())
    booster.save_model(str(directory / XGBOOST_FILE))
    card = ModelCard.load(source).model_copy(update={"model_version": version})
    card_json = {**card.model_dump(mode="json"), "data": {"sha256": "d" * 64}}
    if reference := card_json.get("drift_reference"):
        # The same training rows, so the source's reference names this version (its score
        # histogram is the source's: close enough to watch a test model's drift window fill).
        card_json["drift_reference"] = {**reference, "model_version": version}
    (directory / CARD_FILE).write_text(json.dumps(card_json, indent=2))
    return directory


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
            "flush_timeout_s": 180.0,  # a broker restarted by a test may take a while to return
            **plan,
        }
        return TransactionStream(settings, StreamPlan(rate_tps=rate, count=count, **options)).run()


@pytest.fixture
def pipeline_factory(
    kafka_bootstrap, redis_url, topic_factory, model_dir, tmp_path
) -> Iterator[Callable[..., Pipeline]]:
    made: list[Pipeline] = []

    def make(
        partitions: int = 3, redis_url_override: str | None = None, redis_cluster: bool = False
    ) -> Pipeline:
        pipeline = Pipeline(
            kafka=kafka_bootstrap,
            redis_url=redis_url_override or redis_url,
            redis_cluster=redis_cluster,
            topics=topic_factory(partitions),
            workdir=tmp_path / f"pipeline-{uuid.uuid4().hex[:8]}",
            model_dir=model_dir,
        )
        made.append(pipeline)
        return pipeline

    yield make
    for pipeline in made:
        pipeline.stop_all()


@dataclass
class InProcessConsumer:
    """The consumer's own batch pipeline and label applier in this process, on a real Redis with
    the real scripts, fed messages made here (no broker): the production decode, features,
    scoring and writes, one partition, offsets counting up."""

    pipeline: TransactionPipeline
    labels: LabelApplier
    partition: int = 0
    offset: int = 0

    def message(self, topic: str, key: str, value: bytes, offset: int | None = None) -> Message:
        if offset is None:
            offset, self.offset = self.offset, self.offset + 1
        headers = [(PRODUCED_AT_HEADER, str(time_ns()).encode())]
        return Message(topic=topic, partition=self.partition, offset=offset,
                       key=key.encode(), value=value, headers=headers)  # fmt: skip

    def decoded(self, tx: Transaction, offset: int | None = None) -> Decoded[Transaction]:
        topic = self.pipeline.settings.topic_transactions
        decoded = decode_transaction(self.message(topic, tx.card_id, tx.to_json(), offset))
        assert isinstance(decoded, Decoded), decoded
        return decoded

    def process(self, batch: list[Decoded[Transaction]]) -> BatchResult:
        """The batch, then its decision log write settled, as the processor's commit does."""
        result = self.pipeline.process(batch, polled_ns=time_ns(), decode_ms=0.0)
        if self.pipeline.decisions is not None:
            result.logged += self.pipeline.decisions.settle()
        return result

    def score(self, txs: list[Transaction]) -> BatchResult:
        return self.process([self.decoded(tx) for tx in txs])

    def apply_labels(self, labels: list[tuple[str, Label]]) -> list[Waiting]:
        """(card id, label) pairs, as the label topic carries them; returns those still waiting."""
        topic = self.pipeline.settings.topic_labels
        waiting = []
        for card_id, label in labels:
            decoded = decode_label(self.message(topic, card_id, label.to_json()))
            assert isinstance(decoded, Decoded), decoded
            waiting.append(Waiting(decoded))
        return self.labels.apply(waiting)


@pytest.fixture
def inprocess_consumer_factory(
    redis_settings: RedisSettings, model_dir: Path
) -> Iterator[Callable[..., InProcessConsumer]]:
    """make(**settings) -> an InProcessConsumer scoring embedded (unless scoring_mode says
    otherwise), under a fresh key prefix (with a decision log when database_url is given)."""
    clients: list[RedisClient] = []
    pipelines: list[TransactionPipeline] = []
    scorers: list[Scorer] = []

    def make(**overrides: Any) -> InProcessConsumer:
        settings = ConsumerSettings(
            kafka_bootstrap_servers="127.0.0.1:9",  # never contacted: no Kafka client is made
            model_dir=model_dir,
            **{
                "scoring_mode": "embedded",
                "redis_url": redis_settings.redis_url,
                "redis_key_prefix": redis_settings.redis_key_prefix,
                "database_url": None,  # a log only when asked, whatever the env
                **overrides,
            },
        )
        client = connect_redis(settings)
        clients.append(client)
        metrics = ConsumerMetrics(CollectorRegistry())
        database = settings.database()
        log = None if database is None else DecisionSink(database)
        scorer = make_scorer(settings)
        scorers.append(scorer)
        pipeline = TransactionPipeline(settings, client, scorer, metrics, log)
        labels = LabelApplier(pipeline.store, metrics, settings.result_ttl_s, log)
        pipelines.append(pipeline)
        return InProcessConsumer(pipeline, labels)

    yield make
    for pipeline in pipelines:
        pipeline.close()
    for scorer in scorers:
        scorer.close()  # the registry's watcher thread, when there is one
    for client in clients:
        client.close()


@dataclass
class Registry:
    """A decision log and a model registry in one fresh database, an artifact store with two
    registered models (``CHAMPION`` serving, ``CHALLENGER`` a candidate), and the registry's
    own commands to change what serves."""

    settings: DatabaseSettings
    store: ModelStore

    def env(self) -> dict[str, str]:
        """What a process needs to serve from this registry (an embedded consumer, a scorer)."""
        return {"DATABASE_URL": self.settings.database_url, "MODEL_STORE_DIR": str(self.store.root)}

    def promote(self, version: str, to: Status) -> list[Event]:
        with connect(self.settings) as conn:
            return promote(conn, version, to, "test", f"{version} to {to.value}")

    def rollback(self) -> list[Event]:
        with connect(self.settings) as conn:
            return rollback(conn, "test", "back")


CHAMPION, CHALLENGER = "test-model-1", "test-model-2"  # model_dir's and challenger_dir's


@pytest.fixture
def model_registry(
    decision_log_factory, model_dir: Path, challenger_dir: Path, tmp_path: Path
) -> Registry:
    settings = decision_log_factory()
    store = ModelStore(tmp_path / "model-store")
    with connect(settings) as conn:
        migrate_registry(conn)
        register(conn, store, model_dir, actor="test", reason="first", data_digest="d" * 64)
        register(conn, store, challenger_dir, actor="test", reason="a retrain")
        promote(conn, CHAMPION, Status.CHAMPION, "test", "first model")
    return Registry(settings, store)
