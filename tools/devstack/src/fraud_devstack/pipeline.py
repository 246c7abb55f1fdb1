"""A whole private pipeline as local processes on one broker and Redis: its own topics, key
prefix and consumer group, with the scorer, consumers, dashboard and producer started on demand.
Tests, the benchmark and the fault-injection suite drive the platform through this."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from pydantic import SecretStr

from fraud_devstack.processes import free_port
from fraud_devstack.services import ServiceProcess, wait_for
from fraudcore.kafka_client import committed_and_ends, consumer_config, ensure_topics
from fraudcore.live_stats import LiveTotals
from fraudcore.redis_client import RedisClient, connect
from fraudcore.redis_keys import RedisKeys
from fraudcore.settings import KafkaSettings, RedisSettings, TopicSettings


def private_topics(settings: KafkaSettings, partitions: int = 3) -> TopicSettings:
    """A full set of uniquely named contract topics, created and ready."""
    suffix = uuid.uuid4().hex[:10]
    defaults = TopicSettings()
    topics = defaults.model_copy(
        update={name: f"{value}-{suffix}" for name, value in defaults.model_dump().items()}
    )
    ensure_topics(settings, topics.all_topics(), partitions=partitions)
    return topics


_ELECTING = {KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE,
             KafkaError.UNKNOWN_TOPIC_OR_PART}  # fmt: skip


def topic_size(settings: KafkaSettings, topic: str, timeout_s: float = 10.0) -> int:
    """Messages on ``topic`` now, from its partitions' offsets: exact for a topic no transactional
    producer writes (no commit markers take offsets), such as the input topics. Passed as
    ``drain_topic(expected=...)``, the read ends at the last message instead of waiting idle."""
    reader = Consumer(consumer_config(settings, f"sizer-{uuid.uuid4().hex[:10]}"))
    deadline = time.monotonic() + timeout_s
    try:
        partitions = reader.list_topics(topic, timeout=timeout_s).topics[topic].partitions
        while True:
            try:
                offsets = [
                    reader.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout_s)
                    for p in partitions
                ]
                break
            except KafkaException as error:  # a new topic's leaders are still being elected
                if error.args[0].code() not in _ELECTING or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        reader.close()
    return sum(high - low for low, high in offsets)


def uncommitted(settings: KafkaSettings, group: str, topic: str) -> int:
    """Messages on ``topic`` past ``group``'s committed offsets (all of them where it has none)."""
    reader = Consumer(consumer_config(settings, group))
    try:
        return sum(
            high - max(tp.offset, low) for tp, low, high in committed_and_ends(reader, topic)
        )
    finally:
        reader.close()


def drain_topic(
    settings: KafkaSettings,
    topic: str,
    *,
    expected: int | None = None,
    at_least: int | None = None,
    timeout_s: float = 60.0,
    idle_s: float = 3.0,
    isolation: str = "read_committed",
) -> list[Message]:
    """Every message on ``topic`` from the beginning, each position once: until ``expected``
    messages, or ``idle_s`` without a new one (after ``at_least`` messages, if given, else after
    the first), or ``timeout_s``. ``read_committed`` readers never see a transaction's copies
    before it commits nor those of an aborted one. The partitions are assigned, not subscribed
    to: a group rebalancing mid-read (its coordinator just restarted with the broker) would read
    from the start again, and repeats counted towards ``expected`` end the read short."""
    config = consumer_config(settings, f"reader-{uuid.uuid4().hex[:10]}")
    consumer = Consumer({**config, "isolation.level": isolation})
    partitions = consumer.list_topics(topic, timeout=timeout_s).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
    messages: list[Message] = []
    seen: set[tuple[int, int]] = set()  # (partition, offset) read so far
    deadline = last_seen = time.monotonic()
    deadline += timeout_s
    enough = 1 if at_least is None else at_least
    try:
        while time.monotonic() < deadline:
            if expected is not None and len(messages) >= expected:
                break
            idle = time.monotonic() - last_seen > idle_s
            if expected is None and len(messages) >= enough and idle:
                break
            for message in consumer.consume(1000, timeout=0.2):
                if message.error():
                    raise RuntimeError(message.error())
                position = (message.partition() or 0, message.offset() or 0)
                if position not in seen:
                    seen.add(position)
                    messages.append(message)
                last_seen = time.monotonic()
    finally:
        consumer.close()
    return messages


