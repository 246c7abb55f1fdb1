"""The run's external Kafka: one broker outside the cluster, on the node's own address.

It plays a managed Kafka for the chart's `global.kafka.provider: external`: SCRAM-SHA-512 on
its only listener, an admin user for this harness and one user for the platform's clients
(their credentials go into the Secret the chart reads), topics created up front as a managed
service's administrator would. Pods reach it through the bridge; nothing outside the machine
can. The harness reads topics and offsets directly (the exact accounting's source of truth).
"""

from __future__ import annotations

import secrets
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from confluent_kafka import Consumer, KafkaError, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from fraud_devstack.kafka_broker import KafkaBroker
from fraud_k8sapi.node.network import NODE_IP
from fraudcore.kafka_client import client_config, ensure_topics
from fraudcore.settings import KafkaSettings, TopicSettings

CLIENT_USER = "fraud-platform"
PARTITIONS = 6  # the chart's own default for the transactions topic (one consumer per partition)

Offsets = dict[int, int]


@dataclass
class ExternalKafka:
    workdir: Path
    admin_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    client_password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    topics: TopicSettings = field(default_factory=TopicSettings)
    broker: KafkaBroker = field(init=False)
    _clients: dict[str, Consumer] = field(default_factory=dict, init=False)
    _started: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        self.broker = KafkaBroker(
            self.workdir,
            host=NODE_IP,
            scram_users={"admin": self.admin_password, CLIENT_USER: self.client_password},
            partitions=PARTITIONS,
            log_level="WARN",
        )

    @property
    def bootstrap_servers(self) -> str:
        return self.broker.bootstrap_servers

    def settings(self) -> KafkaSettings:
        return KafkaSettings(
            kafka_bootstrap_servers=self.bootstrap_servers,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username="admin",
            kafka_sasl_password=self.admin_password,
            kafka_client_id="fraud-k8se2e",
        )

    def start(self) -> float:
        """Start (or restart, keeping the data) and wait for metadata; seconds it took."""
        began = time.monotonic()
        if not self._started:  # an earlier run's data holds that run's SCRAM credentials
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._started = True
        self.broker.start(timeout_s=120)
        return time.monotonic() - began

    def stop(self) -> None:
        self.close_clients()  # they would only retry (and log) while the broker is away
        self.broker.stop()

    def _client(self, group: str = "fraud-k8se2e-offsets") -> Consumer:
        """A long-lived client per group for offset look-ups (one connection, not one per call)."""
        if group not in self._clients:
            config = {**client_config(self.settings()), "group.id": group,
                      "enable.auto.commit": False}  # fmt: skip
            self._clients[group] = Consumer(config)
        return self._clients[group]

    def close_clients(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()

    def create_topics(self) -> None:
        ensure_topics(self.settings(), self.topics.all_topics(), partitions=PARTITIONS)

    def end_offsets(self, topic: str) -> Offsets:
        client = self._client()
        partitions = client.list_topics(topic, timeout=10).topics[topic].partitions
        return {
            number: client.get_watermark_offsets(TopicPartition(topic, number), timeout=10)[1]
            for number in partitions
        }

    def committed(self, group: str, topic: str) -> Offsets:
        """The group's committed offsets (-1001: nothing committed on that partition yet)."""
        wanted = [TopicPartition(topic, number) for number in self.end_offsets(topic)]
        return {tp.partition: tp.offset for tp in self._client(group).committed(wanted, timeout=10)}

    def lag(self, group: str, topic: str) -> int:
        ends, done = self.end_offsets(topic), self.committed(group, topic)
        return sum(end - max(done.get(number, 0), 0) for number, end in ends.items())

    def read(self, topic: str, since: Offsets, until: Offsets) -> list[Message]:
        """Every message of ``topic`` between two offset snapshots, exactly."""
        wanted = {number: end for number, end in until.items() if end > since.get(number, 0)}
        if not wanted:
            return []
        # Committed messages only; the end-of-partition event moves past transaction markers,
        # which take an offset each but are never delivered (the consumer writes transactionally).
        config = {**client_config(self.settings()), "group.id": f"reader-{uuid.uuid4().hex[:8]}",
                  "enable.auto.commit": False, "isolation.level": "read_committed",
                  "enable.partition.eof": True}  # fmt: skip
        consumer = Consumer(config)
        consumer.assign([TopicPartition(topic, n, since.get(n, 0)) for n in wanted])
        messages: list[Message] = []
        position = dict(since)
        deadline = time.monotonic() + 120
        try:
            while any(position.get(n, 0) < end for n, end in wanted.items()):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{topic}: read {len(messages)}, offsets {position}")
                for message in consumer.consume(1000, timeout=0.5):
                    number, offset = int(message.partition() or 0), int(message.offset() or 0)
                    error = message.error()
                    if error is not None and error.code() == KafkaError._PARTITION_EOF:
                        position[number] = max(position.get(number, 0), offset)
                        continue
                    if error is not None:
                        raise RuntimeError(error)
                    if number in wanted and offset < wanted[number]:
                        messages.append(message)
                    position[number] = max(position.get(number, 0), offset + 1)
        finally:
            consumer.close()
        return messages

    def answers(self) -> bool:
        try:
            return bool(AdminClient(client_config(self.settings())).list_topics(timeout=3).brokers)
        except Exception:
            return False
