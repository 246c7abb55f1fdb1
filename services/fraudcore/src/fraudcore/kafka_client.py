"""Typed Kafka client configuration and the few admin operations every part needs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

from fraudcore.settings import KafkaSecurityProtocol, KafkaSettings

# Errors that mean the configuration is wrong (credentials, rights), not that Kafka is briefly
# away: retrying cannot help, the process stops and says so.
CONFIGURATION_ERRORS = frozenset({
    KafkaError._AUTHENTICATION,
    KafkaError.SASL_AUTHENTICATION_FAILED,
    KafkaError.TOPIC_AUTHORIZATION_FAILED,
    KafkaError.GROUP_AUTHORIZATION_FAILED,
    KafkaError.CLUSTER_AUTHORIZATION_FAILED,
    KafkaError.TRANSACTIONAL_ID_AUTHORIZATION_FAILED,
})  # fmt: skip

# Header carrying the produce time (ns since the epoch, ASCII) for end-to-end latency.
PRODUCED_AT_HEADER = "produced_at_ns"

# Latency-first producer defaults; idempotence gives ordered, duplicate-free retries per partition.
PRODUCER_DEFAULTS: dict[str, Any] = {
    "acks": "all",
    "enable.idempotence": True,
    "linger.ms": 2,
    "compression.type": "lz4",
    "batch.num.messages": 10_000,
    "queue.buffering.max.messages": 500_000,
    "queue.buffering.max.kbytes": 262_144,
}

# Offsets are committed explicitly, only after the results they cover are durably written.
CONSUMER_DEFAULTS: dict[str, Any] = {
    "enable.auto.commit": False,
    "enable.auto.offset.store": False,
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
    # The broker answers a waiting fetch as soon as a record arrives, so a long wait costs no
    # latency; a 5 ms one cost the broker a quarter of a core per idle consumer.
    "fetch.wait.max.ms": 500,
    "fetch.min.bytes": 1,
    "partition.assignment.strategy": "cooperative-sticky",
}


def client_config(settings: KafkaSettings) -> dict[str, Any]:
    """librdkafka properties for connection and security, secrets unwrapped only here."""
    conf: dict[str, Any] = {
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "client.id": settings.kafka_client_id,
        "security.protocol": settings.kafka_security_protocol.value,
    }
    if settings.kafka_uses_sasl:
        assert settings.kafka_sasl_password is not None  # guaranteed by the settings validator
        conf["sasl.mechanism"] = settings.kafka_sasl_mechanism.value
        conf["sasl.username"] = settings.kafka_sasl_username
        conf["sasl.password"] = settings.kafka_sasl_password.get_secret_value()
    if settings.kafka_security_protocol in (
        KafkaSecurityProtocol.SSL,
        KafkaSecurityProtocol.SASL_SSL,
    ):
        optional = {
            "ssl.ca.location": settings.kafka_ssl_ca_location,
            "ssl.certificate.location": settings.kafka_ssl_certificate_location,
            "ssl.key.location": settings.kafka_ssl_key_location,
            "ssl.key.password": (
                settings.kafka_ssl_key_password.get_secret_value()
                if settings.kafka_ssl_key_password
                else None
            ),
        }
        conf.update({key: value for key, value in optional.items() if value is not None})
    return conf


def producer_config(settings: KafkaSettings, **overrides: Any) -> dict[str, Any]:
    return {**client_config(settings), **PRODUCER_DEFAULTS, **overrides}


def consumer_config(settings: KafkaSettings, group_id: str, **overrides: Any) -> dict[str, Any]:
    return {**client_config(settings), **CONSUMER_DEFAULTS, "group.id": group_id, **overrides}


def committed_and_ends(
    consumer: Consumer, topic: str, timeout_s: float = 10.0
) -> list[tuple[TopicPartition, int, int]]:
    """Each partition of ``topic``: the consumer's group's committed offset (negative: none) and
    the partition's low and high watermarks."""
    partitions = consumer.list_topics(topic, timeout=timeout_s).topics[topic].partitions
    committed = consumer.committed(
        [TopicPartition(topic, p) for p in partitions], timeout=timeout_s
    )
    return [(tp, *consumer.get_watermark_offsets(tp, timeout=timeout_s)) for tp in committed]


def ensure_topics(
    settings: KafkaSettings,
    topics: Iterable[str],
    *,
    partitions: int = 3,
    timeout_s: float = 30.0,
) -> None:
    """Create the topics that do not exist yet; wait until the broker lists all of them."""
    admin = AdminClient(client_config(settings))
    wanted = set(topics)
    deadline = time.monotonic() + timeout_s
    while True:
        existing = set(admin.list_topics(timeout=max(1.0, deadline - time.monotonic())).topics)
        missing = wanted - existing
        if not missing:
            return
        futures = admin.create_topics(
            [NewTopic(name, num_partitions=partitions, replication_factor=1) for name in missing],
            operation_timeout=10,
        )
        for future in futures.values():
            try:
                future.result()
            except KafkaException as error:
                if error.args[0].name() != "TOPIC_ALREADY_EXISTS" and time.monotonic() > deadline:
                    raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics {sorted(missing)} not visible after {timeout_s:.0f} s")
        time.sleep(0.1)


def metadata_check(
    settings: KafkaSettings, topics: Iterable[str], *, timeout_s: float = 1.5
) -> Callable[[], tuple[bool, str]]:
    """A readiness check: Kafka answers a metadata request and each topic has all its leaders.

    It uses its own admin connection, so a probe never waits behind the worker's clients.
    """
    admin = AdminClient(client_config(settings))
    wanted = sorted(set(topics))

    def check() -> tuple[bool, str]:
        try:
            metadata = admin.list_topics(timeout=timeout_s)
        except KafkaException as error:
            where = settings.kafka_bootstrap_servers
            return False, f"kafka: no metadata from {where} ({error.args[0]})"
        problems = []
        for name in wanted:
            topic = metadata.topics.get(name)
            if topic is None or topic.error is not None:
                problems.append(f"topic {name} missing")
            elif any(partition.leader < 0 for partition in topic.partitions.values()):
                problems.append(f"topic {name} has partitions without a leader")
        if problems:
            return False, "kafka: " + ", ".join(problems)
        return True, f"kafka: {len(metadata.brokers)} broker(s), topics ready"

    return check