@dataclass
class LocalPipeline:
    kafka: str
    redis_url: str
    topics: TopicSettings
    workdir: Path
    model_dir: Path
    prefix: str = field(default_factory=lambda: f"p-{uuid.uuid4().hex[:8]}:")
    group: str = field(default_factory=lambda: f"consumer-{uuid.uuid4().hex[:8]}")
    processes: list[ServiceProcess] = field(default_factory=list)
    scorer_port: int = field(default_factory=free_port)
    redis_password: str | None = None
    common_env: dict[str, str] = field(default_factory=dict)  # e.g. Kafka SASL settings
    redis_cluster: bool = False  # redis_url names a node of a Redis Cluster

    @property
    def keys(self) -> RedisKeys:
        return RedisKeys(self.prefix)

    def env(self, **extra: object) -> dict[str, str]:
        values: dict[str, object] = {
            "KAFKA_BOOTSTRAP_SERVERS": self.kafka,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.prefix,
            "CONSUMER_GROUP_ID": self.group,
            "SCORER_URL": f"http://127.0.0.1:{self.scorer_port}",
            "MODEL_DIR": str(self.model_dir),
            "LOG_LEVEL": "INFO",
            **({"REDIS_PASSWORD": self.redis_password} if self.redis_password else {}),
            **({"REDIS_CLUSTER": "true"} if self.redis_cluster else {}),
            **{name.upper(): value for name, value in self.topics.model_dump().items()},
            **self.common_env,
            **extra,
        }
        return {key: str(value) for key, value in values.items()}

    def _start(self, process: ServiceProcess) -> ServiceProcess:
        self.processes.append(process)
        return process.start(timeout_s=120)

    def start_scorer(self, **extra: object) -> ServiceProcess:
        env = self.env(
            SCORER_HOST="127.0.0.1", SCORER_PORT=self.scorer_port, MODEL_WATCH="false", **extra
        )
        health = f"http://127.0.0.1:{self.scorer_port}/readyz"
        return self._start(ServiceProcess("scorer", "fraud_scorer.main", env, self.workdir, health))

    def start_consumer(
        self, mode: str = "remote", name: str = "consumer", instance: str = "c1", **extra: object
    ) -> ServiceProcess:
        """A consumer process; one restarted with the same ``instance`` takes its place in the
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
        consumer = ServiceProcess(name, "fraud_consumer.main", env, self.workdir, health)
        consumer.metrics_port = port
        return self._start(consumer)

    def start_dashboard(self, **extra: object) -> ServiceProcess:
        port = free_port()
        env = self.env(DASHBOARD_HOST="127.0.0.1", DASHBOARD_PORT=port, **extra)
        dashboard = ServiceProcess(
            "dashboard",
            "fraud_dashboard.main",
            env,
            self.workdir,
            f"http://127.0.0.1:{port}/readyz",
        )
        dashboard.url = f"http://127.0.0.1:{port}"
        return self._start(dashboard)

    def start_producer(self, *args: str, name: str = "producer", **extra: object) -> ServiceProcess:
        """``fraud-producer stream <args>`` as its own process (metrics off unless asked): a
        steady-rate load generator unless PRODUCER_PACE=world is passed."""
        env = self.env(**{"METRICS_PORT": 0, "PRODUCER_PACE": "steady", **extra})
        producer = ServiceProcess(
            name, "fraud_producer.cli", env, self.workdir, args=["stream", *args]
        )
        return self._start(producer)

    def redis(self) -> RedisClient:
        password = None if self.redis_password is None else SecretStr(self.redis_password)
        return connect(
            RedisSettings(
                redis_url=self.redis_url, redis_password=password, redis_cluster=self.redis_cluster
            )
        )

    def totals(self) -> LiveTotals:
        return LiveTotals.parse(self.redis().hgetall(self.keys.stats))

    def scored(self) -> int:
        return self.totals().transactions

    def wait_scored(self, expected: int, timeout_s: float = 90) -> None:
        wait_for(
            lambda: self.scored() >= expected, timeout_s, f"{expected} scored (at {self.scored()})"
        )

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()
